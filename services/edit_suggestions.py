"""Suggested edits: anyone verified (or the tool's vendor) proposes corrections, staff accept some fields.

``EditSuggestion.changes`` is JSON ``{field: {"from": value the author saw, "to": proposed value}}`` holding
only the fields the author changed, every value a normalised string ("" for none), so staff can tell when
the tool changed after the suggestion was made. Values are checked when suggested and again when
accepted, and accepted fields go through ``catalog_tools.update_tool`` (audit, search, catalog version).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from extensions import db
from models import ContributionState, EditSuggestion, Lifecycle, Pricing, Tool, User
from services import audit, clock, notifications
from services.moderation import catalog_tools
from services.moderation.catalog_tools import SLUG_MAX, ToolFields
from services.numbers import whole_number
from services.write_locks import lock_row

PENDING = ContributionState.PENDING.value

# What a suggestion may change, in the order forms and diffs show them; the value is the length limit.
FIELD_LIMITS = {
    "name": 120,
    "name_en": 120,
    "url": 500,
    "tagline_zh": 200,
    "tagline_en": 200,
    "description_zh": 5000,
    "description_en": 5000,
    "pricing": 20,
    "price_note_zh": 200,
    "price_note_en": 200,
    "price_from_cny": 20,
    "price_from_usd": 20,
    "trial_days": 10,
    "lifecycle": 20,
    "successor": SLUG_MAX,
}
FIELDS = tuple(FIELD_LIMITS)
REQUIRED = {"name", "url", "tagline_zh", "tagline_en", "description_zh", "description_en", "pricing", "lifecycle"}
TEXT_FIELDS = ("name", "name_en", "tagline_zh", "tagline_en", "description_zh", "description_en",
               "price_note_zh", "price_note_en")
MONEY_FIELDS = ("price_from_cny", "price_from_usd")
ONE_LINE_FIELDS = ("name", "name_en", "tagline_zh", "tagline_en", "price_note_zh", "price_note_en")
NOTE_MAX_LENGTH = 1000
PRICE_MAX = Decimal("99999999.99")  # Numeric(10, 2)
TRIAL_DAYS_MAX = 3650


class SuggestionRefused(ValueError):
    """``nothing`` changed, daily ``limit`` reached, ``note`` too long, ``invalid`` field (``field``, ``problem``),
    ``decided`` already, ``reason`` missing for a rejection."""

    def __init__(self, reason: str, field: str | None = None, problem: str | None = None):
        super().__init__(reason if field is None else f"{reason}: {field} ({problem})")
        self.reason, self.field, self.problem = reason, field, problem


class FieldProblem(ValueError):
    """A proposed value that cannot be stored: ``required``, ``too_long``, ``url``, ``url_taken``, ``choice``,
    ``amount``, ``days``, ``successor_missing``, ``successor_self``."""

    def __init__(self, problem: str):
        super().__init__(problem)
        self.problem = problem


# ---- values ----------------------------------------------------------------------------------------

def _money_text(value) -> str:
    return "" if value is None else f"{Decimal(value):.2f}"


def current_values(tool: Tool, successor_slug: str | None) -> dict[str, str]:
    """The tool's suggestable fields as normalised strings."""
    values = {name: getattr(tool, name) or "" for name in (*TEXT_FIELDS, "url", "pricing", "lifecycle")}
    values.update({name: _money_text(getattr(tool, name)) for name in MONEY_FIELDS})
    values["trial_days"] = "" if tool.trial_days is None else str(tool.trial_days)
    values["successor"] = successor_slug or ""
    return {name: values[name] for name in FIELDS}


def comparable(name: str, value: str) -> str:
    """A value with the differences that do not count taken out: outer spaces, CRLF, runs of spaces in a line."""
    value = (value or "").replace("\r\n", "\n").strip()
    return " ".join(value.split()) if name in ONE_LINE_FIELDS else value


def clean_value(name: str, raw: str, tool_id: int) -> str:
    """One proposed value normalised for storing and comparing; raises FieldProblem."""
    value = comparable(name, raw)  # one-line fields: a pasted line break is not meant
    if not value:
        if name in REQUIRED:
            raise FieldProblem("required")
        return ""
    if len(value) > FIELD_LIMITS[name]:
        raise FieldProblem("too_long")
    if name == "url":
        return _clean_url(value, tool_id)
    if name == "pricing" and value not in set(Pricing):
        raise FieldProblem("choice")
    if name == "lifecycle" and value not in set(Lifecycle):
        raise FieldProblem("choice")
    if name in MONEY_FIELDS:
        return _clean_money(value)
    if name == "trial_days":
        days = whole_number(value, maximum=TRIAL_DAYS_MAX)
        if days is None:
            raise FieldProblem("days")
        return str(days)
    if name == "successor":
        return _clean_successor(value.lower(), tool_id)
    return value


def _clean_url(value: str, tool_id: int) -> str:
    url = catalog_tools.clean_url(value)
    if url is None:
        raise FieldProblem("url")
    if catalog_tools.url_taken_by(url, tool_id) is not None:
        raise FieldProblem("url_taken")
    return url


