"""Retention: backups older than BACKUP_RETENTION_DAYS go, but the newest one always stays.

The privacy policy promises that erased data leaves the backups within that many days; keeping the
newest one whatever its age means a site whose backup job stopped still has something to restore.
"""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path

from services.backup.naming import complete_backups, created_at


def prune_backups(backup_dir: Path, now: datetime, retention_days: int) -> list[Path]:
    """Delete the complete backups made more than ``retention_days`` before ``now``; the paths deleted."""
    cutoff = now - timedelta(days=retention_days)
    older = complete_backups(backup_dir)[:-1]  # never the newest
    pruned = [path for path in older if created_at(path.name) < cutoff]
    for path in pruned:
        shutil.rmtree(path)
    return pruned
