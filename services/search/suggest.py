"""What to offer when a search finds nothing: a query we think was meant, and popular categories.

"Did you mean" reads the vocabulary (names, aliases, pinyin and the words of
categories and synonyms): each word of the query that no known word starts is
replaced by its nearest known word, allowing one more edit than search's own
near-spelling results do, so it offers something where they found nothing.
"""

from __future__ import annotations

from models import Category
from services.catalog_queries import category_tree
from services.search.text import has_cjk, query_terms
from services.search.vocabulary import vocabulary

MAX_EDITS = 2


def popular_categories(limit: int = 6) -> list[Category]:
    """Top-level categories with the most public tools."""
    tree = category_tree()
    return sorted(tree.top, key=lambda c: (-tree.total(c), c.position, c.id))[:limit]


def did_you_mean(raw_query: str | None) -> str | None:
    """A corrected query, or None when no word of it has a close known word."""
    known = vocabulary()
    terms = query_terms(raw_query)
    changed = False
    corrected = []
    for term in terms:
        if len(term) >= 3 and not has_cjk(term) and not known.is_known_prefix(term):
            near = known.near_words(term, distance=min(MAX_EDITS, max(1, len(term) // 3)))
            if near:
                corrected.append(near[0])
                changed = True
                continue
        corrected.append(term)
    return " ".join(corrected) if changed else None
