"""Uploaded images: checked, oriented, re-encoded without metadata, stored under UPLOAD_DIR.

Nothing a user uploads is served as they sent it: the re-encode drops EXIF
(location, camera), ICC profiles and any payload hidden in the file.
"""

from __future__ import annotations

import io
import os
import secrets
import warnings
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # refuses decompression bombs long before memory runs out
# An avatar is shown at 256 px: a 12-megapixel phone photo is welcome, a 40-megapixel canvas (a few KB of PNG
# that decodes to 120 MB) is not.
AVATAR_MAX_SIDE = 4096
AVATAR_MAX_PIXELS = AVATAR_MAX_SIDE * AVATAR_MAX_SIDE
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
AVATAR_SIZE = 256

Image.MAX_IMAGE_PIXELS = MAX_PIXELS


class ImageRejected(ValueError):
    """The upload is not an image we accept; ``reason`` says why (too_large, not_image, too_many_pixels)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _check_header(probe: Image.Image, max_pixels: int) -> None:
    if probe.format not in ALLOWED_FORMATS:
        raise ImageRejected("not_image")
    if probe.width * probe.height > max_pixels:
        raise ImageRejected("too_many_pixels")


def check_image_header(data: bytes, *, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS) -> None:
    """Refuse an upload by its size, format and pixel count, read from the header alone: nothing is decoded.

    Cheap enough to run before anything that costs (an SMS code spent, a decode).
    """
    if len(data) > max_bytes:
        raise ImageRejected("too_large")
    try:
        with warnings.catch_warnings():
            # Pillow warns of a canvas over its own limit; the check below refuses it (and says why).
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:  # lazy: reads the header, decodes no pixel
                _check_header(probe, max_pixels)
    except Image.DecompressionBombError as error:
        raise ImageRejected("too_many_pixels") from error
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise ImageRejected("not_image") from error


def open_checked_image(data: bytes, *, mode: str = "RGB", max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS,
                       draft_size: tuple[int, int] | None = None) -> Image.Image:
    """An accepted upload as an upright image in ``mode``: size, format and pixel count checked first.

    ``draft_size``: JPEGs are decoded at the smallest scale (1/2, 1/4, 1/8) still at least that large.
    """
    if len(data) > max_bytes:
        raise ImageRejected("too_large")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            _check_header(probe, max_pixels)
            probe.seek(0)
            if draft_size is not None and probe.format == "JPEG":
                probe.draft(mode, draft_size)
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
    decoded = open_checked_image(data, max_pixels=AVATAR_MAX_PIXELS, draft_size=(AVATAR_SIZE * 2, AVATAR_SIZE * 2))
    image = ImageOps.fit(decoded, (AVATAR_SIZE, AVATAR_SIZE), Image.Resampling.LANCZOS)
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
