"""Search: the normalised search text per tool, its short-gram index, history and the keyword log.

The FTS5 table (SQLite) and the trigram GIN index (PostgreSQL) live only in
migration 0004: they are per database, so they are not part of this metadata.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UtcDateTime
from services import clock


class ToolSearch(Base):
    """One row per tool: its fields normalised (NFKC, lower-case), kept in sync by services.search.index.

    ``popularity`` is the click count when the row was last synced: it orders the
    candidate pool for very common terms; the final ranking reads the live tool row.
    ``pool_key`` packs (-popularity, tool_id) into one integer that sorts in pool
    order; it is the FTS5 rowid on SQLite, so trigram matches stream out most
    popular first and a LIMIT stops the scan early however common the term.
    """

    __tablename__ = "tool_search"
    tool_id: Mapped[int] = mapped_column(ForeignKey("tool.id", ondelete="CASCADE"), primary_key=True)
    popularity: Mapped[int] = mapped_column(Integer, default=0)
    pool_key: Mapped[int] = mapped_column(BigInteger, unique=True)
    name_key: Mapped[str] = mapped_column(String(400))
    name_en_key: Mapped[str] = mapped_column(String(400), default="")
    tagline_key: Mapped[str] = mapped_column(Text, default="")
    tags_key: Mapped[str] = mapped_column(Text, default="")
    description_key: Mapped[str] = mapped_column(Text, default="")
    # Every field above joined by newlines: what substring retrieval looks in.
    all_key: Mapped[str] = mapped_column(Text, default="")


class ToolSearchGram(Base):
    """The 1- and 2-character grams of a tool's names, for queries too short for trigrams.

    Keyed (gram, -popularity, tool_id) so a gram's tools come out most popular first
    and a very common gram stops after the first page of candidates. A tool's tags
    are rows too, with the gram ``#<tag id>``: a short term that occurs in a tag's
    name finds that tag's tools in the same popularity order.
    """

    __tablename__ = "tool_search_gram"

    gram: Mapped[str] = mapped_column(String(8), primary_key=True)
    neg_popularity: Mapped[int] = mapped_column(Integer, primary_key=True)
    tool_id: Mapped[int] = mapped_column(ForeignKey("tool.id", ondelete="CASCADE"), primary_key=True, index=True)


class SearchHistory(Base):
    """A search a signed-in user submitted (the results page, never an as-you-type fragment)."""

    __tablename__ = "search_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    query: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)


class SearchKeywordDay(Base):
    """Submitted queries counted per day for staff statistics: no user id, no IP, by design."""

    __tablename__ = "search_keyword_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    query: Mapped[str] = mapped_column(String(200), primary_key=True)
    searches: Mapped[int] = mapped_column(Integer, default=0)
    # The result count the last time it was searched that day (capped like the page: 1001 means "1,000+").
    results: Mapped[int] = mapped_column(Integer, default=0)
    zero_result_searches: Mapped[int] = mapped_column(Integer, default=0)
