"""Personal tokens for the read API: created with a name, shown once, stored only as a SHA-256 hash.

A token is ``snk_`` followed by 43 URL-safe characters (256 random bits). The
database keeps its hash and its first characters (so the owner can tell tokens
apart), never the token itself. Revoking keeps the row, so the owner still sees
which token it was and when it stopped working.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, or_, select, update

from extensions import db
from models import ApiToken, User
from services import clock

TOKEN_PREFIX = "snk_"
PREFIX_LENGTH = 12  # "snk_" and eight random characters: what the settings page shows
NAME_MAX_LENGTH = 60
# Longest string worth hashing: a real token is 47 characters; anything far longer is not one.
TOKEN_MAX_LENGTH = 100
# last_used_at is written at most this often per token, so a busy script does not write on every read.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenRefused(ValueError):
    """A token cannot be created: ``reason`` is "blank", "too_long" or "limit"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class NewToken:
    """A token just made: ``secret`` exists only here, for the one page that shows it."""

    row: ApiToken
    secret: str


def token_digest(secret: str) -> str:
    """The hex SHA-256 stored for a token (a random 256-bit secret needs no salt or slow hash)."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def clean_name(name: str | None) -> str:
    """The name as stored: outer whitespace stripped, inner runs of whitespace folded to one space."""
    return " ".join((name or "").split())


def active_token_count(user_id: int) -> int:
    """Tokens of the user that still work."""
    return db.session.scalar(
        select(func.count()).select_from(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
    )


def create_token(user_id: int, name: str | None, max_active: int) -> NewToken:
    """Make a token for the user and commit; raises TokenRefused for a bad name or too many active tokens."""
    name = clean_name(name)
    if not name:
        raise TokenRefused("blank")
    if len(name) > NAME_MAX_LENGTH:
        raise TokenRefused("too_long")
    # A soft cap: two creates racing at the limit may pass it by one, which is harmless.
    if active_token_count(user_id) >= max_active:
        raise TokenRefused("limit")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user_id, name=name, token_hash=token_digest(secret), prefix=secret[:PREFIX_LENGTH])
    db.session.add(row)
    db.session.commit()
    return NewToken(row, secret)


def tokens_of(user_id: int) -> list[ApiToken]:
    """The user's tokens, working ones first, newest first."""
    return list(db.session.scalars(
        select(ApiToken)
        .where(ApiToken.user_id == user_id)
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc())
    ))


def revoke_token(user_id: int, token_id: int) -> bool:
    """Revoke one of the user's tokens; False when it is not theirs or does not exist. Revoking twice is fine."""
    row = db.session.scalar(select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user_id))
    if row is None:
        return False
    if row.revoked_at is None:
        row.revoked_at = clock.now()
        db.session.commit()
    return True


def looks_like_token(secret: str) -> bool:
    return secret.startswith(TOKEN_PREFIX) and len(secret) <= TOKEN_MAX_LENGTH


def find_active_token(secret: str) -> ApiToken | None:
    """The working token whose hash matches ``secret``, or None (unknown, malformed or revoked).

    Looked up by hash, so the secret is never compared character by character
    against stored data; the final compare of the digests is constant-time anyway.
    """
    if not looks_like_token(secret):
        return None
    digest = token_digest(secret)
    found = db.session.execute(
        select(ApiToken, User.must_change_password).join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == digest)
    ).first()
    if found is None:
        return None
    row, locked = found
    if row.revoked_at is not None or not hmac.compare_digest(row.token_hash, digest):
        return None
    row.account_locked = bool(locked)  # read in the same query: the compromised lock stops every token
    return row


def note_token_used(token: ApiToken) -> None:
    """Set last_used_at to now if it is unset or older than a minute (one conditional UPDATE, then commit)."""
    now = clock.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.id == token.id,
               or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < now - LAST_USED_RESOLUTION))
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
