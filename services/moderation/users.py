"""Staff work on accounts: find them, ban and unban with a reason, lock a compromised account."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass

from sqlalchemy import func, or_, select

from extensions import db
from models import Favorite, Rating, Report, Role, User, UserStatus, WechatIdentity
from services import audit, auth_sessions, clock, compromised, notifications, outbox, ratings, security_notices
from services.moderation.authority import AccountAction, refusal
from services.numbers import whole_number
from services.phones import InvalidPhone, mask_phone, normalize_phone
from services.sms.backends import notice_text


class UserActionError(ValueError):
    """A staff action that does not apply to this account; the message says why."""


def search_users(query: str, limit: int = 50) -> list[User]:
    """Accounts by account name or display name (substring), phone (whole number) or WeChat openid/unionid."""
    query = query.strip()
    statement = select(User).where(User.status != UserStatus.DELETED.value)
    if query:
        conditions = [User.account_name.ilike(f"%{query}%"), User.display_name.ilike(f"%{query}%")]
        with suppress(InvalidPhone):  # not a phone number: search the other fields only
            conditions.append(User.phone == normalize_phone(query))
        account_id = whole_number(query, maximum=999_999_999)  # nine digits at most: an id, not a phone number
        if account_id is not None:
            conditions.append(User.id == account_id)
        wechat = select(WechatIdentity.user_id).where(
            or_(WechatIdentity.openid == query, WechatIdentity.unionid == query)
        )
        conditions.append(User.id.in_(wechat))
        statement = statement.where(or_(*conditions))
    return list(db.session.scalars(statement.order_by(User.id.desc()).limit(limit)))


@dataclass(frozen=True)
class UserActivity:
    ratings: int
    favorites: int
    reports_filed: int
    wechat_bound: bool
    recent_reviews: list[Rating]
    security_events: list


def user_activity(user_id: int) -> UserActivity:
    """What a staff member needs to judge an account, in a handful of queries."""
    def count(model, column):
        return db.session.scalar(select(func.count()).select_from(model).where(column == user_id)) or 0

    return UserActivity(
        ratings=count(Rating, Rating.user_id),
        favorites=count(Favorite, Favorite.user_id),
        reports_filed=count(Report, Report.reporter_id),
        wechat_bound=bool(db.session.scalar(select(WechatIdentity.id).where(WechatIdentity.user_id == user_id))),
        recent_reviews=list(db.session.scalars(
            select(Rating).where(Rating.user_id == user_id).order_by(Rating.created_at.desc()).limit(10)
        )),
        security_events=auth_sessions.sign_in_history(user_id, limit=20),
    )


def _staff_target(user_id: int, *, staff_id: int, action: AccountAction) -> User:
    """The account ``staff_id`` acts on, once the one authority rule allows it (services.moderation.authority)."""
    user = db.session.get(User, user_id)
    if user is None or user.is_deleted:
        raise UserActionError("no such account")
    actor = db.session.get(User, staff_id)
    why = refusal(actor, user, action) if actor is not None else "no such staff account"
    if why:
        raise UserActionError(why)
    return user


def ban_user(user_id: int, *, staff_id: int, reason: str) -> None:
    """Ban: their ratings stop counting at once and their reviews disappear; they are told why."""
    user = _staff_target(user_id, staff_id=staff_id, action=AccountAction.BAN)
    if not reason.strip():
        raise UserActionError("a reason is required")
    if user.role != Role.USER.value:
        raise UserActionError("staff accounts cannot be banned; change the role first")
    if user.is_banned:
        raise UserActionError("the account is banned already")
    audit.record(actor_id=staff_id, action="user.ban", target_type="user", target_id=user_id,
                 before={"status": user.status}, after={"status": UserStatus.BANNED.value}, reason=reason)
    notifications.notify(user_id, "banned", reason=reason)
    auth_sessions.log_event(user_id, "banned")
    ratings.set_author_banned(user_id, True, reason)  # recomputes their tools and commits everything


def unban_user(user_id: int, *, staff_id: int, reason: str) -> None:
    """Lift a ban; reviews staff had not hidden count again."""
    user = _staff_target(user_id, staff_id=staff_id, action=AccountAction.UNBAN)
    if not user.is_banned:
        raise UserActionError("the account is not banned")
    audit.record(actor_id=staff_id, action="user.unban", target_type="user", target_id=user_id,
                 before={"status": user.status}, after={"status": UserStatus.ACTIVE.value}, reason=reason)
    notifications.notify(user_id, "unbanned", reason=reason)
    auth_sessions.log_event(user_id, "unbanned")
    ratings.set_author_banned(user_id, False)


def lock_compromised(user_id: int, *, staff_id: int, reason: str) -> int:
    """Sign the account out everywhere and require a new password at its next sign-in.

    Locking an admin (only another admin can) is told to every other admin, so none is locked out unnoticed.
    """
    user = _staff_target(user_id, staff_id=staff_id, action=AccountAction.LOCK_COMPROMISED)
    user.must_change_password = True
    audit.record(actor_id=staff_id, action="user.compromised", target_type="user", target_id=user_id,
                 before={}, after={"must_change_password": True, "signed_out": "all"}, reason=reason)
    notifications.notify(user_id, "compromised_lock", reason=reason)
    compromised.revoke_api_tokens(user_id)  # a script holding one would keep reading as the account
    if user.role == Role.ADMIN.value:
        others = db.session.scalars(select(User.id).where(
            User.role == Role.ADMIN.value, User.id.not_in((user_id, staff_id)),
            User.status != UserStatus.DELETED.value,
        ))
        for admin_id in others:
            notifications.notify(admin_id, "admin_locked", admin=user.display_name, by_staff_id=staff_id,
                                 reason=reason)
    auth_sessions.log_event(user_id, "compromised_lock")
    return auth_sessions.revoke_other_sessions(user_id, None)  # commits


def restore_phone_by_appeal(user_id: int, *, staff_id: int, phone: str, reason: str) -> None:
    """For a locked account its owner cannot unlock alone: make the number the owner proved in an appeal its
    verified phone, so the owner unlocks as always, with a code sent there and a new password.

    Refused unless the account is locked and unlocking by SMS is closed to it (no verified phone, or a channel
    changed shortly before the lock), without a reason naming the appeal, and for a number another account
    holds. The number is told by SMS whatever the account's notice channel (which an intruder may have moved).
    The caller commits.
    """
    user = _staff_target(user_id, staff_id=staff_id, action=AccountAction.RESTORE_PHONE)
    if not compromised.is_locked(user):
        raise UserActionError("the account is not locked")
    if compromised.sms_unlock_refusal(user) is None:
        raise UserActionError("its owner can unlock it with a code to its verified phone")
    if not reason.strip():
        raise UserActionError("a reason is required: the appeal and how the owner proved the number")
    try:
        number = normalize_phone(phone)
    except InvalidPhone as error:
        raise UserActionError("that is not a valid mobile number") from error
    holder = db.session.scalar(select(User.id).where(User.phone == number, User.id != user_id))
    if holder is not None:
        raise UserActionError("another account holds that number")
    before = {"phone_verified": user.is_phone_verified, "phone_replaced": user.phone not in (None, number)}
    user.phone, user.phone_verified_at = number, clock.now()
    # The audit log refers to people by id only: no number, not even masked.
    audit.record(actor_id=staff_id, action="user.phone_restored", target_type="user", target_id=user_id,
                 before=before, after={"phone_verified": True}, reason=reason)
    auth_sessions.log_event(user_id, compromised.PHONE_RESTORED, method="staff")
    notifications.notify(user_id, "phone_restored", phone=mask_phone(number))
    event = security_notices.KINDS["phone_restored"][0]
    outbox.enqueue(channel="sms", recipient=number, kind="phone_restored", subject=event, body=notice_text(event),
                   user_id=user_id)
