"""Staff editing of tools: the staff list, create and edit, hide and unhide, and pricing checks.

Every change is one transaction holding the change, an audit entry with the changed fields
before and after, a catalog-version bump (cached pages are keyed by it) and the tool's new
search rows.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from extensions import db
from models import Category, Market, Platform, Tag, Tool, ToolPlatform, ToolSlugRedirect, ToolStatus
from services import audit, clock
from services.catalog_file import split_platform_ref
from services.catalog_version import bump_catalog_version
from services.names import name_sort_key
from services.search import sync_tools
from services.urls import is_web_url, normalize_url

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX = 120
FACTS = ("china_direct", "cn_payment", "cn_invoice", "chinese_support", "free_plan")
PRICE_FIELDS = ("pricing", "price_from_cny", "price_from_usd", "trial_days")


class ToolActionError(ValueError):
    """A staff action that does not apply (tool gone, already hidden, address taken); ``code`` says which."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


# ---- reading -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ToolFilter:
    query: str = ""
    status: str = ""
    category_id: int | None = None


def tool_list(filters: ToolFilter, page: int, per_page: int):
    """A page of tools by name, any status, with their category: two queries whatever the catalog size."""
    statement = select(Tool).options(joinedload(Tool.category))
    if filters.query:
        pattern = f"%{filters.query}%"
        statement = statement.where(or_(Tool.name.ilike(pattern), Tool.name_en.ilike(pattern),
                                        Tool.slug.ilike(pattern), Tool.url_normalized.ilike(pattern)))
    if filters.status:
        statement = statement.where(Tool.status == filters.status)
    if filters.category_id is not None:
        children = select(Category.id).where(Category.parent_id == filters.category_id)
        statement = statement.where(or_(Tool.category_id == filters.category_id, Tool.category_id.in_(children)))
    statement = statement.order_by(Tool.name_sort, Tool.id)
    return db.paginate(statement, page=page, per_page=per_page, error_out=False, count=True)


def categories_in_order() -> list[tuple[Category, Category | None]]:
    """Every category with its parent: each top-level one followed by its children, in site order (one query)."""
    categories = db.session.scalars(select(Category).order_by(Category.position, Category.id)).all()
    by_parent: dict[int | None, list[Category]] = {}
    for category in categories:
        by_parent.setdefault(category.parent_id, []).append(category)
    ordered = []
    for top in by_parent.get(None, []):
        ordered.append((top, None))
        ordered += [(child, top) for child in by_parent.get(top.id, [])]
    return ordered


def leaf_categories(ordered: list[tuple[Category, Category | None]]) -> list[tuple[Category, Category | None]]:
    """The categories a tool can be in: those without children, as the seed files require."""
    parents = {parent.id for _category, parent in ordered if parent is not None}
    return [(category, parent) for category, parent in ordered if category.id not in parents]


def all_tags() -> list[Tag]:
    return list(db.session.scalars(select(Tag).order_by(Tag.slug)))


def tool_for_edit(tool_id: int) -> Tool | None:
    """One tool, any status, with everything the editor shows, in a fixed number of queries."""
    return db.session.scalars(
        select(Tool)
        .where(Tool.id == tool_id)
        .options(
            joinedload(Tool.category),
            joinedload(Tool.successor),
            selectinload(Tool.tags),
            selectinload(Tool.platform_links).options(
                joinedload(ToolPlatform.platform), joinedload(ToolPlatform.market)
            ),
        )
        .execution_options(populate_existing=True)
    ).first()


def tool_by_slug(slug: str) -> Tool | None:
    return db.session.scalar(select(Tool).where(Tool.slug == slug))


# ---- checks the editor's form calls --------------------------------------------------------------

def clean_url(url: str) -> str | None:
    """The URL as stored (scheme in lower case), or None if it is not a plain http(s) address.

    Refused as well: spaces and control characters, and a user name in the address
    (``https://brand.com@elsewhere.example`` reads as brand.com and goes elsewhere).
    """
    url = url.strip()
    if not is_web_url(url) or any(char.isspace() or ord(char) < 32 for char in url):
        return None
    parts = urlsplit(url)
    if parts.username is not None or parts.password is not None:
        return None
    return urlunsplit(parts._replace(scheme=parts.scheme.lower()))


def url_taken_by(url: str, tool_id: int | None) -> Tool | None:
    """The other tool whose URL is the same address once normalised, if any."""
    statement = select(Tool).where(Tool.url_normalized == normalize_url(url))
    if tool_id is not None:
        statement = statement.where(Tool.id != tool_id)
    return db.session.scalar(statement)


def slug_taken_by(slug: str, tool_id: int | None) -> str | None:
    """``"tool"`` if another tool has the slug, ``"redirect"`` if it is another tool's old address, else None."""
    statement = select(Tool.id).where(Tool.slug == slug)
    if tool_id is not None:
        statement = statement.where(Tool.id != tool_id)
    if db.session.scalar(statement) is not None:
        return "tool"
    redirect_to = db.session.scalar(select(ToolSlugRedirect.tool_id).where(ToolSlugRedirect.old_slug == slug))
    if redirect_to is not None and redirect_to != tool_id:
        return "redirect"
    return None


