"""Reading what the soak's wrk clients wrote: requests, errors and latency percentiles, merged.

Each client's JSON file (see soak_scripts.py) holds its full latency histogram, so
percentiles over all clients are exact, not an average of percentiles.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

# Answers a visitor should get: pages, fragments, and the redirects after a plain form post.
OK_STATUSES = range(200, 400)


@dataclass
class ClientResult:
    """One wrk client's (or several merged) counts and latency histogram."""

    name: str
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    socket_errors: Counter = field(default_factory=Counter)
    latency_us: Counter = field(default_factory=Counter)  # microseconds -> how many requests took that long

    @property
    def errors(self) -> int:
        """Answers outside 2xx/3xx plus connections that failed or timed out."""
        bad = sum(count for status, count in self.statuses.items() if status not in OK_STATUSES)
        return bad + sum(self.socket_errors.values())

    def percentile_ms(self, fraction: float) -> float:
        """The nearest-rank percentile of the latency histogram, in ms (0 when empty)."""
        total = sum(self.latency_us.values())
        if not total:
            return 0.0
        rank = max(1, round(fraction * total))
        seen = 0
        for value, count in sorted(self.latency_us.items()):
            seen += count
            if seen >= rank:
                return value / 1000
        return max(self.latency_us) / 1000

    def error_detail(self) -> str:
        """The error kinds and counts ('' when none), e.g. 'HTTP 500: 2; timeout: 1'."""
        parts = [f"HTTP {status}: {count}" for status, count in sorted(self.statuses.items())
                 if status not in OK_STATUSES]
        parts += [f"{kind}: {count}" for kind, count in sorted(self.socket_errors.items()) if count]
        return "; ".join(parts)


def parse_client(name: str, text: str) -> ClientResult:
    """One client's JSON file."""
    data = json.loads(text)
    return ClientResult(
        name=name,
        requests=data["requests"],
        statuses=Counter({int(status): count for status, count in data["statuses"].items()}),
        socket_errors=Counter(data["socket_errors"]),
        latency_us=Counter({value: count for value, count in data["latency_us"]}),
    )


def read_client(name: str, path: Path) -> ClientResult:
    """One client's result file, or an empty result noting that the client wrote none."""
    if not path.exists():
        return ClientResult(name=name, socket_errors=Counter({"no result file (wrk failed)": 1}))
    return parse_client(name, path.read_text(encoding="utf-8"))


def merge(name: str, results: list[ClientResult]) -> ClientResult:
    """All clients as one."""
    merged = ClientResult(name=name)
    for result in results:
        merged.requests += result.requests
        merged.statuses.update(result.statuses)
        merged.socket_errors.update(result.socket_errors)
        merged.latency_us.update(result.latency_us)
    return merged
