"""Deleting an account: request, the grace period, cancel, the purge, and the erasure ledger.

A request keeps the account for DELETION_GRACE_DAYS; signing in during that time offers to cancel.
An active account is marked ``pending_deletion``; a banned one stays ``banned`` (so every check that
keeps a banned user out, and the rating aggregates that leave their ratings out, stay as they are)
and the pending ``DeletionRequest`` row alone says it is being deleted.

The purge erases what ``services.personal_data`` lists, keeps a stub row so reviews can say "deleted
user", records a banned account's phone as a keyed hash first (``BannedPhone``), and appends an
``ErasureRecord``. ``reapply_erasures`` runs the ledger again after a restore from backup.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from extensions import db
from models import BannedPhone, DeletionRequest, DeletionState, ErasureRecord, User, UserStatus
from services import auth_sessions, clock, notifications, site_settings
from services.catalog_version import bump_catalog_version
from services.export import CHINA_TIME
from services.personal_data import Erasure, erase_personal_data
from services.phones import banned_phone_hash
from services.ratings import recompute_tool_rating


def grace_days() -> int:
    return int(site_settings.effective("DELETION_GRACE_DAYS"))


def pending_request(user_id: int) -> DeletionRequest | None:
    """The account's pending deletion request, if any."""
    return db.session.scalar(
        select(DeletionRequest).where(DeletionRequest.user_id == user_id,
                                      DeletionRequest.state == DeletionState.PENDING.value)
    )


def is_pending_deletion(user: User) -> bool:
    """Cheap for the usual case: only a banned account needs the request row looked up."""
    if user.status == UserStatus.PENDING_DELETION.value:
        return True
    return user.is_banned and pending_request(user.id) is not None


def request_deletion(user: User) -> DeletionRequest:
    """Start the grace period (idempotent) and sign the account out everywhere; commits."""
    existing = pending_request(user.id)
    if existing is not None:
        return existing
    now = clock.now()
    request = DeletionRequest(user_id=user.id, requested_at=now, purge_after=now + timedelta(days=grace_days()))
    db.session.add(request)
    if user.status == UserStatus.ACTIVE.value:
        user.status = UserStatus.PENDING_DELETION.value
    notifications.notify(user.id, "deletion_requested", purge_after=request.purge_after.isoformat(),
                         purge_on=request.purge_after.astimezone(CHINA_TIME).date().isoformat())
    db.session.commit()
    auth_sessions.revoke_other_sessions(user.id, None)  # every browser, remember-me included
    return request


def cancel_deletion(user: User) -> bool:
    """Cancel the pending request and restore the account's status; False when none was pending. Commits."""
    request = pending_request(user.id)
    if request is None:
        return False
    request.state = DeletionState.CANCELLED.value
    request.cancelled_at = clock.now()
    if user.status == UserStatus.PENDING_DELETION.value:
        user.status = UserStatus.ACTIVE.value
    notifications.notify(user.id, "deletion_cancelled")
    db.session.commit()
    return True


def expedite_deletion(request_id: int, staff_id: int) -> bool:
    """Staff: end a pending request's grace period now, so the next purge erases it. Commits."""
    changed = db.session.execute(
        update(DeletionRequest)
        .where(DeletionRequest.id == request_id, DeletionRequest.state == DeletionState.PENDING.value)
        .values(purge_after=clock.now(), expedited_by_id=staff_id)
    ).rowcount
    db.session.commit()
    return bool(changed)


def erase_account(user_id: int) -> bool:
    """Erase one account now, append it to the ledger; False if there is no such account. Commits."""
    tool_ids = _erase(user_id)
    if tool_ids is None:
        return False
    db.session.add(ErasureRecord(user_id=user_id, erased_at=clock.now()))
    db.session.commit()
    _recompute(tool_ids)
    return True


def _erase(user_id: int) -> set[int] | None:
    """Erase in the current transaction (not committed); the tools whose ratings to recompute, or None."""
    user = db.session.get(User, user_id, populate_existing=True)
    if user is None:
        return None
    erasure = Erasure(user_id=user.id, phone=user.phone, email=user.email, avatar_path=user.avatar_path,
                      was_banned=user.is_banned, upload_dir=current_app.config["UPLOAD_DIR"])
    if erasure.was_banned and user.phone:
        # Kept after the number is freed, so a ban cannot be escaped by deleting and registering again.
        key = banned_phone_hash(user.phone)
        if db.session.get(BannedPhone, key) is None:
            db.session.add(BannedPhone(phone_hash=key, created_at=clock.now()))
    erase_personal_data(erasure)
    now = clock.now()
    db.session.execute(
        update(DeletionRequest)
        .where(DeletionRequest.user_id == user_id, DeletionRequest.state == DeletionState.PENDING.value)
        .values(state=DeletionState.COMPLETED.value, completed_at=now)
    )
    bump_catalog_version()  # cached tool pages show the old name beside the reviews
    db.session.flush()
    db.session.expire(user)
    return erasure.rated_tool_ids


def _recompute(tool_ids: set[int]) -> None:
    # The stored aggregates are already right (see personal_data._erase_ratings); this makes sure.
    for tool_id in sorted(tool_ids):
        recompute_tool_rating(tool_id)


def due_requests(now: datetime | None = None) -> list[int]:
    """Account ids whose grace period has ended."""
    return list(db.session.scalars(
        select(DeletionRequest.user_id)
        .where(DeletionRequest.state == DeletionState.PENDING.value,
               DeletionRequest.purge_after <= (now or clock.now()))
        .order_by(DeletionRequest.purge_after, DeletionRequest.id)
    ))


def purge_due() -> list[int]:
    """Erase every account whose grace period has ended, one transaction each; the ids erased."""
    erased = []
    for user_id in due_requests():
        try:
            if erase_account(user_id):
                erased.append(user_id)
        except Exception:  # one account's failure must not keep the others past their date
            db.session.rollback()
            current_app.logger.exception("purge-deleted: erasing account %s failed", user_id)
    return erased


def reapply_erasures() -> list[int]:
    """After a restore from backup: erase again every account in the ledger that is not erased; the ids."""
    ledger = sorted(set(db.session.scalars(select(ErasureRecord.user_id))))
    again = []
    for user_id in ledger:
        user = db.session.get(User, user_id)
        if user is None or user.is_deleted:
            continue
        tool_ids = _erase(user_id)
        db.session.commit()
        _recompute(tool_ids or set())
        again.append(user_id)
    return again
