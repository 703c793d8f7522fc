"""Recent authentication ("sudo mode"): the one rule for changes that could take an account over.

Changing the phone (or adding a first one), binding WeChat, setting a first password,
changing the email or the channel security notices go to, and creating an API token need
this session to have proved the account holder in the last ``WINDOW``: by signing in
(password, SMS code or WeChat), or since, on the confirm page (the password; without one,
a code to the verified phone; with neither, a fresh WeChat round trip). A stolen session cookie alone
then cannot move the account's recovery channels to the thief. The proof lives on the
server-side session row, so it dies with the session and a remember-me restore does
not renew it.
"""

from __future__ import annotations

from datetime import timedelta

from extensions import db
from models import User, UserSession
from services import clock

WINDOW = timedelta(minutes=10)


def is_recent(user: User) -> bool:
    proved = user.current_session_proved_at
    return proved is not None and clock.now() - proved <= WINDOW


def mark_proved(user: User) -> None:
    """This session proved the holder just now; flushes only."""
    row = db.session.get(UserSession, user.current_session_id) if user.current_session_id else None
    if row is None:
        return
    row.proved_at = clock.now()
    user.current_session_proved_at = row.proved_at
    db.session.flush()


def proof_method(user: User) -> str:
    """"password", "sms" (no password, a verified phone) or "wechat" (neither)."""
    if user.password_hash:
        return "password"
    if user.is_phone_verified:
        return "sms"
    return "wechat"
