"""Health checks: /healthz says the process answers, /readyz that its database and Redis do."""

from __future__ import annotations

import os

from sqlalchemy import select

from extensions import db
from models import AccessRecord
from services import access_log
from tests.conftest import make_app

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
NOTHING_LISTENS = "redis://127.0.0.1:1/0"  # port 1: nothing answers there


def test_healthz_answers_without_touching_the_database(client, count_queries):
    with count_queries() as queries:
        response = client.get("/healthz")
    assert (response.status_code, response.text) == (200, "ok\n")
    assert response.headers["Cache-Control"] == "no-store"
    assert queries.count == 0


def test_readyz_is_ready_when_the_database_answers(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ready", "checks": {"database": "ok"}}


def test_readyz_checks_redis_when_it_is_configured(database_url, migrated):
    app = make_app(database_url, REDIS_URL=REDIS_URL)
    response = app.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.json["checks"] == {"database": "ok", "redis": "ok"}


def test_readyz_is_not_ready_when_redis_does_not_answer(database_url, migrated):
    app = make_app(database_url, REDIS_URL=NOTHING_LISTENS, RATELIMIT_STORAGE_URI="memory://")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json == {"status": "not ready", "checks": {"database": "ok", "redis": "unavailable"}}


def test_readyz_is_not_ready_when_the_database_does_not_answer(tmp_path):
    unreachable = f"sqlite:///{tmp_path / 'no-such-dir' / 'site.db'}"  # SQLite cannot create the file there
    app = make_app(unreachable)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"] == {"database": "unavailable"}
    assert app.test_client().get("/healthz").status_code == 200  # the process itself is fine


def test_health_checks_are_not_access_records(app, client):
    client.get("/healthz")
    client.get("/readyz")
    client.get("/robots.txt")
    with app.app_context():
        access_log.flush()
        paths = list(db.session.scalars(select(AccessRecord.path)))
    assert paths == ["/robots.txt"]
