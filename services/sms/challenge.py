"""A small self-hosted challenge asked before sending once one IP address has asked for several codes.

It is a speed bump for scripts that send codes to strangers, not a CAPTCHA: it needs no third party
and no storage. The signed token carries the IP and a keyed hash of the answer, salted with a nonce so
that equal answers give unequal hashes and a script cannot learn answers from earlier tokens.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata

from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer

from services import clock

MAX_AGE_SECONDS = 600
SALT = "sms-challenge"


class _ClockSigner(TimestampSigner):
    """Signs with the clock service's time, so tests can move past the expiry without sleeping."""

    def get_timestamp(self) -> int:
        return int(clock.now().timestamp())


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=SALT, signer=_ClockSigner)


def _answer_hash(secret: str, nonce: str, answer: int) -> str:
    return hmac.new(secret.encode(), f"{SALT}|{nonce}|{answer}".encode(), hashlib.sha256).hexdigest()


def new_challenge(secret: str, ip: str) -> tuple[str, str]:
    """A question such as ``"7 + 5 = ?"`` and a signed token for this IP that ``check_challenge`` reads."""
    left, right = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    nonce = secrets.token_urlsafe(12)
    token = _serializer(secret).dumps({"ip": ip, "n": nonce, "h": _answer_hash(secret, nonce, left + right)})
    return f"{left} + {right} = ?", token


def check_challenge(secret: str, token: str, ip: str, answer: str) -> bool:
    """Whether ``answer`` solves the challenge in ``token``, issued to this IP within the last 10 minutes."""
    try:
        payload = _serializer(secret).loads(token, max_age=MAX_AGE_SECONDS)
    except BadSignature:  # also covers an expired token
        return False
    if not isinstance(payload, dict) or not hmac.compare_digest(str(payload.get("ip", "")), ip):
        return False
    # NFKC folds full-width digits typed with a Chinese input method (１２ → 12).
    text = unicodedata.normalize("NFKC", answer or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 3:
        return False
    expected = _answer_hash(secret, str(payload.get("n", "")), int(text))
    return hmac.compare_digest(str(payload.get("h", "")), expected)
