"""Browsing history ("recently viewed"): the tools a signed-in user opened, newest first.

One row per (user, tool) holding the last time it was viewed, so a repeat view
is a single UPDATE. The history grows only when a new tool enters it, so that is
the only moment it is trimmed to the limit: the cost stays off ordinary views.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update

from extensions import db
from models import Tool, ToolView
from services import clock
from services.catalog_queries import public_tool
from services.commits import commit_keeping_loaded
from services.upsert import insert_on_conflict


def record_view(user_id: int, tool_id: int, limit: int) -> None:
    """Note that the user viewed the tool now, keeping at most ``limit`` tools; commits (loaded objects stay)."""
    now = clock.now()
    seen = db.session.execute(
        update(ToolView).where(ToolView.user_id == user_id, ToolView.tool_id == tool_id).values(viewed_at=now)
    ).rowcount
    if not seen:
        # A new tool for this user; the upsert still wins if a parallel request inserted it first.
        statement = insert_on_conflict(ToolView).values(user_id=user_id, tool_id=tool_id, viewed_at=now)
        db.session.execute(statement.on_conflict_do_update(
            index_elements=["user_id", "tool_id"], set_={"viewed_at": now}
        ))
        _trim(user_id, limit)
    commit_keeping_loaded()


def _trim(user_id: int, limit: int) -> None:
    """Forget all but the ``limit`` most recently viewed tools (one indexed DELETE)."""
    keep = (
        select(ToolView.tool_id).where(ToolView.user_id == user_id)
        .order_by(ToolView.viewed_at.desc(), ToolView.tool_id.desc()).limit(limit)
    )
    db.session.execute(delete(ToolView).where(ToolView.user_id == user_id, ToolView.tool_id.not_in(keep)))


def recently_viewed(user_id: int, limit: int) -> list[tuple[Tool, datetime]]:
    """The user's viewed tools that are still public, each with when it was last viewed, newest first."""
    return [tuple(row) for row in db.session.execute(
        select(Tool, ToolView.viewed_at)
        .join(ToolView, ToolView.tool_id == Tool.id)
        .where(ToolView.user_id == user_id, public_tool)
        .order_by(ToolView.viewed_at.desc(), Tool.id.desc())
        .limit(limit)
    )]


def count_views(user_id: int) -> int:
    """How many tools the user's browsing history holds."""
    return db.session.scalar(select(func.count()).select_from(ToolView).where(ToolView.user_id == user_id))


def clear_browsing_history(user_id: int) -> int:
    """Forget every tool the user viewed; returns how many went. The caller commits."""
    return db.session.execute(delete(ToolView).where(ToolView.user_id == user_id)).rowcount
