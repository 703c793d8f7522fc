"""Reports of tools and reviews: stored open for the moderation queue, one open report per user and target."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import select, text

from extensions import db
from models import Rating, Report, ReportReason, Tool
from models.catalog import PUBLIC_STATUSES
from services import clock
from services.ratings import NotAllowed, NotFound, votable_rating

NOTE_MAX_LENGTH = 1000
REASONS = tuple(reason.value for reason in ReportReason)
OPEN = "open"


class InvalidReport(ValueError):
    """An unknown reason or a note too long; views validate first, this is the last guard."""


class Filed(NamedTuple):
    """The open report for this user and target, and whether this call created it."""

    report: Report
    created: bool


def _clean(reason: str, note: str | None) -> str:
    if reason not in REASONS:
        raise InvalidReport(f"unknown reason {reason!r}")
    note = (note or "").replace("\r\n", "\n").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise InvalidReport(f"note longer than {NOTE_MAX_LENGTH} characters")
    return note


def _file(reporter_id: int, target_type: str, tool_id: int, rating_id: int | None, reason: str, note: str) -> Filed:
    """Store the report unless this user already has one open on the same target.

    There is no unique constraint for "one open report per user and target", so
    the reporter's row is locked first: one user's reports are written one at a
    time, and a double submit finds the first one instead of adding a second.
    """
    try:
        db.session.execute(text("UPDATE user_account SET id = id WHERE id = :id"), {"id": reporter_id})
        target = Report.rating_id == rating_id if rating_id is not None else Report.rating_id.is_(None)
        existing = db.session.scalar(
            select(Report).where(
                Report.reporter_id == reporter_id,
                Report.target_type == target_type,
                Report.tool_id == tool_id,
                target,
                Report.state == OPEN,
            )
        )
        if existing is not None:
            db.session.rollback()
            return Filed(existing, False)
        report = Report(reporter_id=reporter_id, target_type=target_type, tool_id=tool_id, rating_id=rating_id,
                        reason=reason, note=note, state=OPEN, created_at=clock.now())
        db.session.add(report)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return Filed(report, True)


def report_tool(user, tool_id: int, reason: str, note: str | None = "") -> Filed:
    """Report a public tool (wrong information, dead link, IP complaint, spam, other)."""
    note = _clean(reason, note)
    if db.session.scalar(select(Tool.id).where(Tool.id == tool_id, Tool.status.in_(PUBLIC_STATUSES))) is None:
        raise NotFound("no such tool")
    return _file(user.id, "tool", tool_id, None, reason, note)


def report_review(user, rating_id: int, reason: str, note: str | None = "") -> Filed:
    """Report a review others can see; the report also records the review's tool for the queue."""
    note = _clean(reason, note)
    rating: Rating | None = votable_rating(rating_id)
    if rating is None:
        raise NotFound("no such review")
    if rating.user_id == user.id:
        raise NotAllowed("own review")
    return _file(user.id, "review", rating.tool_id, rating_id, reason, note)
