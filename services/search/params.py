"""The search page's parameters: the list parameters every list uses, plus ``q``."""

from __future__ import annotations

from dataclasses import dataclass

from services.listing import SLUG, SORT_OPTIONS, InvalidListingQuery, ListingQuery
from services.search.text import MAX_QUERY_CHARS

RELEVANCE = "relevance"
SEARCH_SORTS = (RELEVANCE, *SORT_OPTIONS)


@dataclass(frozen=True)
class SearchQuery(ListingQuery):
    """``ListingQuery`` with the query text; links keep ``q`` and leave the default sort out."""

    q: str = ""
    sort: str = RELEVANCE
    category: str = ""  # a top-level category's slug: the results in it only

    @classmethod
    def from_search_args(cls, args) -> SearchQuery:
        """Parse request args (raises InvalidListingQuery like every list); relevance is the default sort."""
        listing = ListingQuery.from_args(args, default_sort=RELEVANCE, sorts=SEARCH_SORTS)
        category = (args.get("category") or "").strip()
        if category and not SLUG.match(category):
            raise InvalidListingQuery("category")
        return cls(**vars(listing), q=(args.get("q") or "")[:MAX_QUERY_CHARS], category=category)

    def to_args(self, **changes) -> dict[str, str]:
        args = super().to_args(**changes)
        sort, page = changes.get("sort", self.sort), args.pop("page", None)
        args.pop("sort", None)
        if sort != RELEVANCE:
            args["sort"] = sort
        category = changes.get("category", self.category)
        if category:
            args["category"] = category
        if page:
            args["page"] = page
        q = changes.get("q", self.q)
        return {"q": q, **args} if q else args
