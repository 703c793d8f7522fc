"""Keeping the search rows in step with the catalog.

``sync_tools(ids)`` is the one write path: it rebuilds the rows of the given
tools (and removes the rows of tools that no longer exist), so create, update
and delete all call the same function. Seeding calls it after its writes;
``flask search reindex`` calls ``reindex`` for everything. A change to a
category, tag or platform re-syncs the tools that carry it (their documents
hold its names).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import delete, func, insert, select, text

from extensions import db
from models import Category, Platform, Tag, Tool, ToolPlatform, tool_tag
from models.search import ToolSearch, ToolSearchCategory, ToolSearchName
from services.search.tokens import ToolText, document, exact_names

BATCH = 1000
# pool_key = (POPULARITY_CEILING - clicks) << TOOL_ID_BITS | tool_id: ascending = most clicked first, then id.
TOOL_ID_BITS = 24
POPULARITY_CEILING = (1 << 38) - 1


def pool_key(clicks: int, tool_id: int) -> int:
    """The integer that sorts tools most popular first, ties by id (also the FTS5 rowid)."""
    return (POPULARITY_CEILING - max(0, min(clicks, POPULARITY_CEILING))) << TOOL_ID_BITS | tool_id


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _is_sqlite() -> bool:
    return _dialect() == "sqlite"


# PostgreSQL's stored vectors (migration 0013), built from the rows just written; deleting a
# tool_search row deletes its vector (ON DELETE CASCADE).
_INSERT_VECTORS = text(
    "INSERT INTO tool_token_vector (tool_id, pool_key, vector) "
    "SELECT tool_id, pool_key, array_to_tsvector(string_to_array(tokens, ' ')) FROM tool_search "
    "WHERE tool_id = ANY(CAST(:ids AS integer[]))"
)


def alias_names(aliases) -> list[str]:
    """The names of a tool's aliases column (a list of {"name", "source"})."""
    return [str(a.get("name", "")).strip() for a in (aliases or []) if isinstance(a, dict) and a.get("name")]


def _tool_texts(tool_ids: list[int]) -> dict[int, tuple[ToolText, int]]:
    """Each tool's text and click count, from four queries."""
    categories = {c.id: c for c in db.session.execute(
        select(Category.id, Category.parent_id, Category.name_zh, Category.name_en)).all()}
    texts: dict[int, tuple[ToolText, int]] = {}
    for row in db.session.execute(
        select(Tool.id, Tool.name, Tool.name_en, Tool.aliases, Tool.tagline_zh, Tool.tagline_en,
               Tool.description_zh, Tool.description_en, Tool.category_id, Tool.click_count)
        .where(Tool.id.in_(tool_ids))
    ):
        chain, category_id = [], row.category_id
        while category_id is not None and category_id in categories and category_id not in chain:
            chain.append(category_id)
            category_id = categories[category_id].parent_id
        texts[row.id] = (ToolText(
            name=row.name, name_en=row.name_en, aliases=alias_names(row.aliases),
            categories=[n for c in chain for n in (categories[c].name_zh, categories[c].name_en)],
            category_ids=chain,
            taglines=[row.tagline_zh, row.tagline_en], descriptions=[row.description_zh, row.description_en],
        ), row.click_count)
    for tool_id, name_zh, name_en in db.session.execute(
        select(tool_tag.c.tool_id, Tag.name_zh, Tag.name_en).join(Tag, Tag.id == tool_tag.c.tag_id)
        .where(tool_tag.c.tool_id.in_(tool_ids)).order_by(tool_tag.c.tool_id, Tag.slug)
    ):
        texts[tool_id][0].tags += [name_zh, name_en]
    for tool_id, name_zh, name_en in db.session.execute(
        select(ToolPlatform.tool_id, Platform.name_zh, Platform.name_en).distinct()
        .join(Platform, Platform.id == ToolPlatform.platform_id)
        .where(ToolPlatform.tool_id.in_(tool_ids)).order_by(ToolPlatform.tool_id, Platform.name_en)
    ):
        texts[tool_id][0].platforms += [name_zh, name_en]
    return texts


