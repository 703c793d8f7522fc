"""``manifest.json``: what a backup holds, and a SHA-256 of every file so damage is found before a restore."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from services.backup.errors import BackupError

MANIFEST = "manifest.json"
FORMAT = 1  # bumped if the layout of a backup ever changes
_CHUNK = 1024 * 1024


def sha256_of(path: Path) -> str:
    """The hex SHA-256 of a file, read in chunks (database dumps can be large)."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def files_in(root: Path) -> list[str]:
    """Every regular file under ``root`` but the manifest, as sorted POSIX paths relative to it."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*")
                  if p.is_file() and not p.is_symlink() and p.relative_to(root).as_posix() != MANIFEST)


def write_manifest(root: Path, *, created_at: str, database: str, database_file: str,
                   alembic_revision: str | None) -> dict:
    """Checksum every file under ``root`` and write the manifest beside them; the manifest."""
    manifest = {
        "format": FORMAT,
        "created_at": created_at,
        "database": database,
        "database_file": database_file,
        "alembic_revision": alembic_revision,
        "files": {name: sha256_of(root / name) for name in files_in(root)},
    }
    (root / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return manifest


def verified_manifest(root: Path) -> dict:
    """The manifest of the backup at ``root``, after proving every file is there, unchanged, and no other."""
    try:
        manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{root} is not a complete backup: it has no {MANIFEST}.") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise BackupError(f"{root / MANIFEST} cannot be read: {error}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{root} has backup format {manifest.get('format')!r}; this code reads format {FORMAT}.")
    links = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_symlink())
    if links:  # a restore would copy what they point at into UPLOAD_DIR
        raise BackupError(f"{root} holds symbolic links, which no backup writes: {links}. Refusing to restore it.")
    expected = manifest["files"]
    present = files_in(root)
    missing = sorted(set(expected) - set(present))
    extra = sorted(set(present) - set(expected))
    if missing or extra:
        raise BackupError(f"{root} does not match its manifest: missing {missing or 'nothing'}, "
                          f"unexpected {extra or 'nothing'}. Refusing to restore it.")
    for name in present:
        if sha256_of(root / name) != expected[name]:
            raise BackupError(f"{root / name} fails its checksum: the backup is damaged. Refusing to restore it.")
    return manifest
