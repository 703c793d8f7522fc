"""Collecting tools into favorites, with the tool's favorite_count kept exact under concurrency."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from extensions import db
from models import Favorite, Tool
from services.upsert import insert_on_conflict


def _insert_ignoring_duplicates(values: dict):
    statement = insert_on_conflict(Favorite).values(**values)
    return statement.on_conflict_do_nothing(index_elements=[Favorite.user_id, Favorite.tool_id])


def collect(user_id: int, tool_id: int) -> int:
    """Add the tool to the user's favorites (idempotent); returns the tool's favorite count.

    The counter moves only when a row was really inserted, in the same
    transaction, with an atomic UPDATE: double clicks and parallel requests
    can neither count twice nor lose a count.
    """
    inserted = db.session.execute(
        _insert_ignoring_duplicates({"user_id": user_id, "tool_id": tool_id}).returning(Favorite.tool_id)
    ).first()
    if inserted is not None:
        db.session.execute(update(Tool).where(Tool.id == tool_id).values(favorite_count=Tool.favorite_count + 1))
    db.session.commit()
    return _count(tool_id)


def uncollect(user_id: int, tool_id: int) -> int:
    """Remove the tool from the user's favorites (idempotent); returns the tool's favorite count."""
    removed = db.session.execute(
        delete(Favorite).where(Favorite.user_id == user_id, Favorite.tool_id == tool_id).returning(Favorite.tool_id)
    ).first()
    if removed is not None:
        db.session.execute(update(Tool).where(Tool.id == tool_id).values(favorite_count=Tool.favorite_count - 1))
    db.session.commit()
    return _count(tool_id)


def _count(tool_id: int) -> int:
    return db.session.scalar(select(Tool.favorite_count).where(Tool.id == tool_id)) or 0


def collected_tool_ids(user_id: int) -> set[int]:
    """Every tool the user has collected, in one query (pages mark their cards from this set)."""
    return set(db.session.scalars(select(Favorite.tool_id).where(Favorite.user_id == user_id)))


def favorites_condition(user_id: int):
    """A condition on Tool: in this user's favorites."""
    return Tool.id.in_(select(Favorite.tool_id).where(Favorite.user_id == user_id))
