"""Whole numbers typed by people: query strings, form fields, command-line identifiers.

``str.isdigit`` also accepts "²" and "٣", which ``int`` refuses or reads differently, and a
25-digit id overflows every database integer; both would be a 500. Here they are simply None.
"""

from __future__ import annotations

# The largest value of a 32-bit INTEGER column (PostgreSQL ``integer``): ids and pages stay below it.
LARGEST_INTEGER = 2**31 - 1


def whole_number(text: str | None, *, minimum: int = 0, maximum: int = LARGEST_INTEGER) -> int | None:
    """``text`` as an int when it is ASCII digits within [minimum, maximum], else None."""
    text = (text or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(maximum)):
        return None
    number = int(text)
    return number if minimum <= number <= maximum else None
