"""The one source of "now": tests freeze and move it instead of sleeping."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

# The site's calendar: daily counters and "this week" are days in China, whatever the server's zone.
CHINA = ZoneInfo("Asia/Shanghai")

_frozen: datetime | None = None


def now() -> datetime:
    """The current time, timezone-aware UTC."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def china_day(moment: datetime | None = None) -> date:
    """The calendar day in China of an aware moment (default: now)."""
    return (moment or now()).astimezone(CHINA).date()


def freeze(at: datetime) -> None:
    """Stop the clock at ``at`` (aware)."""
    global _frozen
    if at.tzinfo is None:
        raise ValueError("freeze() needs an aware datetime")
    _frozen = at


def advance(delta: timedelta) -> None:
    """Move a frozen clock forward."""
    if _frozen is None:
        raise RuntimeError("advance() needs a frozen clock")
    freeze(_frozen + delta)


def unfreeze() -> None:
    """Let the clock follow real time again."""
    global _frozen
    _frozen = None