def _clean_money(value: str) -> str:
    try:
        amount = Decimal(value.replace(",", ""))
    except InvalidOperation as error:
        raise FieldProblem("amount") from error
    if not amount.is_finite() or amount < 0 or amount > PRICE_MAX or amount != amount.quantize(Decimal("0.01")):
        raise FieldProblem("amount")
    return f"{amount:.2f}"


def _clean_successor(slug: str, tool_id: int) -> str:
    successor = catalog_tools.tool_by_slug(slug)
    if successor is None:
        raise FieldProblem("successor_missing")
    if successor.id == tool_id:
        raise FieldProblem("successor_self")
    return slug


def clean_values(raw: dict[str, str], tool_id: int) -> tuple[dict[str, str], dict[str, str]]:
    """Every submitted field normalised, and the problems by field."""
    values, problems = {}, {}
    for name in FIELDS:
        if name in raw:
            try:
                values[name] = clean_value(name, raw[name], tool_id)
            except FieldProblem as problem:
                problems[name] = problem.problem
    return values, problems


# ---- suggesting --------------------------------------------------------------------------------------

def successor_slug(tool: Tool) -> str | None:
    if tool.successor_id is None:
        return None
    return db.session.scalar(select(Tool.slug).where(Tool.id == tool.successor_id))


def changes_between(seen: dict[str, str], proposed: dict[str, str]) -> dict[str, dict[str, str]]:
    """The fields the author changed from what they saw."""
    return {name: {"from": seen.get(name, ""), "to": proposed[name]}
            for name in FIELDS if name in proposed and proposed[name] != comparable(name, seen.get(name, ""))}


def suggestions_today(user_id: int) -> int:
    """The user's suggestions in the last 24 hours."""
    since = clock.now() - timedelta(days=1)
    return db.session.scalar(select(func.count()).select_from(EditSuggestion).where(
        EditSuggestion.user_id == user_id, EditSuggestion.created_at >= since)) or 0


def suggest_edit(user_id: int, tool_id: int, changes: dict, note: str, *, from_vendor: bool,
                 daily_limit: int) -> EditSuggestion:
    """File a suggestion of already-checked ``changes`` (see ``changes_between``). Commits."""
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise SuggestionRefused("note")
    if not changes:
        raise SuggestionRefused("nothing")
    lock_row(User, user_id)  # parallel submits cannot pass the daily limit together
    if suggestions_today(user_id) >= daily_limit:
        db.session.rollback()
        raise SuggestionRefused("limit")
    suggestion = EditSuggestion(tool_id=tool_id, user_id=user_id, from_vendor=from_vendor,
                                changes=json.dumps(changes, ensure_ascii=False), note=note, state=PENDING,
                                created_at=clock.now())
    db.session.add(suggestion)
    db.session.commit()
    return suggestion


# ---- the staff queue ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class DiffRow:
    field: str
    current: str
    seen: str
    proposed: str

    @property
    def changed_since(self) -> bool:
        """The tool's value is no longer what the author saw."""
        return comparable(self.field, self.current) != comparable(self.field, self.seen)

    @property
    def already_applied(self) -> bool:
        return comparable(self.field, self.current) == self.proposed


@dataclass(frozen=True)
class SuggestionView:
    suggestion: EditSuggestion
    tool: Tool
    author: User | None
    rows: list[DiffRow]


def pending_count() -> int:
    return db.session.scalar(
        select(func.count()).select_from(EditSuggestion).where(EditSuggestion.state == PENDING)) or 0


def decode_changes(suggestion: EditSuggestion) -> dict[str, dict[str, str]]:
    """The stored changes, known fields only, in form order."""
    try:
        changes = json.loads(suggestion.changes or "{}")
    except ValueError:
        return {}
    return {name: changes[name] for name in FIELDS
            if isinstance(changes.get(name), dict) and "to" in changes[name]}


def diff_rows(suggestion: EditSuggestion, tool: Tool) -> list[DiffRow]:
    """Field by field: the tool's value now, what the author saw, what they propose."""
    current = current_values(tool, tool.successor.slug if tool.successor else None)
    return [DiffRow(name, current[name], str(change.get("from", "")), str(change["to"]))
            for name, change in decode_changes(suggestion).items()]


def pending_suggestions(limit: int = 50) -> list[SuggestionView]:
    """Suggestions waiting for staff, oldest first, each with its diff (one query)."""
    rows = db.session.execute(
        select(EditSuggestion, Tool, User)
        .join(Tool, Tool.id == EditSuggestion.tool_id)
        .outerjoin(User, User.id == EditSuggestion.user_id)
        .options(joinedload(Tool.successor))
        .where(EditSuggestion.state == PENDING)
        .order_by(EditSuggestion.created_at, EditSuggestion.id)
        .limit(limit)
    ).unique().all()
    return [SuggestionView(suggestion, tool, author, diff_rows(suggestion, tool)) for suggestion, tool, author in rows]


# ---- deciding ----------------------------------------------------------------------------------------

