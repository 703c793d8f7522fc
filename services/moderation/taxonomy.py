"""Rules every catalog vocabulary edit shares (categories, tags, platforms, markets): fields, slugs, the record.

A slug is part of public addresses (/c/…, /tag/…, /p/…, /m/…) and of list filters (?platform=…), and
there is no redirect table for them, so a slug can change only while nothing uses it: once a tool
(or, for a category, a sub-category) points at it, it is fixed. Staff rename freely; names are not addresses.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select

from extensions import db
from services import audit
from services.catalog_version import bump_catalog_version
from services.search import sync_tools

SLUG_FORMAT = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
NAME_MAX = 80
DESCRIPTION_MAX = 1000
REASON_MAX = 500


@dataclass(frozen=True)
class Problem:
    """One broken rule: the form field it belongs to (empty for the whole action), a reason code, details."""

    field: str
    reason: str
    details: dict = field(default_factory=dict)


class TaxonomyRefused(ValueError):
    """The edit breaks one or more rules; nothing was changed. The view words each problem."""

    def __init__(self, problems: list[Problem]):
        super().__init__(", ".join(f"{p.field or 'action'}: {p.reason}" for p in problems))
        self.problems = problems


def refuse(reason: str, field_name: str = "", **details) -> TaxonomyRefused:
    """A refusal with a single problem."""
    return TaxonomyRefused([Problem(field_name, reason, details)])


def clean_line(raw: str | None) -> str:
    """One line of text: trimmed, inner white space collapsed."""
    return " ".join((raw or "").split())


def clean_block(raw: str | None) -> str:
    """A paragraph: trimmed, line endings made uniform."""
    return (raw or "").replace("\r\n", "\n").strip()


def has_hidden_characters(text: str, *, allow_newlines: bool = False) -> bool:
    """Control and format characters let a name pretend to be another one."""
    for char in text:
        if allow_newlines and char == "\n":
            continue
        if unicodedata.category(char) in ("Cc", "Cf", "Co", "Cs"):
            return True
    return False


def name_problems(name_zh: str, name_en: str) -> list[Problem]:
    """Both names are required: the Chinese site and the English one each show their own."""
    problems = []
    for field_name, value in (("name_zh", name_zh), ("name_en", name_en)):
        if not value:
            problems.append(Problem(field_name, "name_missing"))
        elif len(value) > NAME_MAX:
            problems.append(Problem(field_name, "too_long", {"max": NAME_MAX}))
        elif has_hidden_characters(value):
            problems.append(Problem(field_name, "hidden_characters"))
    return problems


def description_problems(description_zh: str, description_en: str) -> list[Problem]:
    """Optional, but in both languages or neither, so no page shows a blank where its twin has text."""
    problems = []
    for field_name, value in (("description_zh", description_zh), ("description_en", description_en)):
        if len(value) > DESCRIPTION_MAX:
            problems.append(Problem(field_name, "too_long", {"max": DESCRIPTION_MAX}))
        elif has_hidden_characters(value, allow_newlines=True):
            problems.append(Problem(field_name, "hidden_characters"))
    if bool(description_zh) != bool(description_en) and not problems:
        missing = "description_en" if description_zh else "description_zh"
        problems.append(Problem(missing, "description_one_language"))
    return problems


def slug_problems(model, slug: str, *, max_length: int, except_id: int | None = None) -> list[Problem]:
    """Lower-case letters and digits in words joined by hyphens, short enough, and not used by another row."""
    if not slug:
        return [Problem("slug", "slug_missing")]
    if len(slug) > max_length:
        return [Problem("slug", "too_long", {"max": max_length})]
    if not SLUG_FORMAT.fullmatch(slug):
        return [Problem("slug", "slug_format")]
    taken = select(model.id).where(model.slug == slug)
    if except_id is not None:
        taken = taken.where(model.id != except_id)
    if db.session.scalar(taken.limit(1)) is not None:
        return [Problem("slug", "slug_taken")]
    return []


def fixed_slug_problems(current_slug: str, new_slug: str, uses: int) -> list[Problem]:
    """A slug in use stays as it is (see the module docstring)."""
    if new_slug != current_slug and uses:
        return [Problem("slug", "slug_fixed", {"uses": uses})]
    return []


def raise_if(problems: list[Problem]) -> None:
    if problems:
        raise TaxonomyRefused(problems)


def snapshot(row, fields: Iterable[str]) -> dict:
    """The audited state of a row: the named, non-personal columns."""
    return {name: getattr(row, name) for name in fields}


def record_change(*, actor_id: int, action: str, target_type: str, target_id, before: dict | None,
                  after: dict | None, reason: str = "", tool_ids: Iterable[int] = ()) -> None:
    """What every vocabulary change does besides itself, in its transaction: the audit entry, the page-cache
    version (public pages show these names) and, when tools' search text changed, their search rows."""
    audit.record(actor_id=actor_id, action=action, target_type=target_type, target_id=target_id,
                 before=before, after=after, reason=(reason or "")[:REASON_MAX])
    bump_catalog_version()
    ids = list(tool_ids)
    if ids:
        sync_tools(ids)


def changed_fields(before: dict, after: dict) -> tuple[dict, dict]:
    """Only what changed, so the audit log reads as the edit it records."""
    keys = [key for key in after if before.get(key) != after[key]]
    return {key: before.get(key) for key in keys}, {key: after[key] for key in keys}
