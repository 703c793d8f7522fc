"""The reports queue: open reports of tools and reviews, resolved with an action on the target."""

from __future__ import annotations

from sqlalchemy import func, select, update

from extensions import db
from models import Rating, Report, ReviewState, Tool, ToolStatus
from services import audit, catalog_version, clock, ratings
from services.search import sync_tools

OPEN = "open"
# What a moderator can do with a report, by the kind of thing reported.
ACTIONS = {
    "review": ("hide_review", "dismiss"),
    "tool": ("mark_dead", "edited_tool", "dismiss"),
}


class ResolveError(ValueError):
    """A resolution that does not fit the report (wrong action for the target, already resolved)."""


def open_count() -> int:
    return db.session.scalar(select(func.count()).where(Report.state == OPEN)) or 0


def open_reports(reason: str = "", target_type: str = "", limit: int = 100) -> list[tuple[Report, Tool, Rating | None]]:
    """Open reports, oldest first, with the tool and (for a review) the rating."""
    query = (
        select(Report, Tool, Rating)
        .join(Tool, Tool.id == Report.tool_id)
        .outerjoin(Rating, Rating.id == Report.rating_id)
        .where(Report.state == OPEN)
    )
    if reason:
        query = query.where(Report.reason == reason)
    if target_type:
        query = query.where(Report.target_type == target_type)
    return list(db.session.execute(query.order_by(Report.created_at, Report.id).limit(limit)).all())


def resolve_report(report_id: int, action: str, *, staff_id: int, reason: str = "") -> int:
    """Resolve a report and every other open report of the same target; returns how many were closed."""
    report = db.session.get(Report, report_id)
    if report is None or report.state != OPEN:
        raise ResolveError("the report is gone or already resolved")
    if action not in ACTIONS[report.target_type]:
        raise ResolveError("that action does not apply to this report")
    same_target = (
        Report.rating_id == report.rating_id if report.target_type == "review"
        else (Report.tool_id == report.tool_id) & (Report.target_type == "tool")
    )
    closed = db.session.execute(
        update(Report).where(same_target, Report.state == OPEN).values(
            state="dismissed" if action == "dismiss" else "resolved",
            resolution=action, resolved_by_id=staff_id, resolved_at=clock.now(),
        )
    ).rowcount
    audit.record(actor_id=staff_id, action=f"report.{action}", target_type=report.target_type,
                 target_id=report.rating_id if report.target_type == "review" else report.tool_id,
                 before={"open_reports": closed}, after={"resolution": action}, reason=reason)
    if action == "hide_review":
        # Commits the report rows and the audit entry together with the review's new state.
        ratings.set_review_state(report.rating_id, ReviewState.HIDDEN.value)
        return closed
    if action == "mark_dead":
        tool = db.session.get(Tool, report.tool_id)
        audit.record(actor_id=staff_id, action="tool.status", target_type="tool", target_id=tool.id,
                     before={"status": tool.status}, after={"status": ToolStatus.DEAD_LINK.value}, reason=reason)
        tool.status = ToolStatus.DEAD_LINK.value
        catalog_version.bump_catalog_version()
        db.session.flush()
        sync_tools([tool.id])
    db.session.commit()
    return closed
