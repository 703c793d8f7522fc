"""SMS verification codes: who may be sent one, and checking one.

Every request is an ``SmsCode`` row and the caps count rows, whether or not the code is then
delivered (``services.sms.dispatch``); a code the provider refuses deletes its row again. The code
itself is never stored: only HMAC-SHA256(SECRET_KEY, "phone|purpose|code"), so a leaked table does
not give codes away without the key.

A "day" for the caps and the budget runs from midnight to midnight China time (UTC+8), the day our
users and the SMS providers' own daily limits follow; UTC midnight would reset them at 08:00.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import unicodedata
from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import false, func, select, update

from extensions import db
from models import SmsCode
from services import clock, site_settings
from services.sms.backends import DEFAULT_CODE_TTL
from services.sms.dispatch import Delivery, dispatch

PURPOSES = ("register", "sign_in", "reset", "verify", "change_phone", "confirm")

# China has kept UTC+8 without daylight saving since 1991, so a fixed offset needs no tz database.
CHINA_TIME = timezone(timedelta(hours=8), "Asia/Shanghai")
CHALLENGE_WINDOW = timedelta(hours=1)
DEFAULTS = {
    "SMS_CODE_TTL": DEFAULT_CODE_TTL,
    "SMS_RESEND_SECONDS": 60,
    "SMS_MAX_ATTEMPTS": 5,
    "SMS_PHONE_DAILY_CAP": 10,
    "SMS_IP_DAILY_CAP": 20,
    "SMS_DAILY_BUDGET": 2000,
    "SMS_CHALLENGE_AFTER": 3,
}
# Any constant id works; it only has to be the same in every worker (PostgreSQL advisory lock).
_REQUEST_LOCK_ID = 0x53_4D_53_00


class SmsRefused(Exception):
    """No code was sent. ``reason`` says why; ``retry_after`` is in seconds when waiting helps."""

    def __init__(self, reason: str, retry_after: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class CodeInvalid(Exception):
    """The code was not accepted: ``reason`` is wrong, expired, used, too_many_attempts or missing."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def request_code(
    phone: str, purpose: str, ip: str, *, challenge_passed: bool = False, user_id: int | None = None,
    deliver_to: str = "any",
) -> None:
    """Record a new 6-digit code for ``phone`` (E.164, already normalised) unless a limit refuses it,
    and hand it to the dispatcher, which sends it if ``deliver_to`` allows (``services.sms.dispatch``).

    Checks, in order: the site's daily budget, the challenge for an IP that asked often in the last
    hour, the resend interval for this phone and purpose, the phone's and the IP's daily caps; a
    refusal raises SmsRefused. Commits the session (a refusal rolls it back), so call it with no
    unsaved changes pending.

    This never looks at whether the phone belongs to an account, and callers must not either: every
    number passes the same limits and leaves the same row, whether or not the dispatcher then sends
    the code, so neither the answer nor the work tells who is registered.
    """
    _check_purpose(purpose)
    now = clock.now()
    _serialise_requests()
    try:
        _check_limits(phone, purpose, ip, now, challenge_passed)
    except SmsRefused:
        db.session.rollback()  # releases the request lock at once
        raise
    code = f"{secrets.randbelow(10**6):06d}"
    row = SmsCode(
        phone=phone,
        purpose=purpose,
        ip=ip,
        user_id=user_id,
        code_hmac=_code_hmac(phone, purpose, code),
        created_at=now,
        expires_at=now + timedelta(seconds=_setting("SMS_CODE_TTL")),
    )
    db.session.add(row)
    db.session.flush()
    row_id = row.id
    db.session.commit()  # before delivering: the lock must not be held while the provider answers
    dispatch(Delivery(row_id, phone, purpose, code, deliver_to, user_id))


