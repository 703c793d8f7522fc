"""``make bench``: the full table of pages against the floor, on every setup (see bench/suite.py).

This file is the entry point (``python bench/run.py``) and keeps the names the
other benchmarks import from it (``import run`` in bench/search.py and
bench/access_log.py): the gunicorn, wrk and catalog helpers now live in small
modules beside it.
"""

from __future__ import annotations

import sys

from errors import BenchError
from server import (
    FLOOR,
    HOST,
    ROOT,
    WORKERS,
    bench_env,
    fetch,
    free_port,
    run_flask,
    start_gunicorn,
    stop_gunicorn,
    wait_until_up,
    warm,
    worker_class,
)
from wrk import CONNECTIONS, THREADS, Result, measure, parse_total, parse_wrk, run_wrk, to_ms
from wrk import require_wrk as require_tools

__all__ = [
    "CONNECTIONS",
    "FLOOR",
    "HOST",
    "ROOT",
    "THREADS",
    "WORKERS",
    "BenchError",
    "Result",
    "bench_env",
    "fetch",
    "free_port",
    "measure",
    "parse_total",
    "parse_wrk",
    "require_tools",
    "run_flask",
    "run_wrk",
    "start_gunicorn",
    "stop_gunicorn",
    "to_ms",
    "wait_until_up",
    "warm",
    "worker_class",
]

if __name__ == "__main__":
    from suite import main  # here, not above: bench/search.py imports this module and suite imports search

    sys.exit(main())
