"""Search: each tool's token document and field words, its exact names, synonyms (and moderators' proposals),
history and the keyword log.

The FTS5 table (SQLite, migration 0010) and the stored tsvector table with its GIN
index (PostgreSQL, migration 0013) are per database, so they are not part of this metadata.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UtcDateTime
from services import clock


class ToolSearch(Base):
    """One row per tool: what search retrieves and ranks it by, kept in sync by services.search.index.

    ``tokens`` is the tool's token document (space-separated, sorted): the words of
    every field a seller reads, the characters and character pairs of its Chinese,
    its names joined without spaces, their pinyin, and a marker per category. The
    FTS5 table (SQLite, migration 0010) and the GIN-indexed ``tool_token_vector``
    table (PostgreSQL, migration 0013) find tools by it. The ``*_words`` columns are each field's words
    separated by spaces (a Chinese run stays whole): the ranking reads them to tell
    a name match from a tagline match, a word start from a match inside a word.

    ``pool_key`` packs (-popularity, tool_id) into one integer that sorts in pool
    order; it is the FTS5 rowid on SQLite, so matches stream out most popular first
    and a LIMIT stops the scan early however common the term.
    """

    __tablename__ = "tool_search"
    tool_id: Mapped[int] = mapped_column(ForeignKey("tool.id", ondelete="CASCADE"), primary_key=True)
    popularity: Mapped[int] = mapped_column(Integer, default=0)
    pool_key: Mapped[int] = mapped_column(BigInteger, unique=True)
    name_keys: Mapped[str] = mapped_column(Text, default="")  # name, English name and aliases, each compacted
    name_words: Mapped[str] = mapped_column(Text, default="")  # name and English name, with joined forms
    alias_words: Mapped[str] = mapped_column(Text, default="")
    pinyin_words: Mapped[str] = mapped_column(Text, default="")  # of the names and aliases
    category_words: Mapped[str] = mapped_column(Text, default="")  # its category and the parent, zh and en
    platform_words: Mapped[str] = mapped_column(Text, default="")
    tag_words: Mapped[str] = mapped_column(Text, default="")
    tagline_words: Mapped[str] = mapped_column(Text, default="")
    description_words: Mapped[str] = mapped_column(Text, default="")
    tokens: Mapped[str] = mapped_column(Text, default="")


class ToolSearchName(Base):
    """Every exact name a tool answers to (name, English name, aliases, pinyin of them), compacted.

    An exact name always joins the ranked pool, however common the word, through
    this index lookup (``kind``: name, alias or pinyin, which the result shows).
    """

    __tablename__ = "tool_search_name"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    tool_id: Mapped[int] = mapped_column(ForeignKey("tool.id", ondelete="CASCADE"), primary_key=True, index=True)
    kind: Mapped[str] = mapped_column(String(10))


class ToolSearchCategory(Base):
    """A tool under each category of its chain (its own and the parents), in pool order.

    When the whole query names a category, that category's most popular tools join
    the pool through this primary key — already in pool order, so a LIMIT reads only
    what it returns, on both databases, however large the category.
    """

    __tablename__ = "tool_search_category"

    category_id: Mapped[int] = mapped_column(ForeignKey("category.id", ondelete="CASCADE"), primary_key=True)
    pool_key: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    tool_id: Mapped[int] = mapped_column(ForeignKey("tool_search.tool_id", ondelete="CASCADE"), index=True)


class SearchSynonym(Base):
    """A group of terms a seller uses for one thing; with ``category_id``, the terms also name that category.

    A query term expands to every other term of its groups. Loaded from
    data/search/synonyms.yaml by ``flask seed`` (by ``slug``); staff edit them on the
    site, and seeding leaves a group staff changed or deleted as staff left it.
    """

    __tablename__ = "search_synonym"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id", ondelete="SET NULL"), index=True)
    terms: Mapped[str] = mapped_column(Text)  # one term per line, as written

    @property
    def term_list(self) -> list[str]:
        return [line.strip() for line in self.terms.splitlines() if line.strip()]


class SearchWordProposal(Base):
    """A moderator's proposed synonym group or tool alias, which an admin accepts (it is then applied,
    as the admin's change) or declines. ``kind`` says which fields are filled."""

    __tablename__ = "search_word_proposal"
    __table_args__ = (
        CheckConstraint("kind IN ('synonym', 'alias')", name="kind"),
        CheckConstraint("state IN ('pending', 'accepted', 'declined')", name="state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    query: Mapped[str] = mapped_column(String(200), default="")  # the search that found nothing, if any
    terms: Mapped[str] = mapped_column(Text, default="")  # synonym: one term per line
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id", ondelete="SET NULL"))
    tool_id: Mapped[int | None] = mapped_column(ForeignKey("tool.id", ondelete="CASCADE"), index=True)
    alias: Mapped[str] = mapped_column(String(80), default="")
    source: Mapped[str | None] = mapped_column(String(500))
    note: Mapped[str] = mapped_column(String(500), default="")
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"),
                                                       index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    state: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    @property
    def term_list(self) -> list[str]:
        return [line.strip() for line in self.terms.splitlines() if line.strip()]


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
