"""How ticket dates read on a page: in the page's language."""

from __future__ import annotations

from datetime import date

from flask_babel import format_date


def long_day(day: date | None) -> str:
    """A date in the page's language, e.g. 2026年11月27日 or November 27, 2026."""
    return format_date(day, "long") if day else ""
