"""The columns of an exported or imported catalog: one name per staff-set tool field, shared by both ways.

Export writes every column; import reads the same names, so an export imported into an empty
database gives the same catalog. In CSV every value is text: lists joined with ``|``, facts as
``true`` / ``false`` / empty (not known), prices with two decimals, times in ISO 8601 UTC. JSON
keeps the types (lists, booleans or null, numbers, strings).
"""

from __future__ import annotations

import re

from services.catalog_file import FACT_FIELDS

COLUMNS = (
    "slug", "name", "name_en", "url", "category", "tags", "platforms",
    "pricing", "price_note_zh", "price_note_en", "price_from_cny", "price_from_usd", "trial_days",
    *FACT_FIELDS,
    "status", "lifecycle", "successor",
    "tagline_zh", "tagline_en", "description_zh", "description_en",
    "pricing_verified_at",
)
LIST_COLUMNS = ("tags", "platforms")
LIST_SEPARATOR = "|"
# Import also takes the separators people type by hand: commas (Chinese ones too), semicolons, spaces.
_LIST_SPLIT = re.compile(r"[|,;，；、\s]+")

TRUE_WORDS = {"true", "yes", "y", "1", "是", "有"}
FALSE_WORDS = {"false", "no", "n", "0", "否", "无"}

# A spreadsheet reads a cell starting with one of these as a formula (tab and CR too, in some programs).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NEUTRALISED = re.compile(r"^'+[=+\-@\t\r]")


def neutralise_cell(text: str) -> str:
    """Prefix a quote to a CSV cell a spreadsheet would run as a formula (CSV formula injection).

    A cell that already starts with quotes before such a character gets one more, so that
    ``restore_cell`` gives every value back exactly.
    """
    if text.startswith(FORMULA_STARTS) or _NEUTRALISED.match(text):
        return "'" + text
    return text


def restore_cell(text: str) -> str:
    """Undo ``neutralise_cell``: drop the one quote it added, and nothing else."""
    return text[1:] if _NEUTRALISED.match(text) else text


def split_list(value) -> list[str]:
    """A list cell (``a|b``, ``a, b``) or a JSON list, as trimmed non-empty strings."""
    if isinstance(value, list):
        return [str(item).strip() for item in value if str(item).strip()]
    return [item for item in _LIST_SPLIT.split(str(value or "")) if item]


def fact_text(value: bool | None) -> str:
    return "" if value is None else ("true" if value else "false")
