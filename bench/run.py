"""Throughput benchmark: real pages against the floor, through production gunicorn.

``make bench`` runs this. It builds a throwaway SQLite catalog of 1,000 tools (the
real seed topped up with synthetic ones), serves ``bench.wsgi:app`` with
``deploy/gunicorn.conf.py`` on a free loopback port, warms each page, then runs
``wrk --latency`` against each one and prints requests/s, p50, p99 and the share of
the floor's (``/_bench/hello``) requests/s. Missing the target is reported, never an
error; the exit status is non-zero only when something could not run.

Environment: BENCH_SECONDS (default 10) per page; BENCH_TOOLS (default 1000); ACCESS_LOG_ENABLED=0
to measure without the access record (it is on, as in production, by default);
GUNICORN_* as read by deploy/gunicorn.conf.py (the bind and worker count are set here).
Worker recycling is off unless GUNICORN_MAX_REQUESTS is set: the numbers are steady
state, since a recycled worker boots again and starts with an empty page cache.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import signed_in  # beside this file: `python bench/run.py` puts bench/ first on sys.path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
WORKERS = 2
CONNECTIONS = 16
THREADS = 2
FLOOR = "/_bench/hello"
PREFERRED_TOOL = "jungle-scout"
TARGET_SHARE = 0.25
TARGET_P99_MS = 50.0
WARM_REQUESTS = 20  # enough that every worker renders and caches each page
UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


class BenchError(Exception):
    """Something the benchmark needs could not be done; the message says what."""


@dataclass
class Result:
    path: str  # or a label, for rows that are not a plain GET
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    cache: str
    problems: str = ""
    requests: int = 0  # completed requests wrk counted


def require_tools() -> str:
    """The wrk executable's path; stops with how to install it when it is missing."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise BenchError("wrk is not installed: run `apt-get install -y wrk` (Debian/Ubuntu)")
    return wrk


