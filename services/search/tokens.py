"""A tool's token document and field words: what the index stores for retrieval and ranking.

Both are built from the same ``ToolText`` by the same word rules as a query
(``services.search.text``), so a word found in a field is found by typing it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from services.search.pinyin import pinyin_forms
from services.search.text import MAX_JOINED_CHARS, cjk_grams, compact, has_cjk, joined_forms, words

# Markers live in Unicode's private use area, which no query term keeps (see text.query_terms).
MARKER = "\ue000"


def category_marker(category_id: int) -> str:
    """The token every tool of a category (or of one of its children) carries."""
    return f"{MARKER}c{category_id}"


@dataclass
class ToolText:
    """Everything a seller reads about one tool, as written."""

    name: str
    name_en: str | None = None
    aliases: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)  # the category's and the parent's names, zh and en
    category_ids: list[int] = field(default_factory=list)
    platforms: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    taglines: list[str] = field(default_factory=list)
    descriptions: list[str] = field(default_factory=list)


def _chunk_forms(text: str) -> list[str]:
    """Each space-separated chunk of several words, written as one: SellerSprite → sellersprite, 3PL → 3pl."""
    forms = []
    for chunk in (text or "").split():
        parts = words(chunk)
        if len(parts) > 1 and not any(has_cjk(p) for p in parts):
            forms.append(compact(chunk)[:MAX_JOINED_CHARS])
    return forms


def field_words(texts: list[str | None], *, joined: bool = False) -> str:
    """The words of these texts, space-separated with a space at each end (so " ship" finds a word start)."""
    out: list[str] = []
    for text in texts:
        out += words(text)
        out += _chunk_forms(text or "")
        if joined:
            out += joined_forms(text)
    return " " + " ".join(dict.fromkeys(out)) + " " if out else ""


def _word_tokens(text: str | None) -> set[str]:
    tokens: set[str] = set()
    for word in words(text):
        if has_cjk(word):
            tokens |= cjk_grams(word)
        else:
            tokens.add(word)
    tokens.update(_chunk_forms(text or ""))
    return tokens


def pinyin_words(text: ToolText) -> str:
    forms = [form for name in (text.name, text.name_en, *text.aliases) for form in pinyin_forms(name)]
    return " " + " ".join(dict.fromkeys(forms)) + " " if forms else ""


def document(text: ToolText) -> dict[str, str]:
    """The ToolSearch columns (other than ids and keys) for one tool."""
    names = [text.name, text.name_en, *text.aliases]
    tokens: set[str] = set()
    for value in [*names, *text.categories, *text.platforms, *text.tags, *text.taglines, *text.descriptions]:
        tokens |= _word_tokens(value)
    for name in names:
        tokens.update(joined_forms(name))
        tokens.update(pinyin_forms(name))
    for category in text.categories:
        tokens.update(pinyin_forms(category))
    tokens.update(category_marker(category_id) for category_id in text.category_ids)
    keys = [compact(name) for name in names if compact(name)]
    return {
        "name_keys": " " + " ".join(dict.fromkeys(keys)) + " " if keys else "",
        "name_words": field_words([text.name, text.name_en], joined=True),
        "alias_words": field_words(text.aliases, joined=True),
        "pinyin_words": pinyin_words(text),
        "category_words": field_words(text.categories) + " ".join(
            form for category in text.categories for form in pinyin_forms(category)) + " ",
        "platform_words": field_words(text.platforms),
        "tag_words": field_words(text.tags),
        "tagline_words": field_words(text.taglines),
        "description_words": field_words(text.descriptions),
        "tokens": " ".join(sorted(token for token in tokens if token)),
    }


def exact_names(text: ToolText) -> dict[str, str]:
    """Compact name → kind (name, alias, pinyin): what an exact-name lookup finds this tool by."""
    keys: dict[str, str] = {}
    for value, kind in [(text.name, "name"), (text.name_en, "name"), *((a, "alias") for a in text.aliases)]:
        key = compact(value)[:200]
        if key:
            keys.setdefault(key, kind)
    for value in (text.name, *text.aliases):
        for form in pinyin_forms(value)[:1]:  # the full pinyin; initials are too short to be a name
            keys.setdefault(form[:200], "pinyin")
    return keys
