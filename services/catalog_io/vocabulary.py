"""The catalog an import is checked against, read once per plan in a fixed number of queries."""

from __future__ import annotations

from sqlalchemy import func, select

from extensions import db
from models import Category, Market, Platform, Tag, Tool, ToolSlugRedirect


def fold(text: str) -> str:
    """A name as compared: white space collapsed, case folded."""
    return " ".join(text.split()).casefold()


class Vocabulary:
    """The catalog as the checks need it, read once per plan in a fixed number of queries."""

    def __init__(self):
        self.categories = list(db.session.scalars(select(Category).order_by(Category.position, Category.id)))
        self.category_by_id = {category.id: category for category in self.categories}
        self.children: dict[int, int] = {}
        for category in self.categories:
            if category.parent_id is not None:
                self.children[category.parent_id] = self.children.get(category.parent_id, 0) + 1
        per_category = select(Tool.category_id, func.count()).group_by(Tool.category_id)
        self.tools_in = dict(db.session.execute(per_category).all())
        self.category_names: dict[str, Category] = {}
        for category in self.categories:
            for key in (category.slug, fold(category.name_zh), fold(category.name_en)):
                self.category_names.setdefault(key, category)
        self.category_slugs = {category.slug for category in self.categories}
        self.tags: dict[str, Tag] = {}
        tags = list(db.session.scalars(select(Tag).order_by(Tag.slug)))
        for tag in tags:
            self.tags[tag.slug] = tag
        for tag in tags:
            self.tags.setdefault(fold(tag.name_zh), tag)
            self.tags.setdefault(fold(tag.name_en), tag)
        self.platforms = {p.slug: p for p in db.session.scalars(select(Platform))}
        self.markets = {m.slug: m for m in db.session.scalars(select(Market))}
        self.tool_by_url: dict[str, str] = {}
        self.tool_slugs: dict[str, str] = {}
        for slug, name, url_normalized in db.session.execute(select(Tool.slug, Tool.name, Tool.url_normalized)):
            self.tool_by_url[url_normalized] = slug
            self.tool_slugs[slug] = name
        self.old_slugs = set(db.session.scalars(select(ToolSlugRedirect.old_slug)))

    def category_named(self, text: str) -> Category | None:
        return self.category_names.get(text.strip().lower()) or self.category_names.get(fold(text))

    def holds_tools(self, category: Category) -> bool:
        """A category a tool can go into: one without sub-categories."""
        return not self.children.get(category.id)
