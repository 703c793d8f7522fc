"""flask purge-deleted: erase accounts whose deletion grace period has ended (daily)."""

import click
from flask import Flask

from services import deletion


def init_app(app: Flask) -> None:
    """Register this module's commands on ``app``."""

    @app.cli.command("purge-deleted")
    def purge_deleted():
        """Erase every account whose deletion grace period has ended, and record each in the ledger."""
        erased = deletion.purge_due()
        click.echo(f"Erased {len(erased)} account(s).")

    @app.cli.command("reapply-erasures")
    def reapply_erasures():
        """After restoring a backup: erase again every account in the erasure ledger."""
        again = deletion.reapply_erasures()
        click.echo(f"Erased again {len(again)} account(s) restored from backup.")
