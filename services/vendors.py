"""Vendors: a certified enterprise claims a tool, staff decide, and staff may revoke the vendor later.

An approved claim sets ``Tool.vendor_id``; the tool page then says "claimed by the vendor" with the
enterprise name, so approving and revoking bump the catalog version that keys cached pages.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select

from extensions import db
from models import CertificationState, ContributionState, EnterpriseCertification, Tool, ToolClaim, User
from services import audit, clock, notifications
from services.catalog_version import bump_catalog_version
from services.write_locks import lock_row

PENDING = ContributionState.PENDING.value
EVIDENCE_MAX_LENGTH = 2000


class ClaimRefused(ValueError):
    """Why a claim or a decision is refused.

    ``not_certified``, ``claimed`` (another vendor has the tool), ``vendor`` (you are its vendor already),
    ``pending`` (your claim waits already), ``evidence``, ``decided``, ``decision``, ``reason``, ``not_claimed``.
    """

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# ---- who is whose vendor -------------------------------------------------------------------------

def is_vendor_of(user, tool: Tool) -> bool:
    """The signed-in ``user`` speaks for ``tool``: its approved vendor, still certified."""
    return bool(getattr(user, "is_authenticated", False) and tool.vendor_id is not None
                and tool.vendor_id == user.id and user.is_certified)


def enterprise_names(user_ids: Iterable[int | None]) -> dict[int, str]:
    """Each certified user's enterprise name (from the newest approved application); one query, none if empty."""
    ids = {user_id for user_id in user_ids if user_id is not None}
    if not ids:
        return {}
    rows = db.session.execute(
        select(EnterpriseCertification.user_id, EnterpriseCertification.enterprise_name)
        .join(User, User.id == EnterpriseCertification.user_id)
        .where(EnterpriseCertification.user_id.in_(ids),
               EnterpriseCertification.state == CertificationState.APPROVED.value,
               User.certified_at.is_not(None))
        .order_by(EnterpriseCertification.user_id, EnterpriseCertification.id)
    ).all()
    return {user_id: name for user_id, name in rows}  # the newest approved application wins


def vendor_name(tool: Tool) -> str | None:
    """The enterprise name the tool page shows as its vendor, or None when unclaimed (no query then)."""
    if tool.vendor_id is None:
        return None
    return enterprise_names([tool.vendor_id]).get(tool.vendor_id)


# ---- claiming ------------------------------------------------------------------------------------

def pending_claim(user_id: int, tool_id: int) -> ToolClaim | None:
    return db.session.scalar(select(ToolClaim).where(
        ToolClaim.user_id == user_id, ToolClaim.tool_id == tool_id, ToolClaim.state == PENDING))


def claim_problem(user: User, tool: Tool) -> str | None:
    """Why ``user`` may not claim ``tool`` now (a ClaimRefused reason), or None."""
    if not user.is_certified:
        return "not_certified"
    if tool.vendor_id == user.id:
        return "vendor"
    if tool.vendor_id is not None:
        return "claimed"
    if pending_claim(user.id, tool.id) is not None:
        return "pending"
    return None


def claim_tool(user_id: int, tool_id: int, evidence: str) -> ToolClaim:
    """A pending claim for staff; refused unless certified, unclaimed and not already waiting. Commits."""
    evidence = (evidence or "").strip()
    if not evidence or len(evidence) > EVIDENCE_MAX_LENGTH:
        raise ClaimRefused("evidence")
    lock_row(User, user_id)  # a double submit cannot file two pending claims
    user = db.session.get(User, user_id, populate_existing=True)
    tool = db.session.get(Tool, tool_id)
    problem = claim_problem(user, tool)
    if problem:
        db.session.rollback()
        raise ClaimRefused(problem)
    claim = ToolClaim(tool_id=tool_id, user_id=user_id, evidence=evidence, state=PENDING, created_at=clock.now())
    db.session.add(claim)
    db.session.commit()
    return claim


# ---- the staff queue -----------------------------------------------------------------------------

def pending_count() -> int:
    return db.session.scalar(select(func.count()).select_from(ToolClaim).where(ToolClaim.state == PENDING)) or 0


