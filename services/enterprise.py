"""Enterprise certification: applications, the private licence image, and staff decisions.

A user has at most one open (submitted) application; after a rejection they
may apply again. An approval sets ``User.certified_at``, which shows the
certified badge beside their name on reviews and collections, so it also
bumps the catalog version that keys the anonymous page cache.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from PIL import Image
from sqlalchemy import select

from extensions import db
from models import CertificationState, EnterpriseCertification, User
from services import clock, notifications
from services.catalog_version import bump_catalog_version
from services.credit_code import is_valid_credit_code, normalise_credit_code
from services.images import encode_webp, open_checked_image

# Under UPLOAD_DIR but outside every folder a public route serves (only /media/avatars is).
LICENCE_FOLDER = "private/licences"
LICENCE_MAX_SIDE = 2400  # keeps the small print of a licence readable


class CertificationRefused(ValueError):
    """Why an application or a decision is refused: ``open``, ``certified``, ``code``, ``decided``, ``reason``."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def reencode_licence(data: bytes) -> bytes:
    """The licence as a fresh WebP without metadata: the avatar rules, but not cropped to a square."""
    image = open_checked_image(data)
    image.thumbnail((LICENCE_MAX_SIDE, LICENCE_MAX_SIDE), Image.Resampling.LANCZOS)
    return encode_webp(image, quality=88)


def licence_file(upload_dir: str, certification: EnterpriseCertification) -> Path | None:
    """The stored licence image, if it is still there and inside the private folder."""
    root = (Path(upload_dir) / LICENCE_FOLDER).resolve()
    path = (Path(upload_dir) / certification.licence_path).resolve()
    return path if path.is_relative_to(root) and path.is_file() else None


def latest_certification(user_id: int) -> EnterpriseCertification | None:
    """The user's newest application, whatever its state."""
    return db.session.scalar(
        select(EnterpriseCertification)
        .where(EnterpriseCertification.user_id == user_id)
        .order_by(EnterpriseCertification.id.desc())
        .limit(1)
    )


def apply_for_certification(user_id: int, *, enterprise_name: str, credit_code: str, contact_person: str,
                            licence_path: str) -> EnterpriseCertification:
    """A new submitted application; refused while one is open or once certified. Commits."""
    code = normalise_credit_code(credit_code)
    if not is_valid_credit_code(code):
        raise CertificationRefused("code")
    # Lock the account row (PostgreSQL) so two submits in parallel cannot both see "no open application".
    db.session.execute(select(User.id).where(User.id == user_id).with_for_update())
    latest = latest_certification(user_id)
    if latest is not None and latest.state == CertificationState.SUBMITTED.value:
        raise CertificationRefused("open")
    if latest is not None and latest.state == CertificationState.APPROVED.value:
        raise CertificationRefused("certified")
    certification = EnterpriseCertification(
        user_id=user_id, enterprise_name=enterprise_name.strip(), credit_code=code,
        contact_person=contact_person.strip(), licence_path=licence_path,
        state=CertificationState.SUBMITTED.value, created_at=clock.now(),
    )
    db.session.add(certification)
    db.session.commit()
    return certification


def _open_for_decision(cert_id: int) -> EnterpriseCertification:
    certification = db.session.scalar(
        select(EnterpriseCertification).where(EnterpriseCertification.id == cert_id).with_for_update()
    )
    if certification is None:
        raise LookupError(cert_id)
    if certification.state != CertificationState.SUBMITTED.value:
        raise CertificationRefused("decided")  # a second moderator clicked a moment later
    return certification


def approve_certification(cert_id: int, staff_id: int) -> EnterpriseCertification:
    """Staff approve: the user is certified from now on and told so in the inbox. Commits."""
    certification = _open_for_decision(cert_id)
    now = clock.now()
    certification.state = CertificationState.APPROVED.value
    certification.decided_by_id = staff_id
    certification.decided_at = now
    user = db.session.get(User, certification.user_id)
    user.certified_at = now
    notifications.notify(user.id, "certification_approved", enterprise=certification.enterprise_name)
    bump_catalog_version()  # cached anonymous pages show the badge beside this user's reviews
    db.session.commit()
    return certification


def reject_certification(cert_id: int, staff_id: int, reason: str) -> EnterpriseCertification:
    """Staff reject with a reason the user reads in the inbox; they may apply again. Commits."""
    reason = (reason or "").strip()
    if not reason:
        raise CertificationRefused("reason")
    certification = _open_for_decision(cert_id)
    certification.state = CertificationState.REJECTED.value
    certification.reject_reason = reason
    certification.decided_by_id = staff_id
    certification.decided_at = clock.now()
    notifications.notify(certification.user_id, "certification_rejected",
                         enterprise=certification.enterprise_name, reason=reason)
    db.session.commit()
    return certification


def certified_user_ids(user_ids: Iterable[int]) -> set[int]:
    """Which of these users carry the certified badge: one query for a whole list, none for an empty one."""
    ids = {user_id for user_id in user_ids if user_id is not None}
    if not ids:
        return set()
    return set(db.session.scalars(select(User.id).where(User.id.in_(ids), User.certified_at.is_not(None))))
