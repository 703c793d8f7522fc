"""flask send-outbox: drain the SMS and email outbox (every minute in production)."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this module's commands on ``app``."""
