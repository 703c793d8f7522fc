"""Linked store accounts: which platforms and stores a user sells on. Never a password.

The form has no password field, but people paste what they have at hand:
"店铺 123 密码abc", "user / Pass#123", an API key. ``looks_like_secret`` refuses
anything that looks like a credential, while real shop names (Chinese or not),
Amazon seller IDs and numeric shop IDs pass.
"""

from __future__ import annotations

import itertools
import re
import unicodedata

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from extensions import db
from models import Platform, StoreAccount

MAX_STORES = 50
MAX_NAME_LENGTH = 100

# Words that only appear when someone pastes a credential.
_SECRET_WORDS = re.compile(
    r"密码|口令|密钥|秘钥|密匙|验证码|授权码"
    r"|(?<![a-z])(?:password|passwd|passwort|passcode|pwd|secret|token|api[\s_-]?key|access[\s_-]?key"
    r"|private[\s_-]?key|client[\s_-]?secret|refresh[\s_-]?token)(?![a-z])"
    r"|(?<![a-z])(?:pass|pw|pin|key)\s*[:=：]",
    re.IGNORECASE,
)
# Formats of well-known keys and tokens.
_KEY_FORMATS = re.compile(
    r"(?:^|[^A-Za-z0-9])(?:"
    r"(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}"  # AWS access key id
    r"|LTAI[A-Za-z0-9]{12,}"  # Aliyun AccessKey id
    r"|AKID[A-Za-z0-9]{13,}"  # Tencent Cloud SecretId
    r"|sk-[A-Za-z0-9_-]{16,}"  # OpenAI-style secret keys
    r"|(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{10,}"  # Stripe
    r"|gh[pousr]_[A-Za-z0-9]{20,}"  # GitHub
    r"|xox[abprs]-[A-Za-z0-9-]{10,}"  # Slack
    r"|AIza[A-Za-z0-9_-]{30,}"  # Google API key
    r"|Atz[ar]\|[A-Za-z0-9_|-]{10,}"  # Amazon LWA / SP-API tokens
    r"|amzn1\.oa2-cs\.[A-Za-z0-9.-]+"  # Amazon LWA client secret
    r"|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"  # a JSON Web Token
    r")|-----BEGIN",
)
# Symbols that passwords carry and store names almost never do (names use & - _ . ' ( ) freely).
_PASSWORD_SYMBOLS = set("!@#$%^*+=?~`|\\<>{}[];")
_SEPARATED_PAIR = re.compile(r"^(?P<left>\S.*?)\s*[/|]\s*(?P<right>\S+)$")


class StoreRefused(ValueError):
    """Why a store cannot be added: ``secret``, ``blank``, ``too_long``, ``platform``, ``duplicate``, ``limit``."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def normalise_store_name(raw: str) -> str:
    """Trimmed, inner whitespace collapsed, full-width letters and digits made half-width."""
    return " ".join(unicodedata.normalize("NFKC", raw or "").split())


def _runs(token: str) -> list[tuple[str, int]]:
    """Runs of one character class (upper, lower, digit, other) with their lengths."""
    def kind(c: str) -> str:
        return "u" if c.isupper() else "l" if c.islower() else "d" if c.isdigit() else "s"
    return [(k, len(list(group))) for k, group in itertools.groupby(token, key=kind)]


def _looks_random(token: str) -> bool:
    """A long token that is a key, not a name: long hex, or classes mixed the way only chance mixes them.

    A CamelCase name ("AnkerDirectStoreUS2024") has few, long runs and isolated
    capitals; a random key has many isolated lower-case letters and digits.
    """
    if len(token) < 20 or not re.fullmatch(r"[A-Za-z0-9_+/=.-]+", token) or token.isdigit():
        return False
    if re.fullmatch(r"[0-9a-f]{32,}|[0-9A-F]{32,}", token):
        return True
    runs = _runs(token)
    if len({kind for kind, _ in runs} - {"s"}) < 2:
        return False
    isolated = sum(1 for kind, length in runs if length == 1 and kind in "ld")
    return isolated >= max(3, len(token) / 8) or len(runs) - 1 >= len(token) * 0.5


def _looks_like_password(token: str) -> bool:
    """Letters, digits and a password symbol in one word, e.g. ``Xy7#kLm9``."""
    return (len(token) >= 6 and any(c.isalpha() for c in token) and any(c.isdigit() for c in token)
            and any(c in _PASSWORD_SYMBOLS for c in token))


def looks_like_secret(value: str) -> bool:
    """True when ``value`` looks like a password, a key or a token rather than a store's name or ID."""
    if _SECRET_WORDS.search(value) or _KEY_FORMATS.search(value):
        return True
    tokens = value.split()
    if any(_looks_random(t) or _looks_like_password(t) for t in tokens):
        return True
    pair = _SEPARATED_PAIR.match(value)
    if pair:  # "myshop / abc12345": an account name and a password side by side
        right = pair.group("right")
        if any(c.isdigit() for c in right) and (any(c.islower() for c in right) or _looks_like_password(right)):
            return True
    return False


def check_store_name(raw: str) -> str:
    """The normalised name, or ``StoreRefused`` (blank, too long, looks like a secret)."""
    name = normalise_store_name(raw)
    if not name:
        raise StoreRefused("blank")
    if len(name) > MAX_NAME_LENGTH:
        raise StoreRefused("too_long")
    if looks_like_secret(name):
        raise StoreRefused("secret")
    return name


def store_platforms() -> list[Platform]:
    """Platforms and their modes in the order the site lists them."""
    return list(db.session.scalars(select(Platform).order_by(Platform.position, Platform.id)))


def stores_of(user_id: int) -> list[tuple[StoreAccount, Platform]]:
    """The user's stores with their platform, oldest first (one query)."""
    return [
        (store, platform)
        for store, platform in db.session.execute(
            select(StoreAccount, Platform)
            .join(Platform, Platform.id == StoreAccount.platform_id)
            .where(StoreAccount.user_id == user_id)
            .order_by(StoreAccount.created_at, StoreAccount.id)
        ).all()
    ]


def add_store(user_id: int, platform_id: int, raw_name: str) -> StoreAccount:
    """Record a store; ``StoreRefused`` says why not. Commits."""
    name = check_store_name(raw_name)
    if db.session.get(Platform, platform_id) is None:
        raise StoreRefused("platform")
    # A soft cap against abuse: two adds racing at the limit may pass it by one, which is harmless.
    count = db.session.scalar(select(func.count()).select_from(StoreAccount).where(StoreAccount.user_id == user_id))
    if count >= MAX_STORES:
        raise StoreRefused("limit")
    duplicate = select(StoreAccount.id).where(
        StoreAccount.user_id == user_id, StoreAccount.platform_id == platform_id,
        func.lower(StoreAccount.store_name) == name.lower(),
    )
    if db.session.scalar(duplicate) is not None:
        raise StoreRefused("duplicate")
    store = StoreAccount(user_id=user_id, platform_id=platform_id, store_name=name)
    db.session.add(store)
    try:
        db.session.commit()
    except IntegrityError as error:  # the same store added a moment ago by another request
        db.session.rollback()
        raise StoreRefused("duplicate") from error
    return store


def remove_store(user_id: int, store_id: int) -> bool:
    """Remove one of the user's own stores; False when it is not theirs or not there. Commits."""
    store = db.session.scalar(
        select(StoreAccount).where(StoreAccount.id == store_id, StoreAccount.user_id == user_id)
    )
    if store is None:
        return False
    db.session.delete(store)
    db.session.commit()
    return True
