"""What to offer when a search finds nothing: popular categories and tools with similar names."""

from __future__ import annotations

from sqlalchemy import select

from extensions import db
from models import Category, Tool
from models.search import ToolSearchGram
from services.catalog_queries import category_tree, public_tool


def popular_categories(limit: int = 6) -> list[Category]:
    """Top-level categories with the most public tools."""
    tree = category_tree()
    return sorted(tree.top, key=lambda c: (-tree.total(c), c.position, c.id))[:limit]


def similar_names(terms: list[str], limit: int = 5) -> list[Tool]:
    """Popular tools whose name shares the start of the longest term (two characters, else one).

    A misspelt or over-long query usually still starts right; the gram table answers
    this from its key order without scanning.
    """
    if not terms:
        return []
    longest = max(terms, key=len)
    grams = [longest[:2], longest[:1]] if len(longest) > 1 else [longest]
    for gram in grams:
        ids = select(ToolSearchGram.tool_id).where(ToolSearchGram.gram == gram).order_by(
            ToolSearchGram.neg_popularity, ToolSearchGram.tool_id).limit(limit * 2)
        tools = list(db.session.scalars(
            select(Tool).where(Tool.id.in_(ids), public_tool).order_by(Tool.click_count.desc(), Tool.id).limit(limit)
        ))
        if tools:
            return tools
    return []
