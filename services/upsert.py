"""``INSERT … ON CONFLICT`` for whichever database is in use: SQLite and PostgreSQL both speak it,
but SQLAlchemy builds it from each dialect's own ``insert``."""

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from extensions import db


def insert_on_conflict(model):
    """An ``insert(model)`` that has ``on_conflict_do_nothing`` / ``on_conflict_do_update``."""
    dialect = db.session.get_bind().dialect.name
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(model)
