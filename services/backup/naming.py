"""Backup names: ``sellernav-20261125T103000Z``, UTC, so names sort in time order.

A backup being written is ``.partial-<name>``: hidden, and never taken for a complete backup.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

PREFIX = "sellernav-"
PARTIAL_PREFIX = ".partial-"
_STAMP = "%Y%m%dT%H%M%SZ"
# An optional -N suffix separates backups made within the same second.
_NAME = re.compile(r"^sellernav-(\d{8}T\d{6}Z)(?:-(\d+))?$")


def created_at(name: str) -> datetime | None:
    """When the backup called ``name`` was made; None when it is not a complete backup's name."""
    match = _NAME.match(name)
    if match is None:
        return None
    return datetime.strptime(match.group(1), _STAMP).replace(tzinfo=UTC)


def complete_backups(backup_dir: Path) -> list[Path]:
    """The complete backups in ``backup_dir``, oldest first (partial ones and other files are ignored)."""
    if not backup_dir.is_dir():
        return []
    return sorted((p for p in backup_dir.iterdir() if p.is_dir() and _NAME.match(p.name)), key=_order)


def _order(path: Path) -> tuple[str, int]:
    match = _NAME.match(path.name)
    return match.group(1), int(match.group(2) or 0)


def free_name(backup_dir: Path, moment: datetime) -> str:
    """A name for a backup made at ``moment`` that neither a complete nor a partial backup uses yet."""
    base = PREFIX + moment.astimezone(UTC).strftime(_STAMP)
    name, n = base, 0
    while (backup_dir / name).exists() or (backup_dir / (PARTIAL_PREFIX + name)).exists():
        n += 1
        name = f"{base}-{n}"
    return name
