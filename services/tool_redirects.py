"""Old tool addresses: after a merge or a slug change, ``/t/<old>`` answers 301 to the tool's address now."""

from __future__ import annotations

from sqlalchemy import select

from extensions import db
from models import Tool, ToolSlugRedirect
from models.catalog import PUBLIC_STATUSES


def current_slug(old_slug: str) -> str | None:
    """The slug the old address now leads to, if that tool is public (one query)."""
    return db.session.scalar(
        select(Tool.slug)
        .join(ToolSlugRedirect, ToolSlugRedirect.tool_id == Tool.id)
        .where(ToolSlugRedirect.old_slug == old_slug, Tool.status.in_(PUBLIC_STATUSES))
    )
