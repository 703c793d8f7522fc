"""Periodic jobs run from cron or systemd timers, one module per job family."""

from flask import Flask

from blueprints.jobs import backup, logs, outbox, purge


def init_app(app: Flask) -> None:
    for module in (outbox, purge, logs, backup):
        module.init_app(app)
