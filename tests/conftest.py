"""Fixtures: the app on a real database (SQLite file, or PostgreSQL with TEST_DATABASE_URL), per xdist worker.

Each worker has its own database, Redis database and directories (tests/isolation.py), copied from one migrated
template at the start of the run (tests/worker_databases.py); apps are shared by tests with the same settings
(tests/app_pool.py); between tests only the tables holding rows are emptied, and a test that starts on rows
someone else left fails.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import event

from app import create_app
from config import TestConfig
from extensions import db
from services import clock
from services.seeding import seed_catalog
from tests import isolation, worker_databases
from tests.app_pool import AppPool
from tests.factories import small_catalog
from tests.fakes.wechat import fake_wechat  # noqa: F401  (a fixture for every test module)

# The migrated template's URL, set by the controlling process for the workers it starts.
TEMPLATE_ENV = "SELLERNAV_TEST_TEMPLATE_URL"
_TEMPLATE_DIR = pytest.StashKey[Path]()
_WORKER_DIRECTORY: list[Path] = []


def _controls_workers(config) -> bool:
    """True in xdist's controlling process, which runs no test itself."""
    return bool(getattr(config.option, "numprocesses", None)) and not hasattr(config, "workerinput")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "own_app: the test changes the app itself (routes, blueprints), so it gets one nobody shares"
    )
    if _controls_workers(config):
        isolation.remember_base_environment()
    else:
        isolation.use_worker_environment()


def pytest_collection_finish(session):
    """Fail loudly if ``--dist loadgroup`` stopped grouping (it silently did on pytest 9.2, pytest-xdist#1386)."""
    if not getattr(session.config.option, "loadgroup", False):
        return
    ungrouped = [item.nodeid for item in session.items
                 if item.get_closest_marker("xdist_group") and "@" not in item.nodeid]
    if ungrouped:
        raise pytest.UsageError(f"pytest-xdist did not group {ungrouped[0]} (and {len(ungrouped) - 1} more): "
                                "its loadgroup does not work with this pytest; see pyproject.toml")


def pytest_sessionstart(session):
    """Under xdist, migrate the template once, before the workers start and copy it."""
    if _controls_workers(session.config):
        directory = Path(tempfile.mkdtemp(prefix="sellernav-template-"))
        session.config.stash[_TEMPLATE_DIR] = directory
        os.environ[TEMPLATE_ENV] = worker_databases.prepare_template(directory, _build_app)


def pytest_sessionfinish(session):
    directory = session.config.stash.get(_TEMPLATE_DIR, None)
    if directory is not None:
        shutil.rmtree(directory, ignore_errors=True)
    if _WORKER_DIRECTORY:
        shutil.rmtree(_WORKER_DIRECTORY[0], ignore_errors=True)



def worker_directory() -> Path:
    """This worker's own temporary directory (uploads, backups, its SQLite file), removed when the run ends."""
    if not _WORKER_DIRECTORY:
        _WORKER_DIRECTORY.append(Path(tempfile.mkdtemp(prefix=f"sellernav-{isolation.worker_id()}-")))
    return _WORKER_DIRECTORY[0]


def worker_dirs() -> dict[str, str]:
    """The settings that name a directory, each under this worker's own directory."""
    root = worker_directory()
    return {"UPLOAD_DIR": str(root / "uploads"), "BACKUP_DIR": str(root / "backups")}


_apps_made = []


def make_app(database_url: str, **overrides):
    """A test app; every one made is closed after its test (see ``close_extra_apps``)."""
    app = _build_app(database_url, **overrides)
    _apps_made.append(app)
    return app


def _build_app(database_url: str, **overrides):
    return create_app({**_test_settings(), "SQLALCHEMY_DATABASE_URI": database_url, **overrides})


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
    settings = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
    return {**settings, **worker_dirs()}


APP_POOL = AppPool(_build_app)
_serial_template: list[str] = []


def template_url() -> str:
    """The migrated template this run's worker databases are copied from ('' before a serial run made it)."""
    return os.environ.get(TEMPLATE_ENV) or (_serial_template[0] if _serial_template else "")


@pytest.fixture(scope="session")
def database_url():
    """This worker's own database, a fresh copy of the migrated template; dropped when the run ends."""
    template = template_url()
    if not template:  # a run without xdist migrates its own template when a test first needs the database
        template = worker_databases.prepare_template(worker_directory() / "template", _build_app)
        _serial_template.append(template)
    url = worker_databases.copy_for_worker(template)
    yield url
    APP_POOL.close()
    worker_databases.drop_worker_database(url)


@pytest.fixture(scope="session")
def migrated(database_url):
    """The worker's database is migrated (it is a copy of the migrated template); kept for the tests that ask."""
    return True


@pytest.fixture(scope="session")
def database_cleaner(database_url):
    cleaner = worker_databases.DatabaseCleaner(database_url)
    yield cleaner
    cleaner.dispose()


# The test that last emptied the database, named when a later test finds rows it did not write.
_last_cleaned_by: list[str] = []


@pytest.fixture(autouse=True)
def empty_database(request):
    """A test on the database starts on empty tables and leaves them empty (only tables with rows are touched).

    Fails a test that finds rows when it starts (written after an earlier test's cleanup, by a thread or process
    that test left running) or that still has rows right after its own cleanup.
    """
    if "database_url" not in request.fixturenames:
        yield
        return
    cleaner = request.getfixturevalue("database_cleaner")
    left = cleaner.tables_with_rows()
    if left:
        cleaner.empty()
        after = f" after {_last_cleaned_by[0]} had cleaned up" if _last_cleaned_by else ""
        pytest.fail(f"rows left in {', '.join(left)}{after}: something that test started kept writing")
    yield
    cleaner.empty()
    still = cleaner.tables_with_rows()
    _last_cleaned_by[:] = [request.node.nodeid]
    if still:
        cleaner.empty()
        pytest.fail(f"rows written into {', '.join(still)} while this test was being cleaned up: stop what it started")


@pytest.fixture(autouse=True)
def empty_worker_directories():
    """Files a test left in the worker's upload or backup directory go, so the next test starts without them."""
    yield
    for path in worker_dirs().values():
        if os.path.isdir(path) and os.listdir(path):
            shutil.rmtree(path)


@pytest.fixture
def app_config() -> dict:
    """Extra settings for the ``app`` fixture; a test module overrides this fixture to change them."""
    return {}


@pytest.fixture
def app(request, database_url, app_config):
    """The worker's app for these settings, as it was made; ``@pytest.mark.own_app`` for one of the test's own."""
    if request.node.get_closest_marker("own_app"):
        app = make_app(database_url, **app_config)
        yield app
    else:
        shared = APP_POOL.borrow(database_url, app_config)
        app = shared.app
        yield app
        if shared.changed_itself():
            APP_POOL.discard(shared)
            pytest.fail("this test added routes, blueprints or hooks to the shared app: mark it @pytest.mark.own_app")
    with app.app_context():
        db.session.remove()
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
