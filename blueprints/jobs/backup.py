"""flask backup (daily) and flask restore: the database and uploads, with the erasure ledger re-applied."""

from pathlib import Path

import click
from flask import Flask, current_app

from extensions import db
from services import clock, site_settings
from services.backup import database
from services.backup.create import make_backup
from services.backup.errors import BackupError
from services.backup.restore import plan_restore, restore_backup


def _busy_timeout() -> float:
    return current_app.config["SQLITE_BUSY_TIMEOUT_MS"] / 1000


def _resolve(backup: str) -> Path:
    """A path as given, or else the name of a backup in BACKUP_DIR."""
    given = Path(backup)
    if given.exists() or given.is_absolute():
        return given
    return Path(current_app.config["BACKUP_DIR"]) / backup


def init_app(app: Flask) -> None:
    """Register this module's commands on ``app``."""

    @app.cli.command("backup")
    @click.option("--dir", "directory", type=click.Path(file_okay=False),
                  help="Write the backup here instead of BACKUP_DIR (retention applies to this directory).")
    def backup_command(directory: str | None):
        """Back up the database and uploads into a new timestamped directory, then prune old backups."""
        try:
            database.check_tools(db.engine)  # a missing pg_dump is reported before the database is asked anything
            days = int(site_settings.effective("BACKUP_RETENTION_DAYS"))  # the configuration, or an admin's override
            result = make_backup(Path(directory or current_app.config["BACKUP_DIR"]),
                                 Path(current_app.config["UPLOAD_DIR"]), now=clock.now(),
                                 retention_days=days, busy_timeout=_busy_timeout())
        except (BackupError, OSError) as error:  # OSError: a full or read-only disk, said in one line
            raise click.ClickException(f"Backup failed: {error}") from None
        click.echo(f"Wrote {result.path}: {result.database} database at migration {result.alembic_revision}, "
                   f"{result.upload_files} upload file(s), {result.size_bytes} bytes.")
        for path in result.pruned:
            click.echo(f"Pruned {path} (older than {days} days).")
        if not result.pruned:
            click.echo(f"Pruned nothing (no backup older than {days} days but the newest).")

    @app.cli.command("restore")
    @click.argument("backup")
    @click.option("--yes", is_flag=True, help="Really overwrite the database and uploads.")
    def restore_command(backup: str, yes: bool):
        """Restore BACKUP (a path, or a name in BACKUP_DIR) and erase again every account in the live ledger."""
        try:
            plan = plan_restore(_resolve(backup), Path(current_app.config["UPLOAD_DIR"]))
            for line in plan.describe():
                click.echo(line)
            if not yes:
                raise click.ClickException("Nothing was changed. Stop the app servers and jobs, then run again "
                                           "with --yes to restore.")
            summary = restore_backup(plan, busy_timeout=_busy_timeout())
        except (BackupError, OSError) as error:
            raise click.ClickException(f"Restore failed: {error}") from None
        click.echo(f"Restored the database and {summary.upload_files} upload file(s) from {plan.path}.")
        if summary.migrated_to:
            click.echo(f"Migrated the restored database to {summary.migrated_to}.")
        click.echo(f"Erasure ledger: {summary.ledger_rows_added} row(s) carried over from the live database; "
                   f"{len(summary.erased_again)} account(s) erased again.")
