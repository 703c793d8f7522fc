"""The two retrieval backends: SQLite (FTS5 trigram) and PostgreSQL (pg_trgm GIN).

Both answer the same question the same way: "does the normalised search text
contain this term as a substring?" and both return the candidate pool in the
same order (``pool_key``: most clicked when indexed, then id). Only how an index
is reached differs, so results and ranking are identical.

One term drives retrieval, chosen by the engine as the rarest (see ``Plan``); the
other terms are checked on each candidate it yields, so the work is about the
number of candidates the driver yields before the pool is full:

- the long (3+ character) terms together: FTS5 MATCH in rowid (= pool_key) order
  on SQLite; on PostgreSQL a pool_key walk or the trigram index, as the planner
  finds cheaper, optionally within a band of pool_key (``low``/``high``);
- or one short term: its gram rows (its name gram and the ``#<tag id>`` grams of
  tags whose name contains it), each already in pool order, merged lazily.

Short terms that do not drive are checked with primary-key probes of the gram
table, never by scanning a tool's gram rows.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from itertools import pairwise

from sqlalchemy import Select, bindparam, column, exists, func, literal_column, or_, select, table, true, union_all
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement

from models import Tool
from models.search import ToolSearch, ToolSearchGram
from services.search.text import TRIGRAM_MIN

# pool_key's low bits are the tool id (see services.search.index.pool_key).
TOOL_ID_MASK = (1 << 24) - 1


def is_long(term: str) -> bool:
    return len(term) >= TRIGRAM_MIN


@dataclass(frozen=True)
class Plan:
    """How to retrieve one query's pool; every plan for the same terms finds the same rows."""

    long_terms: list[str]
    short_grams: dict[str, list[str]]  # each short term → its grams (itself, and ``#<tag id>``)
    driver: str | None = None  # a short term whose gram rows drive; None: the long terms drive
    cuts: list[int] = field(default_factory=list)  # PostgreSQL: pool_key band limits, ascending

    def bands(self) -> list[tuple[int | None, int | None]]:
        """[low, high) pool_key bands in pool order; one unbounded band without cuts."""
        edges = [None, *self.cuts, None]
        return list(pairwise(edges))


class SearchBackend(ABC):
    """Builds the pool statement: (tool_id, *columns, …) of matching tools in pool order, at most ``limit``."""

    name = "generic"
    uses_bands = False  # retrieve band by band of pool_key (see engine.plan_for)
    orders_arms = False  # give each merged arm its own ORDER BY (PostgreSQL then plans a Merge Append)

    @abstractmethod
    def contains(self, column, term: str) -> ColumnElement[bool]:
        """``term`` occurs in ``column`` (both already normalised)."""

    @abstractmethod
    def _long_pool(self, plan: Plan, conditions: list, limit: int, columns: list,
                   low: int | None, high: int | None) -> Select:
        """Candidates of the long terms through the database's trigram index."""

    @abstractmethod
    def _gram_arm(self, gram: str, earlier: list[str], conditions: list, columns: list) -> Select:
        """One gram's candidates in pool order, skipping tools an earlier gram already yields."""

    def pool_statement(self, plan: Plan, filters: list, limit: int, columns: list,
                       low: int | None = None, high: int | None = None) -> Select:
        """Every term must match (AND, any order); ``filters`` are the list filters (Tool columns)."""
        probes = [self.has_gram(plan.short_grams[t]) for t in plan.short_grams if t != plan.driver]
        if plan.driver is None:
            return self._long_pool(plan, probes + filters, limit, columns, low, high)
        conditions = [self.contains(ToolSearch.all_key, t) for t in plan.long_terms] + probes + filters
        grams = plan.short_grams[plan.driver]
        arms = [self._gram_arm(gram, grams[:i], conditions, columns) for i, gram in enumerate(grams)]
        order = (literal_column("neg_popularity"), literal_column("tool_id"))
        if len(arms) == 1:
            return arms[0].order_by(*order).limit(limit)
        # Each arm comes out in (neg_popularity, tool_id) order, so both databases merge
        # them lazily (SQLite: MERGE (UNION ALL); PostgreSQL: Merge Append) and stop at the limit.
        if self.orders_arms:
            arms = [arm.order_by(*order) for arm in arms]
        return union_all(*arms).order_by(*order).limit(limit)

    @staticmethod
    def has_gram(grams: list[str]) -> ColumnElement[bool]:
        """The tool (ToolSearch's row) has one of ``grams``: one primary-key probe per gram.

        A tool's gram rows carry its popularity as indexed, which its ToolSearch row
        holds too (both are written together), so the whole key is known. One EXISTS
        per gram, not ``gram IN (…)``: PostgreSQL would read the tool's gram rows instead.
        """
        probes = []
        for gram in grams:
            g = aliased(ToolSearchGram)
            # Correlated explicitly: on PostgreSQL the probe sits in a LATERAL below the row it reads.
            probes.append(exists().where(g.gram == gram, g.neg_popularity == -ToolSearch.popularity,
                                         g.tool_id == ToolSearch.tool_id).correlate(ToolSearch))
        return or_(*probes)

    @staticmethod
    def _not_earlier(arm, earlier: list[str]) -> list[ColumnElement[bool]]:
        """The arm's tool has none of the earlier grams (so the merged arms never repeat a tool)."""
        conditions = []
        for gram in earlier:
            other = aliased(ToolSearchGram)
            conditions.append(~exists().where(other.gram == gram, other.neg_popularity == arm.neg_popularity,
                                              other.tool_id == arm.tool_id).correlate(arm))
        return conditions