def suggest_slug(name: str, name_en: str | None) -> str:
    """A free slug from the English name, or the pinyin of the Chinese one: 卖家精灵 → "mai-jia-jing-ling"."""
    base = re.sub(r"[^a-z0-9]+", "-", name_sort_key(name_en or name)).strip("-")[:SLUG_MAX - 4] or "tool"
    slug, number = base, 2
    while slug_taken_by(slug, None) is not None:
        slug, number = f"{base}-{number}", number + 1
    return slug


def parse_platform_refs(text: str) -> tuple[list[tuple[Platform, Market | None]], list[str]]:
    """``"amazon/us, shopee"`` (commas or lines, as in the seed files) → (platform, market) pairs, and unknown refs."""
    refs = [ref.strip().lower() for ref in re.split(r"[\s,，、]+", text or "") if ref.strip()]
    platforms = {p.slug: p for p in db.session.scalars(select(Platform))} if refs else {}
    markets = {m.slug: m for m in db.session.scalars(select(Market))} if refs else {}
    pairs, unknown, seen = [], [], set()
    for ref in refs:
        platform_slug, market_slug = split_platform_ref(ref)
        platform = platforms.get(platform_slug)
        market = markets.get(market_slug) if market_slug else None
        if platform is None or (market_slug and market is None):
            unknown.append(ref)
        elif (platform.id, market.id if market else None) not in seen:
            seen.add((platform.id, market.id if market else None))
            pairs.append((platform, market))
    return pairs, unknown


def platform_refs(tool: Tool) -> list[str]:
    """The tool's platforms as the editor writes them: ``amazon/us``, ``shopee``."""
    return [f"{link.platform.slug}/{link.market.slug}" if link.market else link.platform.slug
            for link in tool.platform_links]


# ---- writing -------------------------------------------------------------------------------------

@dataclass
class ToolFields:
    """Everything staff set on a tool, already checked by the form."""

    name: str
    slug: str
    url: str
    tagline_zh: str
    tagline_en: str
    description_zh: str
    description_en: str
    category_id: int
    name_en: str | None = None
    tags: list[Tag] = field(default_factory=list)
    platforms: list[tuple[Platform, Market | None]] = field(default_factory=list)
    pricing: str = "paid"
    price_note_zh: str | None = None
    price_note_en: str | None = None
    price_from_cny: Decimal | None = None
    price_from_usd: Decimal | None = None
    trial_days: int | None = None
    china_direct: bool | None = None
    cn_payment: bool | None = None
    cn_invoice: bool | None = None
    chinese_support: bool | None = None
    free_plan: bool | None = None
    status: str = ToolStatus.PUBLISHED.value
    lifecycle: str = "active"
    successor_id: int | None = None


_COLUMNS = ("name", "name_en", "slug", "url", "tagline_zh", "tagline_en", "description_zh", "description_en",
            "category_id", "pricing", "price_note_zh", "price_note_en", "price_from_cny", "price_from_usd",
            "trial_days", *FACTS, "status", "lifecycle", "successor_id")


def _money(value) -> str | None:
    return None if value is None else f"{Decimal(value):.2f}"


def snapshot(tool: Tool) -> dict:
    """The tool's staff-set fields as plain values: what the audit log and the edit fingerprint compare.

    Needs ``tags`` and ``platform_links`` loaded (``tool_for_edit``). Nothing here is personal.
    """
    values = {name: getattr(tool, name) for name in _COLUMNS}
    values["price_from_cny"] = _money(values["price_from_cny"])
    values["price_from_usd"] = _money(values["price_from_usd"])
    values["tags"] = sorted(tag.slug for tag in tool.tags)
    values["platforms"] = sorted(platform_refs(tool))
    return values


