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

from dataclasses import dataclass

from services.search.analysis import Analysis, Term
from services.search.text import has_cjk

# (column, tier, reason) in the order a match is looked for.
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
RANK_COLUMNS = ("name_keys", *(column for column, _, _ in FIELDS))
CATEGORY_TIER = 4.0
KIND_OFFSET = {"direct": 0.0, "category": 0.0, "split": 0.5, "synonym": 0.5, "pinyin": 0.5, "typo": 100.0}
KIND_REASON = {"synonym": "synonym", "pinyin": "pinyin", "typo": "typo", "category": "category"}


@dataclass
class Candidate:
    tool_id: int
    clicks: int
    rating: float
    category_ids: tuple[int, ...]  # the tool's category and its parent
    columns: dict[str, str]
    exact_kind: str | None = None  # name, alias or pinyin when the whole query is one of its names


RELAXED_OFFSET = 50.0  # a tool found without the query's qualifiers ranks after every full match


@dataclass(frozen=True)
class Ranked:
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


@dataclass(frozen=True)
class _Alt:
    """One alternative of a term, compiled once per query: the needles every candidate is checked for."""

    kind: str
    offset: float
    category_id: int | None
    needles: tuple[str, ...]
    own_text: bool  # counts for the own-text tie-break (not a category, not a near spelling)


def _compiled(term: Term) -> tuple[_Alt, ...]:
    return tuple(_Alt(alt.kind, KIND_OFFSET[alt.kind], alt.category_id,
                      tuple(_needle(w, whole=alt.kind != "direct") for w in alt.words),
                      alt.category_id is None and alt.kind != "typo" and bool(alt.words))
                 for alt in term.alternatives)


_SEPARATOR = "\x00"  # between fields in a candidate's whole text: no needle holds it


def _field_of(needle: str, columns: dict[str, str]) -> tuple[float, str, float]:
    """The best field holding the needle (tier, reason), and the best tier that is not the category's name."""
    best: tuple[float, str] | None = None
    for column, tier, reason in FIELDS:
        if needle in columns[column]:
            if best is None:
                best = (tier, reason)
            if column != "category_words":
                return best[0], best[1], tier
    return (best[0], best[1], 8.0) if best else (99.0, "", 8.0)


def _term_match(alts: tuple[_Alt, ...], candidate: Candidate, whole_text: str) -> tuple[float, str, float] | None:
    """The term's best (tier, reason) over its alternatives, and its own-text tier; None if no alternative holds.

    The own-text tier breaks ties inside a tier: of two tools in 商标与专利, the one whose own text says 商标 first.
    """
    found: tuple[float, str] | None = None
    own = 8.0
    for alt in alts:
        if alt.category_id is not None:
            if alt.category_id in candidate.category_ids:
                match = (CATEGORY_TIER + alt.offset, "category" if alt.kind == "category" else KIND_REASON[alt.kind])
                found = match if found is None or match < found else found
            continue
        if not all(needle in whole_text for needle in alt.needles):  # one cheap check rejects most alternatives
            continue
        worst, reason, own_worst = 0.0, "", 0.0
        for needle in alt.needles:
            tier, why, own_tier = _field_of(needle, candidate.columns)
            if tier > worst:
                worst, reason = tier, why
            own_worst = max(own_worst, own_tier)
        match = (worst + alt.offset, KIND_REASON.get(alt.kind, reason))
        found = match if found is None or match < found else found
        if alt.own_text:
            own = min(own, own_worst + alt.offset)
    return None if found is None else (found[0], found[1], own)


def _whole(analysis: Analysis, candidate: Candidate) -> tuple[float, str] | None:
    if candidate.exact_kind is not None:
        return (0.5 if candidate.exact_kind == "pinyin" else 0.0), candidate.exact_kind
    if analysis.whole_categories & set(candidate.category_ids):
        return 1.0, "category"
    if len(analysis.whole_compact) >= 2 and f" {analysis.whole_compact}" in candidate.columns["name_keys"]:
        return 2.0, "name"
    return None


class Ranker:
    """The ranking of one query, compiled once and applied to every pooled candidate."""

    def __init__(self, analysis: Analysis):
        self.analysis = analysis
        self.terms = [_compiled(term) for term in analysis.units]

    def rank(self, candidate: Candidate) -> Ranked | None:
        """The candidate's place, or None when some term is not really there (the index matched its pairs apart)."""
        whole_text = _SEPARATOR.join(candidate.columns[column] for column, _, _ in FIELDS)
        matches = [_term_match(alts, candidate, whole_text) for alts in self.terms]
        whole = _whole(self.analysis, candidate)
        if any(m is None for m in matches) and whole is None:
            return None
        term_tiers = [m[0] if m else 8.0 for m in matches]
        worst = max(term_tiers)
        if whole is not None and whole[0] < worst:
            tier, reasons = whole[0], (whole[1],)
        else:
            tier, reasons = worst, tuple(dict.fromkeys(m[1] for m in matches if m))
        own = sum(m[2] if m else 8.0 for m in matches)
        return Ranked(candidate.tool_id,
                      (tier, sum(term_tiers), own, -candidate.clicks, -candidate.rating, candidate.tool_id), tier,
                      reasons, candidate.category_ids)
