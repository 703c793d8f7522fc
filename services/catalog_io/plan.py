"""Rows read from a file → an import plan: every row new, duplicate or invalid (with its reasons).

Nothing is written here; ``apply.apply_plan`` writes the plan's new rows. The rules:

- A row is a **duplicate** when its address, normalised by ``services.urls.normalize_url`` (the one
  normaliser the editor and the seed file use too), is a tool's already, or an earlier row's in the
  same file. Duplicates are skipped, never merged into the existing tool.
- A row is **invalid** when any field breaks the editor's rules: only http(s) addresses
  (``catalog_tools.clean_url``: a ``javascript:`` bookmarklet or a ``data:`` address is refused), the
  database's lengths, known tags, platforms and markets, a category that can hold tools (one without
  sub-categories), pricing / status / lifecycle from their lists, facts true, false or empty, a free
  address (slug) that no tool or old address uses, a successor that exists or is imported with it.
  Every reason is listed. Invalid rows are shown and not written; the new rows are still importable,
  because a real bookmarks file always holds a bookmarklet or two.
- Everything else is **new**. A new row without a slug gets one made from its name (pinyin for Chinese),
  as the editor does; without a status it is ``published`` when it has both taglines and both
  descriptions, else ``pending`` (imported, but not shown until staff write them), since the site
  never shows a card without its texts. A row without pricing is ``paid``, the model's default.
- A row without a category goes to the default category the admin chose; without one it is invalid.

Bookmark folders become categories. A bookmark's category comes from its innermost folder: a folder
named like an existing category (its slug, or its Chinese or English name, any case) is that category;
any other folder becomes a new category named after it, created with the import. A new category goes
under the category of the folder around it when that can take sub-categories: a new top-level one, or
an existing top-level one that already has sub-categories or holds no tools of its own; the site has
two levels, so under a sub-category it goes beside it (under the same parent), and anywhere else to
the top level. A category with sub-categories holds no tools, so a bookmark lying beside sub-folders
(or in a folder named like such a category) goes to the default category, or is invalid without one.
New categories get the folder name as both their Chinese and English name; staff rename them on the
categories page. The browsers' own bookmarks bar and "other bookmarks" are no folders (``bookmarks``).

``ImportPlan.digest`` fingerprints the outcome, so a confirmation can tell that the catalog changed
between the preview and the click.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field

from models import Category
from services.catalog_io.checks import NAME_MAX, Draft, bookmark_values, check_row, shown_url
from services.catalog_io.formats import ImportFile, RawRow
from services.catalog_io.problems import Problem
from services.catalog_io.vocabulary import Vocabulary
from services.moderation.catalog_tools import SLUG_MAX
from services.names import name_sort_key
from services.urls import normalize_url

CATEGORY_NAME_MAX = Category.__table__.c.name_zh.type.length
CATEGORY_SLUG_MAX = Category.__table__.c.slug.type.length


@dataclass(eq=False)
class NewCategory:
    """A category a bookmark folder needs, created by the import."""

    key: tuple
    name_zh: str
    parent: Category | NewCategory | None
    slug: str = ""
    is_new: bool = True

    @property
    def name_en(self) -> str:
        return self.name_zh

    def name(self, lang: str) -> str:
        return self.name_zh


@dataclass
class PlannedRow:
    number: int
    kind: str  # "new", "duplicate" or "invalid"
    name: str
    url: str  # as written, shortened for display
    folders: tuple[str, ...] = ()
    draft: Draft | None = None
    problems: list[Problem] = field(default_factory=list)
    duplicate_of: str | None = None  # the existing tool's slug
    duplicate_row: int | None = None  # or the earlier row of the file

    @property
    def category(self):
        return self.draft.category if self.draft else None


@dataclass
class ImportPlan:
    format: str
    rows: list[PlannedRow]
    new_categories: list[NewCategory]  # parents before children
    warnings: list[Problem] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[PlannedRow]:
        return [row for row in self.rows if row.kind == kind]

    @property
    def new_rows(self) -> list[PlannedRow]:
        return self.of_kind("new")

    @property
    def counts(self) -> dict[str, int]:
        counts = {"new": 0, "duplicate": 0, "invalid": 0}
        for row in self.rows:
            counts[row.kind] += 1
        return counts

    @property
    def digest(self) -> str:
        """What the import would do, fingerprinted: equal digests, equal outcomes."""
        outline = [self.format,
                   [(row.number, row.kind, row.duplicate_of, row.duplicate_row, [p.code for p in row.problems],
                     *((row.draft.slug, _category_key(row.category), row.draft.status, [t.id for t in row.draft.tags],
                        [(p.id, m.id if m else None) for p, m in row.draft.platforms]) if row.draft else ()))
                    for row in self.rows],
                   [(c.slug, c.name_zh, _category_key(c.parent)) for c in self.new_categories]]
        encoded = json.dumps(outline, ensure_ascii=False, default=str)
        return hashlib.sha256(encoded.encode()).hexdigest()[:32]


def _category_key(category) -> object:
    if category is None:
        return None
    return list(category.key) if isinstance(category, NewCategory) else category.id


class FolderCategories:
    """Bookmark folders → categories, existing or new (see the module docstring)."""

    def __init__(self, vocabulary: Vocabulary, default_category: Category | None):
        self.vocabulary = vocabulary
        self.default_category = default_category  # takes tools, so it must stay without sub-categories
        self.created: dict[tuple, NewCategory] = {}

    def for_folders(self, folders: tuple[str, ...]) -> Category | NewCategory | None:
        """The category of a bookmark in these folders (outermost first); None outside any folder.

        Worked out from the outside in, so every folder's category is the one its own bookmarks get.
        """
        category = None
        for name in (_folder_name(folder) for folder in folders):
            if name:
                category = self.vocabulary.category_named(name) or self._new(name, self._parent(category))
        return category

    def _parent(self, category: Category | NewCategory | None) -> Category | NewCategory | None:
        """Where a sub-folder's new category goes, given the category of the folder around it."""
        if category is None:
            return None
        if isinstance(category, NewCategory):
            return category.parent or category  # a sub-category's sub-folder goes beside it: two levels only
        if category.parent_id is not None:
            return self.vocabulary.category_by_id[category.parent_id]
        if self.vocabulary.children.get(category.id):
            return category
        if category == self.default_category or self.vocabulary.tools_in.get(category.id):
            return None  # a top-level category holding tools of its own takes no sub-categories
        return category

    def _new(self, name: str, parent: Category | NewCategory | None) -> NewCategory:
        key = (*(_category_key(parent) if isinstance(parent, NewCategory) else [parent.id if parent else None]),
               name.casefold())
        if key not in self.created:
            self.created[key] = NewCategory(key=key, name_zh=name, parent=parent)
        return self.created[key]


