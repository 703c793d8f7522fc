"""Alembic revisions: the one a database is at, and whether this code's migrations know it."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from sqlalchemy import exc, inspect, text
from sqlalchemy.engine import Engine

from extensions import migrate
from services.backup.errors import BackupError


def database_revision(engine: Engine) -> str | None:
    """The revision in ``alembic_version``; None for a database never migrated."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(migrate.get_config())


def code_head() -> str:
    """The newest revision among this code's migrations."""
    return _scripts().get_current_head()


def known_to_code(revision: str | None) -> bool:
    """True when this code's migrations include ``revision`` (None, an unmigrated database, always is)."""
    if revision is None:
        return True
    return revision in {script.revision for script in _scripts().walk_revisions()}


def live_revision(engine: Engine) -> str | None:
    """The live database's revision; None when it is empty or cannot be reached (a fresh server)."""
    try:
        return database_revision(engine)
    except exc.OperationalError:
        return None


def check_replaceable(kind: str, live: str | None, backup: str | None) -> None:
    """Refuse a PostgreSQL restore over a schema of another migration.

    ``pg_restore --clean`` drops only the objects the dump holds: tables a later migration added would
    stay, and upgrading the restored database would then fail on them. SQLite replaces the whole file.
    """
    if kind == "postgresql" and live is not None and live != backup:
        raise BackupError(
            f"The live database is at migration {live} and the backup at {backup}. Empty the database first "
            "(as its owner: DROP SCHEMA public CASCADE; CREATE SCHEMA public;), or run `flask db downgrade "
            f"{backup}`, then restore again; the restore upgrades it to this code's migrations.")
