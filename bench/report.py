"""The benchmark's table: one row per page, its share of the setup's floor, and MET / NOT MET per row.

Targets (at wrk's 16 connections): anonymous pages reach at least 30% of the
floor's requests/s, signed-in pages at least 5%; every row's p99 is under 50 ms and
no row has errors. A missed target is reported, never raised.
"""

from __future__ import annotations

import re

from wrk import CONNECTIONS, Result

FLOOR_KIND, ANONYMOUS, SIGNED_IN = "floor", "anonymous", "signed in"
TARGET_SHARE = {FLOOR_KIND: 1.0, ANONYMOUS: 0.30, SIGNED_IN: 0.05}
TARGET_P99_MS = 50.0
NOT_AVAILABLE = None  # a row whose feature is missing: printed "n/a"


def share_of_floor(result: Result, floor: Result) -> float:
    """The row's requests/s as a fraction of the floor's (0 when the floor measured nothing)."""
    return result.requests_per_second / floor.requests_per_second if floor.requests_per_second else 0.0


def misses(kind: str, result: Result, floor: Result) -> list[str]:
    """Why a row misses its target (empty when it meets it)."""
    found = []
    if kind != FLOOR_KIND and share_of_floor(result, floor) < TARGET_SHARE[kind]:
        found.append(f"< {TARGET_SHARE[kind]:.0%} of floor")
    if result.p99_ms >= TARGET_P99_MS:
        found.append(f"p99 >= {TARGET_P99_MS:.0f} ms")
    if result.problems:
        found.append("errors")
    return found


def verdict(kind: str, result: Result, floor: Result) -> str:
    """'MET', or 'NOT MET' with the reasons."""
    reasons = misses(kind, result, floor)
    return "MET" if not reasons else "NOT MET (" + ", ".join(reasons) + ")"


def error_count(problems: str) -> int:
    """How many errors wrk's error lines add up to: socket errors of every kind plus non-2xx/3xx answers."""
    return sum(int(number) for number in re.findall(r"\d+", problems.replace("2xx or 3xx", "")))


HEADER = (f"{'row':<26} {'kind':<9} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'% floor':>8}  {'cache':<5}"
          f" {'errors':<8} target")


def format_row(label: str, kind: str, result: Result | None, floor: Result) -> str:
    """One line of the table; a row without a result (feature missing) prints n/a."""
    if result is NOT_AVAILABLE:
        return f"{label:<26} {kind:<9} {'n/a':>9} {'n/a':>8} {'n/a':>8} {'n/a':>8}  {'-':<5} {'-':<8} n/a"
    share = f"{share_of_floor(result, floor):.0%}"
    return (f"{label:<26} {kind:<9} {result.requests_per_second:>9.1f} {result.p50_ms:>8.2f}"
            f" {result.p99_ms:>8.2f} {share:>8}  {result.cache:<5} {error_count(result.problems):<8}"
            f" {verdict(kind, result, floor)}")


def print_table(title: str, rows: list[tuple[str, str, Result | None]]) -> int:
    """Print one setup's table (the first row is its floor); returns how many rows missed their target."""
    floor = rows[0][2]
    print(f"\n== {title}")
    print(HEADER)
    missed = 0
    for label, kind, result in rows:
        print(format_row(label, kind, result, floor))
        if result is not NOT_AVAILABLE and result.problems:
            print(f"  ! {label}: {result.problems}")
        missed += result is not NOT_AVAILABLE and bool(misses(kind, result, floor))
    return missed


def print_targets() -> None:
    """The targets every row is held to."""
    print(f"targets at {CONNECTIONS} connections: anonymous >= {TARGET_SHARE[ANONYMOUS]:.0%} of the floor's req/s,"
          f" signed in >= {TARGET_SHARE[SIGNED_IN]:.0%}, p99 < {TARGET_P99_MS:.0f} ms, zero errors")
