"""Link-check results: one row per tool per run, and the staff queue read from them.

A tool waits in the queue when its latest check is dead, changed, or refused (the checker would not
go where the link points) and nobody has decided it yet. A tool already marked dead has left it, and
a changed or refused result that staff kept before, for the same final address, does not come back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from extensions import db
from models import LinkCheck, LinkOutcome, Tool, ToolStatus
from services.link_check.probe import REFUSED_PREFIX, ProbeResult

DEAD, CHANGED, UNKNOWN = LinkOutcome.DEAD.value, LinkOutcome.CHANGED.value, LinkOutcome.UNKNOWN.value
KINDS = ("dead", "changed", "refused")  # the queue's filter; "refused" is an unknown the checker refused
HISTORY_LENGTH = 5


@dataclass(frozen=True)
class ToolLink:
    tool_id: int
    url: str


def tools_to_check(only_slug: str | None = None, limit: int | None = None) -> list[ToolLink]:
    """Every tool worth checking, by id: not synthetic (benchmark filler), not already marked dead.

    ``only_slug`` picks one tool whatever its state, since staff asked for it by name.
    """
    query = select(Tool.id, Tool.url).order_by(Tool.id)
    if only_slug:
        query = query.where(Tool.slug == only_slug)
    else:
        query = query.where(Tool.is_synthetic.is_(False), Tool.status != ToolStatus.DEAD_LINK.value)
    if limit:
        query = query.limit(limit)
    return [ToolLink(tool_id, url) for tool_id, url in db.session.execute(query)]


def record_result(tool_id: int, result: ProbeResult, checked_at: datetime) -> LinkCheck:
    """Add the row for one check (the caller commits, in batches)."""
    check = LinkCheck(tool_id=tool_id, checked_at=checked_at, outcome=result.outcome,
                      status_code=result.status_code, final_url=(result.final_url or "")[:500] or None,
                      detail=result.detail[:200], attempts=result.attempts, elapsed_ms=result.elapsed_ms)
    db.session.add(check)
    return check


def _latest_ids():
    return select(func.max(LinkCheck.id)).group_by(LinkCheck.tool_id)


def _is_refused():
    return and_(LinkCheck.outcome == UNKNOWN, LinkCheck.detail.startswith(REFUSED_PREFIX))


def is_refused(check: LinkCheck) -> bool:
    return check.outcome == UNKNOWN and check.detail.startswith(REFUSED_PREFIX)


def _kind_condition(kind: str):
    if kind == "refused":
        return _is_refused()
    if kind in ("dead", "changed"):
        return LinkCheck.outcome == kind
    return or_(LinkCheck.outcome.in_([DEAD, CHANGED]), _is_refused())


def _waiting(kind: str = ""):
    """The conditions that put a check in the queue (joined with its tool)."""
    kept = aliased(LinkCheck)
    kept_before = exists().where(kept.tool_id == LinkCheck.tool_id, kept.decision == "keep",
                                 kept.outcome == LinkCheck.outcome, kept.final_url == LinkCheck.final_url)
    return and_(
        LinkCheck.id.in_(_latest_ids()),
        LinkCheck.reviewed_at.is_(None),
        _kind_condition(kind),
        Tool.status != ToolStatus.DEAD_LINK.value,
        # A dead link that staff kept comes back while it stays dead; a kept move or refusal does not.
        or_(LinkCheck.outcome == DEAD, ~kept_before),
    )


def open_count() -> int:
    """How many tools wait for a link decision (the staff navigation's badge)."""
    query = select(func.count()).select_from(LinkCheck).join(Tool, Tool.id == LinkCheck.tool_id).where(_waiting())
    return db.session.scalar(query) or 0


def waiting_checks(kind: str = "", limit: int = 100) -> list[tuple[LinkCheck, Tool]]:
    """Checks waiting for a decision, oldest first, with their tool."""
    query = (
        select(LinkCheck, Tool).join(Tool, Tool.id == LinkCheck.tool_id)
        .where(_waiting(kind if kind in KINDS else ""))
        .order_by(LinkCheck.checked_at, LinkCheck.id).limit(limit)
    )
    return [(check, tool) for check, tool in db.session.execute(query)]


def is_waiting(check_id: int) -> bool:
    """Is this check still the one to decide (the latest of its tool, undecided, in the queue)?"""
    query = (select(LinkCheck.id).join(Tool, Tool.id == LinkCheck.tool_id)
             .where(LinkCheck.id == check_id, _waiting()))
    return db.session.scalar(query) is not None


def recent_history(tool_ids: list[int], per_tool: int = HISTORY_LENGTH) -> dict[int, list[LinkCheck]]:
    """The last few checks of each tool, newest first, in one query."""
    if not tool_ids:
        return {}
    rank = func.row_number().over(partition_by=LinkCheck.tool_id, order_by=LinkCheck.id.desc()).label("rank")
    ranked = select(LinkCheck, rank).where(LinkCheck.tool_id.in_(tool_ids)).subquery()
    checks = aliased(LinkCheck, ranked)
    query = select(checks).where(ranked.c.rank <= per_tool).order_by(checks.tool_id, checks.id.desc())
    history: dict[int, list[LinkCheck]] = {tool_id: [] for tool_id in tool_ids}
    for check in db.session.scalars(query):
        history[check.tool_id].append(check)
    return history


def latest_summary() -> tuple[datetime | None, dict[str, int]]:
    """When the last check ran, and how the latest check of each tool came out."""
    query = select(LinkCheck.outcome, func.count(), func.max(LinkCheck.checked_at)).where(
        LinkCheck.id.in_(_latest_ids())).group_by(LinkCheck.outcome)
    counts: dict[str, int] = {outcome.value: 0 for outcome in LinkOutcome}
    last: datetime | None = None
    for outcome, count, checked_at in db.session.execute(query):
        counts[outcome] = count
        last = max(last, checked_at) if last else checked_at
    return last, counts
