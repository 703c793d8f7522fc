"""What each pytest-xdist worker keeps to itself, so workers running side by side never see each other's data.

A worker is named by xdist (``gw0``, ``gw1``…); a run without xdist is the worker ``main``. Everything two workers
could otherwise share is named after the worker:

- the database: PostgreSQL ``<TEST_DATABASE_URL's database>_<worker>``, or a SQLite file ``<worker>.db``, each
  copied at the start of the run from one template migrated by the controlling process;
- the Redis database: TEST_REDIS_URL's number minus the worker's number (15, 14, …): the page-store test flushes
  its database, so a key prefix would not be enough;
- the upload and backup directories and the outbox files, under the worker's own temporary directory.

The environment is rewritten in each worker (``use_worker_environment``) so that code reading TEST_DATABASE_URL or
TEST_REDIS_URL at call time, such as the derived databases of the deployment and scale-out tests
(``tests/fresh_database.py``), follows the worker's name. The values the run started with are kept in BASE_* so a
worker never derives from another worker's name.
"""

from __future__ import annotations

import os
import re

from sqlalchemy import make_url

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
# The controller's environment as the run started; workers inherit it and derive their own from it.
BASE_DATABASE_ENV = "SELLERNAV_TEST_BASE_DATABASE_URL"
BASE_REDIS_ENV = "SELLERNAV_TEST_BASE_REDIS_URL"


def worker_id() -> str:
    """``gw0``, ``gw1``… under pytest-xdist; ``main`` otherwise."""
    return os.environ.get("PYTEST_XDIST_WORKER") or "main"


def worker_number() -> int:
    """0 for ``gw0`` and for a run without xdist, n for ``gwn``."""
    found = re.fullmatch(r"gw(\d+)", worker_id())
    return int(found.group(1)) if found else 0


def base_database_url() -> str:
    """The PostgreSQL URL the run was given (TEST_DATABASE_URL before any worker renamed it), or ''."""
    return os.environ.get(BASE_DATABASE_ENV, os.environ.get("TEST_DATABASE_URL", ""))


def base_redis_url() -> str:
    return os.environ.get(BASE_REDIS_ENV, os.environ.get("TEST_REDIS_URL", DEFAULT_REDIS_URL))


def on_postgresql() -> bool:
    return base_database_url().startswith("postgresql")


def worker_database_url(worker: str | None = None) -> str:
    """This worker's PostgreSQL database: the base database's name with ``_<worker>`` appended."""
    url = make_url(base_database_url())
    return url.set(database=f"{url.database}_{worker or worker_id()}").render_as_string(hide_password=False)


def worker_redis_url() -> str:
    """The base Redis URL with its database number lowered by the worker's number (gw0 keeps it)."""
    url = make_url(base_redis_url())
    base_number = int(url.database or 0)
    number = base_number - worker_number()
    if number < 0:
        raise RuntimeError(
            f"worker {worker_id()} has no Redis database of its own below TEST_REDIS_URL's {base_number}: "
            "point TEST_REDIS_URL at a higher database number (15) or run fewer workers"
        )
    return url.set(database=str(number)).render_as_string(hide_password=False)


def remember_base_environment() -> None:
    """Keep the URLs the run started with, for the workers (which inherit this environment) to derive from."""
    os.environ.setdefault(BASE_DATABASE_ENV, os.environ.get("TEST_DATABASE_URL", ""))
    os.environ.setdefault(BASE_REDIS_ENV, os.environ.get("TEST_REDIS_URL", DEFAULT_REDIS_URL))


def use_worker_environment() -> None:
    """Point TEST_DATABASE_URL and TEST_REDIS_URL at this worker's own database and Redis database."""
    remember_base_environment()
    if on_postgresql():
        os.environ["TEST_DATABASE_URL"] = worker_database_url()
    os.environ["TEST_REDIS_URL"] = worker_redis_url()
