"""`flask backup`: one complete backup, written under a partial name and renamed, then retention."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from extensions import db
from services.backup import database
from services.backup.errors import BackupError
from services.backup.manifest import write_manifest
from services.backup.naming import PARTIAL_PREFIX, free_name
from services.backup.retention import prune_backups
from services.backup.revision import database_revision
from services.backup.uploads import UPLOADS, copy_uploads


@dataclass(frozen=True)
class BackupResult:
    """What `flask backup` wrote and pruned."""

    path: Path
    database: str
    alembic_revision: str | None
    upload_files: int
    size_bytes: int
    pruned: list[Path]


def make_backup(backup_dir: Path, upload_dir: Path, *, now: datetime, retention_days: int,
                busy_timeout: float) -> BackupResult:
    """Back up the database and uploads into a new directory in ``backup_dir``, then prune old backups."""
    engine = db.engine
    kind = database.kind_of(engine)
    database.check_tools(engine)
    if backup_dir.resolve().is_relative_to(upload_dir.resolve()):
        raise BackupError(f"The backup directory {backup_dir} is inside UPLOAD_DIR {upload_dir}: every backup "
                          "would copy the ones before it. Choose another BACKUP_DIR.")
    revision = database_revision(engine)
    backup_dir.mkdir(parents=True, exist_ok=True)
    name = free_name(backup_dir, now)
    partial = backup_dir / (PARTIAL_PREFIX + name)
    partial.mkdir()
    try:
        database_file = database.dump_database(engine, partial, busy_timeout=busy_timeout)
        upload_files = copy_uploads(upload_dir, partial / UPLOADS)
        write_manifest(partial, created_at=now.astimezone(UTC).isoformat(), database=kind,
                       database_file=database_file, alembic_revision=revision)
        final = backup_dir / name
        partial.rename(final)  # the backup exists, complete, from this moment on
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    size = sum(p.stat().st_size for p in final.rglob("*") if p.is_file())
    pruned = prune_backups(backup_dir, now, retention_days)
    return BackupResult(final, kind, revision, upload_files, size, pruned)
