"""The one ranking, in Python on both databases: which field each term matched, and how.

Tiers, best first (lower is better):
0 an exact name or alias (0.5 its full pinyin); 1 the whole query names the
tool's category (a name, alias or synonym of it); 2 the query starts a name;
then, per term, the best field it matches at a word start: 3 name or alias,
3.5 their pinyin, 4 a category the term names, 5 tagline, 6 tags or platforms,
7 description. A match through a synonym or a pinyin reading ranks half a tier
below the same field matched directly, as does a Chinese compound found as its
known words apart (亚马逊 … 广告 for 亚马逊广告); a near spelling below every exact match.
A tool ranks by its best whole-query tier or else its worst term, then by the
sum over terms, how well its own text (not its category's name) holds the terms,
clicks, rating and id.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import NamedTuple

from services.search.analysis import Analysis
from services.search.text import has_cjk

# (column, tier, reason) in the order a match is looked for; the fields text lays them out in this order.
FIELDS = (
    ("name_words", 3.0, "name"),
    ("alias_words", 3.0, "alias"),
    ("pinyin_words", 3.5, "pinyin"),
    ("category_words", 4.0, "category"),
    ("tagline_words", 5.0, "description"),
    ("tag_words", 6.0, "tag"),
    ("platform_words", 6.0, "platform"),
    ("description_words", 7.0, "description"),
)
FIELD_SEPARATOR = "\n"  # between fields in a candidate's fields text: no field word holds it
CATEGORY_FIELD = [column for column, _, _ in FIELDS].index("category_words")
BEYOND_FIELDS = 8.0  # past every field: a term absent, or (own text) held only by the category's name
CATEGORY_TIER = 4.0
KIND_OFFSET = {"direct": 0.0, "category": 0.0, "split": 0.5, "synonym": 0.5, "pinyin": 0.5, "typo": 100.0}
KIND_REASON = {"synonym": "synonym", "pinyin": "pinyin", "typo": "typo", "category": "category"}


class Candidate(NamedTuple):
    """What the ranking reads of one pooled tool (a tuple: hundreds are built per search)."""

    tool_id: int
    clicks: int
    rating: float
    category_ids: tuple[int, ...]  # the tool's category and its parent
    name_keys: str  # its names compacted, space-separated with a leading space
    fields: str  # the FIELDS columns in order, joined by FIELD_SEPARATOR (the database joins them)
    exact_kind: str | None = None  # name, alias or pinyin when the whole query is one of its names


def field_starts(fields: str) -> list[int]:
    """Where each field begins in a candidate's fields text."""
    starts, position = [0], -1
    for _ in FIELDS[1:]:
        position = fields.find(FIELD_SEPARATOR, position + 1)
        starts.append(len(fields) if position < 0 else position + 1)
    return starts


RELAXED_OFFSET = 50.0  # a tool found without the query's qualifiers ranks after every full match


class Ranked(NamedTuple):
    tool_id: int
    key: tuple
    tier: float
    reasons: tuple[str, ...]
    category_ids: tuple[int, ...] = ()  # its category, then that category's parent

    @property
    def top_category(self) -> int | None:
        return self.category_ids[-1] if self.category_ids else None

    def relaxed(self) -> Ranked:
        """The same match, found with part of the query only: after every tool that matches all of it."""
        return Ranked(self.tool_id, (self.key[0] + RELAXED_OFFSET, *self.key[1:]), self.tier + RELAXED_OFFSET,
                      self.reasons, self.category_ids)


def _needle(word: str, *, whole: bool) -> str:
    """What a word looks like inside a field's text: Chinese anywhere, a Latin word at a word start
    (the fields are space-separated words with a leading space), or as a whole word."""
    if has_cjk(word):
        return word
    return f" {word} " if whole or len(word) < 2 else f" {word}"


class _Alt(NamedTuple):
    """One alternative of a term, compiled once per query: which of the query's needles it needs."""

    kind: str
    offset: float
    category_id: int | None
    needles: tuple[int, ...]  # indexes into Ranker.needles
    own_text: bool  # counts for the own-text tie-break (not a category, not a near spelling)


_ABSENT = (99.0, "", BEYOND_FIELDS)


