"""Each worker's own database: copied from one migrated template per run, emptied between tests, dropped at the end.

The controlling process (or a run without xdist, lazily) migrates a template once: on PostgreSQL the database
TEST_DATABASE_URL names, on SQLite a file in a temporary directory. Every worker then makes its own copy at the start
of the run, dropping whatever a killed earlier run left under the same name, so no state carries from run to run.

Between tests, ``DatabaseCleaner`` empties only the tables that hold rows (one probe finds them) instead of
truncating every table, and puts back the sequences a test advanced, so ids start at 1 again as they did.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.exc import OperationalError

from tests import isolation
from tests.fresh_database import run_on_server

# Tables whose triggers refuse DELETE (the append-only audit log): emptied by TRUNCATE, which no row trigger sees.
APPEND_ONLY_TABLES = ("audit_entry",)


def migrate(url: str, build_app: Callable[[str], Flask]) -> None:
    """Bring ``url`` to the latest migration from an empty schema (PostgreSQL's public schema is made anew)."""
    from flask_migrate import upgrade

    from extensions import db

    app = build_app(url)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        upgrade()
        db.session.remove()
        db.engine.dispose()


def prepare_template(directory: Path, build_app: Callable[[str], Flask]) -> str:
    """Migrate the run's template and return its URL: PostgreSQL's base database, else ``directory/template.db``."""
    if isolation.on_postgresql():
        url = isolation.base_database_url()
    else:
        directory.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{directory / 'template.db'}"
    migrate(url, build_app)
    return url


def copy_for_worker(template_url: str, worker: str | None = None) -> str:
    """A fresh copy of the template for this worker (``<base>_<worker>``, or ``<worker>.db`` beside the template)."""
    if template_url.startswith("postgresql"):
        url = isolation.worker_database_url(worker)
        name, template = make_url(url).database, make_url(template_url).database
        run_on_server(make_url(url), f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        # Two workers copying at once can meet the template still in use for a moment: try again briefly.
        for attempt in range(20):
            try:
                run_on_server(make_url(url), f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
                break
            except OperationalError:
                if attempt == 19:
                    raise
                time.sleep(0.25)
        return url
    target = sqlite_worker_path(template_url, worker)
    shutil.copyfile(make_url(template_url).database, target)
    return f"sqlite:///{target}"


def sqlite_worker_path(template_url: str, worker: str | None = None) -> Path:
    """Where a worker's SQLite copy lives: beside the template, so every worker of the run can name the others'."""
    return Path(make_url(template_url).database).with_name(f"{worker or isolation.worker_id()}.db")


def drop_worker_database(url: str) -> None:
    if url.startswith("postgresql"):
        run_on_server(make_url(url), f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


class DatabaseCleaner:
    """Empties the worker's database between tests, touching only the tables that hold rows."""

    def __init__(self, url: str):
        from extensions import db

        # A test that left a transaction open would otherwise make the cleanup wait for ever.
        options = {"connect_args": {"options": "-c lock_timeout=10s"}} if url.startswith("postgresql") else {}
        self.engine: Engine = create_engine(url, **options)
        self.postgresql = self.engine.dialect.name == "postgresql"
        with self.engine.connect() as connection:
            present = set(self._table_names(connection))
        model_tables = [table.name for table in reversed(db.metadata.sorted_tables)]  # children first
        # Tables outside the models (SQLite's FTS5 search table) first: nothing references them.
        self.tables = sorted(present - set(model_tables)) + [name for name in model_tables if name in present]
        self._probe = text(" UNION ALL ".join(
            f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM {name})" for name in self.tables
        ))

    def _table_names(self, connection) -> list[str]:
        if self.postgresql:
            names = connection.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars()
            return [name for name in names if name != "alembic_version"]
        rows = connection.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'table'")).all()
        virtual = [name for name, sql in rows if (sql or "").upper().startswith("CREATE VIRTUAL TABLE")]
        return [
            name for name, _ in rows
            if name != "alembic_version" and not name.startswith("sqlite_")
            and not any(name.startswith(f"{parent}_") for parent in virtual)  # FTS5's own shadow tables
        ]

    def tables_with_rows(self) -> list[str]:
        with self.engine.connect() as connection:
            found = set(connection.execute(self._probe).scalars())
        return [name for name in self.tables if name in found]

    def empty(self) -> list[str]:
        """Delete every row, children first, and restart what counts ids; returns the tables that held rows."""
        dirty = self.tables_with_rows()
        with self.engine.begin() as connection:
            if self.postgresql:
                self._empty_postgresql(connection, dirty)
            else:
                self._empty_sqlite(connection, dirty)
        return dirty

    def _empty_postgresql(self, connection, dirty: list[str]) -> None:
        for name in dirty:
            verb = "TRUNCATE" if name in APPEND_ONLY_TABLES else "DELETE FROM"
            connection.execute(text(f"{verb} {name}"))
        # Every sequence a test drew from, whether or not its rows are still there (last_value is NULL until used).
        connection.execute(text(
            "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, 1, false) "
            "FROM pg_sequences WHERE schemaname = 'public' AND last_value IS NOT NULL"
        ))

    def _empty_sqlite(self, connection, dirty: list[str]) -> None:
        from models.moderation import SQLITE_APPEND_ONLY_TRIGGERS

        append_only = [name for name in dirty if name in APPEND_ONLY_TABLES]
        if append_only:  # the audit log refuses DELETE by trigger; between tests only, lift it for a moment
            for trigger in SQLITE_APPEND_ONLY_TRIGGERS:
                connection.execute(text(f"DROP TRIGGER IF EXISTS {trigger}"))
        for name in dirty:
            connection.execute(text(f"DELETE FROM {name}"))
        if append_only:
            for create in SQLITE_APPEND_ONLY_TRIGGERS.values():
                connection.execute(text(create))
        has_sequences = connection.execute(text(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'"
        )).first()
        if has_sequences:
            connection.execute(text("DELETE FROM sqlite_sequence"))

    def dispose(self) -> None:
        self.engine.dispose()
