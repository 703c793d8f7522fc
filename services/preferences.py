"""Site preferences kept for an account (language, theme, dismissed notices), as name/value rows.

Clear Data removes them all; nothing else depends on them being there.
"""

from __future__ import annotations

from sqlalchemy import delete, select

from extensions import db
from models import UserPreference
from services import clock
from services.upsert import insert_on_conflict

LANGUAGE = "language"
THEME = "theme"
DISMISSED_PREFIX = "dismissed:"  # dismissed:<notice name> = "1"


def get_preference(user_id: int, name: str) -> str | None:
    """One preference's value, or None when the account has not kept it."""
    return db.session.scalar(
        select(UserPreference.value).where(UserPreference.user_id == user_id, UserPreference.name == name)
    )


def all_preferences(user_id: int) -> dict[str, str]:
    """Every preference kept for the account."""
    query = select(UserPreference.name, UserPreference.value).where(UserPreference.user_id == user_id)
    return dict(db.session.execute(query).all())


def set_preference(user_id: int, name: str, value: str) -> None:
    """Keep ``name = value`` for the account (insert or replace); the caller commits."""
    now = clock.now()
    statement = insert_on_conflict(UserPreference).values(user_id=user_id, name=name, value=value, updated_at=now)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=["user_id", "name"], set_={"value": value, "updated_at": now}
    ))


def dismiss_notice(user_id: int, notice: str) -> None:
    """Remember that the account dismissed a notice (the cookie notice, a tip)."""
    set_preference(user_id, DISMISSED_PREFIX + notice, "1")


def has_dismissed(user_id: int, notice: str) -> bool:
    return get_preference(user_id, DISMISSED_PREFIX + notice) == "1"


def clear_preferences(user_id: int) -> int:
    """Forget every preference of the account; returns how many were removed. The caller commits."""
    return db.session.execute(delete(UserPreference).where(UserPreference.user_id == user_id)).rowcount
