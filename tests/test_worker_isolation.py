"""Each test worker has its own database, Redis database and directories, so parallel workers never meet.

The names carry the worker's id (``gw0``… under pytest-xdist, ``main`` without it); a row one worker writes is
not in another worker's database, nor in a copy made for another worker from the same template.
"""

from __future__ import annotations

import os
import time
import uuid

import pytest
import redis
from sqlalchemy import create_engine, inspect, make_url, select, text
from sqlalchemy.exc import OperationalError

from extensions import db
from models import SiteCounter
from tests import isolation, worker_databases
from tests.conftest import template_url


def test_the_database_redis_database_and_directories_carry_the_worker_id(app, database_url):
    worker = isolation.worker_id()
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        assert url.database == f"{make_url(isolation.base_database_url()).database}_{worker}"
    else:
        assert os.path.basename(url.database) == f"{worker}.db"
    assert make_url(os.environ["TEST_REDIS_URL"]).database == str(
        int(make_url(isolation.base_redis_url()).database) - isolation.worker_number()
    )
    for setting in ("UPLOAD_DIR", "BACKUP_DIR"):
        assert f"sellernav-{worker}-" in app.config[setting], setting


def _count_marker(url: str, name: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("site_counter"):
                return 0
            return connection.execute(select(SiteCounter.value).where(SiteCounter.name == name)).scalar() or 0
    finally:
        engine.dispose()


def _other_worker_database(worker: str) -> str:
    if isolation.on_postgresql():
        return isolation.worker_database_url(worker)
    return f"sqlite:///{worker_databases.sqlite_worker_path(template_url(), worker)}"


def _exists(url: str) -> bool:
    if not url.startswith("postgresql"):
        return os.path.exists(make_url(url).database)
    engine = create_engine(make_url(url).set(database="postgres"))
    try:
        with engine.connect() as connection:
            return bool(connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": make_url(url).database}
            ).first())
    finally:
        engine.dispose()


def test_a_row_one_worker_writes_is_absent_from_another_workers_database(app):
    marker = f"isolation-{uuid.uuid4().hex[:20]}"  # the name column holds 40
    with app.app_context():
        db.session.add(SiteCounter(name=marker, value=7))
        db.session.commit()
        assert db.session.scalar(select(SiteCounter.value).where(SiteCounter.name == marker)) == 7

    # A copy made from the same template for another worker name does not have it.
    sibling = worker_databases.copy_for_worker(template_url(), f"{isolation.worker_id()}sibling")
    try:
        assert _count_marker(sibling, marker) == 0
    finally:
        worker_databases.drop_worker_database(sibling)
        if not sibling.startswith("postgresql"):
            os.remove(make_url(sibling).database)
    assert _count_marker(template_url(), marker) == 0

    # Under xdist, the other worker's live database does not have it either (unless that worker has finished
    # and dropped it meanwhile: then there is nothing to see it in).
    other = "gw1" if isolation.worker_id() == "gw0" else "gw0"
    if isolation.worker_id().startswith("gw") and _exists(_other_worker_database(other)):
        try:
            assert _count_marker(_other_worker_database(other), marker) == 0
        except OperationalError:
            # That worker finished meanwhile: DROP DATABASE ... WITH (FORCE) ends our connection before the
            # database leaves the catalog, so give the drop a moment to complete.
            deadline = time.monotonic() + 5
            while _exists(_other_worker_database(other)) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert not _exists(_other_worker_database(other))


def test_a_key_in_this_workers_redis_database_is_not_in_the_next_one():
    url = os.environ["TEST_REDIS_URL"]
    here = redis.Redis.from_url(url, socket_connect_timeout=3)
    number = int(make_url(url).database)
    neighbour = redis.Redis.from_url(make_url(url).set(database=str(number - 1 if number else 1))
                                     .render_as_string(hide_password=False), socket_connect_timeout=3)
    key = f"sellernav-isolation-{uuid.uuid4().hex}"
    try:
        here.set(key, "1", ex=60)
        assert here.get(key) == b"1"
        assert neighbour.get(key) is None
    except redis.RedisError as error:
        pytest.fail(f"Redis does not answer at {url} ({error}): start it (see README)")
    finally:
        here.delete(key)
        here.close()
        neighbour.close()
