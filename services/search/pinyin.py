"""Pinyin of Chinese names, computed when a tool is indexed (never per query).

``lazy_pinyin`` reads whole phrases first, so heteronyms follow the phrase
(行 in 银行 is háng, 重 in 重庆 is chóng); a character outside any phrase takes
its most common reading. Latin parts of a name are kept as written, so 领星ERP is
``lingxingerp`` in full and ``lxerp`` as initials.
"""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin

from services.search.text import has_cjk, words


@lru_cache(maxsize=4096)
def _syllables(run: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    full = tuple(s.lower() for s in lazy_pinyin(run, errors="ignore"))
    initials = tuple(s.lower() for s in lazy_pinyin(run, style=Style.FIRST_LETTER, errors="ignore"))
    return full, initials


def pinyin_forms(text: str | None) -> list[str]:
    """The full pinyin and the initials of ``text``, each joined from its first syllable.

    Empty when ``text`` has no Chinese: an English name has no pinyin to offer.
    Matched as a prefix, so a half-typed ``xuanp`` already finds 选品工具.
    """
    parts = words(text)
    if not any(has_cjk(part) for part in parts):
        return []
    full, initials = [], []
    for part in parts:
        if has_cjk(part):
            syllables, letters = _syllables(part)
            full += syllables
            initials += letters
        else:
            full.append(part)
            initials.append(part)
    return list(dict.fromkeys(["".join(full), "".join(initials)]))
