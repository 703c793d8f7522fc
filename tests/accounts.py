"""Helpers for account tests: make users, read SMS codes, post forms with their CSRF token."""

from __future__ import annotations

import re

from sqlalchemy import select

from extensions import db
from models import User
from services import clock
from services.passwords import hash_password

PASSWORD = "Correct-Horse-42"
CHROME = "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0 Safari/537.36"


def make_user(app, account_name="seller1", *, phone="+8613800000001", verified=True, password=PASSWORD,
              role="user", status="active", ban_reason=None) -> int:
    with app.app_context():
        user = User(account_name=account_name, display_name=account_name.title(), phone=phone,
                    phone_verified_at=clock.now() if verified and phone else None,
                    password_hash=hash_password(password) if password else None,
                    role=role, status=status, ban_reason=ban_reason)
        db.session.add(user)
        db.session.commit()
        return user.id


def get_user(app, user_id: int) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def find_user(app, **filters) -> User | None:
    with app.app_context():
        user = db.session.scalar(select(User).filter_by(**filters))
        if user is not None:
            db.session.expunge(user)
        return user


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def post_form(client, page: str, data: dict, *, action: str | None = None, headers=None, **kwargs):
    """GET ``page`` for its CSRF token, then POST ``data`` to ``action`` (default: the page)."""
    token = csrf_from(client.get(page, headers={"User-Agent": CHROME}).text)
    return client.post(action or page, data={"csrf_token": token, **data},
                       headers={"User-Agent": CHROME, **(headers or {})}, **kwargs)


def sent_codes(app) -> list[dict]:
    return app.extensions["sms"].sent


def last_code(app, phone: str) -> str:
    for message in reversed(sent_codes(app)):
        if message["phone"] == phone:
            return message["code"]
    raise AssertionError(f"no code sent to {phone}")


def sign_in(client, login="seller1", password=PASSWORD, **extra):
    response = post_form(client, "/sign-in", {"login": login, "password": password, **extra})
    assert response.status_code == 303, response.text
    return response


def signed_in_client(app, name: str, *, phone: str, role: str = "user"):
    """A new test client signed in as a new verified account with this role."""
    make_user(app, name, phone=phone, role=role)
    client = app.test_client()
    sign_in(client, name)
    return client


def session_id_of(client) -> str | None:
    with client.session_transaction() as session:
        return session.get("_user_id")
