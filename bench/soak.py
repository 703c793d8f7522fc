"""``make soak``: minutes of mixed traffic against production-like gunicorn; errors, latency, worker memory.

A fresh catalog (PostgreSQL by default, SQLite with SOAK_DATABASE=sqlite) is served
by ``bench.wsgi:app`` under deploy/gunicorn.conf.py with 2 workers, the production
configuration, the page cache and rate limits in Redis, and worker recycling off
(GUNICORN_MAX_REQUESTS=0) so that any growth is real. Three kinds of client run at
once for SOAK_SECONDS, paced below saturation: anonymous
reads (home, categories, tools, English pages, search fragments), signed-in reads
by SOAK_READERS users, and signed-in writes by SOAK_WRITERS users (collect toggle,
collection add and remove, rating), each from several client processes that pause
between requests (see soak_clients.py for why these are not wrk). Each worker's RSS and PSS are read at 20% of
the run and at its end. Targets: zero errors, p99 < 50 ms, growth < 10 MB per
worker. A missed target is reported; the exit status is non-zero only when
something could not run.

Environment: SOAK_SECONDS (300), SOAK_DATABASE (postgresql), SOAK_PG_DATABASE
(sellernav_soak, dropped and made again), BENCH_PG_ADMIN_URL, BENCH_REDIS_URL
(redis://127.0.0.1:6379/13, emptied; "" keeps cache and limits in memory),
SOAK_TOOLS (1000), SOAK_READERS (4), SOAK_WRITERS (4).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path

import catalog
import memory
import setups
import signed_in
import soak_clients
import soak_results
import suite
from errors import BenchError
from server import HOST, ROOT, WORKERS, fetch, free_port, start_gunicorn, stop_gunicorn, wait_until_up, warm

TARGET_P99_MS = 50.0
TARGET_GROWTH_MB = 10.0
# Client processes and their pause after each answer: paced below what 2 workers on 2 cores serve, so latency is
# service time rather than a queue. Writers pause 250 ms: see soak_clients.write_steps for the limits that allows.
ANONYMOUS_CLIENTS, ANONYMOUS_PAUSE = 4, 0.02
READ_CLIENTS, READ_PAUSE = 2, 0.25
WRITE_PAUSE = 0.25


def soak_env_overrides() -> dict[str, str]:
    """Production behaviour the benchmark turns off, back on: rate limits, no worker recycling."""
    return {"RATELIMIT_ENABLED": "1", "GUNICORN_MAX_REQUESTS": "0"}


def reachable_paths(base: str, paths: list[str], headers: dict[str, str] | None = None) -> list[str]:
    """``paths`` that answer 200, each warmed in every worker; the others are left out with a note."""
    kept = []
    for path in paths:
        status = fetch(base + path, headers)[0]
        if status == 200:
            warm(base, path, headers, times=4)
            kept.append(path)
        else:
            print(f"soak: leaving out {path}: it answered {status}")
    return kept


def traffic_paths(url: str) -> tuple[list[str], list[str], list[str]]:
    """Anonymous pages, search fragments and signed-in pages, from the catalog at ``url``."""
    slugs = [catalog.scalar(url, "SELECT slug FROM tool WHERE status = 'published' AND NOT is_synthetic"
                                 " ORDER BY id LIMIT 1 OFFSET :n", n=n) for n in range(0, 60, 6)]
    categories = [catalog.scalar(url, "SELECT slug FROM category ORDER BY id LIMIT 1 OFFSET :n", n=n)
                  for n in range(3)]
    pages = ["/", "/en/"] + [f"/c/{c}" for c in categories if c] + ["/en/c/" + str(categories[0])]
    pages += [f"/t/{s}" for s in slugs if s] + [f"/en/t/{s}" for s in slugs[:3] if s]
    fragments = suite.fragment_paths()  # bench/search.py's query mix
    signed = ["/", "/c/product-research", f"/t/{slugs[0]}", "/en/", "/favorites", "/collections"]
    return pages, fragments, signed


def sign_in_all(base: str, accounts: list[str]) -> list[signed_in.Visitor]:
    """Sign every account in, each from its own address (sign-in is limited per address)."""
    return [signed_in.sign_in_as(base, account, client_ip=f"10.250.1.{n + 1}") for n, account in enumerate(accounts)]


def run_clients(clients: list[tuple[str, float, object]], base: str, seconds: int, workdir: Path, master: int):
    """Run every client process at once; memory is read at 20% of the run and at its end.

    ``clients`` holds (kind, pause, steps) per process. Returns both memory readings, the seconds the run
    took, and each kind's merged result.
    """
    fork = multiprocessing.get_context("fork")  # the step generators go to the children as they are
    processes = []
    for number, (kind, pause, steps) in enumerate(clients):
        result_file = workdir / f"client-{number}.json"
        process = fork.Process(target=soak_clients.run_client,
                               args=(number, base, seconds, pause, steps, result_file))
        process.start()
        processes.append((kind, process, result_file))
    started = time.monotonic()
    time.sleep(seconds * 0.2)  # the early reading: workers have warmed, the long run is ahead
    early = memory.read_workers(master)
    for _, process, _ in processes:
        process.join(timeout=seconds + 120)
    late = memory.read_workers(master)
    elapsed = time.monotonic() - started
    kinds = dict.fromkeys(kind for kind, _, _ in processes)
    results = [soak_results.merge(kind, [soak_results.read_client(kind, file)
                                         for k, _, file in processes if k == kind]) for kind in kinds]
    return early, late, elapsed, results


def print_report(results: list[soak_results.ClientResult], early: dict, late: dict, seconds: float) -> None:
    """Per client and in all: requests, errors, p50/p99; each worker's memory; MET / NOT MET."""
    total = soak_results.merge("all clients", results)
    print(f"\n{'client':<18} {'requests':>9} {'req/s':>8} {'errors':>7} {'p50 ms':>8} {'p99 ms':>8}")
    for result in [*results, total]:
        print(f"{result.name:<18} {result.requests:>9} {result.requests / seconds:>8.1f} {result.errors:>7}"
              f" {result.percentile_ms(0.50):>8.2f} {result.percentile_ms(0.99):>8.2f}")
        if result is not total:
            answers = ", ".join(f"{status}: {count}" for status, count in sorted(result.statuses.items()))
            print(f"  answers {answers}" + (f"; errors {result.error_detail()}" if result.errors else ""))
    print(f"\nworker memory (MB) at 20% of the run and at its end ({len(late)} workers):")
    growths = []
    for pid, end in sorted(late.items()):
        start = early.get(pid)
        if start is None:
            print(f"  pid {pid}: started during the run (a worker was replaced): growth unknown")
            growths.append(float("inf"))
            continue
        growths.append(end.rss_mb - start.rss_mb)
        print(f"  pid {pid}: RSS {start.rss_mb:.1f} -> {end.rss_mb:.1f} ({end.rss_mb - start.rss_mb:+.1f}),"
              f" PSS {start.pss_mb:.1f} -> {end.pss_mb:.1f} ({end.pss_mb - start.pss_mb:+.1f})")
    p99 = total.percentile_ms(0.99)
    print("\ntargets:")
    print(f"  zero errors: {'MET' if total.errors == 0 else 'NOT MET'} ({total.errors} of {total.requests})")
    print(f"  p99 < {TARGET_P99_MS:.0f} ms: {'MET' if p99 < TARGET_P99_MS else 'NOT MET'} ({p99:.2f} ms)")
    worst = max(growths, default=float("inf"))
    print(f"  growth < {TARGET_GROWTH_MB:.0f} MB per worker: {'MET' if worst < TARGET_GROWTH_MB else 'NOT MET'}"
          f" (largest {worst:+.1f} MB RSS)")


