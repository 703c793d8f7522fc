"""Relevance over a judged query set: the figures the search test asserts and the benchmark prints.

A judgement is a query as sellers type it, its kind, its type (``brand``: one tool
is the answer; ``topic``: every listed tool answers it; ``none``: nothing in the
catalog does) and the right tools, as slugs and as whole categories (a category
stands for its tools, children included, only where every one of them is right).
Only the relevance test and ``bench/search.py`` load the judged file; this module
just measures.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from sqlalchemy import select

from extensions import db
from models import Category, Tool

CUTOFF = 10  # results looked at, as a seller scans a first screen
KINDS = ("zh2", "zh_long", "unspaced", "en_topic", "brand_zh", "brand_en", "mixed", "pinyin", "initials",
         "typo", "spaceless", "platform_task", "jargon", "none")


@dataclass(frozen=True)
class Judgement:
    query: str
    kind: str
    type: str  # brand | topic | none
    right: tuple[str, ...]
    categories: tuple[str, ...] = ()


def load_judgements(path: Path) -> list[Judgement]:
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return [Judgement(str(e["query"]), e["kind"], e["type"], tuple(e.get("right") or ()),
                      tuple(e.get("categories") or ())) for e in entries]


def right_slugs(judgements: Iterable[Judgement]) -> dict[str, set[str]]:
    """Each query's right tools: its slugs plus the public tools of its categories and their children."""
    parents = dict(db.session.execute(select(Category.slug, Category.parent_id)).all())
    slug_of = dict(db.session.execute(select(Category.id, Category.slug)).all())
    tools_in: dict[str, set[str]] = defaultdict(set)
    for tool_slug, category_id in db.session.execute(select(Tool.slug, Tool.category_id)):
        category = slug_of.get(category_id)
        while category is not None:
            tools_in[category].add(tool_slug)
            parent_id = parents.get(category)
            category = slug_of.get(parent_id) if parent_id else None
    return {j.query: set(j.right).union(*(tools_in[c] for c in j.categories)) for j in judgements}


@dataclass
class Figures:
    queries: int = 0
    brand: list[float] = field(default_factory=list)  # hit@1 per brand query
    topic: list[float] = field(default_factory=list)  # precision@k per topic query
    hit3: list[float] = field(default_factory=list)
    rr: list[float] = field(default_factory=list)
    zero: list[float] = field(default_factory=list)  # answerable queries with no result
    none_wrong: list[float] = field(default_factory=list)  # no-answer queries whose first result is wrong
    none_empty: int = 0

    def add(self, judgement: Judgement, right: set[str], found: list[str]) -> None:
        self.queries += 1
        if judgement.type == "none":
            self.none_wrong.append(float(bool(found)))
            self.none_empty += not found
            return
        top = found[:CUTOFF]
        first_right = next((rank for rank, slug in enumerate(top, 1) if slug in right), None)
        self.hit3.append(float(first_right is not None and first_right <= 3))
        self.rr.append(1 / first_right if first_right else 0.0)
        self.zero.append(float(not found))
        if judgement.type == "brand":
            self.brand.append(float(bool(top) and top[0] in right))
        else:
            k = min(CUTOFF, len(right))
            self.topic.append(sum(slug in right for slug in top[:k]) / k if k else 0.0)

    def summary(self) -> dict[str, float | int | None]:
        def mean(values: list[float]) -> float | None:
            return round(sum(values) / len(values), 3) if values else None
        return {"queries": self.queries, "brand_hit@1": mean(self.brand), "topic_p@k": mean(self.topic),
                "hit@3": mean(self.hit3), "mrr@10": mean(self.rr), "zero_rate": mean(self.zero),
                "none_wrong": mean(self.none_wrong), "none_empty": self.none_empty}


@dataclass
class Report:
    overall: Figures
    by_kind: dict[str, Figures]
    misses: list[tuple[str, list[str]]]  # answerable queries without a right tool in the first three

    def table(self) -> str:
        columns = ("queries", "brand_hit@1", "topic_p@k", "hit@3", "mrr@10", "zero_rate", "none_wrong")
        rows = [("kind", *columns)]
        for kind, figures in [*sorted(self.by_kind.items(), key=lambda i: KINDS.index(i[0])), ("all", self.overall)]:
            values = figures.summary()
            rows.append((kind, *("-" if values[c] is None else str(values[c]) for c in columns)))
        widths = [max(len(row[i]) for row in rows) for i in range(len(columns) + 1)]
        return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows)


def measure(judgements: list[Judgement], search: Callable[[str], list[str]]) -> Report:
    """Run every judged query through ``search`` (query → result slugs, best first) and score it."""
    rights = right_slugs(judgements)
    overall, by_kind, misses = Figures(), defaultdict(Figures), []
    for judgement in judgements:
        found = search(judgement.query)
        right = rights[judgement.query]
        overall.add(judgement, right, found)
        by_kind[judgement.kind].add(judgement, right, found)
        if judgement.type != "none" and not right.intersection(found[:3]):
            misses.append((judgement.query, found[:3]))
    return Report(overall, dict(by_kind), misses)
