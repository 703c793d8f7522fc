"""The two retrieval backends: SQLite (FTS5 trigram) and PostgreSQL (pg_trgm GIN).

Both answer the same question the same way: "does the normalised search text
contain this term as a substring?" and both return the candidate pool in the
same order (``pool_key``: most clicked first, then id). Only how an index is
reached differs, so results and ranking are identical.

Terms shorter than a trigram never scan the table: they are looked up in the
gram table (1- and 2-character grams of tool names, plus ``#<tag id>`` rows for
tags whose name contains the term), which is keyed in pool order too.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from sqlalchemy import Select, bindparam, column, exists, func, literal_column, select, table, union
from sqlalchemy.sql import ColumnElement

from models import Tool
from models.search import ToolSearch, ToolSearchGram
from services.search.text import TRIGRAM_MIN


def _is_long(term: str) -> bool:
    return len(term) >= TRIGRAM_MIN


class SearchBackend(ABC):
    """Builds the pool statement: ids of matching tools in pool order, at most ``limit``."""

    name = "generic"

    @abstractmethod
    def contains(self, column, term: str) -> ColumnElement[bool]:
        """``term`` occurs in ``column`` (both already normalised)."""

    @abstractmethod
    def _long_pool(self, long_terms: list[str], conditions: list, limit: int, columns: list) -> Select:
        """Candidates for the 3+ character terms through the database's trigram index."""

    def pool_statement(self, terms: list[str], short_grams: dict[str, list[str]], filters: list, limit: int,
                       columns: list, rare_short_term: str | None = None) -> Select:
        """Every term must match (AND, any order); ``short_grams`` maps each short term to its grams.

        Rows are (tool_id, *columns) in pool order. The driver is the trigram index for
        the long terms, unless a short term is rare (``rare_short_term``: few gram rows),
        whose gram rows are then walked instead.
        """
        long_terms = [t for t in terms if _is_long(t)]
        short_terms = [t for t in terms if not _is_long(t)]
        if long_terms and rare_short_term is None:
            conditions = [self._has_grams(short_grams[t]) for t in short_terms]
            return self._long_pool(long_terms, conditions + filters, limit, columns)
        first = rare_short_term or short_terms[0]
        others = [self._has_grams(short_grams[t]) for t in short_terms if t != first]
        others += [self.contains(ToolSearch.all_key, t) for t in long_terms]
        return self._short_pool(short_grams[first], others + filters, limit, columns)

    @staticmethod
    def _has_grams(grams: list[str]) -> ColumnElement[bool]:
        gram = ToolSearchGram.__table__.alias("other_gram")
        return exists().where(gram.c.tool_id == ToolSearch.tool_id, gram.c.gram.in_(grams))

    @staticmethod
    def _short_pool(grams: list[str], conditions: list, limit: int, columns: list) -> Select:
        # Each gram's rows are read in key order (gram, -popularity, id), so every
        # stream stops after ``limit`` tools however common the gram; the union of
        # the streams (a name gram, some tag grams) is then ordered once.
        g = ToolSearchGram
        streams = [
            select(g.tool_id.label("tool_id"), g.neg_popularity.label("neg_popularity"), *columns)
            .join(ToolSearch, ToolSearch.tool_id == g.tool_id)  # conditions may test its columns
            .join(Tool, Tool.id == g.tool_id)
            .where(g.gram == gram, *conditions)
            .order_by(g.neg_popularity, g.tool_id)
            .limit(limit)
            .subquery()
            .select()
            for gram in grams
        ]
        merged = union(*streams).subquery() if len(streams) > 1 else streams[0].subquery()
        return (
            select(merged.c.tool_id, *(merged.c[c.name] for c in columns))
            .order_by(merged.c.neg_popularity, merged.c.tool_id)
            .limit(limit)
        )

    @staticmethod
    def gram_rows_statement(grams: list[str], cap: int) -> Select:
        """How many gram rows a short term has, counted up to ``cap`` (cheap: a key range)."""
        g = ToolSearchGram
        capped = select(g.tool_id).where(g.gram.in_(grams)).limit(cap).subquery()
        return select(func.count()).select_from(capped)


class SqliteBackend(SearchBackend):
    name = "sqlite"

    def contains(self, column, term: str) -> ColumnElement[bool]:
        return func.instr(column, term) > 0

    def _long_pool(self, long_terms: list[str], conditions: list, limit: int, columns: list) -> Select:
        # The FTS5 rowid is pool_key, so ORDER BY rowid streams matches most popular
        # first and the LIMIT ends the scan early. MATCH finds candidates; instr() on
        # the base table then gives exactly PostgreSQL's substring semantics. Never
        # LIKE on the FTS table: SQLite 3.40.1 returns no rows for it (see FACTS).
        expression = " AND ".join('"' + t.replace('"', '""') + '"' for t in long_terms)
        fts = table("tool_search_fts", column("rowid"))
        return (
            select(ToolSearch.tool_id, *columns)
            .select_from(fts)
            .join(ToolSearch, ToolSearch.pool_key == fts.c.rowid)
            .join(Tool, Tool.id == ToolSearch.tool_id)
            .where(literal_column("tool_search_fts").op("MATCH")(bindparam(None, expression)))
            .where(*(self.contains(ToolSearch.all_key, t) for t in long_terms), *conditions)
            .order_by(fts.c.rowid)
            .limit(limit)
        )


class PostgresBackend(SearchBackend):
    name = "postgresql"

    def contains(self, column, term: str) -> ColumnElement[bool]:
        # LIKE compares bytes; strpos() counts characters, which is slow on long UTF-8 text.
        escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        # A literal pattern (not a parameter) lets the planner weigh the trigram index per query.
        return column.like(bindparam(None, f"%{escaped}%", literal_execute=True), escape="\\")

    def _long_pool(self, long_terms: list[str], conditions: list, limit: int, columns: list) -> Select:
        likes = [self.contains(ToolSearch.all_key, term) for term in long_terms]
        return (
            select(ToolSearch.tool_id, *columns)
            .join(Tool, Tool.id == ToolSearch.tool_id)
            .where(*likes, *conditions)
            .order_by(ToolSearch.pool_key)
            .limit(limit)
        )


def backend_for(dialect_name: str) -> SearchBackend:
    """The backend for a database, by SQLAlchemy dialect name (from the database URL)."""
    if dialect_name == "postgresql":
        return PostgresBackend()
    if dialect_name == "sqlite":
        return SqliteBackend()
    raise ValueError(f"search has no backend for {dialect_name!r}")