def _search_rows(tool_ids: list[int]) -> tuple[list[dict], list[dict], list[dict]]:
    """The ToolSearch, ToolSearchName and ToolSearchCategory rows for these tools."""
    rows, names, categories = [], [], []
    for tool_id, (tool_text, clicks) in _tool_texts(tool_ids).items():
        key = pool_key(clicks, tool_id)
        rows.append({"tool_id": tool_id, "popularity": clicks, "pool_key": key, **document(tool_text)})
        names += [{"key": name, "tool_id": tool_id, "kind": kind} for name, kind in exact_names(tool_text).items()]
        categories += [{"category_id": category_id, "pool_key": key, "tool_id": tool_id}
                       for category_id in tool_text.category_ids]
    return rows, names, categories


def forget_tools(tool_ids: Iterable[int]) -> None:
    """Remove the search rows of these tools (call before deleting the tools themselves)."""
    ids = sorted(set(tool_ids))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        if _is_sqlite():
            # The FTS5 table has no foreign key: its rows go by hand, found through pool_key.
            db.session.execute(
                text("DELETE FROM tool_token_fts WHERE rowid IN "
                     "(SELECT pool_key FROM tool_search WHERE tool_id IN (SELECT value FROM json_each(:ids)))"),
                {"ids": "[" + ",".join(map(str, chunk)) + "]"},
            )
        db.session.execute(delete(ToolSearchName).where(ToolSearchName.tool_id.in_(chunk)))
        db.session.execute(delete(ToolSearchCategory).where(ToolSearchCategory.tool_id.in_(chunk)))
        db.session.execute(delete(ToolSearch).where(ToolSearch.tool_id.in_(chunk)))


def sync_tools(tool_ids: Iterable[int]) -> None:
    """Rebuild the search rows of these tools in the caller's transaction; gone tools lose theirs.

    The one write path for create, update and delete: seeding calls it after its writes.
    """
    ids = sorted(set(tool_ids))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        forget_tools(chunk)
        rows, names, categories = _search_rows(chunk)
        if rows:
            db.session.execute(insert(ToolSearch), rows)
            if _is_sqlite():
                # An FTS row left behind by a tool deleted without forget_tools() would
                # collide with a reused id; it never joins a search row, but is cleared here.
                db.session.execute(
                    text("DELETE FROM tool_token_fts WHERE rowid IN (SELECT value FROM json_each(:keys))"),
                    {"keys": "[" + ",".join(str(r["pool_key"]) for r in rows) + "]"},
                )
                db.session.execute(
                    text("INSERT INTO tool_token_fts (rowid, tokens) VALUES (:pool_key, :tokens)"),
                    [{"pool_key": r["pool_key"], "tokens": r["tokens"]} for r in rows],
                )
            elif _dialect() == "postgresql":
                db.session.execute(_INSERT_VECTORS, {"ids": [r["tool_id"] for r in rows]})
        if names:
            db.session.execute(insert(ToolSearchName), names)
        if categories:
            db.session.execute(insert(ToolSearchCategory), categories)


def sync_category_tools(category_ids: Iterable[int]) -> None:
    """Re-sync the tools of these categories and of their children (their documents hold the names)."""
    ids = set(category_ids)
    ids |= set(db.session.scalars(select(Category.id).where(Category.parent_id.in_(ids))))
    sync_tools(db.session.scalars(select(Tool.id).where(Tool.category_id.in_(ids))))


def reindex(progress: Callable[[int], None] | None = None) -> int:
    """Rebuild every tool's search rows (and drop orphans), in batches; returns the tool count."""
    db.session.execute(delete(ToolSearchName))
    db.session.execute(delete(ToolSearchCategory))
    db.session.execute(delete(ToolSearch))
    if _is_sqlite():
        db.session.execute(text("DELETE FROM tool_token_fts"))
    ids = list(db.session.scalars(select(Tool.id).order_by(Tool.id)))
    for start in range(0, len(ids), BATCH):
        sync_tools(ids[start:start + BATCH])
        if progress:
            progress(len(ids[start:start + BATCH]))
    db.session.commit()
    return len(ids)


def indexed_count() -> int:
    """How many tools have search rows (for the reindex command's report)."""
    return db.session.scalar(select(func.count()).select_from(ToolSearch)) or 0


def is_incomplete() -> bool:
    """Whether some tool has no search rows (after the migration that rebuilt them, say)."""
    tools = db.session.scalar(select(func.count()).select_from(Tool)) or 0
    return indexed_count() < tools


def ensure_complete() -> None:
    """Rebuild the index when a tool lacks search rows; nothing when it is whole (seeding calls it)."""
    if is_incomplete():
        missing = select(Tool.id).where(~Tool.id.in_(select(ToolSearch.tool_id)))
        sync_tools(db.session.scalars(missing))
