"""The benchmark's catalog: a fresh SQLite file or PostgreSQL database, migrated, seeded and topped up.

PostgreSQL databases are created from template0 with a UTF-8 ctype (the trigram
search index needs it, see README) and analysed after the bulk load, as after
any import in production.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

from errors import BenchError
from server import run_flask

PREFERRED_TOOL = "jungle-scout"
DEFAULT_PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def pg_admin_url() -> str:
    """Where databases are created and dropped (BENCH_PG_ADMIN_URL)."""
    return os.environ.get("BENCH_PG_ADMIN_URL", DEFAULT_PG_ADMIN_URL)


def _admin_execute(admin_url: str, *statements: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            for statement in statements:
                connection.execute(text(statement))
    except Exception as error:  # any driver error: say where, and that the server must be running
        raise BenchError(f"PostgreSQL at {admin_url} refused `{statements[-1]}`: {error}") from error
    finally:
        engine.dispose()


@contextmanager
def fresh_pg_database(name: str):
    """A new, empty UTF-8 database called ``name`` (an old one is dropped first); yields its URL, drops it after."""
    from sqlalchemy.engine import make_url

    admin = pg_admin_url()
    _admin_execute(admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)",
                   f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8'"
                   " LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'")
    try:
        yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    finally:
        _admin_execute(admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def scalar(url: str, sql: str, **params) -> object:
    """One value from the database at ``url``."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(sql), params).scalar()
    finally:
        engine.dispose()


def analyse(url: str) -> None:
    """Fresh planner statistics after the bulk load (VACUUM ANALYZE on PostgreSQL, ANALYZE on SQLite)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))
    finally:
        engine.dispose()


def build_catalog(env: dict[str, str], total: int) -> int:
    """Migrate, seed the real catalog, top it up with synthetic tools to ``total``; returns the tool count."""
    url = env["DATABASE_URL"]
    run_flask(env, "db", "upgrade")
    run_flask(env, "seed")
    missing = total - int(scalar(url, "SELECT count(*) FROM tool"))
    if missing > 0:
        run_flask(env, "seed", "--synthetic", str(missing))
    analyse(url)
    return int(scalar(url, "SELECT count(*) FROM tool"))


def pick_tool_slug(url: str) -> str:
    """The preferred tool's slug when it exists, else the first real tool's."""
    slug = scalar(url, "SELECT slug FROM tool WHERE slug = :slug", slug=PREFERRED_TOOL)
    slug = slug or scalar(url, "SELECT slug FROM tool ORDER BY is_synthetic, id LIMIT 1")
    if slug is None:
        raise BenchError("the catalog has no tools to benchmark a tool page with")
    return str(slug)


def count_access_records(url: str) -> int:
    """Access records the workers wrote (read after gunicorn stopped: the last batch is written at exit)."""
    return int(scalar(url, "SELECT count(*) FROM access_record"))


def sqlite_url(workdir: Path) -> str:
    """A new SQLite file's URL in ``workdir``."""
    return f"sqlite:///{workdir / 'bench.db'}"
