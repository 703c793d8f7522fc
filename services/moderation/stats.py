"""The staff dashboard's numbers: per-day series, the week's top tools, searches that found nothing, overdue tickets.

Each series is one GROUP BY over its window, so the dashboard costs the same few queries however much data
there is; days with nothing are filled with zero here, not in SQL.

Days: sign-ups, ratings and reports are timestamps (UTC in the database) grouped by the calendar day in China,
in the database. Clicks and searches are already counted per day in China when they happen
(``ToolClickDay.day``, ``SearchKeywordDay.day``, dated with ``clock.china_day``), and are read as stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Date, and_, exists, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from extensions import db
from models import Rating, Report, SearchKeywordDay, Ticket, TicketMessage, TicketState, Tool, ToolClickDay, User
from services import clock
from services.working_days import CHINA, local_day

CHART_DAYS = 30
TOP_TOOL_DAYS = 7
TOP_LIMIT = 10


class china_day(FunctionElement):  # lower case: it reads as the SQL function it compiles to
    """The calendar day in China of a UTC timestamp column, computed by the database.

    China has kept UTC+8 without daylight saving since 1991, so SQLite's fixed offset agrees with
    PostgreSQL's named zone for every timestamp this site stores.
    """

    type = Date()
    name = "china_day"
    inherit_cache = True


@compiles(china_day, "sqlite")
def _china_day_sqlite(element, compiler, **kw):
    return f"date({compiler.process(element.clauses, **kw)}, '+8 hours')"


@compiles(china_day, "postgresql")
def _china_day_postgresql(element, compiler, **kw):
    return f"CAST(({compiler.process(element.clauses, **kw)} AT TIME ZONE 'Asia/Shanghai') AS DATE)"


@dataclass(frozen=True)
class DailySeries:
    """One number per day, oldest day first, with no day missing."""

    key: str
    days: list[date]
    values: list[int]

    @property
    def per_day(self) -> list[tuple[date, int]]:
        return list(zip(self.days, self.values, strict=True))

    @property
    def total(self) -> int:
        return sum(self.values)

    @property
    def peak(self) -> int:
        return max(self.values, default=0)

    @property
    def peak_day(self) -> date | None:
        """The first day that reached the peak; None when every day is zero."""
        if not self.peak:
            return None
        return self.days[self.values.index(self.peak)]


@dataclass(frozen=True)
class ToolClicks:
    tool_id: int
    slug: str
    name: str
    name_en: str | None
    clicks: int

    def display_name(self, lang: str) -> str:
        return self.name_en if lang == "en" and self.name_en else self.name


@dataclass(frozen=True)
class FruitlessSearch:
    query: str
    searches: int


def china_today() -> date:
    """Today in China, by the clock service."""
    return local_day(clock.now())


def window(today: date, days: int = CHART_DAYS) -> list[date]:
    """The ``days`` days ending with ``today``, oldest first."""
    return [today - timedelta(days=offset) for offset in range(days - 1, -1, -1)]


def china_midnight_utc(day: date) -> datetime:
    """The UTC moment a day in China begins."""
    return datetime.combine(day, time(0), CHINA).astimezone(UTC)


def _filled(key: str, days: list[date], counted) -> DailySeries:
    """A series from (day, number) rows; days the rows do not mention count zero."""
    by_day = {(day if isinstance(day, date) else date.fromisoformat(str(day))): int(number or 0)
              for day, number in counted}
    return DailySeries(key, days, [by_day.get(day, 0) for day in days])


def _per_china_day(key: str, column, days: list[date]) -> DailySeries:
    """Rows created per day in China: one GROUP BY over the window (the range uses the column's plain value)."""
    day = china_day(column)
    rows = db.session.execute(
        select(day, func.count())
        .where(column >= china_midnight_utc(days[0]), column < china_midnight_utc(days[-1] + timedelta(days=1)))
        .group_by(day)
    ).all()
    return _filled(key, days, rows)


def _per_stored_day(key: str, day_column, number_column, days: list[date]) -> DailySeries:
    """A sum per stored day over the window: one GROUP BY."""
    rows = db.session.execute(
        select(day_column, func.sum(number_column))
        .where(day_column >= days[0], day_column <= days[-1])
        .group_by(day_column)
    ).all()
    return _filled(key, days, rows)


def daily_series(today: date, days: int = CHART_DAYS) -> list[DailySeries]:
    """Clicks, searches, sign-ups, ratings and reports per day over the ``days`` days ending ``today``."""
    span = window(today, days)
    return [
        _per_stored_day("clicks", ToolClickDay.day, ToolClickDay.clicks, span),
        _per_stored_day("searches", SearchKeywordDay.day, SearchKeywordDay.searches, span),
        _per_china_day("signups", User.created_at, span),
        _per_china_day("ratings", Rating.created_at, span),
        _per_china_day("reports", Report.created_at, span),
    ]


def top_tools_by_clicks(today: date, days: int = TOP_TOOL_DAYS, limit: int = TOP_LIMIT) -> list[ToolClicks]:
    """The most clicked tools over the ``days`` days ending ``today``, most first (ties: older tool first)."""
    clicks = func.sum(ToolClickDay.clicks).label("clicks")
    rows = db.session.execute(
        select(Tool.id, Tool.slug, Tool.name, Tool.name_en, clicks)
        .join(ToolClickDay, ToolClickDay.tool_id == Tool.id)
        .where(ToolClickDay.day >= today - timedelta(days=days - 1), ToolClickDay.day <= today)
        .group_by(Tool.id, Tool.slug, Tool.name, Tool.name_en)
        .order_by(clicks.desc(), Tool.id)
        .limit(limit)
    ).all()
    return [ToolClicks(tool_id, slug, name, name_en, int(total)) for tool_id, slug, name, name_en, total in rows]


def top_fruitless_searches(today: date, days: int = CHART_DAYS, limit: int = TOP_LIMIT) -> list[FruitlessSearch]:
    """Queries submitted most often without a single result over the window, most first (ties: alphabetical)."""
    fruitless = func.sum(SearchKeywordDay.zero_result_searches).label("fruitless")
    rows = db.session.execute(
        select(SearchKeywordDay.query, fruitless)
        .where(SearchKeywordDay.day >= today - timedelta(days=days - 1), SearchKeywordDay.day <= today,
               SearchKeywordDay.zero_result_searches > 0)
        .group_by(SearchKeywordDay.query)
        .order_by(fruitless.desc(), SearchKeywordDay.query)
        .limit(limit)
    ).all()
    return [FruitlessSearch(query, int(total)) for query, total in rows]


def overdue_ticket_count(today: date) -> int:
    """Tickets past their deadline, counted in one query by the rule of ``services.tickets.is_overdue``."""
    staff_replied = exists().where(TicketMessage.ticket_id == Ticket.id, TicketMessage.from_staff)
    first_response_late = and_(
        Ticket.state == TicketState.OPEN.value, Ticket.due_on < today,
        Ticket.identity_verified_at.is_(None), ~staff_replied,
    )
    reply_late = and_(
        Ticket.reply_due_on.is_not(None), Ticket.reply_due_on < today, Ticket.state != TicketState.ANSWERED.value,
    )
    statement = select(func.count()).select_from(Ticket).where(
        Ticket.state != TicketState.CLOSED.value, or_(first_response_late, reply_late))
    return db.session.scalar(statement) or 0