def pending_claims(limit: int = 100) -> list[tuple[ToolClaim, Tool, User]]:
    """Claims waiting for staff, oldest first, with their tool and claimant."""
    return list(db.session.execute(
        select(ToolClaim, Tool, User)
        .join(Tool, Tool.id == ToolClaim.tool_id)
        .join(User, User.id == ToolClaim.user_id)
        .where(ToolClaim.state == PENDING)
        .order_by(ToolClaim.created_at, ToolClaim.id)
        .limit(limit)
    ).all())


def claimed_tools(name_query: str = "", limit: int = 200) -> list[tuple[Tool, User]]:
    """Tools with a vendor, newest vendor first, optionally filtered by tool name."""
    statement = select(Tool, User).join(User, User.id == Tool.vendor_id)
    if name_query:
        statement = statement.where(Tool.name.ilike(f"%{name_query}%"))
    return list(db.session.execute(statement.order_by(Tool.vendor_since.desc(), Tool.id).limit(limit)).all())


def _open_for_decision(claim_id: int) -> ToolClaim:
    lock_row(ToolClaim, claim_id)  # two staff clicking at once: the second sees the first's decision
    claim = db.session.get(ToolClaim, claim_id, populate_existing=True)
    if claim is None:
        raise LookupError(claim_id)
    if claim.state != PENDING:
        db.session.rollback()
        raise ClaimRefused("decided")  # a colleague decided it a moment ago
    return claim


def decide_claim(claim_id: int, decision: str, *, staff_id: int, reason: str = "") -> ToolClaim:
    """Approve (the claimant becomes the tool's vendor) or reject with a reason; audited, claimant told. Commits."""
    if decision not in ("approve", "reject"):
        raise ClaimRefused("decision")
    reason = (reason or "").strip()
    if decision == "reject" and not reason:
        raise ClaimRefused("reason")
    claim = _open_for_decision(claim_id)
    lock_row(Tool, claim.tool_id)  # two claims of one tool approved at once: one vendor
    tool = db.session.get(Tool, claim.tool_id, populate_existing=True)
    if decision == "approve":
        claimant = db.session.get(User, claim.user_id)
        problem = "not_certified" if not claimant.is_certified else (
            "claimed" if tool.vendor_id not in (None, claimant.id) else None)
        if problem:
            db.session.rollback()
            raise ClaimRefused(problem)
    now = clock.now()
    after = ContributionState.APPROVED.value if decision == "approve" else ContributionState.REJECTED.value
    audit.record(actor_id=staff_id, action=f"claim.{decision}", target_type="tool_claim", target_id=claim.id,
                 before={"state": PENDING, "vendor_id": tool.vendor_id},
                 after={"state": after, "tool_id": tool.id,
                        "vendor_id": claim.user_id if decision == "approve" else tool.vendor_id},
                 reason=reason)
    claim.state, claim.reason, claim.decided_by_id, claim.decided_at = after, reason, staff_id, now
    if decision == "approve":
        tool.vendor_id, tool.vendor_since = claim.user_id, now
        notifications.notify(claim.user_id, "claim_approved", tool=tool.name, slug=tool.slug)
        bump_catalog_version()  # the tool page now says "claimed by the vendor"
    else:
        notifications.notify(claim.user_id, "claim_rejected", tool=tool.name, slug=tool.slug, reason=reason)
    db.session.commit()
    return claim


def revoke_vendor(tool_id: int, *, staff_id: int, reason: str) -> Tool:
    """Staff take the vendor role away from a tool's vendor, with a reason the vendor reads. Commits."""
    reason = (reason or "").strip()
    if not reason:
        raise ClaimRefused("reason")
    lock_row(Tool, tool_id)
    tool = db.session.get(Tool, tool_id, populate_existing=True)
    if tool is None:
        raise LookupError(tool_id)
    if tool.vendor_id is None:
        db.session.rollback()
        raise ClaimRefused("not_claimed")
    vendor_id = tool.vendor_id
    audit.record(actor_id=staff_id, action="vendor.revoke", target_type="tool", target_id=tool.id,
                 before={"vendor_id": vendor_id}, after={"vendor_id": None}, reason=reason)
    tool.vendor_id, tool.vendor_since = None, None
    notifications.notify(vendor_id, "vendor_revoked", tool=tool.name, slug=tool.slug, reason=reason)
    bump_catalog_version()
    db.session.commit()
    return tool
