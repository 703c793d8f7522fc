"""``make bench``: every page against its setup's floor, on {SQLite, PostgreSQL} × {gunicorn direct, nginx}.

For each database a fresh catalog of BENCH_TOOLS tools is built and served by
``bench.wsgi:app`` under deploy/gunicorn.conf.py (2 workers); the rows are measured
against gunicorn itself, then through nginx (deploy/loopback.py, https) in front of
the same gunicorn. Each row is warmed, then wrk runs BENCH_SECONDS against it.

Environment: BENCH_SECONDS (default 5 per row), BENCH_TOOLS (default 1000),
BENCH_DATABASES (default "sqlite postgresql"), BENCH_FRONTS (default "direct nginx"),
BENCH_PG_ADMIN_URL, BENCH_PG_DATABASE (default sellernav_bench, dropped and made
again), BENCH_REDIS_URL (default redis://127.0.0.1:6379/13, emptied; "" keeps the
page cache in memory), ACCESS_LOG_ENABLED=0 to measure without the access record,
GUNICORN_* as deploy/gunicorn.conf.py reads them (bind and workers are set here).
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import catalog
import report
import setups
import signed_in
from errors import BenchError
from report import ANONYMOUS, FLOOR_KIND, SIGNED_IN
from server import (
    FLOOR,
    ROOT,
    WORKERS,
    fetch,
    free_port,
    start_gunicorn,
    stop_gunicorn,
    wait_until_up,
    warm,
    worker_class,
)
from wrk import CONNECTIONS, THREADS, Result, measure, require_wrk

FRAGMENT_HEADERS = {"HX-Request": "true", "HX-Target": "tool-list"}  # as bench/search.py and htmx ask


def fragment_paths() -> list[str]:
    """Every query bench/search.py cycles through, as the results fragment's URL."""
    import search  # lazily: search imports run, which is this benchmark's entry point

    return [f"/search?{urllib.parse.urlencode({'q': q})}" for qs in search.QUERY_CLASSES.values() for q in qs]


def anonymous_rows(wrk: str, base: str, seconds: int, slug: str, workdir: Path) -> list[tuple[str, str, Result]]:
    """The floor, the pages a visitor reads, and the search fragment, each warmed first."""
    import search

    pages = [("floor /_bench/hello", FLOOR_KIND, FLOOR), ("/ (anonymous)", ANONYMOUS, "/"),
             ("/c/product-research", ANONYMOUS, "/c/product-research"), (f"/t/{slug}", ANONYMOUS, f"/t/{slug}"),
             (f"/en/t/{slug}", ANONYMOUS, f"/en/t/{slug}")]
    rows: list[tuple[str, str, Result | None]] = []
    for label, kind, path in pages:
        if fetch(base + path)[0] == 404:  # the feature is not there (yet): the row says n/a
            rows.append((label, kind, report.NOT_AVAILABLE))
            continue
        cache = warm(base, path)
        rows.append((label, kind, measure(wrk, base, path, seconds, cache, label)))
    for path in fragment_paths():
        cache = warm(base, path, FRAGMENT_HEADERS, times=4)
    script = search.fragment_script(workdir)
    rows.append(("search fragment (htmx)", ANONYMOUS,
                 measure(wrk, base, "/", seconds, cache, "search fragment (htmx)", "-s", str(script))))
    return rows


def signed_in_rows(wrk: str, base: str, seconds: int, slug: str, workdir: Path) -> list[tuple[str, str, Result]]:
    """The home page for a signed-in user (never cached) and the collect toggle (a write)."""
    visitor = signed_in.sign_in_as(base, signed_in.ACCOUNT)
    warm(base, "/", {"Cookie": visitor.cookie}, times=6)  # each worker fills its card cache before timing
    home = measure(wrk, base, "/", seconds, "-", "/ (signed in)", "-H", f"Cookie: {visitor.cookie}")
    script = signed_in.collect_toggle_script(workdir, slug, visitor.cookie, visitor.csrf_token, referer=base + "/")
    toggle = measure(wrk, base, "/", seconds, "-", "collect toggle (POST)", "-s", str(script))
    return [("/ (signed in)", SIGNED_IN, home), ("collect toggle (POST)", SIGNED_IN, toggle)]


