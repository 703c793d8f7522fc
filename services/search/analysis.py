"""What a query asks for: its terms, and for each the ways a tool can answer it.

A term answers through its own words (``direct``), a synonym, the Chinese word
its pinyin spells, a near spelling (``typo``), or a category it names. Nothing
here reads the database: the vocabulary (``services.search.vocabulary``) holds
what is known beyond the tools' own text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from services.search.matching import Atom, MatchQuery
from services.search.text import compact, has_cjk, query_terms, words
from services.search.tokens import category_marker
from services.search.vocabulary import Vocabulary

# Words that only say "a tool": dropped when the query has other words (亚马逊广告工具 = 亚马逊 + 广告).
GENERIC = frozenset({"工具", "软件", "系统", "平台", "网站", "tool", "tools", "software", "app", "apps"})
MAX_SEGMENT = 8
MIN_JOINED = 6  # shorter Latin words are not cut into words ("adobe" is not "ado" "be")
MAX_WORD = 20
MAX_TYPOS = 3  # near spellings tried per word


@dataclass(frozen=True)
class Alternative:
    words: tuple[str, ...]
    kind: str = "direct"  # direct | split | synonym | pinyin | typo | category
    category_id: int | None = None

    def atoms(self) -> tuple[Atom, ...]:
        if self.category_id is not None:
            return (Atom(category_marker(self.category_id)),)
        atoms: list[Atom] = []
        for word in self.words:
            if has_cjk(word):
                if len(word) <= 2:
                    atoms.append(Atom(word))
                else:  # every neighbouring pair: the ranking then checks the whole run is there
                    atoms += [Atom(word[i:i + 2]) for i in range(len(word) - 1)]
            else:
                # What was typed may be half a word ("ship" for shipping); a synonym, a pinyin reading or a
                # near spelling is a whole known word, and one letter starts too many words to mean anything.
                atoms.append(Atom(word, prefix=self.kind == "direct" and len(word) > 1))
        return tuple(dict.fromkeys(atoms))


@dataclass
class Term:
    text: str
    alternatives: list[Alternative] = field(default_factory=list)


@dataclass
class Analysis:
    terms: list[str]  # what the page highlights
    units: list[Term]
    whole_compact: str  # the query as one compact name, for the exact-name lookup
    whole_categories: set[int] = field(default_factory=set)
    splittable: bool = False

    def match_query(self) -> MatchQuery:
        return MatchQuery(tuple(_retrieval_alternatives(unit) for unit in self.units))

    def topic_only(self) -> Analysis | None:
        """The query without the terms that name no category ("shopify 物流追踪" → 物流追踪), if that differs."""
        topical = [unit for unit in self.units if any(alt.category_id is not None for alt in unit.alternatives)]
        if not topical or len(topical) == len(self.units):
            return None
        categories = set.intersection(*({a.category_id for a in u.alternatives if a.category_id is not None}
                                        for u in topical))
        return Analysis(self.terms, topical, "", categories)


def _implies(atom: Atom, other: Atom) -> bool:
    """A document holding ``atom`` surely holds ``other`` (the same token, or a longer word for a prefix)."""
    if atom == other:
        return True
    return other.prefix and atom.token.startswith(other.token) and not has_cjk(atom.token)


def _retrieval_alternatives(unit: Term) -> tuple[tuple[Atom, ...], ...]:
    """The unit's alternatives as the index needs them: one that only finds documents another already finds
    (数据分析 next to 数据) is left out, so a synonym-rich term costs the index few lists. Ranking still reads
    every alternative."""
    sets = list(dict.fromkeys(alt.atoms() for alt in unit.alternatives))
    kept = []
    for atoms in sets:
        implied = any(other is not atoms and len(other) <= len(atoms)
                      and all(any(_implies(a, o) for a in atoms) for o in other) for other in sets)
        if not implied:
            kept.append(atoms)
    return tuple(kept)


def _units(terms: list[str], vocabulary: Vocabulary) -> list[str]:
    """Terms joined back into the known phrases they spell ("product research"), longest first."""
    units: list[str] = []
    index = 0
    while index < len(terms):
        for end in range(len(terms), index, -1):
            phrase = " ".join(terms[index:end])
            if end - index == 1 or phrase in vocabulary.phrases:
                units.append(phrase)
                index = end
                break
    return units


def _word_alternatives(text: str, kind: str) -> list[Alternative]:
    parts = tuple(words(text))
    if not parts:
        return []
    alternatives = [Alternative(parts, kind)]
    joined = compact(text)
    if len(parts) > 1 and not has_cjk(joined):
        alternatives.insert(0, Alternative((joined,), kind))  # "helium10", "e-commerce" = ecommerce
    return alternatives


def _term(text: str, vocabulary: Vocabulary) -> Term:
    term = Term(text, _word_alternatives(text, "direct"))
    related: list[tuple[str, str]] = [(text, "direct")]
    related += [(s, "synonym") for s in sorted(vocabulary.synonyms.get(text, ()))]
    if not has_cjk(text):
        for chinese in sorted(vocabulary.pinyin.get(compact(text), ())):
            related.append((chinese, "pinyin"))
            related += [(s, "pinyin") for s in sorted(vocabulary.synonyms.get(chinese, ()))]
    seen = {text}
    for other, kind in related[1:]:
        if other not in seen:
            seen.add(other)
            term.alternatives += _word_alternatives(other, kind)
    named: dict[int, str] = {}
    for other, kind in related:
        for category_id in vocabulary.categories_named(other):
            named.setdefault(category_id, kind)
    term.alternatives += [Alternative((), "category" if kind == "direct" else kind, c) for c, kind in named.items()]
    if has_cjk(text) and len(text) >= 3 and not _is_known(text, vocabulary):
        pieces = [p for p in _segments(text, vocabulary) if p not in GENERIC]
        if len(pieces) > 1 or (pieces and pieces[0] != text):
            term.alternatives.append(Alternative(tuple(pieces), "split"))
    if not has_cjk(text) and " " not in text and not vocabulary.is_known_prefix(text):
        term.alternatives += [Alternative((near,), "typo") for near in vocabulary.near_words(text)[:MAX_TYPOS]]
    return term


def categories_named(text: str, vocabulary: Vocabulary) -> set[int]:
    """Categories the whole text names: by a name, a synonym, or the pinyin of either."""
    keys = {text, *vocabulary.synonyms.get(text, ())}
    if not has_cjk(text):
        for chinese in vocabulary.pinyin.get(compact(text), ()):
            keys |= {chinese, *vocabulary.synonyms.get(chinese, ())}
    return {c for key in keys for c in vocabulary.categories_named(key)}


def _segments(term: str, vocabulary: Vocabulary) -> list[str]:
    """A Chinese compound cut at known words, longest first from the left; unknown characters stay together."""
    pieces: list[str] = []
    loose = ""
    index = 0
    while index < len(term):
        for end in range(min(len(term), index + MAX_SEGMENT), index + 1, -1):
            if term[index:end] in vocabulary.segments:
                if loose:
                    pieces.append(loose)
                    loose = ""
                pieces.append(term[index:end])
                index = end
                break
        else:
            loose += term[index]
            index += 1
    if loose:
        pieces.append(loose)
    return pieces


def _latin_segments(word: str, vocabulary: Vocabulary) -> list[str]:
    """A run-together Latin word cut into the fewest known words ("keywordresearch"), or kept whole."""
    if len(word) < MIN_JOINED or has_cjk(word) or not word.isalpha() or word in vocabulary.word_set:
        return [word]
    best: list[list[str] | None] = [[]] + [None] * len(word)  # best[i]: fewest words spelling word[:i]
    for end in range(1, len(word) + 1):
        for start in range(max(0, end - MAX_WORD), end - 1):
            piece = word[start:end]
            if best[start] is not None and _joinable(piece, vocabulary):
                candidate = [*best[start], piece]
                if best[end] is None or len(candidate) < len(best[end]):
                    best[end] = candidate
    found = best[len(word)]
    return found if found and len(found) > 1 else [word]


def _joinable(piece: str, vocabulary: Vocabulary) -> bool:
    """A word a joined query may hold: a known word of 3 letters or more, or a known term ("ai")."""
    if len(piece) >= 3:
        return piece in vocabulary.word_set
    return piece in vocabulary.synonyms or bool(vocabulary.categories_named(piece))


def _cut(unit: str, vocabulary: Vocabulary) -> list[str]:
    """An unknown compound as its known words: Chinese at known terms, Latin at known words."""
    if _is_known(unit, vocabulary) or " " in unit:
        return [unit]
    if has_cjk(unit):
        return _segments(unit, vocabulary) if len(unit) >= 3 else [unit]
    return _latin_segments(unit, vocabulary)


def _is_known(unit: str, vocabulary: Vocabulary) -> bool:
    return unit in vocabulary.segments or unit in vocabulary.synonyms or bool(vocabulary.categories_named(unit))


def _without_generic(units: list[str]) -> list[str]:
    kept = [u for u in units if u not in GENERIC]
    return kept or units


def analyse(raw: str | None, vocabulary: Vocabulary, *, split: bool = False) -> Analysis:
    """The query's terms and their alternatives; ``split`` cuts unknown compounds at known words."""
    terms = query_terms(raw)
    units = _without_generic(_units(terms, vocabulary))
    splittable = False
    if units:
        pieces: list[str] = []
        for unit in units:
            cut = _cut(unit, vocabulary)
            splittable |= len(cut) > 1
            pieces += cut if split else [unit]
        if split:  # the words found apart may spell a known phrase again ("product" "research")
            units = _without_generic(_units(list(dict.fromkeys(pieces)), vocabulary))
    whole = " ".join(units)
    analysis = Analysis(
        terms=terms,
        units=[_term(unit, vocabulary) for unit in units],
        whole_compact=compact(raw),
        whole_categories=categories_named(whole, vocabulary) if units else set(),
        splittable=splittable and not split,
    )
    return analysis
