"""Alembic revisions: the one a database is at, and whether this code's migrations know it."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from extensions import migrate


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
