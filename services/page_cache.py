"""Storage for rendered anonymous pages: in-process by default, Redis when configured.

Keys carry the catalog version, so an edit makes every old entry unreachable
on every app server at once; the time-to-live only bounds memory.
"""

from __future__ import annotations

import logging
import pickle
import threading
import time
from collections import OrderedDict
from datetime import timedelta

from services import clock

log = logging.getLogger(__name__)


class MemoryPageStore:
    """A small LRU with expiry, private to one process (one gunicorn worker)."""

    def __init__(self, max_entries: int = 2000):
        self._entries: OrderedDict[str, tuple[float, object]] = OrderedDict()
        self._lock = threading.Lock()
        self._max_entries = max_entries

    def get(self, key: str):
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            expires, value = entry
            if expires < time.monotonic():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return value

    def set(self, key: str, value, ttl: int) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic() + ttl, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class RedisPageStore:
    """Rendered pages shared by every app server through Redis.

    A cache must never take the site down: when Redis does not answer, a read is a miss and a write is
    dropped, so pages are rendered as if uncached. After a failure the store leaves Redis alone for
    ``PAUSE_AFTER_FAILURE``, so a dead Redis costs one failed call per pause, not two per request.
    """

    prefix = "sellernav:page:"
    SOCKET_TIMEOUT_SECONDS = 0.5  # a page renders in milliseconds; waiting longer on a cache is a loss
    PAUSE_AFTER_FAILURE = timedelta(seconds=10)

    def __init__(self, url: str):
        import redis

        self._redis = redis.Redis.from_url(url, socket_connect_timeout=self.SOCKET_TIMEOUT_SECONDS,
                                           socket_timeout=self.SOCKET_TIMEOUT_SECONDS)
        self._errors = redis.RedisError
        self._paused_until = None

    def get(self, key: str):
        if self._paused():
            return None
        try:
            raw = self._redis.get(self.prefix + key)
        except self._errors as error:
            self._pause(error)
            return None
        return pickle.loads(raw) if raw is not None else None

    def set(self, key: str, value, ttl: int) -> None:
        if self._paused():
            return
        try:
            self._redis.set(self.prefix + key, pickle.dumps(value), ex=ttl)
        except self._errors as error:
            self._pause(error)

    def clear(self) -> None:
        for key in self._redis.scan_iter(self.prefix + "*"):
            self._redis.delete(key)

    def _paused(self) -> bool:
        return self._paused_until is not None and clock.now() < self._paused_until

    def _pause(self, error: Exception) -> None:
        self._paused_until = clock.now() + self.PAUSE_AFTER_FAILURE
        log.warning("page cache: Redis did not answer (%s); serving uncached pages for %d s",
                    type(error).__name__, self.PAUSE_AFTER_FAILURE.total_seconds())


class TieredPageStore:
    """Redis shared by every app server, with a small in-process copy of the pages this worker serves most.

    A cached home page is a few hundred kilobytes: fetching and unpickling it from Redis on every
    hit cost the PostgreSQL + Redis set-up a quarter of its anonymous throughput against SQLite
    with memory. Keys carry the catalog version, so the local copy can never outlive an edit;
    it may outlive the Redis entry's expiry by at most ``LOCAL_SECONDS``.
    """

    LOCAL_SECONDS = 30
    LOCAL_ENTRIES = 200  # the hot pages; the long tail stays in Redis only

    def __init__(self, shared, local: MemoryPageStore | None = None):
        self.shared = shared
        self.local = local or MemoryPageStore(max_entries=self.LOCAL_ENTRIES)

    def get(self, key: str):
        value = self.local.get(key)
        if value is None:
            value = self.shared.get(key)
            if value is not None:
                self.local.set(key, value, self.LOCAL_SECONDS)
        return value

    def set(self, key: str, value, ttl: int) -> None:
        self.shared.set(key, value, ttl)
        self.local.set(key, value, min(ttl, self.LOCAL_SECONDS))

    def clear(self) -> None:
        self.shared.clear()
        self.local.clear()


def make_page_store(redis_url: str | None):
    """Redis (with a small local copy) when a URL is configured, otherwise memory."""
    return TieredPageStore(RedisPageStore(redis_url)) if redis_url else MemoryPageStore()
