"""Account names (the private sign-in name) and the neutral display names given in their place.

An account name is unique as its normalised key — NFKC, then case-folded — stored beside it in
``User.account_name_key`` under a unique constraint on both databases: SQLite's NOCASE folds only
ASCII, and "Seller1" must not be given out beside "seller1". Lookups by name go through the key.

The account name is never shown to anyone else. Where a user has not chosen a display name, the
site shows a neutral one, ``卖家`` and six random digits, never derived from the account name,
the phone or a WeChat openid.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select

from extensions import db
from models import User
from models.accounts import account_name_key

__all__ = ["account_name_key", "account_name_taken", "neutral_display_name", "user_by_account_name"]

NEUTRAL_PREFIX = "卖家"
NEUTRAL_DIGITS = 6


def account_name_taken(name: str, *, except_user_id: int | None = None) -> bool:
    """Whether another account holds this name in any case or width."""
    statement = select(User.id).where(User.account_name_key == account_name_key(name))
    if except_user_id is not None:
        statement = statement.where(User.id != except_user_id)
    return db.session.scalar(statement.limit(1)) is not None


def user_by_account_name(name: str) -> User | None:
    return db.session.scalar(select(User).where(User.account_name_key == account_name_key(name)))


def neutral_display_name() -> str:
    """卖家 and six random digits: says nothing about the account."""
    return NEUTRAL_PREFIX + "".join(secrets.choice("0123456789") for _ in range(NEUTRAL_DIGITS))
