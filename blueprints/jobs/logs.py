"""flask anonymise-logs: remove IPs and user ids from records older than the retention (daily)."""

import click
from flask import Flask

from services import clock, log_retention, site_settings


def init_app(app: Flask) -> None:
    """Register this module's commands on ``app``."""

    @app.cli.command("anonymise-logs")
    @click.option("--batch-size", type=click.IntRange(min=1), default=1000, show_default=True,
                  help="Rows updated per transaction.")
    def anonymise_logs_command(batch_size: int):
        """Anonymise access records and security events older than LOG_RETENTION_DAYS (run daily)."""
        days = int(site_settings.effective("LOG_RETENTION_DAYS"))  # the configuration, or an admin's override
        counts = log_retention.anonymise_logs(clock.now(), days, batch_size=batch_size)
        click.echo(f"older than {days} days: {counts.access_records} access records anonymised,"
                   f" {counts.security_events} security events anonymised")
