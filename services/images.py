"""Uploaded images: checked, oriented, re-encoded without metadata, stored under UPLOAD_DIR.

Nothing a user uploads is served as they sent it: the re-encode drops EXIF
(location, camera), ICC profiles and any payload hidden in the file.
"""

from __future__ import annotations

import io
import os
import secrets
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # refuses decompression bombs long before memory runs out
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
AVATAR_SIZE = 256

Image.MAX_IMAGE_PIXELS = MAX_PIXELS


class ImageRejected(ValueError):
    """The upload is not an image we accept; ``reason`` says why (too_large, not_image, too_many_pixels)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def reencode_avatar(data: bytes) -> bytes:
    """A square WebP avatar from any accepted image, with no metadata."""
    if len(data) > MAX_BYTES:
        raise ImageRejected("too_large")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ALLOWED_FORMATS:
                raise ImageRejected("not_image")
            if probe.width * probe.height > MAX_PIXELS:
                raise ImageRejected("too_many_pixels")
            probe.seek(0)
            image = ImageOps.exif_transpose(probe)  # apply the camera's rotation, then forget it
            image = image.convert("RGB")
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError) as error:
        raise ImageRejected("not_image") from error
    image = ImageOps.fit(image, (AVATAR_SIZE, AVATAR_SIZE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="WEBP", quality=85)  # a fresh file: no EXIF, no ICC, no comments
    return out.getvalue()


def store_upload(upload_dir: str, folder: str, data: bytes, suffix: str = ".webp") -> str:
    """Write bytes under ``upload_dir/folder`` with a random name; returns ``folder/name``."""
    target = Path(upload_dir) / folder
    target.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_urlsafe(18)}{suffix}"
    (target / name).write_bytes(data)
    return f"{folder}/{name}"


def delete_upload(upload_dir: str, relative_path: str | None) -> None:
    """Remove a stored file; missing files are fine (erasure may run twice)."""
    if not relative_path:
        return
    path = Path(upload_dir) / relative_path
    if path.resolve().is_relative_to(Path(upload_dir).resolve()) and path.exists():
        os.remove(path)
