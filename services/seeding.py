"""Load the seed catalog into the database, idempotently, and make synthetic tools.

The slug is each row's identity: seeding twice changes nothing, and seeding
after an edit to the data file updates the edited rows in place.

What staff changed on the site wins over the file (``make run`` seeds on every
start): a row with an entry in the audit log is left as staff made it, a row
staff deleted is not brought back, and a tool merged away or renamed (its old
slug in ``tool_slug_redirect``) is not created again.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import joinedload, selectinload

from extensions import db
from models import AuditEntry, Category, Market, Platform, Tag, Tool, ToolPlatform, ToolSlugRedirect, tool_tag
from models.search import SearchSynonym
from services.catalog_file import (
    FACT_FIELDS,
    CatalogFile,
    CatalogFileError,
    split_platform_ref,
    tool_aliases,
    validate_catalog,
)
from services.catalog_version import bump_catalog_version
from services.names import name_sort_key
from services.search.index import ensure_complete, forget_tools, sync_tools
from services.search.synonyms import SynonymGroup, seed_synonyms
from services.urls import normalize_url


@dataclass
class SeedReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    kept: int = 0  # tools staff changed on the site (or merged away), left as staff made them


# Audit target types of the catalog rows the file also describes.
_SEEDED_TARGETS = {"tool": Tool, "category": Category, "tag": Tag, "platform": Platform, "market": Market,
                   "search_synonym": SearchSynonym}


@dataclass
class StaffChanges:
    """The catalog rows staff have touched, which seeding must not undo."""

    edited: dict[type, set[int]] = field(default_factory=dict)
    deleted_slugs: dict[type, set[str]] = field(default_factory=dict)
    retired_tool_slugs: set[str] = field(default_factory=set)

    def owns(self, row) -> bool:
        return row.id is not None and row.id in self.edited.get(type(row), set())

    def deleted(self, model, slug: str) -> bool:
        return slug in self.deleted_slugs.get(model, set())


def staff_changes() -> StaffChanges:
    """Read from the audit log (every staff change has an entry) and the old-slug redirects."""
    changes = StaffChanges(retired_tool_slugs=set(db.session.scalars(select(ToolSlugRedirect.old_slug))))
    rows = db.session.execute(
        select(AuditEntry.target_type, AuditEntry.target_id, AuditEntry.action, AuditEntry.before)
        .where(AuditEntry.target_type.in_(_SEEDED_TARGETS))
    )
    for target_type, target_id, action, before in rows:
        model = _SEEDED_TARGETS[target_type]
        if target_id.isdigit():
            changes.edited.setdefault(model, set()).add(int(target_id))
        if action.endswith(".delete"):
            slug = json.loads(before or "{}").get("slug")
            if slug:
                changes.deleted_slugs.setdefault(model, set()).add(slug)
    return changes


def _upsert(model, slug: str, values: dict, existing: dict,
            staff: StaffChanges | None = None) -> tuple[object, bool]:
    """Create or update one row by slug; returns the row and whether anything changed.

    A row staff edited is returned untouched; one staff deleted stays deleted (None).
    """
    row = existing.get(slug)
    if row is None:
        if staff and staff.deleted(model, slug):
            return None, False
        row = model(slug=slug, **values)
        db.session.add(row)
        existing[slug] = row
        return row, True
    if staff and staff.owns(row):
        return row, False
    changed = False
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)
            changed = True
    return row, changed


def _by_slug(model, *options) -> dict:
    return {row.slug: row for row in db.session.scalars(select(model).options(*options))}


def _seed_vocabularies(catalog: CatalogFile, staff: StaffChanges) -> tuple[dict, dict, dict, dict]:
    categories = _by_slug(Category)
    for position, top in enumerate(catalog.categories):
        parent, _ = _upsert(Category, top["slug"], _category_values(top, position, None), categories, staff)
        db.session.flush()
        for child_position, child in enumerate(top.get("children", [])):
            parent_id = parent.id if parent is not None else None
            _upsert(Category, child["slug"], _category_values(child, child_position, parent_id), categories, staff)

    tags = _by_slug(Tag)
    for tag in catalog.tags:
        _upsert(Tag, tag["slug"], {"name_zh": tag["zh"], "name_en": tag["en"]}, tags, staff)

    markets = _by_slug(Market)
    for position, market in enumerate(catalog.markets):
        values = {"name_zh": market["zh"], "name_en": market["en"], "position": position}
        _upsert(Market, market["slug"], values, markets, staff)

    platforms = _by_slug(Platform)
    for position, platform in enumerate(catalog.platforms):
        values = {"name_zh": platform["zh"], "name_en": platform["en"], "position": position,
                  "mode": platform.get("mode")}
        _upsert(Platform, platform["slug"], values, platforms, staff)
    db.session.flush()
    for platform in catalog.platforms:
        row = platforms.get(platform["slug"])
        if row is None or staff.owns(row):
            continue
        family = platforms.get(platform["family"]) if platform.get("family") else None
        row.family_id = family.id if family is not None else None
    db.session.flush()
    return categories, tags, markets, platforms


def _category_values(entry: dict, position: int, parent_id: int | None) -> dict:
    description = entry.get("description", {})
    return {
        "name_zh": entry["zh"],
        "name_en": entry["en"],
        "icon": entry.get("icon", ""),
        "position": position,
        "parent_id": parent_id,
        "description_zh": description.get("zh", ""),
        "description_en": description.get("en", ""),
    }


def _tool_values(entry: dict, categories: dict) -> dict:
    values = {
        "name": entry["name"],
        "name_en": entry.get("name_en"),
        "aliases": tool_aliases(entry),
        "name_sort": name_sort_key(entry["name"]),
        "name_sort_en": name_sort_key(entry.get("name_en") or entry["name"]),
        "url": entry["url"],
        "url_normalized": normalize_url(entry["url"]),
        "tagline_zh": entry["tagline"]["zh"].strip(),
        "tagline_en": entry["tagline"]["en"].strip(),
        "description_zh": entry["description"]["zh"].strip(),
        "description_en": entry["description"]["en"].strip(),
        "category_id": categories[entry["category"]].id,
        "pricing": entry["pricing"],
        "lifecycle": entry.get("lifecycle", "active"),
    }
    for fact in FACT_FIELDS:
        values[fact] = entry.get(fact)
    return values


def seed_catalog(catalog: CatalogFile) -> SeedReport:
    """Write the catalog file to the database; raises CatalogFileError before writing if invalid."""
    errors = validate_catalog(catalog)
    if errors:
        raise CatalogFileError("\n".join(errors))
    staff = staff_changes()
    categories, tags, markets, platforms = _seed_vocabularies(catalog, staff)
    tools = _by_slug(
        Tool,
        selectinload(Tool.tags),
        selectinload(Tool.platform_links).options(
            joinedload(ToolPlatform.platform), joinedload(ToolPlatform.market)
        ),
    )
    report = SeedReport()
    taken_urls = set(db.session.scalars(select(Tool.url_normalized)))
    seeded: list[Tool] = []
    for entry in catalog.tools:
        slug = entry["slug"]
        existing = tools.get(slug)
        if (existing is not None and staff.owns(existing)) or (existing is None and (
                slug in staff.retired_tool_slugs  # merged into another tool, or renamed
                or normalize_url(entry["url"]) in taken_urls  # staff added it under another slug
                or entry["category"] not in categories)):  # its category was deleted on the site
            report.kept += 1
            continue
        tool, changed = _upsert(Tool, slug, _tool_values(entry, categories), tools)
        changed |= _sync_tags(tool, [tags[s] for s in entry.get("tags", []) if s in tags])
        changed |= _sync_platforms(tool, entry.get("platforms", []), platforms, markets)
        seeded.append(tool)
        if existing is None:
            report.created += 1
        elif changed:
            report.updated += 1
        else:
            report.unchanged += 1
    db.session.flush()
    successors = {entry["slug"]: entry.get("successor") for entry in catalog.tools}
    for tool in seeded:
        successor = tools.get(successors[tool.slug]) if successors[tool.slug] else None
        tool.successor_id = successor.id if successor is not None else None
    sync_tools(tool.id for tool in seeded)
    ensure_complete()  # tools staff added (or all, after a migration rebuilt the index) get their rows
    bump_catalog_version()
    db.session.commit()
    return report


def seed_search_synonyms(groups: list[SynonymGroup]) -> int:
    """Write data/search/synonyms.yaml's groups, keeping what staff changed; commits."""
    changed = seed_synonyms(groups, staff_changes())
    db.session.commit()
    return changed


