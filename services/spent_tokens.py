"""Tokens that may be used once: the first use within their lifetime wins, on every app server.

Counted in the rate limiter's storage, which is Redis when REDIS_URL is set (so every server sees a use) and
process memory otherwise (one server). When that storage is unavailable (limits disabled, Redis not answering),
this process's own memory counts instead: never a 500, and never a second use on the same server.
"""

from __future__ import annotations

import threading
import time

from extensions import limiter

_local: dict[str, float] = {}  # key -> when it may be forgotten
_lock = threading.Lock()


def first_use(key: str, seconds: int) -> bool:
    """True the first time ``key`` is used within ``seconds``; False for every later use."""
    storage = None
    if limiter.enabled:
        try:
            storage = limiter.storage
        except AssertionError:  # the limiter was never set up for this app
            storage = None
    if storage is not None:
        try:
            return storage.incr(f"spent:{key}", seconds) == 1
        except Exception:  # Redis down: fall back to this process, as the limiter itself does
            pass
    return _first_local_use(key, seconds)


def _first_local_use(key: str, seconds: int) -> bool:
    now = time.monotonic()
    with _lock:
        for stale in [name for name, until in _local.items() if until <= now]:
            del _local[stale]
        if key in _local:
            return False
        _local[key] = now + seconds
        return True
