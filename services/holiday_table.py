"""The holiday table staff keep: days whose working status they set by hand.

``services.working_days`` reads the table first, then the chinese-calendar package, then guesses
Monday to Friday. It reads the table on every computation and caches nothing, so a change here counts
for the next deadline computed on any app server. Deadlines already stored (a ticket's ``due_on``)
stay as they were computed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar
from flask_babel import gettext as _
from sqlalchemy import select

from extensions import db
from models import HolidayOverride
from services import audit
from services.working_days import day_status

NAME_MAX_LENGTH = 80
FIRST_YEAR, LAST_YEAR = 2000, 2100
# The years the installed package has the State Council's schedule for (2004–2026 in 1.11.0).
PACKAGE_YEARS = range(min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1)
_UNSAFE = re.compile(r"[<>\x00-\x1f\x7f]")


class HolidayError(ValueError):
    """The day or name was refused; the message says why, ``field`` says which input."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class CalendarDay:
    day: date
    working: bool
    source: str  # "table" (staff), "package" (chinese-calendar) or "guess" (Monday to Friday)
    name_zh: str
    name_en: str


@dataclass(frozen=True)
class YearCalendar:
    year: int
    package_knows: bool
    working_days: int
    provisional_days: int  # days decided by the Monday-to-Friday guess
    unusual_days: list[CalendarDay]  # table rows, and days that are not what Monday to Friday says


def years_needing_the_table(today: date, ahead: int = 1) -> list[int]:
    """This year and the next ``ahead`` years the package has no schedule for."""
    return [year for year in range(today.year, today.year + ahead + 1) if year not in PACKAGE_YEARS]


def table_rows(year: int) -> list[HolidayOverride]:
    """The table's days in ``year``, in date order."""
    return list(db.session.scalars(
        select(HolidayOverride)
        .where(HolidayOverride.day.between(date(year, 1, 1), date(year, 12, 31)))
        .order_by(HolidayOverride.day)
    ))


def year_calendar(year: int) -> YearCalendar:
    """What the working-day calendar says for ``year``: its counts and every day off the usual week."""
    rows = {row.day: row for row in table_rows(year)}
    overrides = {day: row.is_working_day for day, row in rows.items()}
    day, working_days, provisional_days, unusual = date(year, 1, 1), 0, 0, []
    while day.year == year:
        working, guessed = day_status(day, overrides)
        working_days += working
        provisional_days += guessed
        if day in rows:
            unusual.append(CalendarDay(day, working, "table", rows[day].name, rows[day].name))
        elif working != (day.weekday() < 5):
            unusual.append(CalendarDay(day, working, "package", *_package_name(day, working)))
        day += timedelta(days=1)
    return YearCalendar(year, year in PACKAGE_YEARS, working_days, provisional_days, unusual)


def _package_name(day: date, working: bool) -> tuple[str, str]:
    """(Chinese, English) name of the holiday a day belongs to, or is made up for."""
    english = (chinese_calendar.workdays if working else chinese_calendar.holidays).get(day) or ""
    try:
        return chinese_calendar.Holiday(english).chinese, english
    except ValueError:
        return english, english


def check_day(value: str) -> date:
    """An ISO date from the form, within the years the table accepts."""
    try:
        day = date.fromisoformat((value or "").strip())
    except ValueError:
        raise HolidayError(_("Enter a date such as 2027-10-01."), "day") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise HolidayError(_("Enter a date from %(first)s to %(last)s.", first=FIRST_YEAR, last=LAST_YEAR), "day")
    return day


def check_name(value: str) -> str:
    """The holiday's name as stored: one line of plain text."""
    name = (value or "").strip()
    if not name:
        raise HolidayError(_("Give the day a name, such as 国庆节 or 国庆节调休."), "name")
    if _UNSAFE.search(name):
        raise HolidayError(_("Use one line of plain text, without < or >."), "name")
    if len(name) > NAME_MAX_LENGTH:
        raise HolidayError(_("Use at most %(count)s characters.", count=NAME_MAX_LENGTH), "name")
    return name


def set_day(day: date, *, is_working_day: bool, name: str, actor_id: int, reason: str = "") -> HolidayOverride:
    """Add ``day`` to the table, or replace its entry, with an audit entry; commits."""
    row = db.session.get(HolidayOverride, day)
    before = _audit_fields(row) if row is not None else {}
    if row is None:
        row = HolidayOverride(day=day)
        db.session.add(row)
    row.is_working_day, row.name = is_working_day, name
    audit.record(actor_id=actor_id, action="holiday.set", target_type="holiday", target_id=day.isoformat(),
                 before=before, after=_audit_fields(row), reason=reason)
    db.session.commit()
    return row


def remove_day(day: date, *, actor_id: int, reason: str = "") -> bool:
    """Take ``day`` out of the table, with an audit entry; commits. False when it was not there."""
    row = db.session.get(HolidayOverride, day)
    if row is None:
        return False
    audit.record(actor_id=actor_id, action="holiday.remove", target_type="holiday", target_id=day.isoformat(),
                 before=_audit_fields(row), after={}, reason=reason)
    db.session.delete(row)
    db.session.commit()
    return True


def _audit_fields(row: HolidayOverride) -> dict:
    return {"is_working_day": row.is_working_day, "name": row.name}
