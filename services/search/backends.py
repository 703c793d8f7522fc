"""The two retrieval backends: SQLite (an FTS5 table of token documents) and PostgreSQL (GIN over their tsvector).

Both answer the same question the same way — which tools' token documents
satisfy the ``MatchQuery`` — and return them in the same order (``pool_key``:
most clicked when indexed, then id), so results and ranking are identical. Only
how the index is reached differs:

- SQLite: FTS5 MATCH in rowid (= pool_key) order, so matches stream out most
  popular first and the LIMIT ends the scan early however common the term;
- PostgreSQL: the GIN index yields a bitmap in no useful order, so for a common
  query the engine reads band by band of pool_key (``low``/``high``, see
  ``engine.plan_for``), which the planner intersects with the pool_key index.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from itertools import pairwise

from sqlalchemy import Select, bindparam, column, literal_column, select, table, text, true

from models import Tool
from models.search import ToolSearch
from services.search.matching import MatchQuery


@dataclass(frozen=True)
class Plan:
    """How to retrieve one query's pool; every plan for the same query finds the same rows."""

    match: MatchQuery
    cuts: list[int] = field(default_factory=list)  # PostgreSQL: pool_key band limits, ascending

    def bands(self) -> list[tuple[int | None, int | None]]:
        """[low, high) pool_key bands in pool order; one unbounded band without cuts."""
        edges = [None, *self.cuts, None]
        return list(pairwise(edges))


class SearchBackend(ABC):
    """Builds the pool statement: (tool_id, pool_key) of matching tools in pool order, at most ``limit``."""

    name = "generic"
    uses_bands = False  # retrieve band by band of pool_key (see engine.plan_for)

    @abstractmethod
    def pool_statement(self, match: MatchQuery, filters: list, limit: int,
                       low: int | None = None, high: int | None = None) -> Select:
        """Tools whose token document satisfies ``match`` and which pass ``filters`` (Tool columns)."""


class SqliteBackend(SearchBackend):
    name = "sqlite"

    def pool_statement(self, match, filters, limit, low=None, high=None) -> Select:
        fts = table("tool_token_fts", column("rowid"))
        statement = (
            select(ToolSearch.tool_id, ToolSearch.pool_key)
            .select_from(fts)
            .join(ToolSearch, ToolSearch.pool_key == fts.c.rowid)
            .join(Tool, Tool.id == ToolSearch.tool_id)
            .where(literal_column("tool_token_fts").op("MATCH")(bindparam(None, match.fts5())), *filters)
        )
        if low is not None:
            statement = statement.where(fts.c.rowid >= low)
        if high is not None:
            statement = statement.where(fts.c.rowid < high)
        return statement.order_by(fts.c.rowid).limit(limit)


class PostgresBackend(SearchBackend):
    name = "postgresql"
    uses_bands = True

    def pool_statement(self, match, filters, limit, low=None, high=None) -> Select:
        # The expression is the one migration 0010 indexes; a literal tsquery lets the planner weigh it per query.
        matches = text("array_to_tsvector(string_to_array(tool_search.tokens, ' ')) @@ CAST(:tsq AS tsquery)")
        matches = matches.bindparams(bindparam("tsq", match.tsquery(), literal_execute=True))
        # The per-candidate filter check as a LATERAL: always key lookups, never a hash join over every tool.
        candidate = select(literal_column("1").label("ok")).select_from(Tool).where(
            Tool.id == ToolSearch.tool_id, *filters).offset(0).lateral("candidate")
        statement = (
            select(ToolSearch.tool_id, ToolSearch.pool_key)
            .select_from(ToolSearch)
            .join(candidate, true())
            .where(matches)
        )
        if low is not None:
            statement = statement.where(ToolSearch.pool_key >= low)
        if high is not None:
            statement = statement.where(ToolSearch.pool_key < high)
        return statement.order_by(ToolSearch.pool_key).limit(limit)


def backend_for(dialect_name: str) -> SearchBackend:
    """The backend for a database, by SQLAlchemy dialect name (from the database URL)."""
    if dialect_name == "postgresql":
        return PostgresBackend()
    if dialect_name == "sqlite":
        return SqliteBackend()
    raise ValueError(f"search has no backend for {dialect_name!r}")
