"""Searching tools: retrieval, the candidate pool and the one portable ranking.

1. Each term becomes a condition (see ``backends``); all must hold (any order).
2. The pool: matching public tools that pass the list filters, most popular
   first, at most ``POOL`` of them plus one. One more than POOL means the page
   says "1,000+ results" instead of counting every match of a very common term.
3. The page: the pool ranked by field tier (exact name, name prefix, name,
   English name, tagline, tags, description), then clicks, rating and id; or by
   the list sort the visitor chose.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sqlalchemy import and_, case, func, select

from extensions import db
from models import Tag, Tool
from models.search import ToolSearch
from services.catalog_queries import public_tool, serves
from services.listing import ListingQuery
from services.search.backends import SearchBackend, backend_for
from services.search.index import tag_gram
from services.search.params import RELEVANCE
from services.search.text import TRIGRAM_MIN, normalise, query_terms

POOL = 1000
RARE_GRAM_ROWS = 5000


@dataclass
class ResultsPage:
    """A page of results with what ``_pagination.html`` reads (the same names as Flask-SQLAlchemy's)."""

    items: list[Tool]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page)) if self.total else 0

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    def iter_pages(self, *, left_edge=2, left_current=2, right_current=4, right_edge=2):
        """Page numbers with ``None`` for gaps, as Flask-SQLAlchemy yields them."""
        last = 0
        for number in range(1, self.pages + 1):
            near = self.page - left_current <= number <= self.page + right_current
            if number <= left_edge or near or number > self.pages - right_edge:
                if last + 1 != number:
                    yield None
                yield number
                last = number


@dataclass
class SearchResults:
    terms: list[str]
    pagination: ResultsPage
    capped: bool = False  # more than POOL matches: shown as "1,000+"
    cap: int = POOL
    past_the_end: bool = False
    tiers: dict[int, int] = field(default_factory=dict)  # tool id → tier, for tests and debugging

    @property
    def total(self) -> int:
        return self.pagination.total


def current_backend() -> SearchBackend:
    """The backend for the app's database, chosen from its URL's dialect."""
    return backend_for(db.engine.dialect.name)


def _short_term_grams(terms: list[str]) -> dict[str, list[str]]:
    """For each short term: itself (a name gram) and ``#<id>`` of every tag whose name contains it."""
    short = [t for t in terms if len(t) < TRIGRAM_MIN]
    if not short:
        return {}
    tags = db.session.execute(select(Tag.id, Tag.name_zh, Tag.name_en)).all()  # a few dozen rows
    keys = [(tag_id, normalise(f"{zh}\n{en}")) for tag_id, zh, en in tags]
    return {term: [term, *(tag_gram(tag_id) for tag_id, key in keys if term in key)] for term in short}


def _filter_conditions(query: ListingQuery) -> list:
    conditions = [public_tool]
    if query.platform or query.market:
        conditions.append(serves(query.platform, query.market))
    if query.pricing:
        conditions.append(Tool.pricing == query.pricing)
    conditions += [getattr(Tool, fact).is_(True) for fact in query.facts]
    return conditions


def _tier(backend: SearchBackend, terms: list[str]):
    """0 exact name … 6 description, 7 when the terms are spread over several fields."""
    phrase = " ".join(terms)

    def everywhere_in(column):
        return and_(*(backend.contains(column, term) for term in terms))

    def starts(column):
        return func.substr(column, 1, len(phrase)) == phrase

    s = ToolSearch
    return case(
        ((s.name_key == phrase) | (s.name_en_key == phrase), 0),
        (starts(s.name_key) | starts(s.name_en_key), 1),
        (everywhere_in(s.name_key), 2),
        (everywhere_in(s.name_en_key), 3),
        (everywhere_in(s.tagline_key), 4),
        (everywhere_in(s.tags_key), 5),
        (everywhere_in(s.description_key), 6),
        else_=7,
    )


