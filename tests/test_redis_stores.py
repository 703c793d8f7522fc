"""A Redis that stops answering slows nothing down and breaks nothing: pages are served uncached and the
rate limits are counted in each process's memory until it is back.

Redis here is a real loopback port: one nothing listens on (connections refused), or a socket that
accepts and hangs up at once. Redis-backed limits and pages with a working Redis are proved in
tests/test_scale_out.py (two servers), tests/test_page_cache.py and tests/test_auth_sign_in.py.
"""

from __future__ import annotations

import socket
import threading
from datetime import UTC, datetime, timedelta

import pytest

from extensions import limiter
from services import clock
from services.page_cache import RedisPageStore
from tests.accounts import post_form


def _refused_redis_url() -> str:
    """A loopback port nothing listens on: every connection is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


class HangingUpServer:
    """Accepts connections on loopback and closes each at once, counting them."""

    def __init__(self):
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen()
        self.url = f"redis://127.0.0.1:{self._socket.getsockname()[1]}/0"
        self.connections = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while True:
            try:
                connection, _ = self._socket.accept()
            except OSError:  # closed by stop()
                return
            self.connections += 1  # counted before the close, so the client's error comes after it
            connection.close()

    def stop(self):
        self._socket.close()
        self._thread.join(timeout=5)


@pytest.fixture
def app_config():
    url = _refused_redis_url()
    return {"REDIS_URL": url, "RATELIMIT_STORAGE_URI": url}


@pytest.fixture(autouse=True)
def limiter_back_on_its_own_storage():
    """The limiter is one object per process: an app made after this test must not start on the fallback."""
    yield
    limiter._storage_dead = False


def test_anonymous_pages_are_served_from_the_workers_own_copy_while_redis_does_not_answer(client, catalog, caplog):
    pages = [client.get("/en/t/alpha-scout") for _ in range(2)]
    assert all(page.status_code == 200 and "Alpha Scout" in page.text for page in pages)
    assert [page.headers.get("X-Cache") for page in pages] == ["MISS", "HIT"]  # the local tier still caches
    assert "page cache: Redis did not answer" in caplog.text


def test_rate_limits_are_counted_in_memory_while_redis_does_not_answer(client):
    # A new name each time: the account's own back-off (services/sign_in_guard.py) stays out of it.
    statuses = [post_form(client, "/en/sign-in", {"login": f"x{n}", "password": "y"}).status_code for n in range(11)]
    assert statuses == [422] * 10 + [429]  # AUTH_LIMIT: 10 a minute, still enforced without Redis


def test_after_a_failure_the_page_store_leaves_redis_alone_until_its_pause_ends():
    server = HangingUpServer()
    clock.freeze(datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
    try:
        store = RedisPageStore(server.url)
        assert store.get("home") is None
        tried = server.connections
        assert tried >= 1
        store.set("home", b"page", 60)
        assert store.get("home") is None
        assert server.connections == tried  # paused: no connection for a known-dead Redis
        clock.advance(RedisPageStore.PAUSE_AFTER_FAILURE + timedelta(seconds=1))
        assert store.get("home") is None
        assert server.connections > tried  # the pause is over: Redis is asked again
    finally:
        clock.unfreeze()
        server.stop()
