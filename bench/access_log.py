"""What the access record costs a request, in CPU time, measured in-process.

``python bench/access_log.py`` (with the venv active). wrk's requests/s on a shared
machine move with whatever else runs there; the CPU time this process spends does
not, so this is the steadier measure. Both halves of the cost are timed on a
throwaway, migrated SQLite file: the part inside the request (building the row and
putting it in the buffer, in a real request context) and the writer's part
(inserting the rows in batches, SQLite's own work included). Their sum is then
expressed as a share of one gunicorn request at the home page's ``make bench`` rate.

Environment: BENCH_ROWS (default 100000); BENCH_HOME_RPS (default 1600, the home
page's requests/s in ``make bench`` on 2 workers).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import run  # beside this file: the helpers of `make bench`

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


def measure(workdir: Path, rows: int) -> tuple[float, float, int, int]:
    """CPU µs per request inside the request and in the writer; rows written and dropped."""
    env = run.bench_env(workdir)
    run.run_flask(env, "db", "upgrade")
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "SECRET_KEY")})
    from app import create_app  # after the environment points at the bench database
    from services import access_log

    app = create_app({"ACCESS_LOG_BUFFER_SIZE": rows, "ACCESS_LOG_BACKGROUND": False})
    log = app.extensions["access_log"]
    headers = {"User-Agent": BROWSER, "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}
    with app.test_request_context("/c/product-research?page=2", headers=headers):
        start = time.process_time()
        for _ in range(rows):
            log.record(access_log.request_row(200))
        in_request = time.process_time() - start
    start = time.process_time()
    log.flush()
    writer = time.process_time() - start
    return in_request / rows * 1e6, writer / rows * 1e6, log.written, log.dropped


def main() -> int:
    """Run the measurement in a temporary directory and print it."""
    rows = int(os.environ.get("BENCH_ROWS", "100000"))
    home_rps = float(os.environ.get("BENCH_HOME_RPS", "1600"))
    try:
        with tempfile.TemporaryDirectory(prefix="sellernav-bench-access-") as workdir:
            in_request, writer, written, dropped = measure(Path(workdir), rows)
    except run.BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    budget = run.WORKERS / home_rps * 1e6  # CPU µs one gunicorn request has at that rate
    total = in_request + writer
    print(f"access record, {rows} requests, CPU per request:")
    print(f"  in the request (row + buffer): {in_request:6.1f} us")
    print(f"  in the writer (batched INSERT): {writer:6.1f} us")
    print(f"  together: {total:.1f} us = {total / budget:.1%} of a home-page request at {home_rps:.0f} requests/s"
          f" on {run.WORKERS} workers ({budget:.0f} us each)")
    print(f"  records written {written}, dropped {dropped}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
