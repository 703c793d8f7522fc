"""Signed-in sessions as database rows: created at sign-in, listed, revoked.

The browser's signed cookie (and the remember-me cookie) hold only the row's
random id, so revoking the row signs that browser out everywhere at once.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select, update

from extensions import db
from models import SecurityEvent, User, UserSession
from services import clock

SESSION_LIFETIME = timedelta(days=1)
REMEMBER_LIFETIME = timedelta(days=30)
TOUCH_INTERVAL = timedelta(minutes=5)  # last-seen is refreshed at most this often, not on every request


def start_session(user: User, *, method: str, remember: bool, ip: str, user_agent: str) -> UserSession:
    """A new session row for a successful sign-in; the caller commits."""
    now = clock.now()
    row = UserSession(
        id=secrets.token_urlsafe(32),
        user_id=user.id,
        created_at=now,
        last_seen_at=now,
        proved_at=now,
        expires_at=now + (REMEMBER_LIFETIME if remember else SESSION_LIFETIME),
        ip=ip[:64],
        user_agent=user_agent[:400],
        method=method,
        remember=remember,
    )
    db.session.add(row)
    user.last_seen_at = now
    return row


def load_session(session_id: str) -> UserSession | None:
    """The live session with this id (its user loaded), or None if revoked or expired."""
    row = db.session.get(UserSession, session_id)
    now = clock.now()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    if now - row.last_seen_at > TOUCH_INTERVAL:
        row.last_seen_at = now
        row.user.last_seen_at = now
        db.session.commit()
    return row


def active_sessions(user_id: int) -> list[UserSession]:
    now = clock.now()
    return list(
        db.session.scalars(
            select(UserSession)
            .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None), UserSession.expires_at > now)
            .order_by(UserSession.last_seen_at.desc())
        )
    )


def revoke_session(user_id: int, session_id: str) -> bool:
    """Sign out one of the user's own sessions; False if it is not theirs or already gone."""
    revoked = db.session.execute(
        update(UserSession)
        .where(UserSession.id == session_id, UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    ).rowcount
    db.session.commit()
    return bool(revoked)


def revoke_other_sessions(user_id: int, keep_session_id: str | None) -> int:
    """Sign out every session but ``keep_session_id`` (all of them when None); remember-me tokens die too."""
    statement = update(UserSession).where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
    if keep_session_id:
        statement = statement.where(UserSession.id != keep_session_id)
    count = db.session.execute(statement.values(revoked_at=clock.now())).rowcount
    db.session.commit()
    return count


def log_event(user_id: int | None, kind: str, *, method: str | None = None, ip: str = "", user_agent: str = "") -> None:
    """Add a security-log entry; the caller commits."""
    db.session.add(
        SecurityEvent(user_id=user_id, kind=kind, method=method, ip=ip[:64], user_agent=user_agent[:400])
    )


def sign_in_history(user_id: int, limit: int = 30) -> list[SecurityEvent]:
    return list(
        db.session.scalars(
            select(SecurityEvent)
            .where(SecurityEvent.user_id == user_id)
            .order_by(SecurityEvent.created_at.desc(), SecurityEvent.id.desc())
            .limit(limit)
        )
    )
