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
# The longest joined name kept as one token ("junglescout"): longer joins are never typed.
MAX_JOINED_CHARS = 40
# Separators between terms, after NFKC: white space and punctuation that never joins a name.
_SEPARATORS = re.compile(r"[\s,;:!?()\[\]{}<>\"|`~^=*\\/、。，；：！？（）【】《》「」『』“”‘’·…]+")


def normalise(text: str | None) -> str:
    """NFKC, then lower-case: the form every search field and query term is compared in."""
    return unicodedata.normalize("NFKC", text or "").lower()


def _is_word_char(char: str) -> bool:
    return unicodedata.category(char)[0] in "LN"


def is_cjk(char: str) -> bool:
    """A Han ideograph, kana or hangul: text that is written without spaces between words."""
    code = ord(char)
    return (0x3400 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0x20000 <= code <= 0x3FFFF
            or 0x3040 <= code <= 0x30FF or 0xAC00 <= code <= 0xD7AF)


def _script(char: str) -> str:
    if is_cjk(char):
        return "cjk"
    return "digit" if char.isdigit() else "letter"


def has_cjk(text: str) -> bool:
    return any(is_cjk(char) for char in text)


def words(text: str | None) -> list[str]:
    """The words of ``text`` as written, normalised: where a reader sees a word start.

    A word starts after a space or punctuation, at a change between Chinese and Latin
    script or between letters and digits, and at a lower-to-upper case change
    (Simply|VAT, Seller|Sprite, 领星|ERP, Helium|10). A run of Chinese is one word;
    its characters are found through ``cjk_grams``.
    """
    out: list[str] = []
    current = ""
    previous = ""
    for char in unicodedata.normalize("NFKC", text or ""):
        if not _is_word_char(char):
            if current:
                out.append(current)
            current, previous = "", ""
            continue
        if current and (_script(char) != _script(previous)
                        or (previous.islower() and char.isupper())):
            out.append(current)
            current = ""
        current += char
        previous = char
    if current:
        out.append(current)
    return [word.lower() for word in out]


def joined_forms(text: str | None) -> list[str]:
    """A name typed without its spaces, from each of its Latin word starts: "Jungle Scout" → junglescout, scout.

    Chinese runs end a join (their characters are matched one by one); a name of one word joins nothing.
    """
    forms: list[str] = []
    run: list[str] = []
    for word in [*words(text), ""]:
        if word and not has_cjk(word):
            run.append(word)
            continue
        for start in range(len(run) - 1):
            joined = "".join(run[start:])[:MAX_JOINED_CHARS]
            if joined not in forms:
                forms.append(joined)
        run = []
    return forms


def compact(text: str | None) -> str:
    """Letters and digits only, normalised: how an exact name is compared ("Helium 10" = helium10)."""
    return "".join(char for char in normalise(text) if _is_word_char(char))


def cjk_grams(word: str) -> set[str]:
    """Every character and every pair of neighbouring characters of a Chinese run."""
    grams = set(word)
    grams.update(word[index:index + 2] for index in range(len(word) - 1))
    return grams


def split_scripts(term: str) -> list[str]:
    """A term cut where Chinese and Latin script meet: "tiktok选品" → tiktok, 选品."""
    pieces: list[str] = []
    current = ""
    for char in term:
        if current and is_cjk(char) != is_cjk(current[-1]) and (_is_word_char(char) and _is_word_char(current[-1])):
            pieces.append(current)
            current = ""
        current += char
    if current:
        pieces.append(current)
    return pieces


def query_terms(raw: str | None) -> list[str]:
    """The distinct terms of a query, in order; empty when it holds no letter or digit at all.

    Each term is trimmed of leading and trailing symbols (``"alpha!"`` → ``alpha``);
    symbols inside a term stay (``e-commerce``, ``1688.com``). A term that mixes
    Chinese and Latin script is cut where they meet (``tiktok选品`` → tiktok, 选品);
    private-use characters, which the index uses for its own markers, are dropped.
    """
    terms: list[str] = []
    for piece in _SEPARATORS.split(normalise((raw or "")[:MAX_QUERY_CHARS])):
        start, end = 0, len(piece)
        while start < end and not _is_word_char(piece[start]):
            start += 1
        while end > start and not _is_word_char(piece[end - 1]):
            end -= 1
        for term in split_scripts(piece[start:end][:MAX_TERM_CHARS]):
            term = "".join(char for char in term if unicodedata.category(char) != "Co")
            if term and term not in terms:
                terms.append(term)
    return terms[:MAX_TERMS]


def clean_query(raw: str | None) -> str:
    """The query as stored in history and the keyword log: trimmed, spaces collapsed, bounded."""
    return " ".join(unicodedata.normalize("NFKC", raw or "").split())[:MAX_QUERY_CHARS]


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
