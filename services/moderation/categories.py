"""Staff edits of the category tree: create, edit, move, reorder, delete; each on the record.

The site shows two levels (home page sections with sub-category chips; a top-level category page
lists its children's tools), so a category's parent must be a top-level category, and a category
with sub-categories stays at the top.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import case, delete, func, select
from sqlalchemy.exc import IntegrityError

from extensions import db
from models import Category, Tool
from models.catalog import PUBLIC_STATUSES
from services.moderation.taxonomy import (
    Problem,
    changed_fields,
    clean_block,
    clean_line,
    description_problems,
    fixed_slug_problems,
    name_problems,
    raise_if,
    record_change,
    refuse,
    slug_problems,
    snapshot,
)

SLUG_MAX = 80
ICON_MAX = 16
AUDITED = ("slug", "name_zh", "name_en", "description_zh", "description_en", "icon", "parent_id", "position")


@dataclass(frozen=True)
class CategoryFields:
    """What the category form edits (the parent is moved separately)."""

    slug: str
    name_zh: str
    name_en: str
    description_zh: str = ""
    description_en: str = ""
    icon: str = ""

    @classmethod
    def cleaned(cls, *, slug="", name_zh="", name_en="", description_zh="", description_en="",
                icon="") -> CategoryFields:
        return cls(slug=clean_line(slug).lower(), name_zh=clean_line(name_zh), name_en=clean_line(name_en),
                   description_zh=clean_block(description_zh), description_en=clean_block(description_en),
                   icon=clean_line(icon))


@dataclass
class StaffTree:
    """Every category, top level in order, each with its children, and tool counts (all and public)."""

    top: list[Category]
    children: dict[int, list[Category]]
    by_id: dict[int, Category]
    tools: dict[int, int]
    public_tools: dict[int, int]

    def total(self, category: Category) -> int:
        """Tools in a category and its sub-categories, whatever their status."""
        return self.tools.get(category.id, 0) + sum(self.tools.get(c.id, 0) for c in self.children.get(category.id, []))

    def slug_is_fixed(self, category: Category) -> bool:
        return bool(self.tools.get(category.id) or self.children.get(category.id))


def staff_tree() -> StaffTree:
    """Two queries whatever the catalog's size: the categories, and tools counted per category."""
    categories = db.session.scalars(select(Category).order_by(Category.position, Category.id)).all()
    children: dict[int, list[Category]] = defaultdict(list)
    top = []
    for category in categories:
        (children[category.parent_id] if category.parent_id else top).append(category)
    is_public = case((Tool.status.in_(PUBLIC_STATUSES), 1), else_=0)
    tools, public_tools = {}, {}
    for category_id, count, public in db.session.execute(
        select(Tool.category_id, func.count(), func.sum(is_public)).group_by(Tool.category_id)
    ):
        tools[category_id], public_tools[category_id] = count, int(public or 0)
    return StaffTree(top=top, children=dict(children), by_id={c.id: c for c in categories},
                     tools=tools, public_tools=public_tools)


def uses(category_id: int) -> tuple[int, int]:
    """How many tools and how many sub-categories point at this category."""
    tools = db.session.scalar(select(func.count()).where(Tool.category_id == category_id)) or 0
    children = db.session.scalar(select(func.count()).where(Category.parent_id == category_id)) or 0
    return tools, children


def possible_parents(category: Category | None = None) -> list[Category]:
    """Top-level categories a category may move under (never itself)."""
    statement = select(Category).where(Category.parent_id.is_(None)).order_by(Category.position, Category.id)
    return [c for c in db.session.scalars(statement) if category is None or c.id != category.id]


def _icon_problems(icon: str) -> list[Problem]:
    if len(icon) > ICON_MAX:
        return [Problem("icon", "too_long", {"max": ICON_MAX})]
    # Emoji need joiners and variation selectors (format characters); control characters never belong.
    if any(char.isspace() or ord(char) < 32 or 0x7F <= ord(char) < 0xA0 for char in icon):
        return [Problem("icon", "icon_format")]
    return []


def _field_problems(fields: CategoryFields, *, except_id: int | None = None) -> list[Problem]:
    return [
        *slug_problems(Category, fields.slug, max_length=SLUG_MAX, except_id=except_id),
        *name_problems(fields.name_zh, fields.name_en),
        *description_problems(fields.description_zh, fields.description_en),
        *_icon_problems(fields.icon),
    ]


def _parent_problems(category: Category | None, parent_id: int | None) -> list[Problem]:
    """Where a category may sit: under a top-level category, never under itself or below its own tree."""
    if parent_id is None:
        return []
    parent = db.session.get(Category, parent_id)
    if parent is None:
        return [Problem("parent_id", "parent_missing")]
    if category is not None:
        if parent.id == category.id:
            return [Problem("parent_id", "parent_itself")]
        ancestor, seen = parent, set()
        while ancestor is not None and ancestor.id not in seen:  # up from the new parent: meeting it is a cycle
            if ancestor.parent_id == category.id:
                return [Problem("parent_id", "parent_descendant")]
            seen.add(ancestor.id)
            ancestor = db.session.get(Category, ancestor.parent_id) if ancestor.parent_id else None
    if parent.parent_id is not None:
        return [Problem("parent_id", "parent_too_deep")]
    if category is not None:
        children = db.session.scalar(select(func.count()).where(Category.parent_id == category.id)) or 0
        if children:
            return [Problem("parent_id", "has_children", {"children": children})]
    return []


def _under(parent_id: int | None):
    """The condition "is a sibling of a category whose parent is ``parent_id``"."""
    return Category.parent_id.is_(None) if parent_id is None else Category.parent_id == parent_id


