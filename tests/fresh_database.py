"""A database of its own for a test that runs the app in other processes (gunicorn, flask commands).

A SQLite file by default; with TEST_DATABASE_URL on PostgreSQL, a new database on that server named after the
test database plus a suffix, so it never touches the suite's own tables.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import URL, create_engine, make_url, text

# A UTF-8 ctype whatever the cluster's default, as the trigram search index needs for Chinese (see README).
UTF8_DATABASE = "TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"


def fresh_database_url(directory: Path, suffix: str) -> str:
    """A SQLite file ``<suffix>.db`` in ``directory``, or a freshly created PostgreSQL ``<test db>_<suffix>``."""
    configured = os.environ.get("TEST_DATABASE_URL", "")
    if not configured.startswith("postgresql"):
        return f"sqlite:///{directory / f'{suffix}.db'}"
    url = make_url(configured)
    url = url.set(database=f"{url.database}_{suffix}")
    run_on_server(url, f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
    run_on_server(url, f'CREATE DATABASE "{url.database}" {UTF8_DATABASE}')
    return url.render_as_string(hide_password=False)


def drop_database(database_url: str) -> None:
    """Remove a PostgreSQL database made by ``fresh_database_url`` (a SQLite file goes with its directory)."""
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        run_on_server(url, f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')


def run_on_server(url: URL, statement: str) -> None:
    """One statement on the server's maintenance database, outside a transaction (CREATE DATABASE needs that)."""
    engine = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()
