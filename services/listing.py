"""The one set of list parameters used by every list: site pages, search and the API.

``platform``, ``market``, ``pricing``, the fact flags (``zh``, ``direct``,
``cnpay``, ``invoice``, ``free``), ``sort`` and ``page``. Parsing is strict:
a value we do not know is an error the page explains, not a silent guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from services.numbers import whole_number

SORT_OPTIONS = ("popular", "rating", "newest", "name")
PRICING_OPTIONS = ("free", "freemium", "free_trial", "paid")
# Query flag → Tool column. A flag is on when its value is "1".
FACT_FLAGS = {
    "zh": "chinese_support",
    "direct": "china_direct",
    "cnpay": "cn_payment",
    "invoice": "cn_invoice",
    "free": "free_plan",
}
LIST_PARAMS = ("platform", "market", "pricing", *FACT_FLAGS, "sort", "page")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
MAX_PAGE = 10_000


class InvalidListingQuery(ValueError):
    """A list parameter has a value we do not accept; ``field`` names it."""

    def __init__(self, field: str):
        super().__init__(field)
        self.field = field


@dataclass(frozen=True)
class ListingQuery:
    platform: str | None = None
    market: str | None = None
    pricing: str | None = None
    facts: tuple[str, ...] = ()
    sort: str = "popular"
    page: int = 1

    @classmethod
    def from_args(cls, args, default_sort: str = "popular", sorts: tuple[str, ...] = SORT_OPTIONS) -> ListingQuery:
        """Parse request args; raises InvalidListingQuery naming the first bad field.

        ``sorts`` lets a page offer its own orders (favorites: when collected).
        """
        values: dict = {"sort": default_sort}
        for name in ("platform", "market"):
            value = (args.get(name) or "").strip()
            if value:
                if not SLUG.match(value):
                    raise InvalidListingQuery(name)
                values[name] = value
        pricing = args.get("pricing") or ""
        if pricing:
            if pricing not in PRICING_OPTIONS:
                raise InvalidListingQuery("pricing")
            values["pricing"] = pricing
        facts = []
        for flag, column in FACT_FLAGS.items():
            value = args.get(flag)
            if value not in (None, "", "0", "1"):
                raise InvalidListingQuery(flag)
            if value == "1":
                facts.append(column)
        values["facts"] = tuple(facts)
        sort = args.get("sort") or default_sort
        if sort not in sorts:
            raise InvalidListingQuery("sort")
        values["sort"] = sort
        page = whole_number(args.get("page") or "1", minimum=1, maximum=MAX_PAGE)
        if page is None:
            raise InvalidListingQuery("page")
        values["page"] = page
        return cls(**values)

    def to_args(self, **changes) -> dict[str, str]:
        """Query-string values for a link to this list with ``changes`` applied.

        Changing anything but the page goes back to page 1. Defaults are left
        out so every list has one canonical URL.
        """
        query = replace(self, **changes)
        if "page" not in changes:
            query = replace(query, page=1)
        args: dict[str, str] = {}
        for name in ("platform", "market", "pricing"):
            if getattr(query, name):
                args[name] = getattr(query, name)
        for flag, column in FACT_FLAGS.items():
            if column in query.facts:
                args[flag] = "1"
        if query.sort != "popular":
            args["sort"] = query.sort
        if query.page != 1:
            args["page"] = str(query.page)
        return args

    def toggled_fact(self, column: str) -> tuple[str, ...]:
        """The fact filters with ``column`` switched on or off."""
        return tuple(f for f in self.facts if f != column) if column in self.facts else (*self.facts, column)

    @property
    def is_filtered(self) -> bool:
        return bool(self.platform or self.market or self.pricing or self.facts)
