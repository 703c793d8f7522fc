"""The stale-facts queue: published tools whose pricing nobody has checked lately.

A tool is due when its pricing was never verified or was verified more than
PRICING_STALE_DAYS ago. The seed catalog carries no verification dates, so on a
fresh site every published tool is due, never-checked first: that is the honest
state of the facts, and the queue pages through it. Synthetic benchmark tools
have no real facts to check and are left out.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, func, or_, select

from extensions import db
from models import Tool, ToolStatus
from services import clock


def stale_before() -> datetime:
    """Verifications older than this are stale."""
    return clock.now() - timedelta(days=current_app.config["PRICING_STALE_DAYS"])


def _is_stale():
    return and_(
        Tool.status == ToolStatus.PUBLISHED.value,
        Tool.is_synthetic.is_(False),
        or_(Tool.pricing_verified_at.is_(None), Tool.pricing_verified_at < stale_before()),
    )


def stale_count() -> int:
    """How many tools are due (one COUNT)."""
    return db.session.scalar(select(func.count()).select_from(Tool).where(_is_stale())) or 0


def stale_tools(page: int, per_page: int):
    """A page of due tools: never verified first, then the oldest check, then the oldest tool."""
    statement = (
        select(Tool)
        .where(_is_stale())
        .order_by(Tool.pricing_verified_at.is_not(None), Tool.pricing_verified_at, Tool.created_at, Tool.id)
    )
    return db.paginate(statement, page=page, per_page=per_page, error_out=False, count=True)
