"""The uploaded file kept between the preview and the confirmation, under UPLOAD_DIR/private/imports.

The preview must show exactly what a confirmation will write, without the admin uploading the file
twice, so the upload is kept server-side under a random id (never in the session cookie, which is
small and signed, not secret). A stash belongs to the admin who uploaded it (anyone else is told it
does not exist) and lasts an hour. The folder is outside every folder a public route serves. With
several app servers, UPLOAD_DIR is the shared storage avatars and logos already need.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from services import clock

STASH_FOLDER = "private/imports"
STASH_LIFETIME = timedelta(hours=1)
_STASH_ID = re.compile(r"^[A-Za-z0-9_-]{22,64}$")


@dataclass(frozen=True)
class Stash:
    id: str
    admin_id: int
    created_at: datetime
    format: str
    filename: str
    default_category_id: int | None
    data: bytes


class StashRefused(LookupError):
    """``missing`` (no such stash, or another admin's) or ``expired``."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def _folder(upload_dir: str) -> Path:
    return Path(upload_dir) / STASH_FOLDER


def _paths(upload_dir: str, stash_id: str) -> tuple[Path, Path] | None:
    """The stash's two files (what it is, and the upload); None for an id we never made, which keeps
    ``..`` and other path tricks out."""
    if not _STASH_ID.match(stash_id or ""):
        return None
    folder = _folder(upload_dir)
    return folder / f"{stash_id}.meta.json", folder / f"{stash_id}.upload"


def _write_private(path: Path, content: bytes) -> None:
    """Written under a temporary name, readable by the app's user only, then moved into place."""
    temporary = path.with_name(f".{path.name}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)
    os.replace(temporary, path)


def save_stash(upload_dir: str, *, admin_id: int, data: bytes, fmt: str, filename: str,
               default_category_id: int | None) -> str:
    """Keep an upload for its preview; returns the stash id. Stashes past their hour are removed on the way."""
    prune_stashes(upload_dir)
    _folder(upload_dir).mkdir(parents=True, exist_ok=True)
    stash_id = secrets.token_urlsafe(24)
    meta_path, data_path = _paths(upload_dir, stash_id)
    _write_private(data_path, data)
    meta = {"admin_id": admin_id, "created_at": clock.now().isoformat(), "format": fmt,
            "filename": filename[:200], "default_category_id": default_category_id}
    _write_private(meta_path, json.dumps(meta).encode())  # last: a stash exists once both files do
    return stash_id


def _meta(meta_path: Path) -> dict | None:
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        meta["created_at"] = datetime.fromisoformat(meta["created_at"])
        return meta
    except (OSError, ValueError, KeyError, TypeError):
        return None


def load_stash(upload_dir: str, stash_id: str, *, admin_id: int) -> Stash:
    """The stash, if it is this admin's and still fresh; raises StashRefused otherwise."""
    paths = _paths(upload_dir, stash_id)
    meta = _meta(paths[0]) if paths else None
    if meta is None or meta.get("admin_id") != admin_id:
        raise StashRefused("missing")
    if clock.now() - meta["created_at"] > STASH_LIFETIME:
        discard_stash(upload_dir, stash_id)
        raise StashRefused("expired")
    try:
        data = paths[1].read_bytes()
    except OSError as error:
        raise StashRefused("missing") from error
    return Stash(id=stash_id, admin_id=admin_id, created_at=meta["created_at"], format=meta["format"],
                 filename=meta["filename"], default_category_id=meta["default_category_id"], data=data)


def discard_stash(upload_dir: str, stash_id: str) -> None:
    for path in _paths(upload_dir, stash_id) or ():
        path.unlink(missing_ok=True)


def prune_stashes(upload_dir: str) -> int:
    """Remove stashes past their lifetime (an admin who never confirmed); returns how many."""
    folder = _folder(upload_dir)
    if not folder.is_dir():
        return 0
    removed = 0
    for meta_path in folder.glob("*.meta.json"):
        meta = _meta(meta_path)
        if meta is None or clock.now() - meta["created_at"] > STASH_LIFETIME:
            discard_stash(upload_dir, meta_path.name.removesuffix(".meta.json"))
            removed += 1
    return removed
