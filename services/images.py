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


def open_checked_image(data: bytes, *, mode: str = "RGB", max_bytes: int = MAX_BYTES) -> Image.Image:
    """An accepted upload as an upright image in ``mode``: size, format and pixel count checked first."""
    if len(data) > max_bytes:
        raise ImageRejected("too_large")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ALLOWED_FORMATS:
                raise ImageRejected("not_image")
            if probe.width * probe.height > MAX_PIXELS:
                raise ImageRejected("too_many_pixels")
            probe.seek(0)
            # Apply the camera's rotation, then forget it with the rest of the metadata.
            return ImageOps.exif_transpose(probe).convert(mode)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError) as error:
        raise ImageRejected("not_image") from error


def encode_webp(image: Image.Image, quality: int) -> bytes:
    """A fresh WebP file: no EXIF, no ICC profile, no comments."""
    out = io.BytesIO()
    image.save(out, format="WEBP", quality=quality)
    return out.getvalue()


def reencode_avatar(data: bytes) -> bytes:
    """A square WebP avatar from any accepted image, with no metadata."""
    image = ImageOps.fit(open_checked_image(data), (AVATAR_SIZE, AVATAR_SIZE), Image.Resampling.LANCZOS)
    return encode_webp(image, quality=85)


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
