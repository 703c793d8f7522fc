"""SQLite: copies through the online backup API, which is consistent while the site goes on writing.

``Connection.backup`` copies every page in one step under a read lock, so the copy is one moment of
the database even with app workers writing (WAL lets them carry on). Restoring uses the same API in
the other direction, into the live file, so open connections see the restored pages, not a replaced
inode they still hold open.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import URL

from services.backup.errors import BackupError

FILE_NAME = "database.sqlite3"


def database_path(url: URL) -> Path:
    """The file an SQLite URL names; an in-memory database cannot be backed up or restored."""
    if not url.database or url.database == ":memory:" or url.database.startswith("file::memory:"):
        raise BackupError("The database is an in-memory SQLite database: there is nothing to back up or restore.")
    return Path(url.database)


def dump(url: URL, dest_dir: Path, *, busy_timeout: float) -> str:
    """Copy the live database into ``dest_dir``; the file name written."""
    source_path = database_path(url)
    if not source_path.is_file():
        raise BackupError(f"The SQLite database {source_path} does not exist.")
    target = dest_dir / FILE_NAME
    with closing(sqlite3.connect(source_path.resolve().as_uri() + "?mode=ro", uri=True,
                                 timeout=busy_timeout)) as source, closing(sqlite3.connect(target)) as copy:
        source.backup(copy)
        # One self-contained file: the copy needs no -wal file beside it.
        copy.execute("PRAGMA journal_mode=DELETE")
    return FILE_NAME


def load(url: URL, backup_file: Path, *, busy_timeout: float) -> None:
    """Overwrite the live database, page by page, with the copy in ``backup_file``."""
    target_path = database_path(url)
    target_path.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(backup_file.resolve().as_uri() + "?mode=ro", uri=True)) as source, \
            closing(sqlite3.connect(target_path, timeout=busy_timeout)) as target:
        source.backup(target)


def describe(url: URL) -> str:
    """The restore target in words, for the confirmation prompt."""
    return f"the SQLite database {database_path(url).resolve()}"
