"""The one limit on guessing an account's password or codes: counted on the account, never the spelling.

Only refused sign-ins count (``SignInFailure`` rows, kept an hour), keyed by the account the login
resolves to — every spelling of its phone, its account name — or by the normalised login when none
resolves, so unknown names are limited exactly like known ones and the answers cannot tell them
apart. Two rules follow from the counts (``check``):

- a back-off per account and client (the device cookie, else the IP address): after FREE_FAILURES
  failures each next try waits twice as long as the last, up to MAX_WAIT;
- a challenge for the account from any client once it has CHALLENGE_AFTER failures in the hour,
  except on a device that signed in to it before (services/devices.py).

Nothing here blocks the owner: their own device keeps its own back-off and skips the challenge,
password reset is never counted, and SMS sign-in has counts of its own (``method``). The owner is
told, at most once a day, when the challenge starts (``tell_owner``). The per-IP limits stay as they are.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, delete, func, select

from extensions import db
from models import SignInFailure, User
from services import clock, security_notices, spent_tokens
from services.export import CHINA_TIME

METHODS = ("password", "sms")
WINDOW = timedelta(hours=1)
FREE_FAILURES = 3  # per account and client before the first wait
CHALLENGE_AFTER = 5  # per account, from any client, in WINDOW
FIRST_WAIT_SECONDS = 2
MAX_WAIT = timedelta(minutes=15)
OWNER_NOTICE_SECONDS = 86_400


@dataclass(frozen=True)
class Verdict:
    """What the next try for this account from this client must first satisfy."""

    wait_seconds: int = 0  # > 0: refused until then (429 with Retry-After)
    challenge: bool = False  # a challenge must be answered before the password is checked


def _key(kind: str, value: str) -> str:
    secret = current_app.secret_key
    secret = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(secret, f"sign-in-guard|{kind}|{value}".encode(), hashlib.sha256).hexdigest()


def account_key(login_key: str) -> str:
    """The counted key for an account (``login:account:<id>``) or a normalised unknown login."""
    return _key("account", login_key)


def client_key(device_id: str | None, ip: str) -> str:
    return _key("device", device_id) if device_id else _key("ip", ip)


def backoff_seconds(failures: int) -> int:
    """The wait after ``failures`` failures from one client: 0 up to FREE_FAILURES, then 2, 4, 8 … seconds."""
    if failures < FREE_FAILURES:
        return 0
    return min(FIRST_WAIT_SECONDS * 2 ** (failures - FREE_FAILURES), int(MAX_WAIT.total_seconds()))


def check(method: str, account: str, client: str, *, known_device: bool, now: datetime | None = None) -> Verdict:
    """The verdict for a try, from one query over the account's failures in the last WINDOW."""
    _check_method(method)
    now = now or clock.now()
    mine = SignInFailure.client_key == client
    total, from_client, last = db.session.execute(
        select(func.count(), func.sum(case((mine, 1), else_=0)),
               func.max(case((mine, SignInFailure.created_at), else_=None)))
        .where(SignInFailure.method == method, SignInFailure.account_key == account,
               SignInFailure.created_at > now - WINDOW)
    ).one()
    wait = 0
    if from_client and last is not None:
        until = last + timedelta(seconds=backoff_seconds(int(from_client)))
        wait = max(0, math.ceil((until - now).total_seconds()))
    challenge = method == "password" and not known_device and (total or 0) >= CHALLENGE_AFTER
    return Verdict(wait, challenge)


def record_failure(method: str, account: str, client: str) -> int:
    """Count a refused sign-in (the caller commits); returns the account's failures in the window."""
    _check_method(method)
    now = clock.now()
    db.session.execute(delete(SignInFailure).where(SignInFailure.account_key == account,
                                                   SignInFailure.created_at <= now - WINDOW))
    db.session.add(SignInFailure(method=method, account_key=account, client_key=client, created_at=now))
    db.session.flush()
    return db.session.scalar(select(func.count()).select_from(SignInFailure).where(
        SignInFailure.method == method, SignInFailure.account_key == account)) or 0


def tell_owner(user: User, failures: int) -> None:
    """When the failures reach the challenge, the owner hears of it, at most once a China day."""
    if failures < CHALLENGE_AFTER:
        return
    today = clock.now().astimezone(CHINA_TIME).date().isoformat()
    if spent_tokens.first_use(f"sign-in-failures:{user.id}:{today}", OWNER_NOTICE_SECONDS):
        security_notices.notify_security(user, "sign_in_failures")


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise ValueError(f"unknown sign-in method {method!r}; expected one of {', '.join(METHODS)}")
