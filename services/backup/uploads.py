"""The UPLOAD_DIR tree: copied into a backup, and put back in place of what is there on a restore."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

UPLOADS = "uploads"
STAGING_PREFIX = ".restoring-"


def copy_uploads(upload_dir: Path, dest: Path) -> int:
    """Copy every regular file under ``upload_dir`` into ``dest``; how many. Symlinks are not followed."""
    dest.mkdir(parents=True, exist_ok=True)
    if not upload_dir.is_dir():
        return 0
    copied = 0
    for folder, dirs, names in os.walk(upload_dir):
        dirs[:] = [d for d in dirs if not d.startswith(STAGING_PREFIX)]  # left by a restore that was killed
        for name in names:
            source = Path(folder) / name
            if source.is_symlink() or not source.is_file():
                continue
            target = dest / source.relative_to(upload_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
            copied += 1
    return copied


def count_files(root: Path) -> int:
    """Regular files under ``root`` (0 when it does not exist)."""
    return sum(1 for p in root.rglob("*") if p.is_file()) if root.is_dir() else 0


def replace_uploads(upload_dir: Path, source: Path) -> int:
    """Make ``upload_dir`` hold exactly the files under ``source``; how many.

    The copy is staged inside ``upload_dir`` (same file system, so the final moves are renames) and
    ``upload_dir`` itself is kept, because it is often a mount point shared by the app servers.
    """
    upload_dir.mkdir(parents=True, exist_ok=True)
    staging = upload_dir / f"{STAGING_PREFIX}{uuid.uuid4().hex}"
    if source.is_dir():
        shutil.copytree(source, staging, symlinks=False)
    else:
        staging.mkdir()
    for child in upload_dir.iterdir():
        if child == staging:
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
    for child in staging.iterdir():
        child.rename(upload_dir / child.name)
    staging.rmdir()
    return count_files(upload_dir)
