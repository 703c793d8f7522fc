"""Read and validate the seed catalog kept in ``data/catalog``.

The catalog is data in the repository, not code: categories, platforms,
markets and tags are vocabularies, and ``tools/*.yaml`` hold the tools. This
module only reads and checks; ``services.seeding`` writes it to the database.
Run ``python -m services.catalog_file`` to check the files by hand.
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from services.urls import is_web_url, normalize_url

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "data" / "catalog"
PRICING_MODELS = ("free", "freemium", "free_trial", "paid")
LIFECYCLES = ("active", "renamed", "acquired", "shut_down")
FACT_FIELDS = ("china_direct", "cn_payment", "cn_invoice", "chinese_support", "free_plan")
TOOL_KEYS = {
    "slug", "name", "name_en", "aliases", "url", "category", "tags", "platforms", "pricing",
    "tagline", "description", "lifecycle", "successor", *FACT_FIELDS,
}


@dataclass
class CatalogFile:
    """Everything in the catalog directory, parsed but not yet validated."""

    categories: list[dict]
    platforms: list[dict]
    markets: list[dict]
    tags: list[dict]
    tools: list[dict] = field(default_factory=list)

    def category_slugs(self) -> set[str]:
        slugs = set()
        for top in self.categories:
            slugs.add(top["slug"])
            slugs.update(child["slug"] for child in top.get("children", []))
        return slugs

    def leaf_category_slugs(self) -> set[str]:
        leaves = set()
        for top in self.categories:
            children = top.get("children", [])
            leaves.update(child["slug"] for child in children) if children else leaves.add(top["slug"])
        return leaves


class CatalogFileError(ValueError):
    """The catalog files cannot be read or have problems; nothing was written."""


# libyaml's parser when PyYAML has it (its wheels do): the same safe subset, about six times faster on the catalog.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read(path: Path) -> list[dict]:
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.load(handle, Loader=_SAFE_LOADER) or []
    except yaml.YAMLError as error:
        raise CatalogFileError(f"{path.name}: not valid YAML: {error}") from error


def load_vocabularies(directory: Path = DEFAULT_DIR) -> CatalogFile:
    """Categories, platforms, markets and tags, without tools."""
    return CatalogFile(
        categories=_read(directory / "categories.yaml"),
        platforms=_read(directory / "platforms.yaml"),
        markets=_read(directory / "markets.yaml"),
        tags=_read(directory / "tags.yaml"),
    )


def load_catalog_file(directory: Path = DEFAULT_DIR) -> CatalogFile:
    """Parse every file of the catalog directory; tools are read in file-name order."""
    catalog = load_vocabularies(directory)
    for tool_file in sorted((directory / "tools").glob("*.yaml")):
        for tool in _read(tool_file):
            tool["_file"] = tool_file.name
            catalog.tools.append(tool)
    return catalog


def split_platform_ref(ref: str) -> tuple[str, str | None]:
    """``"amazon/jp"`` → ``("amazon", "jp")``; ``"shopee"`` → ``("shopee", None)`` (all markets)."""
    platform, _, market = ref.partition("/")
    return platform, (market or None)


def _bilingual_errors(where: str, name: str, value: object) -> list[str]:
    if not isinstance(value, dict) or not all(
        isinstance(value.get(lang), str) and value[lang].strip() for lang in ("zh", "en")
    ):
        return [f"{where}: {name} needs non-empty zh and en"]
    if set(value) != {"zh", "en"}:
        # An unquoted comma in a YAML flow mapping splits the text into a stray key.
        return [f"{where}: {name} has keys other than zh and en {sorted(set(value) - {'zh', 'en'})}: quote the text"]
    return []


def tool_aliases(tool: dict) -> list[dict]:
    """A tool's aliases as stored: [{"name": ..., "source": URL or None}] (a plain string has no source)."""
    aliases = []
    for item in tool.get("aliases") or []:
        if isinstance(item, str):
            aliases.append({"name": item.strip(), "source": None})
        elif isinstance(item, dict):
            aliases.append({"name": str(item.get("name", "")).strip(), "source": item.get("source")})
    return aliases


def _compact(text: object) -> str:
    return "".join(char for char in str(text or "").casefold() if char.isalnum())


