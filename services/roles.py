"""Staff roles: making an admin from the command line and changing a user's role, on record."""

from __future__ import annotations

from sqlalchemy import select

from extensions import db
from models import Role, User
from services import audit, auth_sessions, clock
from services.account_names import account_name_taken, neutral_display_name, user_by_account_name
from services.passwords import hash_password, password_problems
from services.phones import InvalidPhone, normalize_phone


class RoleError(ValueError):
    """A role change that cannot be made; the message says why."""


def find_user(identifier: str) -> User | None:
    """A user by account name, by phone number, or by ``#id``."""
    identifier = identifier.strip()
    if identifier.startswith("#") and identifier[1:].isdigit():
        return db.session.get(User, int(identifier[1:]))
    user = user_by_account_name(identifier)
    if user is None:
        try:
            phone = normalize_phone(identifier)
        except InvalidPhone:
            return None
        user = db.session.scalar(select(User).where(User.phone == phone))
    return user


def set_role(user: User, role: str, *, actor_id: int | None, reason: str = "") -> None:
    """Give ``user`` a role; recorded in the audit log and the user's security log. The caller commits."""
    try:
        role = Role(role).value
    except ValueError as error:
        raise RoleError(f"unknown role {role!r}: choose user, moderator or admin") from error
    if user.is_deleted:
        raise RoleError("the account is deleted")
    if actor_id is not None and actor_id == user.id and role != Role.ADMIN.value:
        raise RoleError("an admin cannot take away their own admin role")
    before = user.role
    if before == role:
        return
    user.role = role
    audit.record(actor_id=actor_id, action="user.role", target_type="user", target_id=user.id,
                 before={"role": before}, after={"role": role}, reason=reason)
    auth_sessions.log_event(user.id, "role_changed")


def create_admin(account_name: str, phone: str, password: str, display_name: str | None = None) -> User:
    """A new admin account with a verified phone (the command line vouches for it). The caller commits."""
    try:
        normalized = normalize_phone(phone)
    except InvalidPhone as error:
        raise RoleError("the phone number is not valid (mainland mobile, or +country code)") from error
    problems = password_problems(password, account_name=account_name, phone=normalized)
    if problems:
        raise RoleError("the password is too weak: " + ", ".join(problems))
    if account_name_taken(account_name):
        raise RoleError(f"the account name {account_name!r} is taken; use set-role to promote it")
    if db.session.scalar(select(User.id).where(User.phone == normalized)):
        raise RoleError("that phone number belongs to an account already; use set-role to promote it")
    now = clock.now()
    user = User(account_name=account_name, display_name=display_name or neutral_display_name(), phone=normalized,
                phone_verified_at=now, password_hash=hash_password(password), password_changed_at=now,
                role=Role.USER.value)
    db.session.add(user)
    db.session.flush()
    set_role(user, Role.ADMIN.value, actor_id=None, reason="flask create-admin")
    return user