def bench_env(workdir: Path) -> dict[str, str]:
    """The environment for flask and gunicorn: a fresh SQLite file in ``workdir``, a secret, the app."""
    env = dict(os.environ)
    env["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.db'}"
    env["SECRET_KEY"] = "bench-only-not-secret"
    env.setdefault("FLASK_APP", "app:create_app")
    env.setdefault("GUNICORN_MAX_REQUESTS", "0")  # steady state: no worker restarts mid-run
    env["RATELIMIT_ENABLED"] = "0"  # the collect toggle measures the app; the limiter would answer 429
    env["SMS_OUTBOX_LOG"] = ""
    return env


def run_flask(env: dict[str, str], *args: str) -> str:
    """Run one ``flask`` command in the project; returns its output, raises with it on failure."""
    command = [sys.executable, "-m", "flask", *args]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BenchError(f"`flask {' '.join(args)}` failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def count_tools(database: Path) -> int:
    """How many tools the database holds."""
    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT count(*) FROM tool").fetchone()[0]


def build_catalog(env: dict[str, str], database: Path, total: int) -> int:
    """Migrate, seed the real catalog, top it up with synthetic tools to ``total``; returns the tool count."""
    run_flask(env, "db", "upgrade")
    run_flask(env, "seed")
    missing = total - count_tools(database)
    if missing > 0:
        run_flask(env, "seed", "--synthetic", str(missing))
    return count_tools(database)


def pick_tool_slug(database: Path) -> str:
    """The preferred tool's slug when it exists, else the first real tool's."""
    with sqlite3.connect(database) as connection:
        row = connection.execute("SELECT slug FROM tool WHERE slug = ?", (PREFERRED_TOOL,)).fetchone()
        row = row or connection.execute("SELECT slug FROM tool ORDER BY is_synthetic, id LIMIT 1").fetchone()
    if row is None:
        raise BenchError("the catalog has no tools to benchmark a tool page with")
    return row[0]


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_gunicorn(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    """Start gunicorn with the production config on ``port``; output goes to ``log``."""
    env = {**env, "GUNICORN_BIND": f"{HOST}:{port}", "GUNICORN_WORKERS": str(WORKERS)}
    command = [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "bench.wsgi:app"]
    with log.open("wb") as output:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)


def stop_gunicorn(server: subprocess.Popen) -> None:
    """Stop gunicorn gracefully (SIGTERM), killing it if it does not go within 30 s."""
    if server.poll() is not None:
        return
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def fetch(url: str) -> tuple[int, dict[str, str]]:
    """GET ``url``; returns the status and headers (errors included)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            response.read()
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)


def wait_until_up(server: subprocess.Popen, base: str, log: Path, timeout: float = 30.0) -> None:
    """Wait until gunicorn answers the floor route; fail with its log if it dies or never answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise BenchError(f"gunicorn exited with status {server.returncode}:\n{log.read_text()}")
        try:
            if fetch(base + FLOOR)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise BenchError(f"gunicorn did not answer within {timeout:.0f} s:\n{log.read_text()}")


def warm(base: str, path: str) -> str:
    """Request ``path`` until every worker has it cached; returns the last X-Cache header ('-' if none)."""
    headers: dict[str, str] = {}
    for _ in range(WARM_REQUESTS):
        status, headers = fetch(base + path)
        if status != 200:
            raise BenchError(f"{path} answered {status} while warming up")
    return headers.get("X-Cache", "-")


def to_ms(value: str, unit: str) -> float:
    """A wrk duration (e.g. '812.00us', '1.2s') in milliseconds."""
    return float(value) * UNIT_MS[unit]


def parse_wrk(output: str) -> tuple[float, float, float, str]:
    """Requests/s, p50 ms, p99 ms and any reported errors from ``wrk --latency`` output."""
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    p50 = re.search(r"^\s+50%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
    if not (rate and p50 and p99):
        raise BenchError(f"could not read wrk's output:\n{output}")
    errors = re.findall(r"^\s*(Socket errors:.*|Non-2xx or 3xx responses:.*)$", output, re.MULTILINE)
    return float(rate.group(1)), to_ms(*p50.groups()), to_ms(*p99.groups()), "; ".join(e.strip() for e in errors)


def parse_total(output: str) -> int:
    """How many requests wrk completed ("12345 requests in 10.00s")."""
    found = re.search(r"^\s*(\d+) requests in ", output, re.MULTILINE)
    return int(found.group(1)) if found else 0


def run_wrk(wrk: str, url: str, seconds: int, *extra: str) -> tuple[float, float, float, str, int]:
    """One wrk run against ``url`` (``extra``: headers or a script): ``parse_wrk``'s values and the total."""
    command = [wrk, f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", *extra, url]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise BenchError(f"wrk failed on {url}:\n{done.stdout}{done.stderr}")
    return (*parse_wrk(done.stdout), parse_total(done.stdout))


def measure(wrk: str, base: str, path: str, seconds: int, cache: str, label: str = "", *extra: str) -> Result:
    """Benchmark one page (or, with ``extra``, one scripted or signed-in request)."""
    rate, p50, p99, problems, total = run_wrk(wrk, base + path, seconds, *extra)
    return Result(label or path, rate, p50, p99, cache, problems, total)


def measure_signed_in(wrk: str, base: str, seconds: int, slug: str, workdir: Path) -> list[Result]:
    """The home page for a signed-in user (never cached) and the collect toggle (a write)."""
    cookie, token = signed_in.sign_in(base)
    home = measure(wrk, base, "/", seconds, "-", "/ (signed in)", "-H", f"Cookie: {cookie}")
    script = signed_in.collect_toggle_script(workdir, slug, cookie, token)
    toggle = measure(wrk, base, "/", seconds, "-", "collect toggle (POST)", "-s", str(script))
    return [home, toggle]


def worker_class(log: Path) -> str:
    """The worker class gunicorn reports in its log ('?' if it did not)."""
    found = re.search(r"Using worker: (\S+)", log.read_text(errors="replace"))
    return found.group(1) if found else "?"


def access_log_on(env: dict[str, str]) -> bool:
    """Whether the app records each request (ACCESS_LOG_ENABLED, on unless turned off)."""
    return env.get("ACCESS_LOG_ENABLED", "1").strip().lower() in ("1", "true", "yes", "on")


def count_access_records(database: Path) -> int:
    """Access records the workers wrote (read after gunicorn stopped: the last batch is written at exit)."""
    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT count(*) FROM access_record").fetchone()[0]


def print_access_log(env: dict[str, str], records: int, results: list[Result]) -> None:
    """Whether the access record was on, and whether it kept every request wrk counted."""
    counted = sum(r.requests for r in results)
    if not access_log_on(env):
        print(f"access log: off (ACCESS_LOG_ENABLED=0); {records} records")
        return
    verdict = "none lost" if records >= counted else f"{counted - records} LOST"
    print(
        f"access log: on; {records} records written for {counted} requests wrk counted"
        f" (the rest: warm-up, sign-in, requests wrk cut off): {verdict}"
    )


def print_machine(tools: int, seconds: int, env: dict[str, str], worker: str) -> None:
    """The machine and the setup the numbers belong to."""
    cache = "off" if env.get("PAGE_CACHE_ENABLED", "").lower() in ("0", "false", "no", "off") else "on"
    store = "redis" if env.get("REDIS_URL") else "memory"
    print(f"machine: nproc={os.cpu_count()}, python {platform.python_version()}, tools={tools}")
    print(
        f"setup: gunicorn {WORKERS} {worker} workers (max_requests={env['GUNICORN_MAX_REQUESTS']}),"
        f" page cache {cache} ({store}), access log {'on' if access_log_on(env) else 'off'},"
        f" wrk -t{THREADS} -c{CONNECTIONS} -d{seconds}s, all on {HOST}"
    )


def print_table(results: list[Result]) -> None:
    """One row per page: requests/s, p50, p99, share of the floor's requests/s, X-Cache after warm-up."""
    floor = results[0].requests_per_second
    print(f"{'page':<24} {'requests/s':>11} {'p50 ms':>8} {'p99 ms':>8} {'of floor':>9}  cache")
    for r in results:
        share = f"{r.requests_per_second / floor:.0%}" if floor else "-"
        print(f"{r.path:<24} {r.requests_per_second:>11.1f} {r.p50_ms:>8.2f} {r.p99_ms:>8.2f} {share:>9}  {r.cache}")
        if r.problems:
            print(f"  ! {r.path}: {r.problems}")


def print_target(results: list[Result]) -> None:
    """The target line and whether the anonymous home page meets it."""
    floor, home = results[0], next(r for r in results if r.path == "/")
    share = home.requests_per_second / floor.requests_per_second if floor.requests_per_second else 0.0
    met = share >= TARGET_SHARE and home.p99_ms < TARGET_P99_MS and not home.problems
    print(
        f"target: anonymous home >= {TARGET_SHARE:.0%} of floor with p99 < {TARGET_P99_MS:.0f} ms at"
        f" {CONNECTIONS} connections: {'MET' if met else 'NOT MET'}"
        f" (home {share:.0%} of floor, p99 {home.p99_ms:.2f} ms)"
    )


def benchmark(wrk: str, workdir: Path, seconds: int, total_tools: int) -> None:
    """Build the catalog, serve it, warm and measure every page, print the report."""
    env = bench_env(workdir)
    database = workdir / "bench.db"
    tools = build_catalog(env, database, total_tools)
    slug = pick_tool_slug(database)
    paths = [FLOOR, "/", "/c/product-research", f"/t/{slug}", "/en/"]
    signed_in.make_user(env, ROOT)
    port, log = free_port(), workdir / "gunicorn.log"
    server = start_gunicorn(env, port, log)
    try:
        base = f"http://{HOST}:{port}"
        wait_until_up(server, base, log)
        caches = {path: warm(base, path) for path in paths}
        results = [measure(wrk, base, path, seconds, caches[path]) for path in paths]
        results += measure_signed_in(wrk, base, seconds, slug, workdir)
    finally:
        stop_gunicorn(server)
    print_machine(tools, seconds, env, worker_class(log))
    print_table(results)
    print_target(results)
    print_access_log(env, count_access_records(database), results)


def main() -> int:
    """Run the benchmark in a temporary directory that is always removed."""
    try:
        wrk = require_tools()
        seconds = int(os.environ.get("BENCH_SECONDS", "10"))
        total_tools = int(os.environ.get("BENCH_TOOLS", "1000"))
        with tempfile.TemporaryDirectory(prefix="sellernav-bench-") as workdir:
            benchmark(wrk, Path(workdir), seconds, total_tools)
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
