"""Reads the public API needs beyond the site's own: each a fixed number of queries, whatever the page size."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, or_, select

from extensions import db
from models import Category, Rating, Tag, Tool, User
from services.ratings import counted


def categories_by_id(ids: Iterable[int]) -> dict[int, Category]:
    """The categories of a page of tools, in one query."""
    wanted = set(ids)
    if not wanted:
        return {}
    return {c.id: c for c in db.session.scalars(select(Category).where(Category.id.in_(wanted)))}


def in_category(slug: str):
    """A condition on Tool: in the category or, for a top-level one, in its subcategories (a subquery)."""
    parent = select(Category.id).where(Category.slug == slug).scalar_subquery()
    return Tool.category_id.in_(select(Category.id).where(or_(Category.id == parent, Category.parent_id == parent)))


def with_tag(slug: str):
    """A condition on Tool: it carries the tag."""
    return Tool.tags.any(Tag.slug == slug)


def visible_reviews_page(tool_id: int, page: int, per_page: int) -> tuple[list[tuple[Rating, str]], int]:
    """One page of the reviews a visitor sees (text, visible, author not banned), helpful first, then newest.

    Returns (rating, author display name) pairs and the total; two queries.
    """
    shown = (Rating.tool_id == tool_id, Rating.review != "", counted)
    total = db.session.scalar(
        select(func.count()).select_from(Rating).join(User, User.id == Rating.user_id).where(*shown)
    )
    rows = db.session.execute(
        select(Rating, User.display_name)
        .join(User, User.id == Rating.user_id)
        .where(*shown)
        .order_by(Rating.helpful_count.desc(), Rating.created_at.desc(), Rating.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return [(rating, name) for rating, name in rows], total
