"""flask purge-deleted: erase accounts whose deletion grace period has ended (daily)."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this module's commands on ``app``."""