class SqliteBackend(SearchBackend):
    name = "sqlite"

    def contains(self, column, term: str) -> ColumnElement[bool]:
        return func.instr(column, term) > 0

    def _long_pool(self, plan, conditions, limit, columns, low, high) -> Select:
        # The FTS5 rowid is pool_key, so ORDER BY rowid streams matches most popular
        # first and the LIMIT ends the scan early. MATCH finds candidates; instr() on
        # the base table then gives exactly PostgreSQL's substring semantics. Never
        # LIKE on the FTS table: SQLite 3.40.1 returns no rows for it (see FACTS).
        expression = " AND ".join('"' + t.replace('"', '""') + '"' for t in plan.long_terms)
        fts = table("tool_search_fts", column("rowid"))
        statement = (
            select(ToolSearch.tool_id, *columns)
            .select_from(fts)
            .join(ToolSearch, ToolSearch.pool_key == fts.c.rowid)
            .join(Tool, Tool.id == ToolSearch.tool_id)
            .where(literal_column("tool_search_fts").op("MATCH")(bindparam(None, expression)))
            .where(*(self.contains(ToolSearch.all_key, t) for t in plan.long_terms), *conditions)
        )
        if low is not None:
            statement = statement.where(fts.c.rowid >= low)
        if high is not None:
            statement = statement.where(fts.c.rowid < high)
        return statement.order_by(fts.c.rowid).limit(limit)

    def _gram_arm(self, gram, earlier, conditions, columns) -> Select:
        g = aliased(ToolSearchGram)
        return (
            select(g.tool_id.label("tool_id"), *columns, g.neg_popularity.label("neg_popularity"))
            .select_from(g)
            .join(Tool, Tool.id == g.tool_id)
            .join(ToolSearch, ToolSearch.tool_id == g.tool_id)
            .where(g.gram == gram, *self._not_earlier(g, earlier), *conditions)
        )


class PostgresBackend(SearchBackend):
    name = "postgresql"
    uses_bands = True
    orders_arms = True

    def contains(self, column, term: str) -> ColumnElement[bool]:
        # LIKE compares bytes; strpos() counts characters, which is slow on long UTF-8 text.
        escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        # A literal pattern (not a parameter) lets the planner weigh the trigram index per query.
        return column.like(bindparam(None, f"%{escaped}%", literal_execute=True), escape="\\")

    @staticmethod
    def _per_tool(columns: list, where: list, *, with_search_row: bool):
        """The per-candidate work as a LATERAL subquery: always a nested loop of key lookups.

        ``OFFSET 0`` keeps the planner from flattening it into a hash join over the whole
        tool table, which it would otherwise pick when it misjudges how many rows a
        LIMIT needs.
        """
        inner = select(*columns).select_from(Tool)
        if with_search_row:
            inner = inner.join(ToolSearch, ToolSearch.tool_id == Tool.id)
        return inner.where(*where).offset(0).lateral("candidate")

    def _long_pool(self, plan, conditions, limit, columns, low, high) -> Select:
        # The LATERAL reads the outer ToolSearch row (correlated): only Tool is looked up per candidate.
        per_tool = self._per_tool(columns, [Tool.id == ToolSearch.tool_id, *conditions], with_search_row=False)
        statement = (
            select(ToolSearch.tool_id, *(per_tool.c[c.name] for c in columns))
            .select_from(ToolSearch)
            .join(per_tool, true())
            .where(*(self.contains(ToolSearch.all_key, t) for t in plan.long_terms))
        )
        if low is not None:
            statement = statement.where(ToolSearch.pool_key >= low)
        if high is not None:
            statement = statement.where(ToolSearch.pool_key < high)
        return statement.order_by(ToolSearch.pool_key).limit(limit)

    def _gram_arm(self, gram, earlier, conditions, columns) -> Select:
        g = aliased(ToolSearchGram)
        per_tool = self._per_tool(columns, [Tool.id == g.tool_id, *self._not_earlier(g, earlier), *conditions],
                                  with_search_row=True)
        return (
            select(g.tool_id.label("tool_id"), *(per_tool.c[c.name] for c in columns),
                   g.neg_popularity.label("neg_popularity"))
            .select_from(g)
            .join(per_tool, true())
            .where(g.gram == gram)
        )


def backend_for(dialect_name: str) -> SearchBackend:
    """The backend for a database, by SQLAlchemy dialect name (from the database URL)."""
    if dialect_name == "postgresql":
        return PostgresBackend()
    if dialect_name == "sqlite":
        return SqliteBackend()
    raise ValueError(f"search has no backend for {dialect_name!r}")
