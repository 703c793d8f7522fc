"""Storage for rendered anonymous pages: in-process by default, Redis when configured.

Keys carry the catalog version, so an edit makes every old entry unreachable
on every app server at once; the time-to-live only bounds memory.
"""

from __future__ import annotations

import pickle
import threading
import time
from collections import OrderedDict


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
    """Rendered pages shared by every app server through Redis."""

    prefix = "sellernav:page:"

    def __init__(self, url: str):
        import redis

        self._redis = redis.Redis.from_url(url)

    def get(self, key: str):
        raw = self._redis.get(self.prefix + key)
        return pickle.loads(raw) if raw is not None else None

    def set(self, key: str, value, ttl: int) -> None:
        self._redis.set(self.prefix + key, pickle.dumps(value), ex=ttl)

    def clear(self) -> None:
        for key in self._redis.scan_iter(self.prefix + "*"):
            self._redis.delete(key)


def make_page_store(redis_url: str | None):
    """Redis when a URL is configured, otherwise memory."""
    return RedisPageStore(redis_url) if redis_url else MemoryPageStore()
