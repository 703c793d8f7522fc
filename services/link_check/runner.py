"""A run of ``flask check-links``: probes in a thread pool, results written by the calling thread.

Worker threads only talk HTTP; they never touch the database or the Flask context. The caller's
thread (inside the app context) stores each result as it arrives and commits in batches, so a run
that is interrupted keeps what it checked. Nothing here changes a tool: staff decide from the queue.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed

from extensions import db
from models import LinkOutcome
from services import clock
from services.link_check import store
from services.link_check.guard import AddressGuard
from services.link_check.probe import ProbeResult, ProbeSettings, probe_url

COMMIT_EVERY = 25


def settings_from_config(config: Mapping) -> ProbeSettings:
    """The probe settings of this app (``LINK_CHECK_*``); a malformed allow-list raises ValueError."""
    return ProbeSettings(
        guard=AddressGuard(config["LINK_CHECK_ALLOWED_HOSTS"]),
        timeout=float(config["LINK_CHECK_TIMEOUT"]),
        retries=max(0, int(config["LINK_CHECK_RETRIES"])),
        backoff=float(config["LINK_CHECK_BACKOFF_SECONDS"]),
    )


def check_links(tools: list[store.ToolLink], settings: ProbeSettings, *, concurrency: int,
                on_result: Callable[[store.ToolLink, ProbeResult], None] | None = None) -> Counter:
    """Check ``tools`` with ``concurrency`` threads, store one row per tool, return the outcome counts."""
    counts: Counter = Counter({outcome.value: 0 for outcome in LinkOutcome})
    pending = 0
    pool = ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="link-check")
    try:
        futures = {pool.submit(probe_url, tool.url, settings): tool for tool in tools}
        for future in as_completed(futures):
            tool, result = futures[future], future.result()  # probe_url never raises
            store.record_result(tool.tool_id, result, clock.now())
            counts[result.outcome] += 1
            pending += 1
            if pending >= COMMIT_EVERY:
                db.session.commit()
                pending = 0
            if on_result is not None:
                on_result(tool, result)
    except KeyboardInterrupt:
        pool.shutdown(wait=False, cancel_futures=True)  # drop what has not started
        db.session.commit()  # keep what was checked
        raise
    finally:
        pool.shutdown(wait=True)
    db.session.commit()
    return counts
