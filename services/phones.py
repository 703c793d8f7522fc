"""Phone numbers: what people type in, normalised to E.164."""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

from flask import current_app

# ASCII digits only: Python's \d would also take ٨ or ०, making one number several for the per-phone rules.
_MAINLAND_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_ASCII_DIGITS = frozenset("0123456789")


class InvalidPhone(ValueError):
    """Not a mobile number we can send a code to."""


class ForeignDigits(InvalidPhone):
    """The number has digits of another script (٨, ०) that NFKC does not fold to 0–9."""


def normalize_phone(raw: str) -> str:
    """``138 1234 5678`` → ``+8613812345678``; ``+44 7700 900123`` → ``+447700900123``.

    Mainland numbers may be typed without a country code; others need ``+``
    (or ``00``). Spaces, dashes and brackets are ignored; NFKC folds full-width digits, signs and
    brackets (a Chinese input method types them) to ASCII; any other digit is refused (ForeignDigits).
    """
    text = unicodedata.normalize("NFKC", raw).strip()
    text = re.sub(r"[\s\-()]", "", text)
    if any(character.isdigit() and character not in _ASCII_DIGITS for character in text):
        raise ForeignDigits(raw)
    if text.startswith("00"):
        text = "+" + text[2:]
    if text.startswith("+86"):
        local = text[3:]
        if not _MAINLAND_MOBILE.match(local):
            raise InvalidPhone(raw)
        return "+86" + local
    if _MAINLAND_MOBILE.match(text):
        return "+86" + text
    if _E164.match(text):
        return text
    raise InvalidPhone(raw)


def mask_phone(phone: str) -> str:
    """``+8613812345678`` → ``+86 138****5678``, for lists and notices."""
    if phone.startswith("+86") and len(phone) == 14:
        return f"+86 {phone[3:6]}****{phone[-4:]}"
    return phone[:4] + "****" + phone[-3:]


def banned_phone_hash(phone: str) -> str:
    """HMAC-SHA256(SECRET_KEY, E.164 number): how a deleted banned account's phone is remembered."""
    key = current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, phone.encode(), hashlib.sha256).hexdigest()


def is_banned_phone(phone: str) -> bool:
    """Whether this number belonged to a banned account that was deleted: it may not register again."""
    from extensions import db  # imported here: the normalising above stays usable without an app
    from models import BannedPhone

    return db.session.get(BannedPhone, banned_phone_hash(phone)) is not None

