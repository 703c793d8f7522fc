"""The four setups the table is measured on: {SQLite, PostgreSQL} × {gunicorn direct, through nginx}.

Every setup runs the production configuration (SELLERNAV_ENV=production) with
gunicorn as deploy/gunicorn.conf.py makes it. PostgreSQL is the production-like
database, so its setups also keep the page cache (and the limiter's counters) in
Redis, as production does with REDIS_URL; the SQLite setups keep them in each
worker's memory. One catalog and one gunicorn serve both fronts of a database:
nginx is started in front of the same gunicorn for the second set of rows.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import catalog
from errors import BenchError
from server import HOST, ROOT, bench_env, production_env

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
DATABASES = ("sqlite", "postgresql")
FRONTS = ("direct", "nginx")


@dataclass
class Setup:
    """One column of the benchmark's world: which database, which front, which shared store."""

    database: str  # sqlite | postgresql
    front: str  # direct | nginx
    store: str  # what holds the page cache and limits: "memory" or the Redis URL

    def describe(self) -> str:
        front = "gunicorn direct (http)" if self.front == "direct" else "nginx (https) -> gunicorn"
        store = "per-worker memory" if self.store == "memory" else f"Redis {self.store}"
        return f"{self.database}, {front}, page cache and limits in {store}"


def redis_url_for(database: str) -> str:
    """The Redis URL a database's setups use: BENCH_REDIS_URL (empty: none) for PostgreSQL, none for SQLite."""
    if database != "postgresql":
        return ""
    return os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)


def empty_redis(url: str) -> None:
    """Empty the benchmark's own Redis database, so no page cached by an earlier run is served."""
    import redis

    try:
        redis.Redis.from_url(url).flushdb()
    except redis.RedisError as error:
        raise BenchError(f"Redis at {url} did not answer ({error}): start it (`apt-get install -y redis-server`)"
                         " or set BENCH_REDIS_URL= to keep the page cache in memory") from error


@contextmanager
def database_env(database: str, workdir: Path, *, redis_url: str, pg_name: str):
    """The production environment for ``database`` and ``redis_url`` ("": memory); yields it with DATABASE_URL
    pointing at a new, empty database (a SQLite file in ``workdir``, or PostgreSQL database ``pg_name``)."""
    env = bench_env(workdir)
    if redis_url:
        empty_redis(redis_url)
        env["REDIS_URL"] = redis_url
    else:
        env.pop("REDIS_URL", None)
    if database == "sqlite":
        env["DATABASE_URL"] = catalog.sqlite_url(workdir)
        yield production_env(env)
        return
    with catalog.fresh_pg_database(pg_name) as url:
        env["DATABASE_URL"] = url
        yield production_env(env)


def _loopback():
    """deploy/loopback.py, the module that runs nginx on loopback (imported here: deploy/ is not on the path)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    try:
        from deploy import loopback
    except ImportError as error:
        raise BenchError(f"deploy/loopback.py could not be imported ({error}): the nginx setups need it") from error
    return loopback


@contextmanager
def front_url(front: str, workdir: Path, upstream_port: int):
    """The base URL a setup's requests go to: gunicorn itself, or nginx (https) in front of it."""
    if front == "direct":
        yield f"http://{HOST}:{upstream_port}"
        return
    loopback = _loopback()
    try:
        loopback.require_nginx()
        nginx_dir = workdir / "nginx"
        nginx_dir.mkdir(exist_ok=True)
        uploads = workdir / "uploads"
        uploads.mkdir(exist_ok=True)
        with loopback.running_nginx(nginx_dir, http_port=loopback.free_port(), https_port=loopback.free_port(),
                                    upstream_port=upstream_port, app_root=ROOT, uploads_dir=uploads) as base:
            yield base
    except loopback.DeployError as error:
        raise BenchError(f"nginx could not run: {error}") from error