def _alias_errors(where: str, tool: dict) -> list[str]:
    """A plain alias must be a spelling of the name; any other alias names the page that shows it in use."""
    items = tool.get("aliases") or []
    if not isinstance(items, list):
        return [f"{where}: aliases must be a list"]
    errors = []
    spellings = {_compact(tool.get("name")), _compact(tool.get("name_en"))}
    for item in items:
        if isinstance(item, dict) and set(item) - {"name", "source"}:
            errors.append(f"{where}: an alias has keys other than name and source")
            continue
        name = item if isinstance(item, str) else item.get("name") if isinstance(item, dict) else None
        source = item.get("source") if isinstance(item, dict) else None
        if not isinstance(name, str) or not name.strip():
            errors.append(f"{where}: an alias needs a name")
        elif source is not None and not (isinstance(source, str) and is_web_url(source)):
            errors.append(f"{where}: alias {name!r} has a source that is not an http(s) URL")
        elif source is None and _compact(name) not in spellings:
            errors.append(f"{where}: alias {name!r} is not a spelling of the name: give its source URL")
    return errors


def _category_errors(categories: list[dict], parent: str = "") -> list[str]:
    errors: list[str] = []
    for category in categories:
        where = f"categories.yaml:{parent}{category.get('slug')}"
        for lang in ("zh", "en"):
            if not isinstance(category.get(lang), str) or not category[lang].strip():
                errors.append(f"{where}: name needs non-empty {lang}")
        if "description" in category:
            errors += _bilingual_errors(where, "description", category["description"])
        errors += _category_errors(category.get("children", []), f"{category.get('slug')}/")
    return errors


def validate_catalog(catalog: CatalogFile) -> list[str]:
    """Every problem in the catalog, as readable lines; an empty list means it is sound."""
    errors: list[str] = []
    leaves = catalog.leaf_category_slugs()
    platforms = {p["slug"] for p in catalog.platforms}
    markets = {m["slug"] for m in catalog.markets}
    tags = {t["slug"] for t in catalog.tags}
    slugs = Counter(t.get("slug") for t in catalog.tools)
    urls = Counter(normalize_url(t["url"]) for t in catalog.tools if isinstance(t.get("url"), str))
    errors += _category_errors(catalog.categories)

    for tool in catalog.tools:
        where = f"{tool.get('_file')}:{tool.get('slug') or tool.get('name')}"
        unknown = set(tool) - TOOL_KEYS - {"_file"}
        if unknown:
            errors.append(f"{where}: unknown keys {sorted(unknown)}")
        slug = tool.get("slug")
        if not isinstance(slug, str) or not slug or slug != slug.lower() or " " in slug:
            errors.append(f"{where}: slug must be lower-case without spaces")
        elif slugs[slug] > 1:
            errors.append(f"{where}: slug used {slugs[slug]} times")
        if not str(tool.get("name", "")).strip():
            errors.append(f"{where}: name missing")
        url = tool.get("url")
        if not isinstance(url, str) or not is_web_url(url):
            errors.append(f"{where}: url must be an absolute http(s) URL")
        elif urls[normalize_url(url)] > 1:
            errors.append(f"{where}: url {url} duplicates another tool")
        if tool.get("category") not in leaves:
            errors.append(f"{where}: category {tool.get('category')!r} is not a leaf category")
        for tag in tool.get("tags", []):
            if tag not in tags:
                errors.append(f"{where}: unknown tag {tag!r}")
        for ref in tool.get("platforms", []):
            platform, market = split_platform_ref(ref)
            if platform not in platforms or (market and market not in markets):
                errors.append(f"{where}: unknown platform/market {ref!r}")
        if tool.get("pricing") not in PRICING_MODELS:
            errors.append(f"{where}: pricing must be one of {PRICING_MODELS}")
        if tool.get("lifecycle", "active") not in LIFECYCLES:
            errors.append(f"{where}: lifecycle must be one of {LIFECYCLES}")
        if tool.get("successor") and tool["successor"] not in slugs:
            errors.append(f"{where}: successor {tool['successor']!r} is not a tool")
        for fact in FACT_FIELDS:
            if fact in tool and not isinstance(tool[fact], bool):
                errors.append(f"{where}: {fact} must be true or false (leave it out when unsure)")
        errors += _alias_errors(where, tool)
        errors += _bilingual_errors(where, "tagline", tool.get("tagline"))
        errors += _bilingual_errors(where, "description", tool.get("description"))
    return errors


def main() -> int:
    try:
        catalog = load_catalog_file()
    except CatalogFileError as error:
        print(error)
        return 1
    errors = validate_catalog(catalog)
    for line in errors:
        print(line)
    per_category = Counter(t.get("category") for t in catalog.tools)
    print(f"{len(catalog.tools)} tools, {len(per_category)} categories used, {len(errors)} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
