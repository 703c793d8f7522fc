"""Comparing 2–4 tools side by side, loaded in a fixed number of queries."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from extensions import db
from models import Tool, ToolPlatform
from services.catalog_queries import public_tool

MIN_TOOLS = 2
MAX_TOOLS = 4
# What a comparison shows of each tool; the five facts Chinese sellers filter on.
FACT_COLUMNS = ("china_direct", "cn_payment", "cn_invoice", "chinese_support", "free_plan")


class CompareProblem(ValueError):
    """The request cannot be compared: ``kind`` is too_few, too_many or unknown (with the ``unknown`` slugs)."""

    def __init__(self, kind: str, unknown: tuple[str, ...] = ()):
        super().__init__(kind)
        self.kind = kind
        self.unknown = unknown


def clean_slugs(values: list[str]) -> list[str]:
    """The requested slugs, stripped, blanks dropped, duplicates removed, first-seen order kept."""
    seen: dict[str, None] = {}
    for value in values:
        slug = value.strip()
        if slug:
            seen.setdefault(slug, None)
    return list(seen)


def compare_tools(slugs: list[str]) -> list[Tool]:
    """The public tools for ``slugs`` (already cleaned), in that order, with category and marketplaces loaded.

    Two queries whatever the tools: the tools joined to their categories, and
    their marketplace links with platform and market.
    """
    if len(slugs) < MIN_TOOLS:
        raise CompareProblem("too_few")
    if len(slugs) > MAX_TOOLS:
        raise CompareProblem("too_many")
    tools = db.session.scalars(
        select(Tool)
        .where(Tool.slug.in_(slugs), public_tool)
        .options(
            joinedload(Tool.category),
            selectinload(Tool.platform_links).options(
                joinedload(ToolPlatform.platform), joinedload(ToolPlatform.market)
            ),
        )
    ).unique().all()
    by_slug = {tool.slug: tool for tool in tools}
    unknown = tuple(slug for slug in slugs if slug not in by_slug)
    if unknown:
        raise CompareProblem("unknown", unknown)
    return [by_slug[slug] for slug in slugs]
