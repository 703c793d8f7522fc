"""QR codes as SVG, drawn locally with segno: WeChat users share a page by scanning it."""

from __future__ import annotations

import io

import segno

# Long enough for any URL of ours; a QR code of a longer one would be too dense to scan.
MAX_URL_LENGTH = 512


class QrTooLong(ValueError):
    """The text does not fit a QR code we are willing to draw."""


def qr_svg(url: str, *, scale: int = 4) -> str:
    """A standalone SVG (dark modules on white) encoding ``url``.

    The URL only becomes modules, never text in the document, so nothing in
    it can be read as markup; no title or description is written for the same
    reason. The white background keeps the code scannable in dark mode.
    """
    if len(url) > MAX_URL_LENGTH:
        raise QrTooLong(url[:40])
    code = segno.make(url, error="m", micro=False)
    out = io.BytesIO()
    code.save(out, kind="svg", scale=scale, border=2, dark="#000", light="#fff", xmldecl=False, nl=False, omitsize=True)
    return out.getvalue().decode("utf-8")