def soak(workdir: Path, seconds: int, database: str) -> None:
    """Build, serve, drive the clients, report."""
    readers, writers = int(os.environ.get("SOAK_READERS", "4")), int(os.environ.get("SOAK_WRITERS", "4"))
    redis_url = os.environ.get("BENCH_REDIS_URL", setups.DEFAULT_REDIS_URL)
    with setups.database_env(database, workdir, redis_url=redis_url,
                             pg_name=os.environ.get("SOAK_PG_DATABASE", "sellernav_soak")) as env:
        env.update(soak_env_overrides())
        url = env["DATABASE_URL"]
        tools = catalog.build_catalog(env, int(os.environ.get("SOAK_TOOLS", "1000")))
        accounts = signed_in.make_users(env, ROOT, readers + writers)
        slug = catalog.pick_tool_slug(url)
        tool_id = int(catalog.scalar(url, "SELECT id FROM tool WHERE slug = :slug", slug=slug))
        port, log = free_port(), workdir / "gunicorn.log"
        server = start_gunicorn(env, port, log, workers=WORKERS)
        try:
            base = f"http://{HOST}:{port}"
            wait_until_up(server, base, log)
            pages, fragments, signed = traffic_paths(url)
            pages = reachable_paths(base, pages)
            fragments = reachable_paths(base, fragments, {"HX-Request": "true", "HX-Target": "tool-list"})
            visitors = sign_in_all(base, accounts)
            signed = reachable_paths(base, signed, {"Cookie": visitors[0].cookie})
            writer_users = [soak_clients.Writer(v.cookie, v.csrf_token, int(catalog.scalar(
                url, "SELECT c.id FROM collection c JOIN user_account u ON u.id = c.user_id"
                     " WHERE u.account_name = :name", name=v.account))) for v in visitors[readers:]]
            clients = [("anonymous reads", ANONYMOUS_PAUSE, soak_clients.anonymous_steps(pages, fragments, n * 7))
                       for n in range(ANONYMOUS_CLIENTS)]
            cookies = [v.cookie for v in visitors[:readers]]
            clients += [("signed-in reads", READ_PAUSE, soak_clients.signed_in_read_steps(cookies, signed, n * 5))
                        for n in range(READ_CLIENTS)]
            clients += [("signed-in writes", WRITE_PAUSE, soak_clients.write_steps(writer, slug, tool_id))
                        for writer in writer_users]
            print(f"soak: {seconds} s on {database} ({tools} tools), page cache and limits in"
                  f" {redis_url or 'memory'}, gunicorn {WORKERS} workers, recycling off, SELLERNAV_ENV=production;"
                  f" {len(pages)} pages, {len(fragments)} fragments, {readers} readers, {writers} writers;"
                  f" machine {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
            early, late, elapsed, results = run_clients(clients, base, seconds, workdir, server.pid)
        finally:
            stop_gunicorn(server)
    print_report(results, early, late, elapsed)


def main() -> int:
    """Run the soak in a temporary directory that is always removed."""
    started = time.monotonic()
    try:
        seconds = int(os.environ.get("SOAK_SECONDS", "300"))
        database = os.environ.get("SOAK_DATABASE", "postgresql")
        if database not in setups.DATABASES:
            raise BenchError(f"SOAK_DATABASE must be one of {', '.join(setups.DATABASES)}, not {database!r}")
        with tempfile.TemporaryDirectory(prefix="sellernav-soak-") as workdir:
            soak(Path(workdir), seconds, database)
    except BenchError as error:
        print(f"soak: {error}", file=sys.stderr)
        return 1
    print(f"total run time {time.monotonic() - started:.0f} s; load average {os.getloadavg()[0]:.2f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
