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

from services.search.analysis import Alternative, Analysis, Term
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


def _word_in(word: str, text: str, *, whole: bool) -> bool:
    if has_cjk(word):
        return word in text
    return f" {word} " in text if whole or len(word) < 2 else f" {word}" in text


def _own_text_tier(term: Term, candidate: Candidate) -> float:
    """The best field of the tool's own text (not its category's name) holding the term's words directly.

    Breaks ties inside a tier: of two tools in 商标与专利, the one whose own text says 商标 first.
    """
    tiers = [8.0]
    for alt in term.alternatives:
        if alt.category_id is not None or alt.kind == "typo" or not alt.words:
            continue
        worst = 0.0
        for word in alt.words:
            tier = next((t for column, t, _ in FIELDS
                         if column != "category_words" and _word_in(word, candidate.columns[column], whole=False)), 8.0)
            worst = max(worst, tier + KIND_OFFSET[alt.kind])
        tiers.append(worst)
    return min(tiers)


def _alternative(alt: Alternative, candidate: Candidate) -> tuple[float, str] | None:
    offset = KIND_OFFSET[alt.kind]
    if alt.category_id is not None:
        if alt.category_id in candidate.category_ids:
            return CATEGORY_TIER + offset, "category" if alt.kind == "category" else KIND_REASON[alt.kind]
        return None
    worst: tuple[float, str] | None = None
    for word in alt.words:
        best = next(((tier, reason) for column, tier, reason in FIELDS
                     if _word_in(word, candidate.columns[column], whole=alt.kind == "typo")), None)
        if best is None:
            return None
        if worst is None or best[0] > worst[0]:
            worst = best
    if worst is None:
        return None
    return worst[0] + offset, KIND_REASON.get(alt.kind, worst[1])


def _term(term: Term, candidate: Candidate) -> tuple[float, str] | None:
    found = [m for m in (_alternative(alt, candidate) for alt in term.alternatives) if m is not None]
    return min(found) if found else None


def _whole(analysis: Analysis, candidate: Candidate) -> tuple[float, str] | None:
    if candidate.exact_kind is not None:
        return (0.5 if candidate.exact_kind == "pinyin" else 0.0), candidate.exact_kind
    if analysis.whole_categories & set(candidate.category_ids):
        return 1.0, "category"
    if len(analysis.whole_compact) >= 2 and f" {analysis.whole_compact}" in candidate.columns["name_keys"]:
        return 2.0, "name"
    return None


def rank(analysis: Analysis, candidate: Candidate) -> Ranked | None:
    """The candidate's place, or None when some term is not really there (the index matched its pairs apart)."""
    matches = [_term(term, candidate) for term in analysis.units]
    whole = _whole(analysis, candidate)
    if any(m is None for m in matches) and whole is None:
        return None
    term_tiers = [m[0] if m else 8.0 for m in matches]
    worst = max(term_tiers)
    if whole is not None and whole[0] < worst:
        tier, reasons = whole[0], (whole[1],)
    else:
        tier, reasons = worst, tuple(dict.fromkeys(m[1] for m in matches if m))
    own = sum(_own_text_tier(term, candidate) for term in analysis.units)
    return Ranked(candidate.tool_id,
                  (tier, sum(term_tiers), own, -candidate.clicks, -candidate.rating, candidate.tool_id), tier, reasons,
                  candidate.category_ids)