def _sync_tags(tool: Tool, wanted: list[Tag]) -> bool:
    if {t.slug for t in tool.tags} == {t.slug for t in wanted}:
        return False
    tool.tags = wanted
    return True


def _sync_platforms(tool: Tool, refs: list[str], platforms: dict, markets: dict) -> bool:
    """Make the tool's (platform, market) links exactly ``refs``; keep links that stay."""
    wanted = {}
    for ref in refs:
        platform_slug, market_slug = split_platform_ref(ref)
        if platform_slug not in platforms or (market_slug and market_slug not in markets):
            continue  # staff deleted it on the site
        wanted[(platform_slug, market_slug)] = (platforms[platform_slug], markets.get(market_slug))
    links = tool.platform_links
    current = {(link.platform.slug, link.market.slug if link.market else None): link for link in links}
    if current.keys() == wanted.keys():
        return False
    for key, link in current.items():
        if key not in wanted:
            links.remove(link)
    for key, (platform, market) in wanted.items():
        if key not in current:
            links.append(ToolPlatform(platform=platform, market=market))
    return True


# Pieces for synthetic names: realistic mixes of Chinese and English words.
_ZH_WORDS = ["跨境", "选品", "物流", "关键词", "广告", "数据", "店铺", "智能", "云", "海外仓",
             "收款", "红人", "视频", "客服", "合规", "亚马逊", "速卖", "出海", "精灵", "助手"]
