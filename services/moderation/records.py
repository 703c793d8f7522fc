"""The access log and the security log as staff browse them: filtered, newest first, a page at a time.

Both logs grow without end (old rows are anonymised, not deleted), so pages are keyed by row id
("older than #n", "newer than #n") instead of numbered: no COUNT over the whole log and no deep OFFSET.
Ids follow insertion order, which is time order to within the access log's few-second write batches.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from extensions import db
from models import AccessRecord, SecurityEvent
from services import audit
from services.moderation.stats import china_midnight_utc

PER_PAGE = 50


@dataclass(frozen=True)
class AccessFilter:
    path_prefix: str = ""
    ip: str = ""
    user_id: int | None = None
    status: int | None = None
    since: date | None = None  # days in China, both ends included
    until: date | None = None


@dataclass(frozen=True)
class SecurityFilter:
    kind: str = ""
    method: str = ""
    ip: str = ""
    user_id: int | None = None
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class RecordPage:
    """One page of rows, newest first, and the cursors to the pages beside it (None: there is none)."""

    rows: list
    newer_than: int | None  # pass as ``after`` for the newer page
    older_than: int | None  # pass as ``before`` for the older page


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _in_days(column, since: date | None, until: date | None) -> list:
    conditions = []
    if since is not None:
        conditions.append(column >= china_midnight_utc(since))
    if until is not None:
        conditions.append(column < china_midnight_utc(until + timedelta(days=1)))
    return conditions


def _access_conditions(filters: AccessFilter) -> list:
    conditions = _in_days(AccessRecord.created_at, filters.since, filters.until)
    if filters.path_prefix:
        conditions.append(AccessRecord.path.like(_escape_like(filters.path_prefix) + "%", escape="\\"))
    if filters.ip:
        conditions.append(AccessRecord.ip == filters.ip)
    if filters.user_id is not None:
        conditions.append(AccessRecord.user_id == filters.user_id)
    if filters.status is not None:
        conditions.append(AccessRecord.status == filters.status)
    return conditions


def _security_conditions(filters: SecurityFilter) -> list:
    conditions = _in_days(SecurityEvent.created_at, filters.since, filters.until)
    if filters.kind:
        conditions.append(SecurityEvent.kind == filters.kind)
    if filters.method:
        conditions.append(SecurityEvent.method == filters.method)
    if filters.ip:
        conditions.append(SecurityEvent.ip == filters.ip)
    if filters.user_id is not None:
        conditions.append(SecurityEvent.user_id == filters.user_id)
    return conditions


def _page(model, conditions: list, before: int | None, after: int | None, per_page: int) -> RecordPage:
    """Rows older than ``before``, or newer than ``after``, or the newest; one query, one row more than shown."""
    statement = select(model).where(*conditions)
    if after is not None:
        rows = list(db.session.scalars(statement.where(model.id > after).order_by(model.id).limit(per_page + 1)))
        more_newer = len(rows) > per_page
        rows = list(reversed(rows[:per_page]))
        return RecordPage(rows, rows[0].id if more_newer else None, rows[-1].id if rows else after + 1)
    if before is not None:
        statement = statement.where(model.id < before)
    rows = list(db.session.scalars(statement.order_by(model.id.desc()).limit(per_page + 1)))
    more_older = len(rows) > per_page
    rows = rows[:per_page]
    newer = None if before is None else (rows[0].id if rows else before - 1)
    return RecordPage(rows, newer, rows[-1].id if more_older else None)


def access_records(filters: AccessFilter, *, before: int | None = None, after: int | None = None,
                   per_page: int = PER_PAGE) -> RecordPage:
    """A page of access records matching ``filters``, newest first."""
    return _page(AccessRecord, _access_conditions(filters), before, after, per_page)


def security_events(filters: SecurityFilter, *, before: int | None = None, after: int | None = None,
                    per_page: int = PER_PAGE) -> RecordPage:
    """A page of security events matching ``filters``, newest first."""
    return _page(SecurityEvent, _security_conditions(filters), before, after, per_page)


def security_kinds() -> list[str]:
    """Every kind of security event recorded, for the filter's choices."""
    return list(db.session.scalars(select(SecurityEvent.kind).distinct().order_by(SecurityEvent.kind)))


def is_anonymised_access(record: AccessRecord) -> bool:
    """The retention job has removed the address and the user (every live request has an address)."""
    return record.ip is None and record.user_id is None


def is_anonymised_event(event: SecurityEvent) -> bool:
    """The retention job has cleared the address, the browser and the user."""
    return not event.ip and not event.user_agent and event.user_id is None


def record_lookup(*, actor_id: int, log: str, user_id: int | None, by_ip: bool) -> None:
    """Audit a staff member looking up one person's records (by user id or by IP), and commit.

    Browsing or filtering by path, status or day is not recorded: an entry per search would bury the
    log. Looking up one person is what the audit log is for. The IP itself is not written: the audit
    log can never be anonymised, so it would keep the address past the retention period.
    """
    if user_id is not None:
        target_type, target_id = "user", user_id
    elif by_ip:
        target_type, target_id = "ip", ""
    else:
        return
    audit.record(actor_id=actor_id, action="records.lookup", target_type=target_type, target_id=target_id,
                 after={"log": log, "by_ip": by_ip})
    db.session.commit()