def _open_for_decision(suggestion_id: int) -> EditSuggestion:
    lock_row(EditSuggestion, suggestion_id)  # two staff deciding at once: the second sees the first's decision
    suggestion = db.session.get(EditSuggestion, suggestion_id, populate_existing=True)
    if suggestion is None:
        raise LookupError(suggestion_id)
    if suggestion.state != PENDING:
        db.session.rollback()
        raise SuggestionRefused("decided")
    return suggestion


def _fields_with(tool: Tool, accepted: dict[str, str]) -> ToolFields:
    """The tool's fields as they are, with the accepted values (checked again now) in place."""
    values = current_values(tool, tool.successor.slug if tool.successor else None)
    for name, raw in accepted.items():
        try:
            values[name] = clean_value(name, raw, tool.id)
        except FieldProblem as problem:
            raise SuggestionRefused("invalid", name, problem.problem) from problem
    successor = catalog_tools.tool_by_slug(values["successor"]) if values["successor"] else None
    name_en = values["name_en"] or None
    return ToolFields(
        name=values["name"], name_en=name_en if name_en != values["name"] else None, slug=tool.slug,
        url=values["url"], tagline_zh=values["tagline_zh"], tagline_en=values["tagline_en"],
        description_zh=values["description_zh"], description_en=values["description_en"],
        category_id=tool.category_id, tags=list(tool.tags),
        platforms=[(link.platform, link.market) for link in tool.platform_links],
        pricing=values["pricing"], price_note_zh=values["price_note_zh"] or None,
        price_note_en=values["price_note_en"] or None,
        price_from_cny=Decimal(values["price_from_cny"]) if values["price_from_cny"] else None,
        price_from_usd=Decimal(values["price_from_usd"]) if values["price_from_usd"] else None,
        trial_days=int(values["trial_days"]) if values["trial_days"] else None,
        **{fact: getattr(tool, fact) for fact in catalog_tools.FACTS},
        status=tool.status, lifecycle=values["lifecycle"], successor_id=successor.id if successor else None,
    )


def _differs(tool: Tool, fields: ToolFields) -> bool:
    """Whether writing ``fields`` would change any column a suggestion can touch."""
    for name in (*TEXT_FIELDS, "url", "pricing", "lifecycle", "trial_days", "successor_id"):
        if getattr(tool, name) != getattr(fields, name):
            return True
    return any(_money_text(getattr(tool, name)) != _money_text(getattr(fields, name)) for name in MONEY_FIELDS)


def _record_decision(suggestion: EditSuggestion, tool: Tool, accepted: list[str], *, staff_id: int,
                     reason: str) -> None:
    state = ContributionState.APPROVED.value if accepted else ContributionState.REJECTED.value
    audit.record(actor_id=staff_id, action="suggestion.accept" if accepted else "suggestion.reject",
                 target_type="edit_suggestion", target_id=suggestion.id, before={"state": PENDING},
                 after={"state": state, "tool_id": tool.id, "accepted": accepted,
                        "from_vendor": suggestion.from_vendor}, reason=reason)
    suggestion.state, suggestion.reason = state, reason
    suggestion.accepted_fields = json.dumps(accepted)
    suggestion.decided_by_id, suggestion.decided_at = staff_id, clock.now()
    if suggestion.user_id is not None:
        notifications.notify(suggestion.user_id, "suggestion_decided", tool=tool.name, slug=tool.slug, state=state,
                             accepted=accepted, reason=reason)


def decide_suggestion(suggestion_id: int, accept: list[str], *, staff_id: int, reason: str = "") -> list[str]:
    """Accept the chosen fields (none chosen is a rejection, which needs a reason); returns the accepted fields.

    The tool changes through ``update_tool`` in the same transaction as the decision, its audit entry
    and the author's notice; a value that no longer passes the checks refuses the whole decision.
    """
    reason = (reason or "").strip()
    suggestion = _open_for_decision(suggestion_id)
    changes = decode_changes(suggestion)
    accepted = [name for name in changes if name in set(accept)]
    if not accepted and not reason:
        db.session.rollback()
        raise SuggestionRefused("reason")
    tool = catalog_tools.tool_for_edit(suggestion.tool_id)
    if accepted:
        try:
            fields = _fields_with(tool, {name: changes[name]["to"] for name in accepted})
        except SuggestionRefused:
            db.session.rollback()
            raise
        if _differs(tool, fields):
            _record_decision(suggestion, tool, accepted, staff_id=staff_id, reason=reason)
            audit_reason = f"Suggested edit #{suggestion.id}" + (f": {reason}" if reason else "")
            if catalog_tools.update_tool(tool, fields, actor_id=staff_id, reason=audit_reason):
                return accepted  # committed with the decision
            # update_tool found nothing to write and rolled back: record the decision alone.
            suggestion = _open_for_decision(suggestion_id)
            tool = catalog_tools.tool_for_edit(suggestion.tool_id)
    _record_decision(suggestion, tool, accepted, staff_id=staff_id, reason=reason)
    db.session.commit()
    return accepted
