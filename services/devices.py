"""The device cookie: which accounts have signed in on this browser before.

A browser that signed in to an account carries a signed cookie naming it (and a random id of the
browser). Only the server can write one, so it proves what a user agent string cannot: this device
signed in to this account before. The sign-in guard lets such a device past the per-account
challenge and keys its back-off on the device, so a stranger's failed guesses never lock the owner
out (services/sign_in_guard.py).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app, request
from flask.wrappers import Response
from itsdangerous import BadSignature, URLSafeSerializer

COOKIE_NAME = "device"
MAX_AGE = timedelta(days=365)
MAX_ACCOUNTS = 5  # the most recent accounts a browser remembers
SALT = "device-cookie"


@dataclass
class Device:
    """This browser as its cookie says: its id (None: no valid cookie) and the accounts it signed in to."""

    device_id: str | None = None
    account_ids: list[int] = field(default_factory=list)

    def knows(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.account_ids


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=SALT)


def current_device() -> Device:
    """The request's device cookie, read; a missing, forged or malformed one is no device."""
    raw = request.cookies.get(COOKIE_NAME)
    if not raw:
        return Device()
    try:
        payload = _serializer().loads(raw)
        device_id, accounts = str(payload["d"]), [int(a) for a in payload["a"]][:MAX_ACCOUNTS]
    except (BadSignature, KeyError, TypeError, ValueError):
        return Device()
    return Device(device_id, accounts)


def remember_sign_in(response: Response, user_id: int) -> None:
    """Write the cookie for a sign-in to ``user_id`` on this browser (it goes first in the list)."""
    device = current_device()
    accounts = [user_id, *(a for a in device.account_ids if a != user_id)][:MAX_ACCOUNTS]
    value = _serializer().dumps({"d": device.device_id or secrets.token_urlsafe(12), "a": accounts})
    response.set_cookie(COOKIE_NAME, value, max_age=int(MAX_AGE.total_seconds()), httponly=True,
                        secure=current_app.config.get("SESSION_COOKIE_SECURE", False), samesite="Lax")