def _folder_name(text: str) -> str:
    visible = "".join(char for char in text if unicodedata.category(char) != "Cc")
    return " ".join(visible.split())[:CATEGORY_NAME_MAX]


def build_plan(imported: ImportFile, *, default_category: Category | None = None) -> ImportPlan:
    """Sort every row of the file into new, duplicate and invalid, against the database and the file itself."""
    vocabulary = Vocabulary()
    if default_category is not None and not vocabulary.holds_tools(default_category):
        default_category = None  # it was given sub-categories since it was chosen
    folders = FolderCategories(vocabulary, default_category) if imported.format == "bookmarks" else None
    rows: list[PlannedRow] = []
    first_with_url: dict[str, int] = {}
    slug_rows: dict[str, int] = {}
    for raw in imported.rows:
        if folders is not None:
            bookmark_values(raw)
        draft, problems = check_row(raw, vocabulary, folders, default_category)
        row = PlannedRow(number=raw.number, kind="new", name=str(raw.values.get("name") or "")[:NAME_MAX + 40],
                         url=shown_url(str(raw.values.get("url") or "")), folders=raw.folders, draft=draft)
        identity = normalize_url(draft.url) if draft is not None else None
        if identity is not None and identity in vocabulary.tool_by_url:
            row.kind, row.duplicate_of = "duplicate", vocabulary.tool_by_url[identity]
        elif identity is not None and identity in first_with_url:
            row.kind, row.duplicate_row = "duplicate", first_with_url[identity]
        else:
            if draft is not None and draft.slug and not problems:
                if draft.slug in slug_rows:
                    problems.append(Problem("slug_repeated", "slug", {"row": slug_rows[draft.slug]}))
                else:
                    slug_rows[draft.slug] = raw.number
            if problems:
                row.kind, row.problems = "invalid", problems
            else:
                first_with_url[identity] = raw.number
        rows.append(row)
    _keep_tools_out_of_parents(rows, default_category)
    _check_successors(rows, vocabulary)
    _give_slugs(rows, vocabulary, imported.rows)
    return ImportPlan(imported.format, rows, _used_categories(rows, vocabulary), list(imported.warnings))


