"""flask anonymise-logs: remove IPs and user ids from records older than the retention (daily)."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this module's commands on ``app``."""
