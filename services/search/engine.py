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
from services.search.backends import Plan, SearchBackend, backend_for, is_long
from services.search.estimate import TermSample, term_sample
from services.search.index import tag_gram
from services.search.params import RELEVANCE
from services.search.text import normalise, query_terms

POOL = 1000
# A PostgreSQL band is sized to hold this many times the pool the sample predicts; each next one is wider.
BAND_MARGIN = 1.5
BAND_GROWTH = 4


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
    short = [t for t in terms if not is_long(t)]
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
    """What the page's order needs, read with the pool (no second pass over 1,000 rows).

    Pool rows are (tool_id, *these columns, …) in this order: ``_sorted`` reads them by position.
    """
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
    Rows are read by position (tool_id, then ``_rank_columns`` in order): attribute
    access on a thousand rows costs more than the sort itself.
    """
    if sort == RELEVANCE:
        return sorted(rows, key=lambda r: (r[1], -r[2], -r[3], r[0]))
    if sort == "popular":
        return sorted(rows, key=lambda r: (-r[2], r[0]))
    if sort == "rating":
        return sorted(rows, key=lambda r: (-r[3], -r[4], r[0]))
    if sort == "newest":
        return sorted(rows, key=lambda r: (r[4], r[0]), reverse=True)
    name = 5 if lang == "en" else 4
    return sorted(rows, key=lambda r: (r[name], r[0]))


def plan_for(backend: SearchBackend, terms: list[str], grams: dict[str, list[str]],
             sample: TermSample) -> Plan:
    """Which term drives retrieval, and (PostgreSQL) in which pool_key bands; never what is found.

    The driver is the rarest term near the top of pool order: the long terms
    together (FTS5 / the trigram index intersect them), or one short term's gram
    rows. Each driver yields candidates until the pool is full, so the rarer the
    driver the fewer candidates are read and checked for the other terms.
    """
    long_terms = [t for t in terms if is_long(t)]
    short_terms = [t for t in terms if not is_long(t)]
    driver = None
    if short_terms:
        shares = {t: sample.share([], [t]) for t in short_terms}
        rarest = min(short_terms, key=lambda t: (shares[t], len(grams[t])))
        if not long_terms or shares[rarest] < sample.share(long_terms, []):
            driver = rarest
    cuts: list[int] = []
    share = sample.share(long_terms, short_terms)
    if backend.uses_bands and driver is None and share > 0:
        # PostgreSQL has no index that yields trigram matches in pool order: it either walks
        # pool order checking every row (slow for a term matching 5 % of tools) or collects
        # every match through the trigram index (slow for one matching 20 %). A band of
        # pool_key that should hold the pool lets it intersect both indexes instead; the
        # following, wider bands are read only when the sample guessed low.
        rows = BAND_MARGIN * (POOL + 1) / share
        while (cut := sample.cut_after(rows)) is not None:
            if not cuts or cut > cuts[-1]:
                cuts.append(cut)
            rows *= BAND_GROWTH
    return Plan(long_terms, grams, driver, cuts)


def pool_rows(terms: list[str], query: ListingQuery, backend: SearchBackend | None = None,
              plan: Plan | None = None) -> list:
    """Up to POOL + 1 matching tools in pool order (most clicked when indexed, then id), with rank columns."""
    backend = backend or current_backend()
    if plan is None:
        plan = plan_for(backend, terms, _short_term_grams(terms), term_sample())
    filters = _filter_conditions(query)
    columns = _rank_columns(backend, terms, query.sort)
    rows: list = []
    for low, high in plan.bands():  # consecutive in pool order: their rows simply concatenate
        statement = backend.pool_statement(plan, filters, POOL + 1 - len(rows), columns, low, high)
        rows += db.session.execute(statement).all()
        if len(rows) > POOL:
            break
    return rows


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
