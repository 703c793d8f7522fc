"""The enterprise-certification queue: applications waiting for staff, decided with the audit entry."""

from __future__ import annotations

from sqlalchemy import func, select

from extensions import db
from models import CertificationState, EnterpriseCertification, User
from services import audit, enterprise

SUBMITTED = CertificationState.SUBMITTED.value


def submitted_count() -> int:
    return db.session.scalar(
        select(func.count()).select_from(EnterpriseCertification).where(EnterpriseCertification.state == SUBMITTED)
    ) or 0


def submitted_applications(limit: int = 100) -> list[tuple[EnterpriseCertification, User]]:
    """Applications waiting for a decision, oldest first, with their applicant."""
    return list(db.session.execute(
        select(EnterpriseCertification, User)
        .join(User, User.id == EnterpriseCertification.user_id)
        .where(EnterpriseCertification.state == SUBMITTED)
        .order_by(EnterpriseCertification.created_at, EnterpriseCertification.id)
        .limit(limit)
    ).all())


def decide_certification(cert_id: int, decision: str, *, staff_id: int, reason: str = "") -> None:
    """Approve, or reject with a reason; raises enterprise.CertificationRefused or LookupError."""
    if decision not in ("approve", "reject"):
        raise enterprise.CertificationRefused("decision")
    if decision == "reject" and not reason.strip():
        raise enterprise.CertificationRefused("reason")
    after = CertificationState.APPROVED.value if decision == "approve" else CertificationState.REJECTED.value
    # The entry joins the session first; the enterprise service commits it with the decision.
    audit.record(actor_id=staff_id, action=f"certification.{decision}", target_type="certification",
                 target_id=cert_id, before={"state": SUBMITTED}, after={"state": after}, reason=reason)
    try:
        if decision == "approve":
            enterprise.approve_certification(cert_id, staff_id)
        else:
            enterprise.reject_certification(cert_id, staff_id, reason)
    except (enterprise.CertificationRefused, LookupError):
        db.session.rollback()
        raise