def _invalidate(row: PlannedRow, problem: Problem) -> None:
    row.kind = "invalid"
    row.problems.append(problem)


def _keep_tools_out_of_parents(rows: list[PlannedRow], default_category: Category | None) -> None:
    """A folder that also holds folders becomes a parent category, and a parent holds no tools."""
    parents: set[int] = set()
    for row in rows:
        if row.kind == "new" and isinstance(row.category, NewCategory):
            parent = row.category.parent
            while parent is not None:
                parents.add(id(parent))
                parent = parent.parent if isinstance(parent, NewCategory) else None
    for row in rows:
        if row.kind == "new" and id(row.category) in parents:
            if default_category is not None:
                row.draft.category = default_category
            else:
                _invalidate(row, Problem("folder_has_subfolders", "category", {"name": row.category.name_zh}))


def _check_successors(rows: list[PlannedRow], vocabulary: Vocabulary) -> None:
    """A successor is a tool already, or a row imported with this one; repeated until nothing changes,
    since a row found invalid takes its successors' rows with it."""
    in_file = {row.draft.slug for row in rows if row.draft is not None and row.draft.slug}
    changed = True
    while changed:
        changed = False
        imported = {row.draft.slug for row in rows if row.kind == "new" and row.draft.slug}
        for row in rows:
            successor = row.draft.successor if row.kind == "new" else None
            if not successor or (successor in vocabulary.tool_slugs and successor != row.draft.slug):
                continue
            if successor == row.draft.slug:
                _invalidate(row, Problem("own_successor", "successor"))
            elif successor in imported:
                continue
            elif successor in in_file:
                _invalidate(row, Problem("successor_not_imported", "successor", {"slug": successor}))
            else:
                _invalidate(row, Problem("unknown_successor", "successor", {"slug": successor}))
            changed = True


def _free_slug(base: str, taken: set[str], max_length: int) -> str:
    base = base[:max_length - 4].strip("-")
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    taken.add(slug)
    return slug


def _slug_base(name: str, fallback: str) -> str:
    """The editor's rule (``catalog_tools.suggest_slug``): the English name, or the pinyin of the Chinese one."""
    return re.sub(r"[^a-z0-9]+", "-", name_sort_key(name)).strip("-") or fallback


def _give_slugs(rows: list[PlannedRow], vocabulary: Vocabulary, raw_rows: list[RawRow]) -> None:
    """Slugs for new rows without one: free of every tool, old address and slug written anywhere in the file."""
    taken = set(vocabulary.tool_slugs) | vocabulary.old_slugs
    taken |= {str(raw.values.get("slug")).strip().lower() for raw in raw_rows if raw.values.get("slug")}
    for row in rows:
        if row.kind == "new" and not row.draft.slug:
            row.draft.slug = _free_slug(_slug_base(row.draft.name_en or row.draft.name, "tool"), taken, SLUG_MAX)


def _used_categories(rows: list[PlannedRow], vocabulary: Vocabulary) -> list[NewCategory]:
    """The new categories the new rows need, parents first, each with a free slug."""
    used: list[NewCategory] = []
    for row in rows:
        chain, category = [], row.category if row.kind == "new" else None
        while isinstance(category, NewCategory):
            chain.append(category)
            category = category.parent
        for category in reversed(chain):
            if category not in used:
                used.append(category)
    taken = set(vocabulary.category_slugs)
    for category in used:
        category.slug = _free_slug(_slug_base(category.name_zh, "category"), taken, CATEGORY_SLUG_MAX)
    return used
