"""The two retrieval backends: SQLite (an FTS5 table of token documents) and PostgreSQL (GIN over their tsvector).

Both answer the same question the same way — which tools' token documents
satisfy the ``MatchQuery`` — and return them in the same order (``pool_key``:
most clicked when indexed, then id), so results and ranking are identical. Only
how the index is reached differs:

- SQLite: FTS5 MATCH in rowid (= pool_key) order, so matches stream out most
  popular first and the LIMIT ends the scan early however common the term;
- PostgreSQL: the GIN index over the stored vectors yields its matches in no useful
  order, and the planner cannot know that checking a row costs far more than its
  estimate. So the engine chooses (``engine.plan_for``): a common query walks pool
  order checking each row and stops at the limit; any other collects its matches
  through GIN, one index scan per alternative (an OR of many alternatives in one
  tsquery makes GIN test every row holding any of their words), then sorts them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from sqlalchemy import Select, and_, bindparam, column, literal_column, or_, select, table, text, true

from models import Tool
from models.search import ToolSearch, ToolSearchCategory
from services.search.matching import MatchQuery


@dataclass(frozen=True)
class Plan:
    """How to retrieve one query's pool; every plan for the same query finds the same rows."""

    match: MatchQuery
    walk: bool = False  # PostgreSQL: check rows in pool order rather than collect every match through GIN


class SearchBackend(ABC):
    """Builds the pool statement: (tool_id, pool_key) of matching tools in pool order, at most ``limit``."""

    name = "generic"
    chooses_plan = False  # whether Plan.walk changes how it retrieves (see engine.plan_for)

    @abstractmethod
    def pool_statement(self, match: MatchQuery, filters: list, limit: int, walk: bool = False) -> Select:
        """Tools whose token document satisfies ``match`` and which pass ``filters`` (Tool columns)."""

    def category_statement(self, category_ids: list[int], filters: list, limit: int) -> Select:
        """The tools of these categories (or of their children) which pass ``filters``, in pool order.

        For one category the primary key (category_id, pool_key) yields them in order, so
        the limit ends the read; the same statement serves both databases.
        """
        return (
            select(ToolSearchCategory.tool_id, ToolSearchCategory.pool_key)
            .join(Tool, Tool.id == ToolSearchCategory.tool_id)
            .where(ToolSearchCategory.category_id.in_(category_ids), *filters)
            .order_by(ToolSearchCategory.pool_key)
            .limit(limit)
        )


class SqliteBackend(SearchBackend):
    name = "sqlite"

    def pool_statement(self, match, filters, limit, walk=False) -> Select:
        # FTS5 yields matches in rowid (= pool_key) order however common: one plan serves every query.
        fts = table("tool_token_fts", column("rowid"))
        statement = (
            select(ToolSearch.tool_id, ToolSearch.pool_key)
            .select_from(fts)
            .join(ToolSearch, ToolSearch.pool_key == fts.c.rowid)
            .join(Tool, Tool.id == ToolSearch.tool_id)
            .where(literal_column("tool_token_fts").op("MATCH")(bindparam(None, match.fts5())), *filters)
        )
        return statement.order_by(fts.c.rowid).limit(limit)


class PostgresBackend(SearchBackend):
    name = "postgresql"
    chooses_plan = True

    def pool_statement(self, match, filters, limit, walk=False) -> Select:
        # The narrow table of stored vectors (migration 0013). Literal tsqueries let the planner weigh each one.
        vectors = table("tool_token_vector", column("tool_id"), column("pool_key"))
        if walk:
            # The function behind @@, which no index serves: the planner can only walk pool order.
            matches = _vector_test("ts_match_vq(tool_token_vector.vector, CAST(:{} AS tsquery))", "tsq",
                                   match.tsquery())
            found = select(vectors.c.tool_id, vectors.c.pool_key).where(matches)
        else:
            matches = and_(*(or_(*(_vector_test("tool_token_vector.vector @@ CAST(:{} AS tsquery)",
                                                 f"tsq_{t}_{a}", alternative)
                                    for a, alternative in enumerate(term)))
                             for t, term in enumerate(match.tsquery_terms())))
            # Not the index order (pool_key + 0): collect through GIN, then sort every match; OFFSET 0 keeps
            # the sort inside, so the filter below runs on sorted rows and stops at the limit.
            sort_key = (vectors.c.pool_key + 0).label("pool_key")
            found = select(vectors.c.tool_id, sort_key).where(matches).order_by(sort_key).offset(0)
        found = found.subquery("found")
        # The filter check as a LATERAL over the matches in pool order: key lookups that stop at the limit.
        candidate = select(literal_column("1").label("ok")).select_from(Tool).where(
            Tool.id == found.c.tool_id, *filters).offset(0).lateral("candidate")
        return (
            select(found.c.tool_id, found.c.pool_key)
            .select_from(found)
            .join(candidate, true())
            .order_by(found.c.pool_key)
            .limit(limit)
        )


def _vector_test(template: str, name: str, tsquery: str):
    """A clause testing the stored vector against one tsquery, rendered as a literal at execution
    (so the planner sees it, and statements of the same shape share one compiled form)."""
    return text(template.format(name)).bindparams(bindparam(name, tsquery, literal_execute=True))


def backend_for(dialect_name: str) -> SearchBackend:
    """The backend for a database, by SQLAlchemy dialect name (from the database URL)."""
    if dialect_name == "postgresql":
        return PostgresBackend()
    if dialect_name == "sqlite":
        return SqliteBackend()
    raise ValueError(f"search has no backend for {dialect_name!r}")