def _rank_columns(backend: SearchBackend, terms: list[str], sort: str) -> list:
    """What the page's order needs, read with the pool (no second pass over 1,000 rows)."""
    columns = [_tier(backend, terms).label("tier"), Tool.click_count.label("clicks"),
               Tool.rating_avg.label("rating_avg")]
    if sort == "rating":
        columns.append(Tool.rating_count.label("rating_count"))
    elif sort == "newest":
        columns.append(Tool.created_at.label("created_at"))
    elif sort == "name":
        columns += [Tool.name_sort.label("name_sort"), Tool.name_sort_en.label("name_sort_en")]
    return columns


def _sorted(rows: list, sort: str, lang: str) -> list:
    """The pool in the page's order, sorted here so both databases order it identically.

    Relevance: tier, then clicks, rating, id. Other sorts as on list pages; names
    compare by code point (pinyin sort keys), never by a database collation.
    """
    if sort == RELEVANCE:
        return sorted(rows, key=lambda r: (r.tier, -r.clicks, -r.rating_avg, r.tool_id))
    if sort == "popular":
        return sorted(rows, key=lambda r: (-r.clicks, r.tool_id))
    if sort == "rating":
        return sorted(rows, key=lambda r: (-r.rating_avg, -r.rating_count, r.tool_id))
    if sort == "newest":
        return sorted(rows, key=lambda r: (r.created_at, r.tool_id), reverse=True)
    return sorted(rows, key=lambda r: (r.name_sort_en if lang == "en" else r.name_sort, r.tool_id))


def _rare_short_term(backend: SearchBackend, terms: list[str], grams: dict[str, list[str]]) -> str | None:
    """In a query mixing short and long terms, a short term with few gram rows drives retrieval.

    Walking its rows (at most RARE_GRAM_ROWS) and checking the long terms on each beats
    streaming a common long term past thousands of tools that lack the short one.
    """
    if not grams or len(grams) == len(terms):
        return None
    counts = {term: db.session.scalar(backend.gram_rows_statement(g, RARE_GRAM_ROWS)) for term, g in grams.items()}
    term, rows = min(counts.items(), key=lambda item: item[1])
    return term if rows < RARE_GRAM_ROWS else None


def pool_rows(terms: list[str], query: ListingQuery, backend: SearchBackend | None = None) -> list:
    """Up to POOL + 1 matching tools in pool order (most clicked when indexed, then id), with rank columns."""
    backend = backend or current_backend()
    grams = _short_term_grams(terms)
    statement = backend.pool_statement(terms, grams, _filter_conditions(query), POOL + 1,
                                       columns=_rank_columns(backend, terms, query.sort),
                                       rare_short_term=_rare_short_term(backend, terms, grams))
    return list(db.session.execute(statement))


def search_tools(raw_query: str | None, query: ListingQuery, lang: str, per_page: int) -> SearchResults:
    """One page of tools matching every term of ``raw_query`` under the list filters, ranked.

    Two queries for a real search (the ranked pool, the page's tools); one more when a
    term is shorter than a trigram (the tag names), and one per short term when short
    and long terms mix. A query with no letters or digits runs none.
    """
    terms = query_terms(raw_query)
    if not terms:
        return SearchResults(terms=[], pagination=ResultsPage([], query.page, per_page, 0))
    rows = pool_rows(terms, query)
    capped = len(rows) > POOL
    rows = _sorted(rows[:POOL], query.sort, lang)
    pagination = ResultsPage([], query.page, per_page, len(rows))
    page_rows = rows[(query.page - 1) * per_page:query.page * per_page]
    if not page_rows:
        return SearchResults(terms, pagination, capped, POOL, past_the_end=bool(rows) or query.page > 1)
    ids = [row.tool_id for row in page_rows]
    tools = {tool.id: tool for tool in db.session.scalars(select(Tool).where(Tool.id.in_(ids)))}
    pagination.items = [tools[tool_id] for tool_id in ids if tool_id in tools]
    return SearchResults(terms, pagination, capped, POOL, tiers={row.tool_id: row.tier for row in page_rows})
