"""Load the seed catalog into the database, idempotently, and make synthetic tools.

The slug is each row's identity: seeding twice changes nothing, and seeding
after an edit to the data file updates the edited rows in place.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import joinedload, selectinload

from extensions import db
from models import Category, Market, Platform, Tag, Tool, ToolPlatform, tool_tag
from services.catalog_file import (
    FACT_FIELDS,
    CatalogFile,
    CatalogFileError,
    split_platform_ref,
    validate_catalog,
)
from services.catalog_version import bump_catalog_version
from services.names import name_sort_key
from services.search.index import forget_tools, sync_tools
from services.urls import normalize_url


@dataclass
class SeedReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _upsert(model, slug: str, values: dict, existing: dict) -> tuple[object, bool]:
    """Create or update one row by slug; returns the row and whether anything changed."""
    row = existing.get(slug)
    if row is None:
        row = model(slug=slug, **values)
        db.session.add(row)
        existing[slug] = row
        return row, True
    changed = False
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)
            changed = True
    return row, changed


def _by_slug(model, *options) -> dict:
    return {row.slug: row for row in db.session.scalars(select(model).options(*options))}


def _seed_vocabularies(catalog: CatalogFile) -> tuple[dict, dict, dict, dict]:
    categories = _by_slug(Category)
    for position, top in enumerate(catalog.categories):
        parent, _ = _upsert(Category, top["slug"], _category_values(top, position, None), categories)
        db.session.flush()
        for child_position, child in enumerate(top.get("children", [])):
            _upsert(Category, child["slug"], _category_values(child, child_position, parent.id), categories)

    tags = _by_slug(Tag)
    for tag in catalog.tags:
        _upsert(Tag, tag["slug"], {"name_zh": tag["zh"], "name_en": tag["en"]}, tags)

    markets = _by_slug(Market)
    for position, market in enumerate(catalog.markets):
        values = {"name_zh": market["zh"], "name_en": market["en"], "position": position}
        _upsert(Market, market["slug"], values, markets)

    platforms = _by_slug(Platform)
    for position, platform in enumerate(catalog.platforms):
        values = {"name_zh": platform["zh"], "name_en": platform["en"], "position": position,
                  "mode": platform.get("mode")}
        _upsert(Platform, platform["slug"], values, platforms)
    db.session.flush()
    for platform in catalog.platforms:
        family = platforms[platform["family"]].id if platform.get("family") else None
        platforms[platform["slug"]].family_id = family
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
    categories, tags, markets, platforms = _seed_vocabularies(catalog)
    tools = _by_slug(
        Tool,
        selectinload(Tool.tags),
        selectinload(Tool.platform_links).options(
            joinedload(ToolPlatform.platform), joinedload(ToolPlatform.market)
        ),
    )
    report = SeedReport()
    for entry in catalog.tools:
        is_new = entry["slug"] not in tools
        tool, changed = _upsert(Tool, entry["slug"], _tool_values(entry, categories), tools)
        changed |= _sync_tags(tool, [tags[slug] for slug in entry.get("tags", [])])
        changed |= _sync_platforms(tool, entry.get("platforms", []), platforms, markets)
        if is_new:
            report.created += 1
        elif changed:
            report.updated += 1
        else:
            report.unchanged += 1
    db.session.flush()
    for entry in catalog.tools:
        successor = tools[entry["successor"]].id if entry.get("successor") else None
        tools[entry["slug"]].successor_id = successor
    sync_tools(tools[entry["slug"]].id for entry in catalog.tools)
    bump_catalog_version()
    db.session.commit()
    return report


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
            "description_zh": "。".join("".join(rng.choices(_ZH_WORDS, k=8)) for _ in range(3)),
            "description_en": ". ".join(" ".join(rng.choices(_EN_WORDS, k=10)) for _ in range(3)),
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
