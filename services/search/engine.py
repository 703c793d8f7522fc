"""Searching tools: analysis, retrieval of the candidate pool, and the one portable ranking.

1. The query is analysed (``analysis``): each term with its alternatives —
   synonyms, pinyin, near spellings, the categories it names.
2. The pool: public tools passing the list filters whose token document
   satisfies every term, most popular first, at most ``POOL`` of them plus one
   (one more means "300+ results"); joined by the tools whose exact name or
   alias the query is, and, when the whole query names a category, that
   category's most popular tools, each through its own index lookup however
   common the words. A query that finds fewer than ``FEW`` is widened: its
   compounds cut at known words (亚马逊广告工具 = 亚马逊 + 广告), then its
   qualifiers dropped, each widening ranked after what came before.
3. The page: the pool ranked in Python (``ranking``), identically on both
   databases, or ordered by the list sort the visitor chose.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import Select, select

from extensions import db
from models import Category, Tool
from models.search import ToolSearch, ToolSearchName
from services.catalog_queries import public_tool, serves
from services.listing import ListingQuery
from services.search.analysis import Analysis, analyse
from services.search.backends import Plan, SearchBackend, backend_for
from services.search.estimate import TermSample, term_sample
from services.search.matching import MatchQuery
from services.search.params import RELEVANCE
from services.search.ranking import FIELD_SEPARATOR, FIELDS, Candidate, Ranked, Ranker
from services.search.text import query_terms
from services.search.vocabulary import vocabulary

# The pool every ranking reads: ranking is per candidate in Python, so its size is the search's cost
# (10–30 µs a tool); 300 (and a named category's 100 most popular tools) keeps common terms near 20 ms at
# 100,000 tools (make bench-search) and is more than anyone pages through.
POOL = 300
CATEGORY_POOL = 100
# Fewer results than a first screen: the query is widened, each widening ranked after what came before.
FEW = 10
# PostgreSQL walks pool order for a query that at least this share of the most popular tools match
# (at 100,000 tools, make bench-search: walking beat collecting from about 4 % up).
WALK_SHARE = 0.04


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
    capped: bool = False  # more than POOL matches: shown as "300+"
    cap: int = POOL
    past_the_end: bool = False
    tiers: dict[int, float] = field(default_factory=dict)  # tool id → tier, for tests and debugging
    reasons: dict[int, tuple[str, ...]] = field(default_factory=dict)  # tool id → why it matched
    category_ids: list[int] = field(default_factory=list)  # categories the query names, best first
    result_categories: dict[int, int] = field(default_factory=dict)  # top-level category id → results in it

    @property
    def total(self) -> int:
        return self.pagination.total


def current_backend() -> SearchBackend:
    """The backend for the app's database, chosen from its URL's dialect."""
    return backend_for(db.engine.dialect.name)


def _filter_conditions(query: ListingQuery) -> list:
    conditions = [public_tool]
    if query.platform or query.market:
        conditions.append(serves(query.platform, query.market))
    if query.pricing:
        conditions.append(Tool.pricing == query.pricing)
    conditions += [getattr(Tool, fact).is_(True) for fact in query.facts]
    return conditions


def plan_for(backend: SearchBackend, match: MatchQuery, sample: TermSample) -> Plan:
    """Whether PostgreSQL walks pool order or collects matches through GIN; never what is found.

    Walking costs about (POOL / share) row checks, collecting about (share × tools);
    the sample's share among the most popular tools tells them apart (WALK_SHARE).
    """
    return Plan(match, walk=backend.chooses_plan and sample.share(match) >= WALK_SHARE)


@cache
def _rank_columns() -> tuple:
    """What ``_candidate`` reads, the FIELDS columns joined in order by the database (one value to
    fetch and search per candidate); built once, as every search uses the same expressions."""
    fields = getattr(ToolSearch, FIELDS[0][0])
    for column, _, _ in FIELDS[1:]:
        fields = fields + FIELD_SEPARATOR + getattr(ToolSearch, column)
    return (Tool.id, Tool.click_count, Tool.rating_avg, Tool.category_id, Category.parent_id,
            ToolSearch.name_keys, fields.label("fields"))


def _with_rank_columns(tools: Select) -> Select:
    """What the ranking reads for each tool that ``tools`` (a statement yielding tool_id) yields, in its order."""
    found = tools.subquery("found")
    return (
        select(*_rank_columns())
        .select_from(found)
        .join(Tool, Tool.id == found.c.tool_id)
        .join(ToolSearch, ToolSearch.tool_id == found.c.tool_id)
        .join(Category, Category.id == Tool.category_id)
        .order_by(*([found.c.pool_key] if "pool_key" in found.c else []))
    )


def pool_rows(match: MatchQuery, query: ListingQuery, backend: SearchBackend | None = None,
              plan: Plan | None = None, limit: int | None = None, *, rank_columns: bool = False) -> list:
    """Up to ``limit`` matching tools as (tool_id, pool_key), in pool order (most clicked when indexed, then id).

    With ``rank_columns`` each row is instead what ``_candidate`` reads, fetched by the same statement.
    """
    if not match:
        return []
    limit = POOL + 1 if limit is None else limit
    backend = backend or current_backend()
    if plan is None:
        plan = plan_for(backend, match, term_sample() if backend.chooses_plan else TermSample([]))
    statement = backend.pool_statement(match, _filter_conditions(query), limit, plan.walk)
    if rank_columns:
        statement = _with_rank_columns(statement)
    return db.session.execute(statement).all()


def _exact_names(analysis: Analysis, query: ListingQuery) -> dict[int, str]:
    """Tools the whole query names exactly (name, alias or pinyin), however common the words."""
    if not analysis.whole_compact:
        return {}
    rows = db.session.execute(
        select(ToolSearchName.tool_id, ToolSearchName.kind)
        .join(Tool, Tool.id == ToolSearchName.tool_id)
        .where(ToolSearchName.key == analysis.whole_compact, *_filter_conditions(query))
    ).all()
    kinds = {"name": 0, "alias": 1, "pinyin": 2}
    found: dict[int, str] = {}
    for tool_id, kind in sorted(rows, key=lambda r: kinds.get(r[1], 3)):
        found.setdefault(tool_id, kind)
    return found


def _category_rows(category_ids: list[int], query: ListingQuery) -> list:
    """``_candidate`` rows of the named categories' CATEGORY_POOL most popular tools."""
    statement = current_backend().category_statement(category_ids, _filter_conditions(query), CATEGORY_POOL)
    return db.session.execute(_with_rank_columns(statement)).all()


