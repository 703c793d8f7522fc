"""Generated logos: a monogram (one or two letters on a colour) from a tool's name.

No logo is ever fetched from the internet; this is the fallback for every
tool without an uploaded one.
"""

from __future__ import annotations

import zlib
from html import escape

HUES = 12  # colour buckets; the stylesheet defines .mono-0 … .mono-11 to match


def monogram_letters(name: str) -> str:
    """"Jungle Scout" → "JS"; "卖家精灵" → "卖"; "17TRACK" → "17"."""
    words = [w for w in name.replace("-", " ").replace(".", " ").split() if w]
    if not words:
        return "?"
    first = words[0]
    if not first[0].isascii():
        return first[0]
    if len(words) > 1 and words[1][0].isascii() and words[1][0].isalnum():
        return (first[0] + words[1][0]).upper()
    return first[:2].upper() if first[:2].isdigit() else first[0].upper()


def monogram_hue(name: str) -> int:
    """A stable colour bucket for the name."""
    return zlib.crc32(name.encode("utf-8")) % HUES


def monogram_svg(name: str) -> str:
    """A square SVG logo; text is escaped, so any name is safe."""
    letters = escape(monogram_letters(name))
    hue = monogram_hue(name) * (360 // HUES)
    size = 40 if len(letters) == 1 else 32
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 96 96" width="96" height="96" role="img">'
        f"<title>{escape(name)}</title>"
        f'<rect width="96" height="96" rx="20" fill="hsl({hue} 55% 42%)"/>'
        f'<text x="48" y="50" text-anchor="middle" dominant-baseline="central" '
        f'font-family="system-ui, -apple-system, \'PingFang SC\', \'Microsoft YaHei\', sans-serif" '
        f'font-size="{size}" font-weight="600" fill="#fff">{letters}</text></svg>'
    )
