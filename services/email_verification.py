"""Email addresses and their verification by a signed link.

The link carries the user id and the address, signed with SECRET_KEY, and is sent at once (not
through the outbox): like an SMS code it is a credential, so it is never stored, and the user learns
at once if it could not be sent. A link works only while the address is still the account's, so
changing the address makes every earlier link useless. Sends are counted in the security log
(``email_verification_sent``), which is also what the resend limits count.
"""

from __future__ import annotations

import math
import re
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select

from extensions import db
from models import SecurityEvent, User
from services import auth_sessions, clock
from services.email import email_backend

SALT = "email-verify"
SENT_EVENT = "email_verification_sent"
RESEND_SECONDS = 60
DAILY_CAP = 5
# Deliberately plain: one @, a dot in the domain, no spaces; the link proves the rest.
ADDRESS = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}$")
MAX_LENGTH = 254


class InvalidEmail(ValueError):
    """Not an address we can send to."""


class ResendRefused(Exception):
    """Too soon or too many links today; ``retry_after`` is in seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


class LinkInvalid(Exception):
    """The link is not accepted: ``reason`` is expired, tampered or stale (the address changed)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _ClockSigner(TimestampSigner):
    """Signs with the clock service's time, so tests move past the expiry without sleeping."""

    def get_timestamp(self) -> int:
        return int(clock.now().timestamp())


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT, signer=_ClockSigner)


def normalize_email(text: str) -> str:
    """The address as stored: trimmed, domain in lower case (IDN as ASCII); raise InvalidEmail."""
    address = (text or "").strip()
    if len(address) > MAX_LENGTH or not ADDRESS.match(address):
        raise InvalidEmail(address)
    local, _at, domain = address.rpartition("@")
    try:
        domain = domain.encode("idna").decode("ascii").lower()
    except UnicodeError as error:
        raise InvalidEmail(address) from error
    return f"{local}@{domain}"


def set_email(user: User, address: str) -> bool:
    """Give the account ``address`` (normalised); a new address is unverified. True when it changed.

    Security notices fall back to SMS while the new address is unverified. The caller commits.
    """
    if user.email is not None and user.email.lower() == address.lower():
        return False
    user.email = address
    user.email_verified_at = None
    if user.security_notice_channel == "email":
        user.security_notice_channel = "sms"
    return True


def make_token(user_id: int, address: str) -> str:
    """The signed token for a verification link."""
    return _serializer().dumps({"u": user_id, "e": address})


def verify_token(token: str) -> User:
    """Mark the address in ``token`` verified and return its user; raise LinkInvalid. The caller commits."""
    hours = int(current_app.config.get("EMAIL_VERIFY_HOURS", 24))
    try:
        payload = _serializer().loads(token, max_age=hours * 3600)
    except SignatureExpired as error:
        raise LinkInvalid("expired") from error
    except BadSignature as error:
        raise LinkInvalid("tampered") from error
    if not isinstance(payload, dict) or not isinstance(payload.get("u"), int):
        raise LinkInvalid("tampered")
    user = db.session.get(User, payload["u"])
    if user is None or user.is_deleted or user.email is None or user.email.lower() != str(payload.get("e")).lower():
        raise LinkInvalid("stale")
    if user.email_verified_at is None:
        user.email_verified_at = clock.now()
    return user


def check_resend(user_id: int) -> None:
    """Raise ResendRefused when a link went out under a minute ago or five went out in the last day."""
    now = clock.now()
    sent = select(SecurityEvent.created_at).where(
        SecurityEvent.user_id == user_id, SecurityEvent.kind == SENT_EVENT,
        SecurityEvent.created_at > now - timedelta(days=1),
    )
    last = db.session.scalar(sent.order_by(SecurityEvent.created_at.desc()).limit(1))
    if last is not None and (wait := RESEND_SECONDS - (now - last).total_seconds()) > 0:
        raise ResendRefused(math.ceil(wait))
    count = db.session.scalar(select(func.count()).select_from(sent.subquery())) or 0
    if count >= DAILY_CAP:
        oldest = db.session.scalar(sent.order_by(SecurityEvent.created_at).limit(1))
        raise ResendRefused(math.ceil((oldest + timedelta(days=1) - now).total_seconds()))


def send_link(user: User, link: str, *, ip: str = "", user_agent: str = "") -> None:
    """Email the verification ``link`` now and log it; raises EmailDeliveryError. The caller commits."""
    hours = int(current_app.config.get("EMAIL_VERIFY_HOURS", 24))
    body = _(
        "Hello %(name)s,\n\nTo confirm that this address belongs to your SellerNav account, open this link "
        "within %(hours)s hours:\n\n%(link)s\n\nIf you did not ask for this, ignore this message: "
        "nothing changes unless the link is opened.\n\n— SellerNav",
        name=user.display_name, hours=hours, link=link,
    )
    email_backend().send(user.email, _("Confirm your email address for SellerNav"), body)
    auth_sessions.log_event(user.id, SENT_EVENT, method="email", ip=ip, user_agent=user_agent)
