"""Staff decisions on a queued link check: mark the tool dead, use the new URL, or keep (a false alarm)."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from extensions import db
from models import LinkCheck, Tool, ToolStatus
from services import audit, catalog_version, clock
from services.link_check import store
from services.moderation.catalog_tools import clean_url, url_taken_by
from services.search import sync_tools
from services.urls import normalize_url

DECISIONS = ("mark_dead", "update_url", "keep")


class LinkDecisionError(ValueError):
    """A decision that cannot be made; ``reason`` is a key the view turns into a message."""

    def __init__(self, reason: str, other_tool: Tool | None = None):
        super().__init__(reason)
        self.reason = reason
        self.other_tool = other_tool


def decide_link(check_id: int, decision: str, *, staff_id: int, reason: str = "") -> LinkCheck:
    """Apply one decision to the tool of a waiting check; the audit entry and the review land together."""
    if decision not in DECISIONS:
        raise LinkDecisionError("unknown decision")
    check = db.session.get(LinkCheck, check_id)
    if check is None:
        raise LinkDecisionError("missing")
    if not store.is_waiting(check_id):
        raise LinkDecisionError("decided")
    tool = db.session.get(Tool, check.tool_id)
    if decision == "mark_dead":
        _mark_dead(tool, check, staff_id, reason)
    elif decision == "update_url":
        _use_final_url(tool, check, staff_id, reason)
    else:
        audit.record(actor_id=staff_id, action="link.keep", target_type="tool", target_id=tool.id,
                     before={"outcome": check.outcome, "check_id": check.id},
                     after={"url": tool.url, "final_url": check.final_url}, reason=reason)
    # Only one decision per check, even when two moderators click at once.
    claimed = db.session.execute(
        update(LinkCheck).where(LinkCheck.id == check.id, LinkCheck.reviewed_at.is_(None))
        .values(reviewed_at=clock.now(), reviewed_by_id=staff_id, decision=decision)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        raise LinkDecisionError("decided")
    try:
        db.session.commit()
    except IntegrityError as error:  # another tool took the address between the check and the commit
        db.session.rollback()
        raise LinkDecisionError("url taken") from error
    return check


def _mark_dead(tool: Tool, check: LinkCheck, staff_id: int, reason: str) -> None:
    # dead_link is a public status: a hidden or pending tool marked dead would appear on the site.
    if tool.status != ToolStatus.PUBLISHED.value:
        raise LinkDecisionError("not published")
    audit.record(actor_id=staff_id, action="link.mark_dead", target_type="tool", target_id=tool.id,
                 before={"status": tool.status, "check_id": check.id},
                 after={"status": ToolStatus.DEAD_LINK.value}, reason=reason)
    tool.status = ToolStatus.DEAD_LINK.value
    _published_change(tool)


def _use_final_url(tool: Tool, check: LinkCheck, staff_id: int, reason: str) -> None:
    if check.outcome != store.CHANGED or not check.final_url:
        raise LinkDecisionError("not changed")
    new_url = clean_url(check.final_url)
    if new_url is None or len(new_url) > 500:
        raise LinkDecisionError("bad url")
    other = url_taken_by(new_url, tool.id)
    if other is not None:
        raise LinkDecisionError("url taken", other)
    audit.record(actor_id=staff_id, action="link.update_url", target_type="tool", target_id=tool.id,
                 before={"url": tool.url, "check_id": check.id}, after={"url": new_url}, reason=reason)
    tool.url = new_url
    tool.url_normalized = normalize_url(new_url)
    _published_change(tool)


def _published_change(tool: Tool) -> None:
    """What every change visitors can see needs: fresh cached pages and search rows."""
    catalog_version.bump_catalog_version()
    db.session.flush()
    sync_tools([tool.id])
