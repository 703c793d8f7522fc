"""The words search knows beyond each tool's own text: categories, synonyms, and the names typos are fixed to.

Loaded once per process and catalog version (every catalog or synonym change
moves the version, so every worker reloads on its next search): categories and
synonyms are a few hundred rows; the name words are one column of the index.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations

from flask import current_app, g
from sqlalchemy import func, select

from extensions import db
from models import Category, Platform, Tag, Tool
from models.search import SearchSynonym, ToolSearch
from services.catalog_queries import public_tool
from services.catalog_version import current_catalog_version
from services.search.pinyin import pinyin_forms
from services.search.text import has_cjk, query_terms

# Typos: no fuzzing below 4 letters; 1 edit up to 7 letters, 2 from 8 (Damerau–Levenshtein, a swap is one edit).
TYPO_MIN = 4
TYPO_TWO_EDITS = 8


def typo_distance(word: str) -> int:
    if len(word) < TYPO_MIN:
        return 0
    return 2 if len(word) >= TYPO_TWO_EDITS else 1


def damerau_levenshtein(a: str, b: str) -> int:
    """Edits (insert, delete, substitute, swap neighbours) from a to b (optimal string alignment)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def _deletes(word: str, distance: int) -> set[str]:
    out = {word}
    for count in range(1, distance + 1):
        for positions in combinations(range(len(word)), count):
            out.add("".join(c for i, c in enumerate(word) if i not in positions))
    return out


@dataclass(frozen=True)
class CategoryInfo:
    """What a category chip shows, read with the vocabulary so a search page needs no tree of its own."""

    id: int
    slug: str
    name_zh: str
    name_en: str
    icon: str
    parent_id: int | None

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_zh


@dataclass
class Vocabulary:
    category_parent: dict[int, int | None] = field(default_factory=dict)
    category_ids: dict[str, int] = field(default_factory=dict)  # slug → id
    categories: dict[int, CategoryInfo] = field(default_factory=dict)
    public_tools: dict[int, int] = field(default_factory=dict)  # category id → its own public tools
    category_terms: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    synonyms: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    segments: set[str] = field(default_factory=set)  # Chinese words a compound is split at
    phrases: set[str] = field(default_factory=set)  # known terms of several words ("product research")
    pinyin: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # full pinyin → Chinese term
    words: list[str] = field(default_factory=list)  # sorted Latin words of names, aliases and the vocabulary
    word_set: frozenset[str] = frozenset()  # the same, of 2 letters or more, for cutting joined words
    _deletes: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def add_term(self, term: str) -> str:
        key = " ".join(query_terms(term))
        if has_cjk(key) and " " not in key:
            self.segments.add(key)
            for form in pinyin_forms(key)[:1]:
                self.pinyin[form].add(key)
        if " " in key:
            self.phrases.add(key)
        return key

    def public_total(self, category_id: int) -> int:
        """Public tools in a category and its children."""
        return sum(count for c, count in self.public_tools.items()
                   if c == category_id or self.category_parent.get(c) == category_id)

    def categories_named(self, term: str) -> set[int]:
        return self.category_terms.get(term, set())

    def is_known_prefix(self, word: str) -> bool:
        """Some known word starts with ``word`` (so it may be half typed, not misspelt)."""
        index = bisect_left(self.words, word)
        return index < len(self.words) and self.words[index].startswith(word)

    def index_typos(self) -> None:
        for word in self.words:
            if len(word) >= TYPO_MIN - 1:
                for deleted in _deletes(word, 1 if len(word) < TYPO_TWO_EDITS else 2):
                    self._deletes[deleted].add(word)

    def near_words(self, word: str, distance: int | None = None) -> list[str]:
        """Known words within the typo distance of ``word``, nearest first (none for short words)."""
        distance = typo_distance(word) if distance is None else distance
        if not distance:
            return []
        candidates: set[str] = set()
        for deleted in _deletes(word, distance):
            candidates |= self._deletes.get(deleted, set())
        scored = [(damerau_levenshtein(word, c), c) for c in candidates if c != word]
        return [c for d, c in sorted(scored) if d <= distance]


def _load() -> Vocabulary:
    vocabulary = Vocabulary()
    for category_id, slug, parent_id, zh, en, icon in db.session.execute(
            select(Category.id, Category.slug, Category.parent_id, Category.name_zh, Category.name_en, Category.icon)):
        vocabulary.category_parent[category_id] = parent_id
        vocabulary.category_ids[slug] = category_id
        vocabulary.categories[category_id] = CategoryInfo(category_id, slug, zh, en, icon or "", parent_id)
        for name in (zh, en):
            vocabulary.category_terms[vocabulary.add_term(name)].add(category_id)
    for synonym in db.session.scalars(select(SearchSynonym)):
        keys = [vocabulary.add_term(term) for term in synonym.term_list]
        keys = [k for k in keys if k]
        for key in keys:
            vocabulary.synonyms[key].update(k for k in keys if k != key)
            if synonym.category_id is not None:
                vocabulary.category_terms[key].add(synonym.category_id)
    for model in (Tag, Platform):
        for zh, en in db.session.execute(select(model.name_zh, model.name_en)):
            vocabulary.add_term(zh)
            vocabulary.add_term(en)
    latin: set[str] = set()
    for key in [*vocabulary.category_terms, *vocabulary.synonyms]:
        latin.update(w for w in key.split() if not has_cjk(w))
    for name_words, alias_words, pinyin in db.session.execute(
            select(ToolSearch.name_words, ToolSearch.alias_words, ToolSearch.pinyin_words)
            .join(Tool, Tool.id == ToolSearch.tool_id).where(public_tool)):
        latin.update(w for w in f"{name_words} {alias_words} {pinyin}".split() if not has_cjk(w))
    vocabulary.public_tools = dict(db.session.execute(
        select(Tool.category_id, func.count()).where(public_tool).group_by(Tool.category_id)).all())
    vocabulary.words = sorted(latin)
    vocabulary.word_set = frozenset(w for w in latin if len(w) >= 2 and w.isalpha())
    vocabulary.index_typos()
    return vocabulary


def vocabulary() -> Vocabulary:
    """This process's vocabulary for the current catalog version (read once per request)."""
    if "search_vocabulary" in g:
        return g.search_vocabulary
    version = current_catalog_version()
    cached = current_app.extensions.get("search_vocabulary")
    if cached is None or cached[0] != version:
        cached = (version, _load())
        current_app.extensions["search_vocabulary"] = cached
    g.search_vocabulary = cached[1]
    return cached[1]

