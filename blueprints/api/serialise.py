"""Models as the API shows them; the shapes are the component schemas in schemas.py (tests check every one).

Texts come in both languages; times are ISO 8601 in UTC; counters are the ones the site shows.
"""

from __future__ import annotations

from datetime import datetime

from flask import url_for

from blueprints.templating import absolute
from models import Category, Collection, Rating, Tool
from models.catalog import PUBLIC_STATUSES
from services.catalog_queries import CategoryTree
from services.listing import FACT_FLAGS


def _both(zh: str | None, en: str | None) -> dict:
    return {"zh": zh or "", "en": en or ""}


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _number(value) -> float | None:
    return float(value) if value is not None else None


def category_ref(category: Category) -> dict:
    return {"slug": category.slug, "name": _both(category.name_zh, category.name_en)}


def _category_fields(category: Category, tool_count: int) -> dict:
    return {**category_ref(category), "description": _both(category.description_zh, category.description_en),
            "icon": category.icon or "", "tool_count": tool_count}


def category_list(tree: CategoryTree) -> dict:
    """The two-level tree with public tool counts (a top-level count includes its subcategories)."""
    items = [
        {**_category_fields(top, tree.total(top)),
         "children": [_category_fields(child, tree.counts.get(child.id, 0)) for child in tree.children.get(top.id, [])]}
        for top in tree.top
    ]
    return {"items": items, "tool_count": sum(tree.counts.values())}


def _logo_url(tool: Tool) -> str:
    if tool.logo_path:
        version = tool.logo_path.rsplit("/", 1)[-1].split(".")[0][:16]
        return absolute(url_for("catalog.logo", slug=tool.slug, v=version))
    return absolute(url_for("catalog.logo", slug=tool.slug))


def tool_ref(tool: Tool) -> dict:
    return {"slug": tool.slug, "name": tool.name}


def tool_summary(tool: Tool, category: Category) -> dict:
    """A tool as lists show it (``category`` is passed in: lists load the categories of a page at once)."""
    return {
        "slug": tool.slug,
        "name": tool.name,
        "name_en": tool.name_en or None,
        "tagline": _both(tool.tagline_zh, tool.tagline_en),
        "category": category_ref(category),
        "pricing": tool.pricing,
        "facts": {column: getattr(tool, column) for column in FACT_FLAGS.values()},
        "status": tool.status,
        "lifecycle": tool.lifecycle,
        "rating": {"count": tool.rating_count, "average": round(float(tool.rating_avg or 0), 2)},
        "favorites": tool.favorite_count,
        "clicks": tool.click_count,
        "website": tool.url,
        "page": {lang: absolute(url_for("catalog.tool", slug=tool.slug, lang=lang)) for lang in ("zh", "en")},
        "logo": _logo_url(tool),
        "created_at": _time(tool.created_at),
        "updated_at": _time(tool.updated_at),
    }


def tool_list(tools: list[Tool], categories: dict[int, Category]) -> list[dict]:
    return [tool_summary(tool, categories[tool.category_id]) for tool in tools]


def rating_summary(summary: dict) -> dict:
    """services.ratings.tool_rating_summary as the API shows it: histogram keys are star counts as text."""
    return {
        "count": summary["count"],
        "average": round(float(summary["average"]), 2),
        "histogram": {str(stars): summary["histogram"][stars] for stars in (5, 4, 3, 2, 1)},
    }


def tool_detail(tool: Tool, summary: dict) -> dict:
    """Everything the tool page shows (tool loaded by catalog_queries.tool_page)."""
    return {
        **tool_summary(tool, tool.category),
        "description": _both(tool.description_zh, tool.description_en),
        "tags": [{"slug": tag.slug, "name": _both(tag.name_zh, tag.name_en)} for tag in tool.tags],
        "platforms": [
            {
                "platform": {"slug": link.platform.slug, "name": _both(link.platform.name_zh, link.platform.name_en),
                             "mode": link.platform.mode or None},
                "market": {"slug": link.market.slug, "name": _both(link.market.name_zh, link.market.name_en)}
                if link.market is not None else None,
            }
            for link in tool.platform_links
        ],
        "price": {
            "model": tool.pricing,
            "note": {"zh": tool.price_note_zh or None, "en": tool.price_note_en or None},
            "from_cny": _number(tool.price_from_cny),
            "from_usd": _number(tool.price_from_usd),
            "trial_days": tool.trial_days,
            "verified_at": _time(tool.pricing_verified_at),
        },
        "successor": tool_ref(tool.successor)
        if tool.successor is not None and tool.successor.status in PUBLIC_STATUSES else None,
        "claimed_by_vendor": tool.vendor_id is not None,
        "rating": rating_summary(summary),
    }


def review(rating: Rating, author: str) -> dict:
    """A visible review: the author's display name only."""
    return {
        "id": rating.id,
        "author": author,
        "stars": rating.stars,
        "text": rating.review,
        "helpful": rating.helpful_count,
        "created_at": _time(rating.created_at),
        "updated_at": _time(rating.updated_at),
    }


def collection(row: Collection, owner: str, items: list[dict]) -> dict:
    return {
        "id": row.id,
        "name": row.name,
        "description": row.description or "",
        "owner": owner,
        "created_at": _time(row.created_at),
        "updated_at": _time(row.updated_at),
        "tools": items,
    }
