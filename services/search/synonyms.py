"""The synonym table: kept as data in data/search/synonyms.yaml, loaded by ``flask seed``, edited by staff.

Each entry is a group of terms sellers use for one thing; an entry with
``category`` also says that a query made of one of its terms names that
category. Seeding follows the catalog's rule: a group staff changed or deleted
on the site (it has an audit entry) stays as staff left it. A group's identity
is its ``slug``: ``category-<slug>`` for a category's group, else ``group-``
and the group's first term.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy import select

from extensions import db
from models import Category
from models.search import SearchSynonym
from services.catalog_file import CatalogFileError
from services.catalog_version import bump_catalog_version
from services.search.text import normalise

DEFAULT_FILE = Path(__file__).resolve().parent.parent.parent / "data" / "search" / "synonyms.yaml"
MAX_TERM_CHARS = 30
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class SynonymGroup:
    slug: str
    terms: tuple[str, ...]
    category: str | None = None


def group_slug(terms: list[str], category: str | None) -> str:
    return f"category-{category}" if category else f"group-{normalise(terms[0])}"[:120]


def load_synonym_file(path: Path = DEFAULT_FILE) -> list[SynonymGroup]:
    """The groups of the file, checked; raises CatalogFileError listing every problem."""
    try:
        entries = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER) or []
    except (OSError, yaml.YAMLError) as error:
        raise CatalogFileError(f"{path.name}: cannot be read: {error}") from error
    errors: list[str] = []
    groups: list[SynonymGroup] = []
    for number, entry in enumerate(entries, 1):
        where = f"{path.name}: entry {number}"
        terms = entry.get("terms") if isinstance(entry, dict) else None
        if not isinstance(terms, list) or len(terms) < 1 or not all(isinstance(t, str) and t.strip() for t in terms):
            errors.append(f"{where}: terms must be a list of non-empty texts")
            continue
        terms = [t.strip() for t in terms]
        errors += [f"{where}: {t!r} is longer than {MAX_TERM_CHARS} characters" for t in terms
                   if len(t) > MAX_TERM_CHARS]
        if len({normalise(t) for t in terms}) != len(terms):
            errors.append(f"{where}: a term is listed twice")
        category = entry.get("category")
        groups.append(SynonymGroup(group_slug(terms, category), tuple(terms), category))
    errors += [f"{path.name}: two entries have the identity {slug!r}"
               for slug, count in Counter(g.slug for g in groups).items() if count > 1]
    if errors:
        raise CatalogFileError("\n".join(errors))
    return groups


def seed_synonyms(groups: list[SynonymGroup], staff) -> int:
    """Write the groups (staff's changes kept); returns how many rows were created or changed. Flushes only."""
    categories = {slug: category_id for slug, category_id in db.session.execute(select(Category.slug, Category.id))}
    existing = {row.slug: row for row in db.session.scalars(select(SearchSynonym))}
    changed = 0
    for group in groups:
        category_id = categories.get(group.category) if group.category else None
        if group.category and category_id is None:
            continue  # its category was deleted on the site
        terms = "\n".join(group.terms)
        row = existing.get(group.slug)
        if row is None:
            if staff.deleted(SearchSynonym, group.slug):
                continue
            db.session.add(SearchSynonym(slug=group.slug, category_id=category_id, terms=terms))
            changed += 1
        elif not staff.owns(row) and (row.terms, row.category_id) != (terms, category_id):
            row.terms, row.category_id = terms, category_id
            changed += 1
    if changed:
        db.session.flush()
        bump_catalog_version()
    return changed
