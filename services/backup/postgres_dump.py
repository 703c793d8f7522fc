"""PostgreSQL: ``pg_dump --format=custom`` to back up, ``pg_restore`` in one transaction to restore.

The password never appears on a command line (where ``ps`` shows it to every user): the tools get a
libpq URL without it and read it from PGPASSWORD.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from sqlalchemy.engine import URL

from services.backup.errors import BackupError

FILE_NAME = "database.pgdump"
# A restore waits this long for a lock (an app worker still running) and then fails instead of hanging.
LOCK_TIMEOUT = "60s"


def tool_path(name: str) -> str:
    """The full path of a PostgreSQL client program, or an error saying how to install it."""
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} was not found on PATH. Install the PostgreSQL client tools, the same major "
                          f"version as the server or newer: apt-get install -y postgresql-client")
    return found


def libpq_connection(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq URL for the tools (no driver suffix, no password) and the environment that carries the password."""
    env = dict(os.environ, PGCONNECT_TIMEOUT=os.environ.get("PGCONNECT_TIMEOUT", "10"))
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{what} failed (exit {result.returncode}): {result.stderr.strip()}")


def dump(url: URL, dest_dir: Path) -> str:
    """Dump the configured database into ``dest_dir``; the file name written."""
    pg_dump = tool_path("pg_dump")
    target, env = libpq_connection(url)
    _run([pg_dump, "--format=custom", f"--file={dest_dir / FILE_NAME}", f"--dbname={target}"], env, "pg_dump")
    return FILE_NAME


def load(url: URL, backup_file: Path) -> None:
    """Replace the configured database's objects with those in the dump, all or nothing."""
    pg_restore = tool_path("pg_restore")
    target, env = libpq_connection(url)
    env["PGOPTIONS"] = f"{env.get('PGOPTIONS', '')} -c lock_timeout={LOCK_TIMEOUT}".strip()
    _run([pg_restore, "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error",
          f"--dbname={target}", str(backup_file)], env, "pg_restore")


def describe(url: URL) -> str:
    """The restore target in words, for the confirmation prompt."""
    return f"the PostgreSQL database {url.database} on {url.host or 'localhost'}:{url.port or 5432}"
