"""The unified social credit code (统一社会信用代码, GB 32100-2015): normalise and check it.

18 characters from a 31-character alphabet (digits and upper-case letters
without I, O, S, V, Z): registration authority, organisation category, a
six-digit administrative division, a nine-character organisation code, and
a check character computed over the first 17 with fixed weights modulo 31.
"""

from __future__ import annotations

import re
import unicodedata

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUES = {char: value for value, char in enumerate(ALPHABET)}
# Weight of position i is 3**i mod 31 (the standard lists them as a table).
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18
_SHAPE = re.compile(rf"[{ALPHABET}]{{2}}[0-9]{{6}}[{ALPHABET}]{{10}}")


def normalise_credit_code(raw: str) -> str:
    """Half-width upper case without spaces or dashes: what people paste from PDFs and phones."""
    text = unicodedata.normalize("NFKC", raw or "")  # full-width Ａ１ become A1
    return re.sub(r"[\s\-]+", "", text).upper()


def check_character(first17: str) -> str:
    """The 18th character for the first 17."""
    total = sum(VALUES[char] * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> str | None:
    """Why a normalised code is not valid (``length``, ``characters``, ``check``), or None."""
    if len(code) != LENGTH:
        return "length"
    if not _SHAPE.fullmatch(code):
        return "characters"
    if check_character(code[:17]) != code[17]:
        return "check"
    return None


def is_valid_credit_code(code: str) -> bool:
    """True for a well-formed code with the right check character (input as normalised)."""
    return credit_code_problem(code) is None
