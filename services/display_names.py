"""Names people show each other (display names, WeChat nicknames), made safe to show beside other names.

Escaping already stops markup; this stops a name from impersonating or reordering text around it: NFKC folds
look-alike compatibility forms (full-width letters), control, format, private-use and surrogate characters go —
among them the bidi overrides (U+202E) and zero-width spaces — and whitespace collapses to single spaces. The one
format character kept is the zero-width joiner inside an emoji sequence (👩‍💻), which WeChat nicknames carry.
"""

from __future__ import annotations

import unicodedata

DISPLAY_NAME_MAX = 40  # the column's length
NICKNAME_MAX = 100  # WechatIdentity.nickname
ZERO_WIDTH_JOINER = "\u200d"
_REMOVED_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs"})
_EMOJI_VARIATION = "\ufe0f"


def _is_emoji(character: str) -> bool:
    # Emoji are "other symbols"; skin-tone modifiers are "modifier symbols"; VS16 asks for emoji presentation.
    return unicodedata.category(character) in ("So", "Sk") or character == _EMOJI_VARIATION


def clean_name(raw: str | None, limit: int = DISPLAY_NAME_MAX) -> str:
    """``raw`` as a name safe to show: see the module docstring; cut to ``limit`` characters."""
    text = unicodedata.normalize("NFKC", raw or "")
    kept: list[str] = []
    for index, character in enumerate(text):
        if unicodedata.category(character) in _REMOVED_CATEGORIES:
            following = text[index + 1] if index + 1 < len(text) else ""
            if not (character == ZERO_WIDTH_JOINER and kept and _is_emoji(kept[-1]) and following
                    and _is_emoji(following)):
                continue
        kept.append(character)
    name = " ".join("".join(kept).split())
    return name[:limit].rstrip(ZERO_WIDTH_JOINER).strip()


def has_hidden_characters(text: str) -> bool:
    """Whether ``text`` holds a character ``clean_name`` would remove (forms say so instead of removing it)."""
    return clean_name(text, limit=len(text) + 1) != " ".join(unicodedata.normalize("NFKC", text).split())
