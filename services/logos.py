"""Uploaded tool logos: checked, re-encoded to a small WebP without metadata, kept under UPLOAD_DIR/logos.

Unlike avatars, a logo keeps its transparency (most logos are drawn on none), so it is
opened as RGBA. Staff upload them (services.moderation.tool_logos); ``/t/<slug>/logo.svg``
serves them.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageOps

from services.images import encode_webp, open_checked_image

LOGO_FOLDER = "logos"
LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_BOX = 256  # fits inside this square, proportions kept: a logo is never cropped


def reencode_logo(data: bytes) -> bytes:
    """A WebP logo at most LOGO_BOX pixels a side from any accepted image; raises ``ImageRejected``."""
    image = open_checked_image(data, mode="RGBA", max_bytes=LOGO_MAX_BYTES)
    image = ImageOps.contain(image, (LOGO_BOX, LOGO_BOX), Image.Resampling.LANCZOS)
    return encode_webp(image, quality=90)


def stored_logo(upload_dir: str, logo_path: str | None) -> Path | None:
    """The logo file, if the tool has one and it exists inside UPLOAD_DIR/logos."""
    if not logo_path:
        return None
    folder = (Path(upload_dir) / LOGO_FOLDER).resolve()
    path = (Path(upload_dir) / logo_path).resolve()
    return path if path.is_relative_to(folder) and path.is_file() else None