def access_log_on(env: dict[str, str]) -> bool:
    """Whether the app records each request (ACCESS_LOG_ENABLED, on unless turned off)."""
    return env.get("ACCESS_LOG_ENABLED", "1").strip().lower() in ("1", "true", "yes", "on")


def print_access_log(env: dict[str, str], records: int, counted: int) -> None:
    """Whether the access record was on, and whether it kept every request wrk counted."""
    if not access_log_on(env):
        print(f"access log: off (ACCESS_LOG_ENABLED=0); {records} records")
        return
    verdict = "none lost" if records >= counted else f"{counted - records} LOST"
    print(f"access log: on; {records} records written for {counted} requests wrk counted"
          f" (the rest: warm-up, sign-in, requests wrk cut off): {verdict}")


def bench_database(wrk: str, database: str, fronts: list[str], seconds: int, total_tools: int) -> int:
    """Build one database's catalog, serve it, measure every front; returns how many rows missed."""
    missed = 0
    with tempfile.TemporaryDirectory(prefix="sellernav-bench-") as tmp, \
            setups.database_env(database, Path(tmp), redis_url=setups.redis_url_for(database),
                                pg_name=os.environ.get("BENCH_PG_DATABASE", "sellernav_bench")) as env:
        workdir = Path(tmp)
        started = time.monotonic()
        tools = catalog.build_catalog(env, total_tools)
        slug = catalog.pick_tool_slug(env["DATABASE_URL"])
        signed_in.make_users(env, ROOT, 1)
        print(f"\n{database}: {tools} tools built in {time.monotonic() - started:.0f} s")
        port, log = free_port(), workdir / "gunicorn.log"
        server = start_gunicorn(env, port, log)
        counted = 0
        try:
            wait_until_up(server, f"http://127.0.0.1:{port}", log)
            for front in fronts:
                setup = setups.Setup(database, front, env.get("REDIS_URL") or "memory")
                with setups.front_url(front, workdir, port) as base:
                    rows = anonymous_rows(wrk, base, seconds, slug, workdir)
                    rows += signed_in_rows(wrk, base, seconds, slug, workdir)
                counted += sum(result.requests for _, _, result in rows if result is not report.NOT_AVAILABLE)
                missed += report.print_table(f"setup: {setup.describe()}; gunicorn {WORKERS} {worker_class(log)}"
                                             f" workers, SELLERNAV_ENV={env['SELLERNAV_ENV']}", rows)
        finally:
            stop_gunicorn(server)
        print_access_log(env, catalog.count_access_records(env["DATABASE_URL"]), counted)
    return missed


def print_machine(seconds: int) -> None:
    """The machine and the load generator the numbers belong to."""
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"machine: {os.cpu_count()} cores, load average {load} (1/5/15 min) at the start,"
          f" python {platform.python_version()}")
    print(f"wrk -t{THREADS} -c{CONNECTIONS} -d{seconds}s --latency per row, all on 127.0.0.1;"
          f" worker recycling off (GUNICORN_MAX_REQUESTS={os.environ.get('GUNICORN_MAX_REQUESTS', '0')});"
          f" rate limits off (the collect toggle would meet its 120/hour limit)")
    report.print_targets()


def main() -> int:
    """Run every setup; exit non-zero only when something could not run (a missed target is reported)."""
    started = time.monotonic()
    try:
        wrk = require_wrk()
        seconds = int(os.environ.get("BENCH_SECONDS", "5"))
        total_tools = int(os.environ.get("BENCH_TOOLS", "1000"))
        databases = os.environ.get("BENCH_DATABASES", " ".join(setups.DATABASES)).split()
        fronts = os.environ.get("BENCH_FRONTS", " ".join(setups.FRONTS)).split()
        print_machine(seconds)
        missed = sum(bench_database(wrk, database, fronts, seconds, total_tools) for database in databases)
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"\n{missed} row(s) missed their target; total run time {time.monotonic() - started:.0f} s;"
          f" load average {load} at the end")
    return 0
