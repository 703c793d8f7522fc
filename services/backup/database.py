"""The database part of a backup, for whichever database the site runs on."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from services.backup import postgres_dump, sqlite_file
from services.backup.errors import BackupError

SUPPORTED = ("sqlite", "postgresql")


def kind_of(engine: Engine) -> str:
    """``sqlite`` or ``postgresql``; any other database is refused."""
    kind = engine.dialect.name
    if kind not in SUPPORTED:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {kind}.")
    return kind


def check_tools(engine: Engine, *, restoring: bool = False) -> None:
    """Fail before anything is read or written when a program the database needs is missing."""
    if kind_of(engine) == "postgresql":
        postgres_dump.tool_path("pg_restore" if restoring else "pg_dump")


def dump_database(engine: Engine, dest_dir: Path, *, busy_timeout: float) -> str:
    """Write the database into ``dest_dir``; the file name."""
    if kind_of(engine) == "sqlite":
        return sqlite_file.dump(engine.url, dest_dir, busy_timeout=busy_timeout)
    return postgres_dump.dump(engine.url, dest_dir)


def load_database(engine: Engine, backup_file: Path, *, busy_timeout: float) -> None:
    """Overwrite the live database with ``backup_file``. The caller has closed the engine's connections."""
    if kind_of(engine) == "sqlite":
        sqlite_file.load(engine.url, backup_file, busy_timeout=busy_timeout)
    else:
        postgres_dump.load(engine.url, backup_file)


def describe(engine: Engine) -> str:
    """The live database in words."""
    if kind_of(engine) == "sqlite":
        return sqlite_file.describe(engine.url)
    return postgres_dump.describe(engine.url)
