"""Health checks for the load balancer and for systemd: ``/healthz`` and ``/readyz``.

``/healthz`` says only that this process answers (no database work, so a database outage
does not make every app server look dead and get restarted). ``/readyz`` says whether it
can serve: the database answers, and Redis too when REDIS_URL is set. Neither is recorded
in the access log, cached, or rate limited; both are plain and never translated.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from extensions import db, limiter

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """200 while the process can answer at all."""
    return current_app.response_class("ok\n", mimetype="text/plain", headers={"Cache-Control": "no-store"})


@bp.get("/readyz")
@limiter.exempt
def readyz():
    """200 with each dependency's state when all answer; 503 naming the one that does not."""
    checks = {"database": _database_state()}
    if current_app.config["REDIS_URL"]:
        checks["redis"] = _redis_state(current_app.config["REDIS_URL"])
    ready = all(state == "ok" for state in checks.values())
    response = jsonify(status="ready" if ready else "not ready", checks=checks)
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response


def _database_state() -> str:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as error:  # any failure means "not ready"; the reason goes to the log, not the response
        db.session.rollback()
        current_app.logger.warning("readyz: the database does not answer: %s", type(error).__name__)
        return "unavailable"
    return "ok"


def _redis_state(url: str) -> str:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        try:
            client.ping()
        finally:
            client.close()
    except redis.RedisError as error:
        current_app.logger.warning("readyz: Redis does not answer: %s", type(error).__name__)
        return "unavailable"
    return "ok"
