"""Staff edits of tags, platforms and markets: list with usage, create, edit, delete; each on the record.

Deleting a tag takes it off its tools (a tag is a label, the tools stay as they are) and re-syncs their
search rows; a platform or market in use is not deleted: tools, platform modes or users' store accounts
would lose what they point at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from extensions import db
from models import Market, Platform, Tag, ToolPlatform, tool_tag
from models.privacy import StoreAccount
from services.moderation.taxonomy import (
    Problem,
    changed_fields,
    clean_line,
    fixed_slug_problems,
    name_problems,
    raise_if,
    record_change,
    refuse,
    slug_problems,
    snapshot,
)

POSITION_MAX = 9999
MODE_FORMAT = re.compile(r"[a-z0-9_]{1,40}")


@dataclass(frozen=True)
class Kind:
    """One vocabulary: its model, its name in the audit log, and the fields it has beyond slug and names."""

    key: str
    model: type
    target_type: str
    slug_max: int
    has_position: bool = False
    has_family: bool = False

    @property
    def audited(self) -> tuple[str, ...]:
        fields = ["slug", "name_zh", "name_en"]
        if self.has_position:
            fields.append("position")
        if self.has_family:
            fields += ["family_id", "mode"]
        return tuple(fields)


KINDS = {
    "tags": Kind("tags", Tag, "tag", 80),
    "platforms": Kind("platforms", Platform, "platform", 80, has_position=True, has_family=True),
    "markets": Kind("markets", Market, "market", 40, has_position=True),
}


@dataclass(frozen=True)
class TermFields:
    """What the form edits; ``position`` is -1 when the typed value was not a whole number."""

    slug: str
    name_zh: str
    name_en: str
    position: int = 0
    family_id: int | None = None
    mode: str = ""

    @classmethod
    def cleaned(cls, *, slug="", name_zh="", name_en="", position="0", family_id="", mode="") -> TermFields:
        def whole_number(raw, empty):
            raw = clean_line(str(raw if raw is not None else ""))
            if not raw:
                return empty
            return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 9 else -1

        return cls(slug=clean_line(slug).lower(), name_zh=clean_line(name_zh), name_en=clean_line(name_en),
                   position=whole_number(position, -1), family_id=whole_number(family_id, None),
                   mode=clean_line(mode).lower())


@dataclass(frozen=True)
class Usage:
    """What points at a term: tools, platform modes (a family's members) and users' store accounts."""

    tools: int = 0
    modes: int = 0
    store_accounts: int = 0

    @property
    def slug_uses(self) -> int:
        """Uses that reach the term by its address (store accounts hold its id, not its slug)."""
        return self.tools + self.modes

    @property
    def blocks_delete(self) -> bool:
        return bool(self.tools or self.modes or self.store_accounts)


def _tool_counts(kind: Kind) -> dict[int, int]:
    """Distinct tools per term, one grouped query."""
    if kind.model is Tag:
        statement = select(tool_tag.c.tag_id, func.count()).group_by(tool_tag.c.tag_id)
    else:
        column = ToolPlatform.platform_id if kind.model is Platform else ToolPlatform.market_id
        statement = select(column, func.count(ToolPlatform.tool_id.distinct())).where(column.is_not(None)) \
            .group_by(column)
    return dict(db.session.execute(statement).all())


def term_rows(kind: Kind) -> list[tuple[object, Usage]]:
    """Every term of a vocabulary in display order with its usage; a fixed number of queries at any size."""
    model = kind.model
    order = (model.position, model.id) if kind.has_position else (model.slug,)
    terms = list(db.session.scalars(select(model).order_by(*order)))
    tools = _tool_counts(kind)
    modes: dict[int, int] = {}
    stores: dict[int, int] = {}
    if kind.has_family:
        for term in terms:
            if term.family_id:
                modes[term.family_id] = modes.get(term.family_id, 0) + 1
        stores = dict(db.session.execute(
            select(StoreAccount.platform_id, func.count()).group_by(StoreAccount.platform_id)).all())
    return [(term, Usage(tools.get(term.id, 0), modes.get(term.id, 0), stores.get(term.id, 0))) for term in terms]


def usage(kind: Kind, term_id: int) -> Usage:
    """What points at one term."""
    if kind.model is Tag:
        tools = select(func.count()).where(tool_tag.c.tag_id == term_id)
    else:
        column = ToolPlatform.platform_id if kind.model is Platform else ToolPlatform.market_id
        tools = select(func.count(ToolPlatform.tool_id.distinct())).where(column == term_id)
    result = Usage(tools=db.session.scalar(tools) or 0)
    if kind.has_family:
        result = Usage(
            tools=result.tools,
            modes=db.session.scalar(select(func.count()).where(Platform.family_id == term_id)) or 0,
            store_accounts=db.session.scalar(select(func.count()).where(StoreAccount.platform_id == term_id)) or 0,
        )
    return result


def possible_families(platform: Platform | None = None) -> list[Platform]:
    """Platforms a platform may be a mode of: those that are no one's mode themselves, never itself."""
    statement = select(Platform).where(Platform.family_id.is_(None)).order_by(Platform.position, Platform.id)
    return [p for p in db.session.scalars(statement) if platform is None or p.id != platform.id]


def _family_problems(fields: TermFields, term: Platform | None, modes: int) -> list[Problem]:
    """A mode belongs to a platform that is not a mode itself; a mode has a mode name, and only a mode has one."""
    problems = []
    if fields.family_id is not None:
        family = db.session.get(Platform, fields.family_id) if fields.family_id > 0 else None
        if family is None:
            problems.append(Problem("family_id", "family_missing"))
        elif term is not None and family.id == term.id:
            problems.append(Problem("family_id", "family_itself"))
        elif family.family_id is not None:
            problems.append(Problem("family_id", "family_is_mode"))
        elif modes:
            problems.append(Problem("family_id", "family_has_modes", {"modes": modes}))
        if not fields.mode:
            problems.append(Problem("mode", "mode_missing"))
    elif fields.mode:
        problems.append(Problem("mode", "mode_without_family"))
    if fields.mode and not MODE_FORMAT.fullmatch(fields.mode):
        problems.append(Problem("mode", "mode_format"))
    return problems


def _field_problems(kind: Kind, fields: TermFields, term=None, current: Usage | None = None) -> list[Problem]:
    problems = [
        *slug_problems(kind.model, fields.slug, max_length=kind.slug_max, except_id=term.id if term else None),
        *name_problems(fields.name_zh, fields.name_en),
    ]
    if term is not None and current is not None:
        problems += fixed_slug_problems(term.slug, fields.slug, current.slug_uses)
    if kind.has_position and not 0 <= fields.position <= POSITION_MAX:
        problems.append(Problem("position", "position_range", {"max": POSITION_MAX}))
    if kind.has_family:
        problems += _family_problems(fields, term, current.modes if current else 0)
    return problems


def _apply(kind: Kind, term, fields: TermFields) -> None:
    term.slug, term.name_zh, term.name_en = fields.slug, fields.name_zh, fields.name_en
    if kind.has_position:
        term.position = fields.position
    if kind.has_family:
        term.family_id, term.mode = fields.family_id, (fields.mode or None)


def _commit_or_refuse() -> None:
    """Commit; a slug taken by a concurrent edit is a refusal, not an error page."""
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise refuse("slug_taken", "slug") from error


def next_position(kind: Kind) -> int:
    """The end of the list, offered as a new term's position."""
    if not kind.has_position:
        return 0
    last = db.session.scalar(select(func.max(kind.model.position)))
    return 0 if last is None else min(last + 1, POSITION_MAX)


def create_term(kind: Kind, fields: TermFields, *, actor_id: int, reason: str = ""):
    """A new tag, platform or market (unused, so nothing else changes)."""
    raise_if(_field_problems(kind, fields))
    term = kind.model()
    _apply(kind, term, fields)
    db.session.add(term)
    db.session.flush()
    record_change(actor_id=actor_id, action=f"{kind.target_type}.create", target_type=kind.target_type,
                  target_id=term.id, before=None, after=snapshot(term, kind.audited), reason=reason)
    _commit_or_refuse()
    return term


def _tagged_tool_ids(tag_id: int) -> list[int]:
    return list(db.session.scalars(select(tool_tag.c.tool_id).where(tool_tag.c.tag_id == tag_id)))


def _named_tool_ids(kind: Kind, term_id: int) -> list[int]:
    """The tools whose search rows hold this term's names: a tag's tools, a platform's tools; none for a market."""
    if kind.model is Tag:
        return _tagged_tool_ids(term_id)
    if kind.model is Platform:
        return list(db.session.scalars(select(ToolPlatform.tool_id).where(ToolPlatform.platform_id == term_id)))
    return []


def edit_term(kind: Kind, term_id: int, fields: TermFields, *, actor_id: int, reason: str = ""):
    """Names and the other fields; the slug only while unused. A renamed tag or platform re-syncs its tools'
    search rows."""
    term = db.session.get(kind.model, term_id)
    if term is None:
        raise refuse("missing")
    raise_if(_field_problems(kind, fields, term, usage(kind, term.id)))
    before = snapshot(term, kind.audited)
    _apply(kind, term, fields)
    before, after = changed_fields(before, snapshot(term, kind.audited))
    if not after:
        return term
    renamed = bool({"name_zh", "name_en"} & after.keys())
    record_change(actor_id=actor_id, action=f"{kind.target_type}.edit", target_type=kind.target_type,
                  target_id=term.id, before=before, after=after, reason=reason,
                  tool_ids=_named_tool_ids(kind, term.id) if renamed else ())
    _commit_or_refuse()
    return term


def delete_term(kind: Kind, term_id: int, *, actor_id: int, reason: str = "") -> int:
    """Delete a term; returns how many tools a deleted tag was taken off. A used platform or market is refused."""
    term = db.session.get(kind.model, term_id)
    if term is None:
        raise refuse("missing")
    tool_ids: list[int] = []
    if kind.model is Tag:
        tool_ids = _tagged_tool_ids(term.id)
    else:
        used = usage(kind, term.id)
        if used.blocks_delete:
            raise refuse("in_use", tools=used.tools, modes=used.modes, store_accounts=used.store_accounts)
    before = {**snapshot(term, kind.audited), **({"tools": len(tool_ids)} if kind.model is Tag else {})}
    try:
        if tool_ids:
            db.session.execute(delete(tool_tag).where(tool_tag.c.tag_id == term.id))
        db.session.execute(delete(kind.model).where(kind.model.id == term.id))
        # After the delete, so the re-synced search rows no longer carry the tag.
        record_change(actor_id=actor_id, action=f"{kind.target_type}.delete", target_type=kind.target_type,
                      target_id=term_id, before=before, after=None, reason=reason, tool_ids=tool_ids)
        db.session.commit()
    except IntegrityError as error:  # a tool, mode or store account arrived between the count and the delete
        db.session.rollback()
        used = usage(kind, term_id)
        raise refuse("in_use", tools=used.tools, modes=used.modes, store_accounts=used.store_accounts) from error
    return len(tool_ids)
