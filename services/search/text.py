"""Search text: one normalisation (NFKC + lower-case) for tool fields and queries alike.

NFKC folds full-width letters and digits (ＡＬＰＨＡ → ALPHA) and compatibility
forms; lower-case after it makes matching case-insensitive on both databases
without relying on either one's collation.
"""

from __future__ import annotations

import re
import unicodedata

from markupsafe import Markup, escape

MAX_QUERY_CHARS = 200
MAX_TERMS = 8
MAX_TERM_CHARS = 64
# Terms of this length or more go through trigram retrieval; shorter ones through name grams.
TRIGRAM_MIN = 3
# Separators between terms, after NFKC: white space and punctuation that never joins a name.
_SEPARATORS = re.compile(r"[\s,;:!?()\[\]{}<>\"|`~^=*\\/、。，；：！？（）【】《》「」『』“”‘’·…]+")


def normalise(text: str | None) -> str:
    """NFKC, then lower-case: the form every search field and query term is compared in."""
    return unicodedata.normalize("NFKC", text or "").lower()


def _is_word_char(char: str) -> bool:
    return unicodedata.category(char)[0] in "LN"


def query_terms(raw: str | None) -> list[str]:
    """The distinct terms of a query, in order; empty when it holds no letter or digit at all.

    Each term is trimmed of leading and trailing symbols (``"alpha!"`` → ``alpha``);
    symbols inside a term stay (``e-commerce``, ``1688.com``).
    """
    terms: list[str] = []
    for piece in _SEPARATORS.split(normalise((raw or "")[:MAX_QUERY_CHARS])):
        start, end = 0, len(piece)
        while start < end and not _is_word_char(piece[start]):
            start += 1
        while end > start and not _is_word_char(piece[end - 1]):
            end -= 1
        term = piece[start:end][:MAX_TERM_CHARS]
        if term and term not in terms:
            terms.append(term)
    return terms[:MAX_TERMS]


def clean_query(raw: str | None) -> str:
    """The query as stored in history and the keyword log: trimmed, spaces collapsed, bounded."""
    return " ".join(unicodedata.normalize("NFKC", raw or "").split())[:MAX_QUERY_CHARS]


def short_grams(text: str) -> set[str]:
    """Every 1- and 2-character substring made only of letters and digits (for short queries)."""
    grams: set[str] = set()
    for index, char in enumerate(text):
        if not _is_word_char(char):
            continue
        grams.add(char)
        if index + 1 < len(text) and _is_word_char(text[index + 1]):
            grams.add(text[index:index + 2])
    return grams


def highlight(text: str | None, terms: list[str]) -> Markup:
    """``text`` escaped, with every match of a term wrapped in ``<mark>``.

    Matching happens on the normalised form; a map from each normalised character
    back to its source character keeps the marks on the original (full-width) text.
    """
    text = text or ""
    normalised: list[str] = []
    source_index: list[int] = []
    for index, char in enumerate(text):
        for folded in normalise(char):
            normalised.append(folded)
            source_index.append(index)
    haystack = "".join(normalised)
    marked = [False] * len(text)
    for term in terms:
        start = haystack.find(term)
        while start != -1:
            for position in range(start, start + len(term)):
                marked[source_index[position]] = True
            start = haystack.find(term, start + 1)
    out: list[str] = []
    index = 0
    while index < len(text):
        end = index
        while end < len(text) and marked[end] == marked[index]:
            end += 1
        chunk = str(escape(text[index:end]))
        out.append(f"<mark>{chunk}</mark>" if marked[index] else chunk)
        index = end
    return Markup("".join(out))