def _field_of(fields: str, needle: str, starts: list[int]) -> tuple[float, str, float]:
    """The field holding the needle's first occurrence (tier, reason), and the best tier that is not
    the category's name (``_ABSENT`` when the fields lack it). The fields text lays the fields out
    best first, so the first occurrence is in the best field."""
    position = fields.find(needle)
    if position < 0:
        return _ABSENT
    if not starts:
        starts += field_starts(fields)
    index = bisect_right(starts, position) - 1
    _, tier, reason = FIELDS[index]
    if index != CATEGORY_FIELD:
        return tier, reason, tier
    later = fields.find(needle, starts[CATEGORY_FIELD + 1])
    return tier, reason, (FIELDS[bisect_right(starts, later) - 1][1] if later >= 0 else BEYOND_FIELDS)


def _term_match(alts: tuple[_Alt, ...], candidate: Candidate, needles: tuple[str, ...],
                where: list, starts: list[int]) -> tuple[float, str, float] | None:
    """The term's best (tier, reason) over its alternatives, and its own-text tier; None if no alternative holds.

    ``where`` memoises each needle's field for this candidate (None: not looked for yet). The
    own-text tier breaks ties inside a tier: of two tools in 商标与专利, the one whose own text says 商标 first.
    """
    found: tuple[float, str] | None = None
    own = BEYOND_FIELDS
    for alt in alts:
        if alt.category_id is not None:
            if alt.category_id in candidate.category_ids:
                match = (CATEGORY_TIER + alt.offset, "category" if alt.kind == "category" else KIND_REASON[alt.kind])
                if found is None or match < found:
                    found = match
            continue
        worst, reason, own_worst = 0.0, "", 0.0
        for index in alt.needles:
            field = where[index]
            if field is None:
                field = where[index] = _field_of(candidate.fields, needles[index], starts)
            if field is _ABSENT:
                break
            if field[0] > worst:
                worst, reason = field[0], field[1]
            if field[2] > own_worst:
                own_worst = field[2]
        else:
            match = (worst + alt.offset, KIND_REASON.get(alt.kind, reason))
            if found is None or match < found:
                found = match
            if alt.own_text and own_worst + alt.offset < own:
                own = own_worst + alt.offset
    return None if found is None else (found[0], found[1], own)


def _whole(analysis: Analysis, candidate: Candidate) -> tuple[float, str] | None:
    if candidate.exact_kind is not None:
        return (0.5 if candidate.exact_kind == "pinyin" else 0.0), candidate.exact_kind
    if analysis.whole_categories & set(candidate.category_ids):
        return 1.0, "category"
    if len(analysis.whole_compact) >= 2 and f" {analysis.whole_compact}" in candidate.name_keys:
        return 2.0, "name"
    return None


class Ranker:
    """The ranking of one query, compiled once and applied to every pooled candidate.

    Each distinct needle of the query is looked for at most once per candidate (one
    ``str.find``), when an alternative first needs it.
    """

    def __init__(self, analysis: Analysis):
        self.analysis = analysis
        needles: dict[str, int] = {}
        self.terms = []
        for term in analysis.units:
            alts = []
            for alt in term.alternatives:
                indexes = tuple(needles.setdefault(_needle(w, whole=alt.kind != "direct"), len(needles))
                                for w in alt.words)
                alts.append(_Alt(alt.kind, KIND_OFFSET[alt.kind], alt.category_id, indexes,
                                 alt.category_id is None and alt.kind != "typo" and bool(alt.words)))
            self.terms.append(tuple(alts))
        self.needles = tuple(needles)

    def rank(self, candidate: Candidate) -> Ranked | None:
        """The candidate's place, or None when some term is not really there (the index matched its pairs apart)."""
        where: list = [None] * len(self.needles)
        starts: list[int] = []  # computed when a needle is first found
        matches = [_term_match(alts, candidate, self.needles, where, starts) for alts in self.terms]
        whole = _whole(self.analysis, candidate)
        if whole is None and None in matches:
            return None
        term_tiers = [m[0] if m else BEYOND_FIELDS for m in matches]
        worst = max(term_tiers)
        if whole is not None and whole[0] < worst:
            tier, reasons = whole[0], (whole[1],)
        else:
            tier, reasons = worst, tuple(dict.fromkeys(m[1] for m in matches if m))
        own = sum(m[2] if m else BEYOND_FIELDS for m in matches)
        return Ranked(candidate.tool_id,
                      (tier, sum(term_tiers), own, -candidate.clicks, -candidate.rating, candidate.tool_id), tier,
                      reasons, candidate.category_ids)