def fingerprint(tool: Tool) -> str:
    """A short digest of the staff-set fields: the editor sends it back to notice a colleague's edit in between.

    Not ``updated_at``: every outbound click moves that, and a click is no reason to refuse an edit.
    """
    encoded = json.dumps(snapshot(tool), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()[:24]


def apply_fields(tool: Tool, fields: ToolFields) -> None:
    """Write the form's fields onto the tool with what follows from them (sort keys, normalised URL, links).

    The one mapping from fields to a row: the editor, submissions and imports all build tools through it.
    """
    for name in _COLUMNS:
        setattr(tool, name, getattr(fields, name))
    tool.name_sort = name_sort_key(fields.name)
    tool.name_sort_en = name_sort_key(fields.name_en or fields.name)
    tool.url_normalized = normalize_url(fields.url)
    if {t.id for t in tool.tags} != {t.id for t in fields.tags}:
        tool.tags = list(fields.tags)
    wanted = {(p.id, m.id if m else None): (p, m) for p, m in fields.platforms}
    current = {(link.platform_id, link.market_id): link for link in tool.platform_links}
    for key, link in current.items():
        if key not in wanted:
            tool.platform_links.remove(link)
    for key, (platform, market) in wanted.items():
        if key not in current:
            tool.platform_links.append(ToolPlatform(platform=platform, market=market))


def commit_tool_change(tool_id: int) -> None:
    """The last steps of every tool change: invalidate cached pages, re-sync search, commit."""
    bump_catalog_version()
    db.session.flush()
    sync_tools([tool_id])
    try:
        db.session.commit()
    except IntegrityError as error:  # a colleague took the URL or slug a moment ago
        db.session.rollback()
        raise ToolActionError("taken") from error


def create_tool(fields: ToolFields, *, actor_id: int, reason: str = "") -> Tool:
    """Add a tool; returns it (committed)."""
    tool = Tool(tags=[], platform_links=[])
    apply_fields(tool, fields)
    db.session.add(tool)
    try:
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()
        raise ToolActionError("taken") from error
    audit.record(actor_id=actor_id, action="tool.create", target_type="tool", target_id=tool.id,
                 before={}, after=snapshot(tool), reason=reason)
    commit_tool_change(tool.id)
    return tool


def update_tool(tool: Tool, fields: ToolFields, *, actor_id: int, reason: str = "") -> dict:
    """Apply the editor's fields to a tool loaded by ``tool_for_edit``; returns the changed fields' new values.

    A new slug leaves the old one redirecting here; nothing changed writes nothing.
    """
    before = snapshot(tool)
    old_slug = tool.slug
    apply_fields(tool, fields)
    after = snapshot(tool)
    changed = [name for name in after if after[name] != before[name]]
    if not changed:
        db.session.rollback()
        return {}
    if tool.slug != old_slug:
        # Taking back one of its own old addresses: that redirect would now shadow nothing.
        db.session.execute(delete(ToolSlugRedirect).where(ToolSlugRedirect.old_slug.in_([tool.slug, old_slug])))
        db.session.add(ToolSlugRedirect(old_slug=old_slug, tool_id=tool.id, created_at=clock.now()))
    audit.record(actor_id=actor_id, action="tool.edit", target_type="tool", target_id=tool.id,
                 before={name: before[name] for name in changed}, after={name: after[name] for name in changed},
                 reason=reason)
    commit_tool_change(tool.id)
    return {name: after[name] for name in changed}


def set_hidden(tool_id: int, hidden: bool, *, actor_id: int, reason: str = "") -> Tool:
    """Hide a tool (any status → hidden, a reason required) or publish a hidden one again."""
    tool = db.session.get(Tool, tool_id, populate_existing=True)
    if tool is None:
        raise ToolActionError("missing")
    if hidden and tool.status == ToolStatus.HIDDEN.value:
        raise ToolActionError("already_hidden")
    if not hidden and tool.status != ToolStatus.HIDDEN.value:
        raise ToolActionError("not_hidden")
    if hidden and not reason.strip():
        raise ToolActionError("reason_required")
    after = ToolStatus.HIDDEN.value if hidden else ToolStatus.PUBLISHED.value
    audit.record(actor_id=actor_id, action="tool.hide" if hidden else "tool.unhide", target_type="tool",
                 target_id=tool.id, before={"status": tool.status}, after={"status": after}, reason=reason)
    tool.status = after
    commit_tool_change(tool.id)
    return tool


@dataclass(frozen=True)
class PriceFields:
    """The pricing facts a check may correct on the way (the stale-facts queue's inline fields)."""

    pricing: str
    price_from_cny: Decimal | None
    price_from_usd: Decimal | None
    trial_days: int | None


def verify_pricing(tool_id: int, *, actor_id: int, prices: PriceFields | None = None, reason: str = "") -> Tool:
    """Record that staff checked the tool's pricing today, correcting the price fields if given."""
    tool = db.session.get(Tool, tool_id, populate_existing=True)
    if tool is None:
        raise ToolActionError("missing")
    before = {name: getattr(tool, name) for name in PRICE_FIELDS}
    if prices is not None:
        for name in PRICE_FIELDS:
            setattr(tool, name, getattr(prices, name))
    after = {name: getattr(tool, name) for name in PRICE_FIELDS}
    for values in (before, after):
        values["price_from_cny"] = _money(values["price_from_cny"])
        values["price_from_usd"] = _money(values["price_from_usd"])
    changed = [name for name in PRICE_FIELDS if before[name] != after[name]]
    now = clock.now()
    audit.record(actor_id=actor_id, action="tool.pricing_verified", target_type="tool", target_id=tool.id,
                 before={"pricing_verified_at": tool.pricing_verified_at, **{n: before[n] for n in changed}},
                 after={"pricing_verified_at": now, **{n: after[n] for n in changed}}, reason=reason)
    tool.pricing_verified_at = now
    tool.pricing_verified_by_id = actor_id
    commit_tool_change(tool.id)
    return tool
