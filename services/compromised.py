"""The compromised lock: what a locked account may still do, and how its owner unlocks it.

Staff lock an account they believe is in someone else's hands (services.moderation.users.lock_compromised):
every session ends, its API tokens are revoked, and ``must_change_password`` is set. However the account signs
in again — password, SMS code, WeChat, a remember-me cookie — it reaches only the unlock page and sign-out
(blueprints/auth/unlock.py). Unlocking takes a code sent to the verified phone, then a new password: not the old
password, which the intruder may know. When the phone, WeChat or the notice channel changed in the
``RECENT_CHANGE_DAYS`` before the lock (the intruder may have made those changes), or there is no verified
phone, only staff can unlock it, by appeal: they make the number the owner proves the verified phone
(services.moderation.users.restore_phone_by_appeal), and the owner unlocks with a code sent there.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from extensions import db
from models import ApiToken, SecurityEvent, User
from services import auth_sessions, clock, security_notices
from services.passwords import hash_password

RECENT_CHANGE_DAYS = 14
PHONE_RESTORED = "phone_restored"  # staff made the number the owner proved in an appeal the verified phone
# Security events that move where codes and notices go: made by an intruder, they would carry the unlock too.
CHANNEL_CHANGES = ("phone_changed", "phone_verified", "wechat_bound", "wechat_unbound", "wechat_unbound_self",
                   "email_verified", "email_changed", "notice_channel_changed")


def is_locked(user: User) -> bool:
    return bool(user.must_change_password)


def locked_at(user_id: int) -> datetime | None:
    """When staff last locked the account (None if the flag came from elsewhere)."""
    return db.session.scalar(select(func.max(SecurityEvent.created_at)).where(
        SecurityEvent.user_id == user_id, SecurityEvent.kind == "compromised_lock"))


def sms_unlock_refusal(user: User) -> str | None:
    """Why the owner cannot unlock by SMS code ("no_verified_phone", "recent_channel_change"), or None.

    Once staff restored the phone the owner proved in an appeal (after the lock), the code goes there.
    """
    if not user.is_phone_verified:
        return "no_verified_phone"
    until = locked_at(user.id) or clock.now()
    restored = db.session.scalar(select(SecurityEvent.id).where(
        SecurityEvent.user_id == user.id, SecurityEvent.kind == PHONE_RESTORED, SecurityEvent.created_at >= until,
    ).limit(1))
    if restored is not None:
        return None
    changed = db.session.scalar(select(SecurityEvent.id).where(
        SecurityEvent.user_id == user.id, SecurityEvent.kind.in_(CHANNEL_CHANGES),
        SecurityEvent.created_at >= until - timedelta(days=RECENT_CHANGE_DAYS), SecurityEvent.created_at <= until,
    ).limit(1))
    return "recent_channel_change" if changed is not None else None


def revoke_api_tokens(user_id: int) -> int:
    """Revoke every working API token of the account; they stay revoked after an unlock. The caller commits."""
    result = db.session.execute(update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
                                .values(revoked_at=clock.now()))
    return result.rowcount or 0


def unlock(user: User, new_password: str, *, ip: str, user_agent: str) -> None:
    """The owner proved the phone: a new password, the lock lifted, the owner told. The caller commits, then
    signs out every other session (``auth_sessions.revoke_other_sessions``)."""
    now = clock.now()
    user.password_hash = hash_password(new_password)
    user.password_changed_at = now
    user.must_change_password = False
    auth_sessions.log_event(user.id, "unlocked", method="sms", ip=ip, user_agent=user_agent)
    security_notices.notify_security(user, "password_reset")
