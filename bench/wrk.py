"""Running wrk and reading what it prints: requests/s, latency percentiles, errors, totals.

wrk is the load generator of every benchmark here: a C program, so on a small
machine it takes far less CPU from the server than a Python client would.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass

from errors import BenchError

THREADS = 2
CONNECTIONS = 16
UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass
class Result:
    """One wrk run: the row it belongs to and what wrk measured."""

    path: str  # or a label, for rows that are not a plain GET
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    cache: str
    problems: str = ""  # wrk's socket-error and non-2xx/3xx lines, empty when there were none
    requests: int = 0  # completed requests wrk counted


def require_wrk() -> str:
    """The wrk executable's path; stops with how to install it when it is missing."""
    found = shutil.which("wrk")
    if found is None:
        raise BenchError("wrk is not installed: run `apt-get install -y wrk` (Debian/Ubuntu)")
    return found


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