def _next_position(parent_id: int | None) -> int:
    """The end of the sibling list."""
    last = db.session.scalar(select(func.max(Category.position)).where(_under(parent_id)))
    return 0 if last is None else last + 1


def _commit_or_refuse() -> None:
    """Commit; a slug taken by a concurrent edit is a refusal, not an error page."""
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise refuse("slug_taken", "slug") from error


def create_category(fields: CategoryFields, parent_id: int | None, *, actor_id: int, reason: str = "") -> Category:
    """A new category at the end of its siblings; public at once (an empty category shows no tools)."""
    raise_if([*_field_problems(fields), *_parent_problems(None, parent_id)])
    category = Category(slug=fields.slug, name_zh=fields.name_zh, name_en=fields.name_en,
                        description_zh=fields.description_zh, description_en=fields.description_en,
                        icon=fields.icon, parent_id=parent_id, position=_next_position(parent_id))
    db.session.add(category)
    db.session.flush()
    record_change(actor_id=actor_id, action="category.create", target_type="category", target_id=category.id,
                  before=None, after=snapshot(category, AUDITED), reason=reason)
    _commit_or_refuse()
    return category


def edit_category(category_id: int, fields: CategoryFields, *, actor_id: int, reason: str = "") -> Category:
    """Names, descriptions and icon; the slug only while no tool or sub-category uses it."""
    category = db.session.get(Category, category_id)
    if category is None:
        raise refuse("missing")
    tools, children = uses(category.id)
    raise_if([*_field_problems(fields, except_id=category.id),
              *fixed_slug_problems(category.slug, fields.slug, tools + children)])
    before = snapshot(category, AUDITED)
    for name in ("slug", "name_zh", "name_en", "description_zh", "description_en", "icon"):
        setattr(category, name, getattr(fields, name))
    before, after = changed_fields(before, snapshot(category, AUDITED))
    if not after:
        return category
    renamed = bool({"name_zh", "name_en"} & after.keys())
    record_change(actor_id=actor_id, action="category.edit", target_type="category", target_id=category.id,
                  before=before, after=after, reason=reason,
                  tool_ids=_tool_ids_under(category.id) if renamed else ())
    _commit_or_refuse()
    return category


def _tool_ids_under(category_id: int) -> list[int]:
    """The tools of a category and of its children: their search rows hold its names."""
    children = select(Category.id).where(Category.parent_id == category_id)
    return list(db.session.scalars(select(Tool.id).where(
        (Tool.category_id == category_id) | Tool.category_id.in_(children))))


def move_category(category_id: int, parent_id: int | None, *, actor_id: int, reason: str = "") -> bool:
    """Put a category under another top-level one (or at the top), last among its new siblings.

    Returns False when it already sits there. Its tools go with it; the old parent's page stops listing them.
    """
    category = db.session.get(Category, category_id)
    if category is None:
        raise refuse("missing")
    if category.parent_id == parent_id:
        return False
    raise_if(_parent_problems(category, parent_id))
    before = snapshot(category, ("parent_id", "position"))
    category.parent_id = parent_id
    category.position = _next_position(parent_id)
    record_change(actor_id=actor_id, action="category.move", target_type="category", target_id=category.id,
                  before=before, after=snapshot(category, ("parent_id", "position")), reason=reason,
                  tool_ids=_tool_ids_under(category.id))  # their search rows name the parent
    db.session.commit()
    return True


def reorder_category(category_id: int, step: int, *, actor_id: int) -> bool:
    """Move a category one place up (-1) or down (+1) among its siblings; False at either end.

    Siblings are renumbered 0, 1, 2 … so equal or sparse positions (from seeding or old edits) never
    make a click do nothing.
    """
    category = db.session.get(Category, category_id)
    if category is None:
        raise refuse("missing")
    if step not in (-1, 1):
        return False
    siblings = list(db.session.scalars(
        select(Category).where(_under(category.parent_id)).order_by(Category.position, Category.id)
        .with_for_update()
    ))
    index = next(i for i, sibling in enumerate(siblings) if sibling.id == category.id)
    target = index + step
    if not 0 <= target < len(siblings):
        db.session.rollback()  # let go of the row locks
        return False
    siblings[index], siblings[target] = siblings[target], siblings[index]
    for position, sibling in enumerate(siblings):
        sibling.position = position
    record_change(actor_id=actor_id, action="category.reorder", target_type="category", target_id=category.id,
                  before={"place": index + 1, "parent_id": category.parent_id},
                  after={"place": target + 1, "parent_id": category.parent_id})
    db.session.commit()
    return True


def delete_category(category_id: int, *, actor_id: int, reason: str = "") -> None:
    """Delete an empty category; one with tools or sub-categories is refused with how many of each."""
    category = db.session.get(Category, category_id)
    if category is None:
        raise refuse("missing")
    tools, children = uses(category.id)
    if tools or children:
        raise refuse("not_empty", tools=tools, children=children)
    record_change(actor_id=actor_id, action="category.delete", target_type="category", target_id=category.id,
                  before=snapshot(category, AUDITED), after=None, reason=reason)
    # A plain DELETE: the foreign keys, not the ORM (which would orphan children), guard against a race.
    try:
        db.session.execute(delete(Category).where(Category.id == category.id))
        db.session.commit()
    except IntegrityError as error:  # a tool or sub-category arrived between the count and the delete
        db.session.rollback()
        tools, children = uses(category_id)
        raise refuse("not_empty", tools=tools, children=children) from error