_EN_WORDS = ["Seller", "Market", "Scout", "Ship", "Data", "Ads", "Prime", "Cloud", "Boost",
             "Lens", "Pilot", "Hub", "Flow", "Rank", "Pay", "Insight", "Go", "AI", "Box", "Wise"]


def seed_synthetic(count: int, seed: int = 1, progress: Callable[[int], None] | None = None) -> int:
    """Add ``count`` generated tools (deterministic from ``seed``), marked synthetic."""
    rng = random.Random(seed)
    leaves = db.session.scalars(
        select(Category.id).where(~Category.id.in_(select(Category.parent_id).where(Category.parent_id.is_not(None))))
    ).all()
    tag_ids = db.session.scalars(select(Tag.id)).all()
    if not leaves:
        raise CatalogFileError("seed the real catalog first: synthetic tools need its categories")
    start = (db.session.scalar(select(func.max(Tool.id))) or 0) + 1  # keeps slugs unique across runs
    batch: list[dict] = []
    tag_choices: list[list[int]] = []
    for offset in range(count):
        number = start + offset
        name = _synthetic_name(rng)
        batch.append({
            "slug": f"synthetic-{seed}-{number}",
            "name": name,
            "name_sort": name_sort_key(name),
            "name_sort_en": name_sort_key(name),
            "url": f"https://synthetic-{number}.invalid/",
            "url_normalized": f"synthetic-{number}.invalid",
            "tagline_zh": "".join(rng.choices(_ZH_WORDS, k=rng.randint(4, 9))),
            "tagline_en": " ".join(rng.choices(_EN_WORDS, k=rng.randint(4, 10))),
            # About as long as the real catalog's: 60–160 characters of Chinese, 25–60 English words.
            "description_zh": "。".join("".join(rng.choices(_ZH_WORDS, k=rng.randint(6, 10)))
                                       for _ in range(rng.randint(3, 6))),
            "description_en": ". ".join(" ".join(rng.choices(_EN_WORDS, k=rng.randint(6, 12)))
                                       for _ in range(rng.randint(3, 5))),
            "aliases": _synthetic_aliases(name, rng),
            "category_id": rng.choice(leaves),
            "pricing": rng.choice(["free", "freemium", "free_trial", "paid"]),
            "chinese_support": rng.choice([True, False, None]),
            "click_count": rng.randint(0, 5000),
            "is_synthetic": True,
        })
        tag_choices.append(rng.sample(tag_ids, k=min(3, len(tag_ids))))
        if len(batch) == 1000 or offset == count - 1:
            ids = db.session.scalars(
                insert(Tool).returning(Tool.id, sort_by_parameter_order=True), batch
            ).all()
            tag_rows = [{"tool_id": i, "tag_id": t} for i, tags in zip(ids, tag_choices, strict=True) for t in tags]
            if tag_rows:
                db.session.execute(insert(tool_tag), tag_rows)
            sync_tools(ids)
            if progress:
                progress(len(batch))
            batch, tag_choices = [], []
    bump_catalog_version()
    db.session.commit()
    return count


def _synthetic_aliases(name: str, rng: random.Random) -> list[dict]:
    """A third of synthetic tools get an alias, as real ones do: a spelling variant or another name."""
    roll = rng.random()
    if roll < 0.15:
        return [{"name": re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name), "source": None}]  # "ShipHub" → "Ship Hub"
    if roll < 0.33:
        return [{"name": "".join(rng.choices(_EN_WORDS, k=2)) + " " + rng.choice(["Pro", "Lite", "Plus", "CN"]),
                 "source": "https://synthetic.invalid/renamed"}]
    return []


def _synthetic_name(rng: random.Random) -> str:
    style = rng.random()
    if style < 0.4:
        return "".join(rng.choices(_ZH_WORDS, k=2))
    if style < 0.8:
        return "".join(rng.choices(_EN_WORDS, k=2))
    return rng.choice(_EN_WORDS) + rng.choice(_ZH_WORDS)


def drop_synthetic() -> int:
    """Remove every synthetic tool; returns how many went."""
    ids = db.session.scalars(select(Tool.id).where(Tool.is_synthetic.is_(True))).all()
    forget_tools(ids)
    removed = db.session.execute(delete(Tool).where(Tool.is_synthetic.is_(True))).rowcount
    bump_catalog_version()
    db.session.commit()
    return removed
