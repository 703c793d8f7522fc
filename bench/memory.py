"""How much memory gunicorn's workers hold: RSS from /proc/<pid>/status, PSS from /proc/<pid>/smaps_rollup.

RSS counts every page a worker maps, shared ones included; PSS divides shared
pages among the processes that share them. Workers import the app themselves
(no preload), so the two are close; growth is judged on RSS, the larger.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

KB_PER_MB = 1024


@dataclass
class WorkerMemory:
    """One worker at one moment."""

    pid: int
    rss_mb: float
    pss_mb: float


def _kilobytes(text: str, field: str) -> float:
    """The value of a ``Field:   1234 kB`` line, 0 when absent."""
    found = re.search(rf"^{field}:\s+(\d+) kB", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def read_worker(pid: int) -> WorkerMemory:
    """RSS and PSS of process ``pid`` in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:  # kernels before 4.14 have no smaps_rollup: PSS unknown
        rollup = ""
    return WorkerMemory(pid, _kilobytes(status, "VmRSS") / KB_PER_MB, _kilobytes(rollup, "Pss") / KB_PER_MB)


def worker_pids(master: int) -> list[int]:
    """The pids of gunicorn's workers: the processes whose parent is the master."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # the process ended while we looked
            continue
        # The command name in parentheses may hold spaces; the parent pid is the second field after it.
        if int(text.rsplit(")", 1)[1].split()[1]) == master:
            children.append(int(stat.parent.name))
    return sorted(children)


def read_workers(master: int) -> dict[int, WorkerMemory]:
    """Every worker of the gunicorn ``master``, by pid."""
    return {pid: read_worker(pid) for pid in worker_pids(master)}