def _rows_of(tool_ids: list[int]) -> list:
    """``_candidate`` rows for tools found without them (exact names outside the pool)."""
    if not tool_ids:
        return []
    return db.session.execute(_with_rank_columns(
        select(Tool.id.label("tool_id")).where(Tool.id.in_(tool_ids)))).all()


def _candidate(row, exact: dict[int, str]) -> Candidate:
    tool_id, clicks, rating, category_id, parent_id, name_keys, fields = row
    return Candidate(tool_id=tool_id, clicks=clicks, rating=rating or 0.0,
                     category_ids=tuple(c for c in (category_id, parent_id) if c is not None),
                     name_keys=name_keys, fields=fields, exact_kind=exact.get(tool_id))


def _sort_keys(ids: list[int], sort: str, lang: str) -> dict[int, tuple]:
    """Keys for a list sort other than relevance, as list pages order (names by code point, never collation)."""
    columns = {"popular": (Tool.click_count,), "rating": (Tool.rating_avg, Tool.rating_count),
               "newest": (Tool.created_at,), "name": (Tool.name_sort_en if lang == "en" else Tool.name_sort,)}[sort]
    rows = db.session.execute(select(Tool.id, *columns).where(Tool.id.in_(ids))).all()
    if sort == "name":
        return {r[0]: (r[1], r[0]) for r in rows}
    if sort == "newest":
        return {r[0]: (-r[1].timestamp(), -r[0]) for r in rows}
    return {r[0]: (*(-(value or 0) for value in r[1:]), r[0]) for r in rows}


