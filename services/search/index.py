"""Keeping the search rows in step with the catalog.

``sync_tools(ids)`` is the one write path: it rebuilds the rows of the given
tools (and removes the rows of tools that no longer exist), so create, update
and delete all call the same function. Seeding calls it after its writes;
``flask search reindex`` calls ``reindex`` for everything.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from sqlalchemy import delete, func, insert, select, text

from extensions import db
from models import Tag, Tool, tool_tag
from models.search import ToolSearch, ToolSearchGram
from services.search.text import normalise, short_grams

BATCH = 1000
# pool_key = (POPULARITY_CEILING - clicks) << TOOL_ID_BITS | tool_id: ascending = most clicked first, then id.
TOOL_ID_BITS = 24
POPULARITY_CEILING = (1 << 38) - 1


def pool_key(clicks: int, tool_id: int) -> int:
    """The integer that sorts tools most popular first, ties by id (also the FTS5 rowid)."""
    return (POPULARITY_CEILING - max(0, min(clicks, POPULARITY_CEILING))) << TOOL_ID_BITS | tool_id


def tag_gram(tag_id: int) -> str:
    """The gram row that says "this tool carries tag ``tag_id``"."""
    return f"#{tag_id}"


def _is_sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


def _search_rows(tool_ids: list[int]) -> tuple[list[dict], list[dict]]:
    """The ToolSearch and ToolSearchGram rows for these tools, from three queries."""
    columns = (Tool.id, Tool.name, Tool.name_en, Tool.tagline_zh, Tool.tagline_en,
               Tool.description_zh, Tool.description_en, Tool.click_count)
    tools = db.session.execute(select(*columns).where(Tool.id.in_(tool_ids))).all()
    tag_names: dict[int, list[str]] = defaultdict(list)
    tag_ids: dict[int, list[int]] = defaultdict(list)
    for tool_id, tag_id, name_zh, name_en in db.session.execute(
        select(tool_tag.c.tool_id, Tag.id, Tag.name_zh, Tag.name_en)
        .join(Tag, Tag.id == tool_tag.c.tag_id)
        .where(tool_tag.c.tool_id.in_(tool_ids))
        .order_by(tool_tag.c.tool_id, Tag.slug)
    ):
        tag_names[tool_id] += [name_zh, name_en]
        tag_ids[tool_id].append(tag_id)
    rows, grams = [], []
    for tool_id, name, name_en, tagline_zh, tagline_en, description_zh, description_en, clicks in tools:
        row = {
            "tool_id": tool_id,
            "popularity": clicks,
            "pool_key": pool_key(clicks, tool_id),
            "name_key": normalise(name),
            "name_en_key": normalise(name_en),
            "tagline_key": normalise(f"{tagline_zh}\n{tagline_en}"),
            "tags_key": normalise("\n".join(tag_names[tool_id])),
            "description_key": normalise(f"{description_zh}\n{description_en}"),
        }
        fields = ("name_key", "name_en_key", "tagline_key", "tags_key", "description_key")
        row["all_key"] = "\n".join(row[f] for f in fields)
        rows.append(row)
        names = short_grams(row["name_key"]) | short_grams(row["name_en_key"])
        for gram in names | {tag_gram(tag_id) for tag_id in tag_ids[tool_id]}:
            grams.append({"gram": gram, "neg_popularity": -clicks, "tool_id": tool_id})
    return rows, grams


def forget_tools(tool_ids: Iterable[int]) -> None:
    """Remove the search rows of these tools (call before deleting the tools themselves)."""
    ids = sorted(set(tool_ids))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        if _is_sqlite():
            # The FTS5 table has no foreign key: its rows go by hand, found through pool_key.
            db.session.execute(
                text("DELETE FROM tool_search_fts WHERE rowid IN "
                     "(SELECT pool_key FROM tool_search WHERE tool_id IN (SELECT value FROM json_each(:ids)))"),
                {"ids": "[" + ",".join(map(str, chunk)) + "]"},
            )
        db.session.execute(delete(ToolSearchGram).where(ToolSearchGram.tool_id.in_(chunk)))
        db.session.execute(delete(ToolSearch).where(ToolSearch.tool_id.in_(chunk)))


def sync_tools(tool_ids: Iterable[int]) -> None:
    """Rebuild the search rows of these tools in the caller's transaction; gone tools lose theirs.

    The one write path for create, update and delete: seeding calls it after its writes.
    """
    ids = sorted(set(tool_ids))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        forget_tools(chunk)
        rows, grams = _search_rows(chunk)
        if rows:
            db.session.execute(insert(ToolSearch), rows)
            if _is_sqlite():
                # An FTS row left behind by a tool deleted without forget_tools() would
                # collide with a reused id; it never joins a search row, but is cleared here.
                db.session.execute(
                    text("DELETE FROM tool_search_fts WHERE rowid IN (SELECT value FROM json_each(:keys))"),
                    {"keys": "[" + ",".join(str(r["pool_key"]) for r in rows) + "]"},
                )
                db.session.execute(
                    text("INSERT INTO tool_search_fts (rowid, all_key) VALUES (:pool_key, :all_key)"),
                    [{"pool_key": r["pool_key"], "all_key": r["all_key"]} for r in rows],
                )
        if grams:
            db.session.execute(insert(ToolSearchGram), grams)


def reindex(progress: Callable[[int], None] | None = None) -> int:
    """Rebuild every tool's search rows (and drop orphans), in batches; returns the tool count."""
    db.session.execute(delete(ToolSearchGram))
    db.session.execute(delete(ToolSearch))
    if _is_sqlite():
        db.session.execute(text("DELETE FROM tool_search_fts"))
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
