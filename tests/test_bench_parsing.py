"""The benchmarks' own arithmetic: reading wrk, judging rows, merging soak clients, reading worker memory.

The benchmarks themselves are not run here (they take minutes); what decides
their verdicts is, on fixed inputs.
"""

from __future__ import annotations

import http.server
import itertools
import json
import os
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest

# Appended, not put first: no other test may pick up a bench module in place of an installed one.
sys.path.append(str(Path(__file__).resolve().parent.parent / "bench"))

import memory  # bench/ modules import each other by name, so bench/ is on the path
import report
import soak_clients
import soak_results
import wrk
from errors import BenchError

WRK_OUTPUT = """Running 5s test @ http://127.0.0.1:40000/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     9.10ms    3.20ms  60.00ms   80.00%
  Latency Distribution
     50%  812.00us
     75%    9.00ms
     90%   12.00ms
     99%    1.20s
  9000 requests in 5.00s, 20.00MB read
  Socket errors: connect 0, read 3, write 0, timeout 2
  Non-2xx or 3xx responses: 7
Requests/sec:   1800.50
Transfer/sec:      4.00MB
"""


def result(rate: float, p99: float = 10.0, problems: str = "") -> wrk.Result:
    return wrk.Result("/", rate, 5.0, p99, "HIT", problems, 100)


def test_wrk_output_gives_rate_percentiles_in_ms_errors_and_total():
    rate, p50, p99, problems = wrk.parse_wrk(WRK_OUTPUT)
    assert (rate, p50, p99) == (1800.50, 0.812, 1200.0)
    assert problems == "Socket errors: connect 0, read 3, write 0, timeout 2; Non-2xx or 3xx responses: 7"
    assert wrk.parse_total(WRK_OUTPUT) == 9000


def test_unreadable_wrk_output_is_a_bench_error_that_shows_it():
    with pytest.raises(BenchError, match="could not read wrk's output:\nsegfault"):
        wrk.parse_wrk("segfault")


def test_error_count_adds_socket_errors_and_non_2xx_answers():
    assert report.error_count("Socket errors: connect 0, read 3, write 0, timeout 2; Non-2xx or 3xx responses: 7") == 12
    assert report.error_count("") == 0


@pytest.mark.parametrize(
    ("kind", "row", "expected"),
    [
        (report.ANONYMOUS, result(300.0), "MET"),
        (report.ANONYMOUS, result(299.0), "NOT MET (< 30% of floor)"),
        (report.SIGNED_IN, result(50.0), "MET"),
        (report.SIGNED_IN, result(49.0, p99=50.0), "NOT MET (< 5% of floor, p99 >= 50 ms)"),
        (report.ANONYMOUS, result(900.0, problems="Non-2xx or 3xx responses: 1"), "NOT MET (errors)"),
        (report.FLOOR_KIND, result(1000.0), "MET"),
    ],
)
def test_each_row_is_held_to_its_kind_of_target(kind, row, expected):
    assert report.verdict(kind, row, result(1000.0)) == expected


def test_a_row_whose_feature_is_missing_prints_n_a_and_misses_nothing(capsys):
    missed = report.print_table("setup", [("floor", report.FLOOR_KIND, result(1000.0)),
                                          ("/en/t/x", report.ANONYMOUS, report.NOT_AVAILABLE)])
    assert missed == 0
    assert capsys.readouterr().out.splitlines()[-1].split()[-1] == "n/a"


def test_soak_percentiles_are_nearest_rank_over_every_client_merged():
    fast = soak_results.ClientResult("a", requests=98, statuses=Counter({200: 98}), latency_us=Counter({1000: 98}))
    slow = soak_results.ClientResult("b", requests=2, statuses=Counter({200: 1, 500: 1}),
                                     socket_errors=Counter({"timeout": 1}), latency_us=Counter({80_000: 2}))
    merged = soak_results.merge("all", [fast, slow])
    assert merged.requests == 100
    assert merged.percentile_ms(0.50) == 1.0
    assert merged.percentile_ms(0.98) == 1.0
    assert merged.percentile_ms(0.99) == 80.0
    assert merged.errors == 2
    assert merged.error_detail() == "HTTP 500: 1; timeout: 1"


def test_a_client_that_wrote_no_result_counts_as_an_error(tmp_path):
    missing = soak_results.read_client("writes", tmp_path / "absent.json")
    assert missing.errors == 1


def test_writers_stay_within_every_per_account_limit_at_one_step_per_250_ms():
    steps = list(itertools.islice(soak_clients.write_steps(soak_clients.Writer("c", "t", 7), "x", 3), 4 * 3600))
    hour = Counter("rating" if s.path.endswith("/rating") else "collection" if "collections" in s.path else "collect"
                   for s in steps)
    assert hour["rating"] <= 30  # ratings: 30 per hour
    assert hour["collection"] <= 300  # collection writes: 300 per hour ...
    for minute in range(0, len(steps), 4 * 60):  # ... and 30 per minute
        assert sum("collections" in s.path for s in steps[minute:minute + 240]) <= 30
    assert hour["collect"] > 0 and all(s.headers["X-CSRFToken"] == "t" for s in steps)


class _Answer200(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def test_a_soak_client_writes_counts_the_soak_report_reads(tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Answer200)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        steps = itertools.islice(soak_clients.anonymous_steps(["/", "/c/x"], ["/search?q=a"], 0), 5)
        soak_clients.run_client(0, base, 60, 0, steps, tmp_path / "client.json")
    finally:
        server.shutdown()
        server.server_close()
    read = soak_results.read_client("anonymous", tmp_path / "client.json")
    assert (read.requests, read.statuses, read.errors) == (5, Counter({200: 5}), 0)
    assert sum(read.latency_us.values()) == 5
    assert json.loads((tmp_path / "client.json").read_text())["socket_errors"] == {}


def test_worker_memory_is_read_for_each_child_of_the_master():
    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        workers = memory.read_workers(os.getpid())
        assert child.pid in workers
        assert workers[child.pid].rss_mb > 1
    finally:
        child.stdin.close()
        child.wait()
