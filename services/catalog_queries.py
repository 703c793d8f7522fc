"""Read queries for catalog pages, each a fixed number of SQL statements.

Every list loads exactly the columns its cards use and nothing lazily, so a
page costs the same number of queries at 300 tools or 100,000.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from extensions import db
from models import Category, Market, Platform, Tool, ToolClickDay, ToolPlatform, tool_tag
from models.catalog import PUBLIC_STATUSES
from services import clock
from services.listing import ListingQuery

public_tool = Tool.status.in_(PUBLIC_STATUSES)


@dataclass
class CategoryTree:
    """All categories, top level in order, each with its children and tool counts."""

    top: list[Category]
    children: dict[int, list[Category]]
    by_slug: dict[str, Category]
    by_id: dict[int, Category]
    counts: dict[int, int] = field(default_factory=dict)

    def total(self, category: Category) -> int:
        """Tools in a category and its children."""
        return self.counts.get(category.id, 0) + sum(
            self.counts.get(child.id, 0) for child in self.children.get(category.id, [])
        )

    def ids_within(self, category: Category) -> list[int]:
        return [category.id] + [child.id for child in self.children.get(category.id, [])]


def category_tree() -> CategoryTree:
    """Two queries: the categories and the public tool count of each."""
    categories = db.session.scalars(select(Category).order_by(Category.position, Category.id)).all()
    children: dict[int, list[Category]] = defaultdict(list)
    top = []
    for category in categories:
        (children[category.parent_id] if category.parent_id else top).append(category)
    counts = dict(
        db.session.execute(
            select(Tool.category_id, func.count()).where(public_tool).group_by(Tool.category_id)
        ).all()
    )
    return CategoryTree(
        top=top,
        children=dict(children),
        by_slug={c.slug: c for c in categories},
        by_id={c.id: c for c in categories},
        counts=counts,
    )


def top_tools_by_category(tree: CategoryTree, per_category: int) -> dict[int, list[Tool]]:
    """The most popular tools of every top-level category, in one windowed query."""
    top_of = {c.id: (c.parent_id or c.id) for c in tree.by_id.values()}
    if not top_of:
        return {}
    top_expr = func.coalesce(Category.parent_id, Category.id)
    ranked = (
        select(
            Tool.id,
            top_expr.label("top_id"),
            func.row_number()
            .over(partition_by=top_expr, order_by=(Tool.click_count.desc(), Tool.id))
            .label("rank"),
        )
        .join(Category, Tool.category_id == Category.id)
        .where(public_tool)
        .subquery()
    )
    rows = db.session.execute(
        select(Tool, ranked.c.top_id)
        .join(ranked, ranked.c.id == Tool.id)
        .where(ranked.c.rank <= per_category)
        .order_by(ranked.c.top_id, ranked.c.rank)
    ).all()
    grouped: dict[int, list[Tool]] = defaultdict(list)
    for tool, top_id in rows:
        grouped[top_id].append(tool)
    return dict(grouped)


def hot_tools(limit: int = 10, days: int = 7) -> list[Tool]:
    """Most outbound clicks over the last ``days`` days."""
    since = clock.china_day() - timedelta(days=days)
    clicks = func.sum(ToolClickDay.clicks)
    recent = (
        select(ToolClickDay.tool_id, clicks.label("clicks"))
        .where(ToolClickDay.day > since)
        .group_by(ToolClickDay.tool_id)
        .subquery()
    )
    return list(
        db.session.scalars(
            select(Tool)
            .join(recent, recent.c.tool_id == Tool.id)
            .where(public_tool)
            .order_by(recent.c.clicks.desc(), Tool.id)
            .limit(limit)
        )
    )


def newest_tools(limit: int = 10) -> list[Tool]:
    return list(
        db.session.scalars(
            select(Tool).where(public_tool).order_by(Tool.created_at.desc(), Tool.id.desc()).limit(limit)
        )
    )


def top_rated_tools(limit: int = 10, min_ratings: int = 3) -> list[Tool]:
    """Best average among tools with enough ratings to mean something."""
    return list(
        db.session.scalars(
            select(Tool)
            .where(public_tool, Tool.rating_count >= min_ratings)
            .order_by(Tool.rating_avg.desc(), Tool.rating_count.desc(), Tool.id)
            .limit(limit)
        )
    )


def platform_ids(slug: str) -> Select:
    """The platform and its modes: filtering by Temu includes Temu fully- and semi-managed."""
    family = select(Platform.id).where(Platform.slug == slug).scalar_subquery()
    return select(Platform.id).where(or_(Platform.id == family, Platform.family_id == family))


def serves(platform_slug: str | None, market_slug: str | None):
    """A condition on Tool: it serves the platform (any mode) in the market (or in all markets)."""
    conditions = []
    if platform_slug:
        conditions.append(ToolPlatform.platform_id.in_(platform_ids(platform_slug)))
    if market_slug:
        market_id = select(Market.id).where(Market.slug == market_slug).scalar_subquery()
        conditions.append(or_(ToolPlatform.market_id == market_id, ToolPlatform.market_id.is_(None)))
    return Tool.id.in_(select(ToolPlatform.tool_id).where(and_(*conditions)))


def listing_statement(query: ListingQuery, lang: str, *conditions) -> Select:
    """Public tools matching the page's own condition and the visitor's filters, sorted.

    Sorting by name follows the name shown in ``lang``; ties break on id, so pages never overlap.
    """
    statement = select(Tool).where(public_tool, *conditions)
    if query.platform or query.market:
        statement = statement.where(serves(query.platform, query.market))
    if query.pricing:
        statement = statement.where(Tool.pricing == query.pricing)
    for fact in query.facts:
        statement = statement.where(getattr(Tool, fact).is_(True))
    if query.sort == "name":
        return statement.order_by(Tool.name_sort_en if lang == "en" else Tool.name_sort, Tool.id)
    return statement.order_by(*SORTS[query.sort])


SORTS = {
    "popular": (Tool.click_count.desc(), Tool.id),
    "newest": (Tool.created_at.desc(), Tool.id.desc()),
    "rating": (Tool.rating_avg.desc(), Tool.rating_count.desc(), Tool.id),
}


def paginate_listing(statement: Select, page: int, per_page: int):
    """A page of tools with the total; ``None`` when the page is past the end."""
    pagination = db.paginate(statement, page=page, per_page=per_page, error_out=False, count=True)
    if page > 1 and not pagination.items:
        return None
    return pagination


def tool_page(slug: str) -> Tool | None:
    """One public tool with everything its page shows, in a fixed number of queries."""
    return db.session.scalars(
        select(Tool)
        .where(Tool.slug == slug, public_tool)
        .options(
            joinedload(Tool.category).joinedload(Category.parent),
            joinedload(Tool.successor),
            selectinload(Tool.tags),
            selectinload(Tool.platform_links).options(
                joinedload(ToolPlatform.platform), joinedload(ToolPlatform.market)
            ),
        )
    ).first()


def similar_tools(tool: Tool, limit: int = 6) -> list[Tool]:
    """Popular tools of the same category, then of the same tags."""
    tagged = select(tool_tag.c.tool_id).where(tool_tag.c.tag_id.in_([t.id for t in tool.tags]))
    same_category = Tool.category_id == tool.category_id
    return list(
        db.session.scalars(
            select(Tool)
            .where(public_tool, Tool.id != tool.id, or_(same_category, Tool.id.in_(tagged)))
            .order_by(same_category.desc(), Tool.click_count.desc(), Tool.id)
            .limit(limit)
        )
    )


def lookup(model, slug: str):
    return db.session.scalars(select(model).where(model.slug == slug)).first()


def all_platforms() -> list[Platform]:
    return list(db.session.scalars(select(Platform).order_by(Platform.position, Platform.id)))


def all_markets() -> list[Market]:
    return list(db.session.scalars(select(Market).order_by(Market.position, Market.id)))
