"""Writing an import plan: every new row and every category it needs, in one transaction, or nothing.

Tools are built through the staff editor's own field mapping (``catalog_tools.ToolFields``), so an
imported tool holds exactly what the same values typed into the editor would. Each created tool and
category gets its own audit entry (``tool.import``, ``category.create``), as a hand-made one does;
that is also what tells ``flask seed`` to leave them as staff made them. One ``catalog.import``
entry sums the import up. Then the catalog version is bumped and the new tools' search rows
written, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from extensions import db
from models import Category, Tool
from services import audit
from services.catalog_io.plan import ImportPlan, NewCategory, PlannedRow
from services.catalog_version import bump_catalog_version
from services.moderation import catalog_tools
from services.moderation.catalog_tools import ToolFields
from services.moderation.categories import AUDITED as CATEGORY_AUDITED
from services.search import sync_tools

CHUNK = 500


class ImportRefused(ValueError):
    """Nothing was written: ``nothing`` (no new row) or ``taken`` (an address or slug was taken meanwhile)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class ImportResult:
    tool_ids: list[int]
    category_ids: list[int]


def _create_categories(plan: ImportPlan, actor_id: int | None) -> dict[int, Category]:
    """The plan's new categories, parents first, each last among its siblings; keyed by ``id()`` of the plan's."""
    made: dict[int, Category] = {}
    next_position: dict[int | None, int] = {}
    for new in plan.new_categories:
        parent = made[id(new.parent)] if isinstance(new.parent, NewCategory) else new.parent
        parent_id = parent.id if parent is not None else None
        if parent_id not in next_position:
            siblings = Category.parent_id.is_(None) if parent_id is None else Category.parent_id == parent_id
            last = db.session.scalar(select(func.max(Category.position)).where(siblings))
            next_position[parent_id] = 0 if last is None else last + 1
        category = Category(slug=new.slug, name_zh=new.name_zh, name_en=new.name_en, description_zh="",
                            description_en="", icon="", parent_id=parent_id, position=next_position[parent_id])
        next_position[parent_id] += 1
        db.session.add(category)
        db.session.flush()
        audit.record(actor_id=actor_id, action="category.create", target_type="category", target_id=category.id,
                     before={}, after={name: getattr(category, name) for name in CATEGORY_AUDITED},
                     reason="catalog import")
        made[id(new)] = category
    return made


def _tool(row: PlannedRow, categories: dict[int, Category]) -> Tool:
    draft = row.draft
    category = categories[id(draft.category)] if isinstance(draft.category, NewCategory) else draft.category
    fields = ToolFields(
        name=draft.name, name_en=draft.name_en, slug=draft.slug, url=draft.url,
        **draft.texts,
        category_id=category.id, tags=draft.tags, platforms=draft.platforms,
        pricing=draft.pricing, price_note_zh=draft.price_note_zh, price_note_en=draft.price_note_en,
        price_from_cny=draft.price_from_cny, price_from_usd=draft.price_from_usd, trial_days=draft.trial_days,
        **draft.facts, status=draft.status, lifecycle=draft.lifecycle,
    )
    tool = Tool(tags=[], platform_links=[])
    catalog_tools.apply_fields(tool, fields)  # the editor's mapping: sort keys, normalised URL, tags, platforms
    tool.pricing_verified_at = draft.pricing_verified_at
    return tool


def apply_plan(plan: ImportPlan, *, actor_id: int | None,
               progress: Callable[[int], None] | None = None) -> ImportResult:
    """Write the plan's new rows (committed), or raise ImportRefused with nothing written.

    ``progress`` is told how many tools each written chunk held (the command's progress bar).
    """
    rows = plan.new_rows
    if not rows:
        raise ImportRefused("nothing")
    try:
        categories = _create_categories(plan, actor_id)
        tools: list[tuple[PlannedRow, Tool]] = []
        for start in range(0, len(rows), CHUNK):
            chunk = [(row, _tool(row, categories)) for row in rows[start:start + CHUNK]]
            db.session.add_all(tool for _row, tool in chunk)
            db.session.flush()
            tools += chunk
            if progress:
                progress(len(chunk))
        _link_successors(tools)
        for _row, tool in tools:
            audit.record(actor_id=actor_id, action="tool.import", target_type="tool", target_id=tool.id,
                         before={}, after=catalog_tools.snapshot(tool), reason="catalog import")
        audit.record(actor_id=actor_id, action="catalog.import", target_type="catalog", target_id="import",
                     before={}, after={"format": plan.format, **plan.counts,
                                       "categories_created": len(categories)},
                     reason="catalog import")
        bump_catalog_version()
        db.session.flush()
        result = ImportResult([tool.id for _row, tool in tools], [category.id for category in categories.values()])
        sync_tools(result.tool_ids)
        db.session.commit()
    except IntegrityError as error:  # a colleague added the same address or slug since the plan was made
        db.session.rollback()
        raise ImportRefused("taken") from error
    return result  # ids taken before the commit, which expires every row (reading them again is a query each)


def _link_successors(tools: list[tuple[PlannedRow, Tool]]) -> None:
    wanted = {row.draft.successor for row, _tool in tools if row.draft.successor}
    if not wanted:
        return
    ids = {tool.slug: tool.id for _row, tool in tools}
    missing = wanted - ids.keys()
    if missing:
        ids.update(db.session.execute(select(Tool.slug, Tool.id).where(Tool.slug.in_(missing))).all())
    for row, tool in tools:
        if row.draft.successor:
            tool.successor_id = ids[row.draft.successor]
    db.session.flush()
