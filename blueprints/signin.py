"""Flask-Login wired to database sessions, and the sign-in step shared by every method."""

from __future__ import annotations

import hashlib
import hmac

from flask import Flask, after_this_request, current_app, request, session
from flask_babel import lazy_gettext as _l
from flask_login import login_user, logout_user
from sqlalchemy import select

from extensions import db, login_manager
from models import KnownBrowser, User
from services import auth_sessions, devices, recent_auth, security_notices


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = _l("Please sign in first.")
    login_manager.session_protection = None  # the session row is the protection; rows are revocable


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    row = auth_sessions.load_session(session_id)
    if row is None:
        return None
    row.user.current_session_id = row.id
    row.user.current_session_proved_at = row.proved_at
    return row.user


def client_ip() -> str:
    return request.remote_addr or ""


def client_agent() -> str:
    return request.headers.get("User-Agent", "")[:400]


def sign_in(user: User, *, method: str, remember: bool, first: bool = False) -> None:
    """Start a fresh session for ``user``: new id, old session data dropped (no fixation).

    A sign-in from a browser not seen before leaves a notice in the inbox (not
    for the very first sign-in). An account pending deletion is signed in but
    kept on the page that offers to cancel (blueprints/settings/deletion.py).
    """
    session.clear()
    row = auth_sessions.start_session(
        user, method=method, remember=remember, ip=client_ip(), user_agent=client_agent()
    )
    auth_sessions.log_event(user.id, "sign_in", method=method, ip=client_ip(), user_agent=client_agent())
    _note_browser(user, first=first)
    db.session.commit()
    user.current_session_id = row.id
    user.current_session_proved_at = row.proved_at
    login_user(user, remember=remember)
    user_id = user.id

    @after_this_request
    def _remember_device(response):  # this browser now knows the account (services/devices.py)
        devices.remember_sign_in(response, user_id)
        return response


def record_proof(user: User, method: str) -> None:
    """This session just proved the holder again (the confirm page, or a WeChat round trip): on the record."""
    recent_auth.mark_proved(user)
    auth_sessions.log_event(user.id, "reauthenticated", method=method, ip=client_ip(), user_agent=client_agent())
    db.session.commit()


def _note_browser(user: User, *, first: bool) -> None:
    key = current_app.secret_key.encode()
    browser = hmac.new(key, client_agent().encode(), hashlib.sha256).hexdigest()
    known = set(db.session.scalars(select(KnownBrowser.browser_hash).where(KnownBrowser.user_id == user.id)))
    if browser not in known:
        db.session.add(KnownBrowser(user_id=user.id, browser_hash=browser))
        if known and not first:  # the very first browser is not news
            security_notices.notify_security(user, "new_browser", ip=client_ip(), browser=client_agent()[:120])


def sign_out(user: User) -> None:
    """End this browser's session: the row is revoked, so its remember-me cookie dies too."""
    if user.current_session_id:
        auth_sessions.revoke_session(user.id, user.current_session_id)
    auth_sessions.log_event(user.id, "sign_out", ip=client_ip(), user_agent=client_agent())
    db.session.commit()
    logout_user()
    session.clear()
