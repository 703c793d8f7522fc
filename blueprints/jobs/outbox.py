"""flask send-outbox: drain the SMS and email outbox (every minute in production)."""

import click
from flask import Flask

from services import outbox


def init_app(app: Flask) -> None:
    """Register this module's commands on ``app``."""
    @app.cli.command("send-outbox")
    @click.option("--limit", type=int, default=None, help="Messages to send at most (default OUTBOX_BATCH_SIZE).")
    def send_outbox(limit: int | None) -> None:
        """Send the SMS and email messages that are due; retry failures later with backoff."""
        result = outbox.send_due(limit=limit)
        click.echo(f"sent {result.sent}, retrying {result.retrying}, failed {result.failed}")