def _retrieve(analysis: Analysis, query: ListingQuery) -> tuple[list[Ranked], bool]:
    rows = pool_rows(analysis.match_query(), query, rank_columns=True)
    capped = len(rows) > POOL
    rows = rows[:POOL]
    if analysis.whole_categories:
        rows += _category_rows(sorted(analysis.whole_categories), query)
    unique = {row[0]: row for row in rows}  # a tool found twice is ranked once
    exact = _exact_names(analysis, query)
    for row in _rows_of([tool_id for tool_id in exact if tool_id not in unique]):
        unique[row[0]] = row
    ranker = Ranker(analysis)
    ranked = [r for r in (ranker.rank(_candidate(row, exact)) for row in unique.values()) if r is not None]
    return ranked, capped


def search_tools(raw_query: str | None, query: ListingQuery, lang: str, per_page: int) -> SearchResults:
    """One page of tools answering every term of ``raw_query`` under the list filters, ranked.

    A few queries whatever the catalog size: the vocabulary's version, the pool (with
    what the ranking reads), the exact names (and, when the pool lacks one, its
    columns), a named category's tools and the page's tools (a query with no letters
    or digits runs none).
    """
    terms = query_terms(raw_query)
    if not terms:
        return SearchResults(terms=[], pagination=ResultsPage([], query.page, per_page, 0))
    known = vocabulary()
    analysis = analyse(raw_query, known)
    analyses = [analysis]
    ranked, capped = _retrieve(analysis, query)
    if len(ranked) < FEW and analysis.splittable:  # the compound as its words apart, after the compound itself
        analysis = analyse(raw_query, known, split=True)
        analyses.append(analysis)
        more, capped = _retrieve(analysis, query)
        ranked = _merged(ranked, more)
    topic = analysis.topic_only()
    if len(ranked) < FEW and topic is not None:  # still few: what the query is about, without its qualifiers
        analyses.append(topic)
        more, _ = _retrieve(topic, query)
        ranked = _merged(ranked, [r.relaxed() for r in more])
    ranked.sort(key=lambda r: r.key)
    by_category = Counter(r.top_category for r in ranked if r.top_category is not None)
    chosen = getattr(query, "category", "")
    if chosen:  # counts stay those of every result, so the reader can switch back
        category_id = known.category_ids.get(chosen)
        ranked = [r for r in ranked if category_id is not None and category_id in r.category_ids]
    if query.sort != RELEVANCE and ranked:
        keys = _sort_keys([r.tool_id for r in ranked], query.sort, lang)
        ranked.sort(key=lambda r: keys[r.tool_id])
    results = SearchResults(analysis.terms, ResultsPage([], query.page, per_page, len(ranked)), capped, POOL)
    results.category_ids = list(dict.fromkeys(c for a in analyses for c in _named_categories(a)))
    results.result_categories = dict(by_category.most_common())
    page = ranked[(query.page - 1) * per_page:query.page * per_page]
    if not page:
        results.past_the_end = bool(ranked) or query.page > 1
        return results
    ids = [r.tool_id for r in page]
    tools = {tool.id: tool for tool in db.session.scalars(select(Tool).where(Tool.id.in_(ids)))}
    results.pagination.items = [tools[tool_id] for tool_id in ids if tool_id in tools]
    results.tiers = {r.tool_id: r.tier for r in page}
    results.reasons = {r.tool_id: r.reasons for r in page}
    return results


def _merged(ranked: list[Ranked], more: list[Ranked]) -> list[Ranked]:
    """Both lists' tools once each, at the better of their places."""
    best = {r.tool_id: r for r in ranked}
    for r in more:
        if r.tool_id not in best or r.key < best[r.tool_id].key:
            best[r.tool_id] = r
    return list(best.values())


def _named_categories(analysis: Analysis) -> list[int]:
    """The categories the whole query names, then those a single term names."""
    named = list(analysis.whole_categories)
    for unit in analysis.units:
        named += [alt.category_id for alt in unit.alternatives if alt.category_id is not None]
    return list(dict.fromkeys(named))
