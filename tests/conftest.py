"""Fixtures: the app on a real database (SQLite file, or PostgreSQL with TEST_DATABASE_URL)."""

from __future__ import annotations

import os

import pytest
from flask_migrate import upgrade
from sqlalchemy import event, text

from app import create_app
from config import TestConfig
from extensions import db
from models.moderation import SQLITE_APPEND_ONLY_TRIGGERS
from services import clock
from services.seeding import seed_catalog
from tests.factories import small_catalog
from tests.fakes.wechat import fake_wechat  # noqa: F401  (a fixture for every test module)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """PostgreSQL when TEST_DATABASE_URL is set, else a fresh SQLite file."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


_apps_made = []


def make_app(database_url: str, **overrides):
    """A test app; every one made is closed after its test (see ``close_extra_apps``)."""
    app = create_app({**_test_settings(), "SQLALCHEMY_DATABASE_URI": database_url, **overrides})
    _apps_made.append(app)
    return app


@pytest.fixture(autouse=True)
def close_extra_apps():
    """Dispose the connection pools of apps a test made, so no connection outlives its test."""
    yield
    while _apps_made:
        made = _apps_made.pop()
        with made.app_context():
            db.session.remove()
            db.engine.dispose()


def _test_settings() -> dict:
    return {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}


@pytest.fixture(scope="session")
def migrated(database_url):
    """Apply the migrations once per run, from an empty schema."""
    app = make_app(database_url)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        upgrade()
        db.engine.dispose()
    return True


def empty_tables() -> None:
    """Delete every row, children first; faster than migrating again."""
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as connection:
        if db.engine.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            # The audit log refuses DELETE by trigger; between tests only, lift it for a moment.
            for name in SQLITE_APPEND_ONLY_TRIGGERS:
                connection.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))
            for create in SQLITE_APPEND_ONLY_TRIGGERS.values():
                connection.execute(text(create))


@pytest.fixture
def app_config() -> dict:
    """Extra settings for the ``app`` fixture; a test module overrides this fixture to change them."""
    return {}


@pytest.fixture
def app(database_url, migrated, app_config):
    app = make_app(database_url, **app_config)
    yield app
    with app.app_context():
        db.session.remove()
        empty_tables()
        db.engine.dispose()
    clock.unfreeze()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def catalog(app):
    """The small test catalog, seeded."""
    with app.app_context():
        seed_catalog(small_catalog())
    return app


class QueryCounter:
    """Counts SQL statements sent while active."""

    def __init__(self, engine):
        self.engine = engine
        self.statements: list[str] = []

    def _record(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._record)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """``with count_queries() as counter: …`` then ``counter.count``."""

    def factory():
        with app.app_context():
            return QueryCounter(db.engine)

    return factory


@pytest.fixture
def moderator(catalog):
    """A client signed in as a moderator, on the seeded test catalog (staff tests' usual start)."""
    from tests.accounts import signed_in_client

    return signed_in_client(catalog, "moduser", phone="+8613800000012", role="moderator")


@pytest.fixture
def admin(catalog):
    """A client signed in as an admin, on the seeded test catalog."""
    from tests.accounts import signed_in_client

    return signed_in_client(catalog, "adminuser", phone="+8613800000013", role="admin")
