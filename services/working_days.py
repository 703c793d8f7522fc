"""Working days in mainland China, for complaint deadlines and policy notice periods.

Three sources, in order: the holiday table staff edit (``HolidayOverride``), the
``chinese-calendar`` package (public holidays and make-up working days for the
years it knows), and beyond both plain Monday to Friday, which is marked
provisional so staff can see a deadline may move once the State Council
publishes the year's schedule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import chinese_calendar
from sqlalchemy import select

from extensions import db
from models import HolidayOverride
from services import clock
from services.clock import CHINA  # noqa: F401  (re-exported: callers read the zone from here)

# Enough calendar days to hold any run of working days we are asked for, holidays included.
_LOOKAHEAD_FACTOR = 3
_LOOKAHEAD_SLACK = 14


@dataclass(frozen=True)
class DueDate:
    day: date
    provisional: bool  # some day on the way was guessed as Monday to Friday


def local_day(moment: datetime) -> date:
    """The calendar day in China of an aware UTC moment."""
    return clock.china_day(moment)


def day_status(day: date, overrides: dict[date, bool]) -> tuple[bool, bool]:
    """(is it a working day, is that a guess) for one day."""
    if day in overrides:
        return overrides[day], False
    try:
        return chinese_calendar.is_workday(day), False
    except NotImplementedError:  # a year the package has no data for
        return day.weekday() < 5, True


def _overrides_between(first: date, last: date) -> dict[date, bool]:
    rows = db.session.execute(
        select(HolidayOverride.day, HolidayOverride.is_working_day).where(
            HolidayOverride.day.between(first, last)
        )
    )
    return {day: working for day, working in rows}


def add_working_days(start: date, count: int) -> DueDate:
    """The ``count``-th working day after ``start`` (``start`` itself is not counted)."""
    if count < 1:
        raise ValueError("count must be at least 1")
    overrides = _overrides_between(start, start + timedelta(days=count * _LOOKAHEAD_FACTOR + _LOOKAHEAD_SLACK))
    day, found, provisional = start, 0, False
    while found < count:
        day += timedelta(days=1)
        working, guessed = day_status(day, overrides)
        if working:
            found += 1
            provisional = provisional or guessed
    return DueDate(day, provisional)


def due_after(moment: datetime, count: int) -> DueDate:
    """The due date ``count`` working days after an aware moment, counted in China's calendar."""
    return add_working_days(local_day(moment), count)


def working_days_between(first: date, last: date) -> int:
    """How many working days lie after ``first`` up to and including ``last`` (negative if reversed)."""
    if last < first:
        return -working_days_between(last, first)
    overrides = _overrides_between(first, last)
    return sum(
        1 for offset in range(1, (last - first).days + 1)
        if day_status(first + timedelta(days=offset), overrides)[0]
    )