def verify_code(phone: str, purpose: str, code: str, *, user_id: int | None = None) -> None:
    """Accept ``code`` once, for the newest code sent to ``phone`` for ``purpose``; else raise CodeInvalid.

    Only codes requested with the same ``user_id`` count (None: codes requested signed out), so a code
    sent to a signed-in user works for that user alone. Every try first claims one of the code's
    attempts with an atomic update, so parallel guesses never get more than SMS_MAX_ATTEMPTS
    comparisons; the right code is then consumed by an update only an unconsumed row matches, so two
    parallel right answers succeed once.
    """
    _check_purpose(purpose)
    newest = db.session.execute(
        select(SmsCode.id, SmsCode.code_hmac, SmsCode.expires_at, SmsCode.attempts, SmsCode.consumed_at)
        .where(SmsCode.phone == phone, SmsCode.purpose == purpose, _requested_by(user_id))
        .order_by(SmsCode.created_at.desc(), SmsCode.id.desc())
        .limit(1)
    ).first()
    if newest is None:
        raise CodeInvalid("missing")
    if newest.consumed_at is not None:
        raise CodeInvalid("used")
    now = clock.now()
    if newest.expires_at <= now:
        raise CodeInvalid("expired")
    max_attempts = _setting("SMS_MAX_ATTEMPTS")
    if newest.attempts >= max_attempts:
        raise CodeInvalid("too_many_attempts")

    attempts = _claim_attempt(newest.id, max_attempts)
    if attempts is None:  # consumed, or its last attempt taken, by a parallel request since we read it
        raise CodeInvalid("used" if _is_consumed(newest.id) else "too_many_attempts")
    # Full-width digits from a Chinese input method are the same code.
    typed = unicodedata.normalize("NFKC", code or "").strip()
    if not hmac.compare_digest(newest.code_hmac, _code_hmac(phone, purpose, typed)):
        raise CodeInvalid("too_many_attempts" if attempts >= max_attempts else "wrong")
    consumed = db.session.execute(
        update(SmsCode)
        .where(SmsCode.id == newest.id, SmsCode.consumed_at.is_(None))
        .values(consumed_at=now)
        .returning(SmsCode.id)
        .execution_options(synchronize_session=False)
    ).scalar()
    db.session.commit()
    if consumed is None:
        raise CodeInvalid("used")


def _claim_attempt(code_id: int, max_attempts: int) -> int | None:
    """Count one try atomically; the attempts so far, or None when the code is consumed or spent."""
    attempts = db.session.execute(
        update(SmsCode)
        .where(SmsCode.id == code_id, SmsCode.consumed_at.is_(None), SmsCode.attempts < max_attempts)
        .values(attempts=SmsCode.attempts + 1)
        # RETURNING, not rowcount plus a read: the count must be the one this update wrote.
        .returning(SmsCode.attempts)
        .execution_options(synchronize_session=False)
    ).scalar()
    db.session.commit()
    return attempts


def _is_consumed(code_id: int) -> bool:
    return db.session.scalar(select(SmsCode.consumed_at.is_not(None)).where(SmsCode.id == code_id)) is True


def _check_limits(phone: str, purpose: str, ip: str, now: datetime, challenge_passed: bool) -> None:
    """Raise SmsRefused for the first limit this request would break."""
    day_start = now.astimezone(CHINA_TIME).replace(hour=0, minute=0, second=0, microsecond=0)
    until_tomorrow = math.ceil((day_start + timedelta(days=1) - now).total_seconds())
    today = SmsCode.created_at >= day_start

    if _count(today) >= int(site_settings.effective("SMS_DAILY_BUDGET")):  # admins may change it
        raise SmsRefused("global_budget", until_tomorrow)
    recent_from_ip = _count(SmsCode.ip == ip, SmsCode.created_at > now - CHALLENGE_WINDOW)
    if not challenge_passed and recent_from_ip >= _setting("SMS_CHALLENGE_AFTER"):
        raise SmsRefused("challenge_required")
    last_sent = db.session.scalar(
        select(SmsCode.created_at)
        .where(SmsCode.phone == phone, SmsCode.purpose == purpose)
        .order_by(SmsCode.created_at.desc())
        .limit(1)
    )
    if last_sent is not None:
        wait = _setting("SMS_RESEND_SECONDS") - (now - last_sent).total_seconds()
        if wait > 0:
            raise SmsRefused("resend_too_soon", math.ceil(wait))
    if _count(SmsCode.phone == phone, today) >= _setting("SMS_PHONE_DAILY_CAP"):
        raise SmsRefused("phone_daily_cap", until_tomorrow)
    if _count(SmsCode.ip == ip, today) >= _setting("SMS_IP_DAILY_CAP"):
        raise SmsRefused("ip_daily_cap", until_tomorrow)


def _serialise_requests() -> None:
    """Take a lock held until commit, so parallel requests see each other's rows and the caps stay exact."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(func.pg_advisory_xact_lock(_REQUEST_LOCK_ID)))
    else:
        # SQLite: a write that matches no row still takes the database's single write lock.
        db.session.execute(
            update(SmsCode)
            .where(false())
            .values(attempts=SmsCode.attempts)
            .execution_options(synchronize_session=False)
        )


def _count(*conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(SmsCode).where(*conditions)) or 0


def _requested_by(user_id: int | None):
    return SmsCode.user_id.is_(None) if user_id is None else SmsCode.user_id == user_id


def _code_hmac(phone: str, purpose: str, code: str) -> str:
    key = current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, f"{phone}|{purpose}|{code}".encode(), hashlib.sha256).hexdigest()


def _check_purpose(purpose: str) -> None:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown SMS purpose {purpose!r}; expected one of {', '.join(PURPOSES)}")


def _setting(name: str) -> int:
    return int(current_app.config.get(name, DEFAULTS[name]))
