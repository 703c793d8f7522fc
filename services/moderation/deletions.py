"""The deletion-request queue: accounts in their grace period; admins may end it early."""

from __future__ import annotations

from sqlalchemy import func, select

from extensions import db
from models import DeletionRequest, DeletionState, User
from services import audit, deletion

PENDING = DeletionState.PENDING.value


def pending_count() -> int:
    return db.session.scalar(
        select(func.count()).select_from(DeletionRequest).where(DeletionRequest.state == PENDING)
    ) or 0


def recent_requests(limit: int = 100) -> list[tuple[DeletionRequest, User]]:
    """Pending requests first (soonest purge first), then the latest cancelled and completed ones."""
    return list(db.session.execute(
        select(DeletionRequest, User)
        .join(User, User.id == DeletionRequest.user_id)
        .order_by((DeletionRequest.state != PENDING), DeletionRequest.purge_after, DeletionRequest.id.desc())
        .limit(limit)
    ).all())


def expedite(request_id: int, *, staff_id: int, reason: str = "") -> bool:
    """End a pending request's grace period now; the next `flask purge-deleted` erases the account."""
    request = db.session.get(DeletionRequest, request_id)
    if request is None or request.state != PENDING:
        return False
    audit.record(actor_id=staff_id, action="deletion.expedite", target_type="deletion_request",
                 target_id=request_id, before={"state": PENDING}, after={"purge_after": "now"}, reason=reason)
    return deletion.expedite_deletion(request_id, staff_id)  # commits the entry with the change
