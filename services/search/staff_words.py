"""What staff add to search so that a query stops finding nothing: synonym groups and tool aliases.

Admins alone change them (they edit the catalog). Every change goes on the record
with ``record_change`` (audit entry, catalog version: every worker reloads its
vocabulary on its next search; an alias also re-syncs its tool's search row), and
an audit entry is what makes ``flask seed`` keep staff's version. Services flush;
the view commits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from extensions import db
from models import Category, Tool
from models.search import SearchSynonym
from services.moderation.taxonomy import (
    Problem,
    changed_fields,
    clean_line,
    has_hidden_characters,
    raise_if,
    record_change,
    refuse,
)
from services.search.synonyms import MAX_TERM_CHARS, group_slug
from services.search.text import compact, normalise

ALIAS_MAX = 80
SOURCE_MAX = 500
_TERM_SEPARATORS = re.compile(r"[\n,，、;；]+")


def parse_terms(raw: str | None) -> list[str]:
    """Terms as typed, one per line or separated by commas; blanks and repeats dropped."""
    seen: set[str] = set()
    terms = []
    for piece in _TERM_SEPARATORS.split(raw or ""):
        term = clean_line(piece)
        if term and normalise(term) not in seen:
            seen.add(normalise(term))
            terms.append(term)
    return terms


def _group_snapshot(group: SearchSynonym) -> dict:
    return {"slug": group.slug, "terms": group.terms, "category_id": group.category_id}


def _term_problems(terms: list[str], category_id: int | None) -> list[Problem]:
    problems = []
    if len(terms) < (1 if category_id else 2):
        problems.append(Problem("terms", "synonym_too_few"))
    for term in terms:
        if len(term) > MAX_TERM_CHARS:
            problems.append(Problem("terms", "synonym_too_long", {"term": term, "max": MAX_TERM_CHARS}))
        elif has_hidden_characters(term) or not normalise(term):
            problems.append(Problem("terms", "synonym_unreadable", {"term": term}))
    if category_id is not None:  # a term names at most one category, or a query for it would name two
        wanted = {normalise(t) for t in terms}
        others = db.session.execute(
            select(SearchSynonym.terms, Category.name_zh, Category.name_en)
            .join(Category, Category.id == SearchSynonym.category_id)
            .where(SearchSynonym.category_id != category_id)).all()
        for other_terms, name_zh, name_en in others:
            for taken in wanted.intersection(normalise(t) for t in other_terms.split("\n")):
                problems.append(Problem("terms", "synonym_other_category",
                                        {"term": taken, "category": f"{name_zh} · {name_en}"}))
    return problems


def check_synonyms(terms: list[str], category_id: int | None) -> str:
    """Raise when the terms cannot be added; returns the slug of the group they go into."""
    category = db.session.get(Category, category_id) if category_id is not None else None
    if category_id is not None and category is None:
        raise refuse("category_missing", "category_id")
    raise_if(_term_problems(terms, category_id))
    return group_slug(terms, category.slug if category else None)


def add_synonyms(terms: list[str], category_id: int | None, *, actor_id: int, reason: str = "") -> SearchSynonym:
    """Add ``terms`` as one group: into the category's group when a category is given, else a new group
    (or the group that already starts with the same term). Returns the group; flushes only."""
    slug = check_synonyms(terms, category_id)
    group = db.session.scalar(select(SearchSynonym).where(SearchSynonym.slug == slug))
    if group is None:
        group = SearchSynonym(slug=slug, category_id=category_id, terms="\n".join(terms))
        db.session.add(group)
        db.session.flush()
        record_change(actor_id=actor_id, action="search_synonym.create", target_type="search_synonym",
                      target_id=group.id, before=None, after=_group_snapshot(group), reason=reason)
        return group
    before = _group_snapshot(group)
    known = {normalise(t) for t in group.term_list}
    group.terms = "\n".join([*group.term_list, *(t for t in terms if normalise(t) not in known)])
    db.session.flush()
    before, after = changed_fields(before, _group_snapshot(group))
    if after:
        record_change(actor_id=actor_id, action="search_synonym.edit", target_type="search_synonym",
                      target_id=group.id, before={**before, "slug": group.slug}, after=after, reason=reason)
    return group


def delete_synonyms(group_id: int, *, actor_id: int, reason: str = "") -> SearchSynonym:
    """Delete a group; the audit entry names its slug, so ``flask seed`` does not bring it back."""
    group = db.session.get(SearchSynonym, group_id)
    if group is None:
        raise refuse("synonym_missing")
    before = _group_snapshot(group)
    db.session.delete(group)
    db.session.flush()
    record_change(actor_id=actor_id, action="search_synonym.delete", target_type="search_synonym",
                  target_id=group_id, before=before, after=None, reason=reason)
    return group


@dataclass(frozen=True)
class AliasFields:
    name: str
    source: str | None

    @classmethod
    def cleaned(cls, *, name: str | None, source: str | None) -> AliasFields:
        return cls(clean_line(name), clean_line(source) or None)


def is_spelling_variant(alias: str, tool: Tool) -> bool:
    """Spacing, case, punctuation, joined or split: the same letters as the name or English name."""
    return any(compact(alias) == compact(name) for name in (tool.name, tool.name_en) if name)


def _alias_problems(tool: Tool, fields: AliasFields) -> list[Problem]:
    if not fields.name:
        return [Problem("alias", "alias_missing")]
    if len(fields.name) > ALIAS_MAX:
        return [Problem("alias", "too_long", {"max": ALIAS_MAX})]
    if has_hidden_characters(fields.name) or not compact(fields.name):
        return [Problem("alias", "alias_unreadable")]
    names = [tool.name, tool.name_en or "", *(a.get("name", "") for a in tool.aliases or [])]
    if any(fields.name.casefold() == n.casefold() for n in names if n):
        return [Problem("alias", "alias_exists")]
    if fields.source is None:
        # Another name (an old one, the owner's other brand, a Chinese name) needs a page that shows it used.
        return [] if is_spelling_variant(fields.name, tool) else [Problem("source", "alias_source_missing")]
    if len(fields.source) > SOURCE_MAX or not re.fullmatch(r"https://[^\s/]+\.[^\s]+", fields.source):
        return [Problem("source", "alias_source_format")]
    return []


def check_alias(tool_slug: str, fields: AliasFields) -> Tool:
    """The tool the alias would go to; raises when it cannot."""
    tool = db.session.scalar(select(Tool).where(Tool.slug == clean_line(tool_slug).lower()))
    if tool is None:
        raise refuse("tool_missing", "tool")
    raise_if(_alias_problems(tool, fields))
    return tool


def add_alias(tool_slug: str, fields: AliasFields, *, actor_id: int, reason: str = "") -> Tool:
    """Give a tool another name search finds it by; flushes only."""
    tool = check_alias(tool_slug, fields)
    before = {"aliases": list(tool.aliases or [])}
    tool.aliases = [*before["aliases"], {"name": fields.name, "source": fields.source}]
    db.session.flush()
    record_change(actor_id=actor_id, action="tool.alias_add", target_type="tool", target_id=tool.id,
                  before=before, after={"aliases": tool.aliases}, reason=reason, tool_ids=[tool.id])
    return tool


def synonym_groups() -> list[tuple[SearchSynonym, Category | None]]:
    """Every group with its category, category groups first in category order, then by slug."""
    rows = db.session.execute(
        select(SearchSynonym, Category).outerjoin(Category, Category.id == SearchSynonym.category_id)
        .order_by(SearchSynonym.category_id.is_(None), Category.position, Category.id, SearchSynonym.slug)).all()
    return [(group, category) for group, category in rows]
