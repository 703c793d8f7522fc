"""The one description of the read API: every operation's path, parameters and response schemas.

The routes are registered from ``OPERATIONS`` (blueprints/api/operations.py), each
request's parameters are checked against these schemas before a view runs, the
OpenAPI document and the human documentation page are built from them, and the
tests validate every response against them: code and documentation cannot drift.

Schemas are JSON Schema 2020-12 as OpenAPI 3.1 uses it. Every object lists all
its properties and allows no others, so a field added to a response without
being documented fails the tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from models.catalog import Lifecycle
from services.listing import FACT_FLAGS, MAX_PAGE, PRICING_OPTIONS, SORT_OPTIONS
from services.search.params import SEARCH_SORTS
from services.search.text import MAX_QUERY_CHARS

API_PREFIX = "/api/v1"
MAX_ID = 2**31 - 1  # ids are 32-bit on every database we run on
SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,119}$"  # tool and category slugs (the site's list filters use at most 80)
LIST_SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,79}$"  # the pattern services/listing.py accepts
NO_NUL_PATTERN = r"^[^\x00]*$"
PUBLIC_STATUSES = ("published", "dead_link")
LIFECYCLES = tuple(state.value for state in Lifecycle)


# Schema building blocks -------------------------------------------------------------------------------------------

def obj(properties: dict, *, optional: tuple[str, ...] = (), **extra) -> dict:
    """An object with exactly these properties, all required except ``optional``."""
    return {"type": "object", "required": [name for name in properties if name not in optional],
            "properties": properties, "additionalProperties": False, **extra}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def text(example: str = "", **extra) -> dict:
    return {"type": "string", "examples": [example], **extra}


def count(example: int = 0) -> dict:
    return {"type": "integer", "minimum": 0, "examples": [example]}


URI = {"type": "string", "format": "uri", "examples": ["https://sellernav.example/api/v1/tools"]}
TIME = {"type": "string", "format": "date-time", "examples": ["2026-03-01T08:00:00+00:00"]}
LOCALIZED = obj({"zh": text("选品"), "en": text("Product research")})
LOCALIZED_OR_NULL = obj({"zh": nullable(text("免费版可用")), "en": nullable(text("Free plan available"))})
FACT = nullable({"type": "boolean", "description": "null: not known (which is not “no”)"})

SCHEMAS: dict[str, dict] = {
    "Problem": obj({
        "type": text("/en/api#problem-not-found", format="uri-reference",
                     description="A link to the documentation of this kind of problem."),
        "title": text("Not found", description="The same for every problem of this type."),
        "status": {"type": "integer", "minimum": 400, "maximum": 599, "examples": [404]},
        "detail": text("No public tool has the slug “nope”.", description="What went wrong this time."),
        "instance": text("/api/v1/tools/nope", format="uri-reference", description="The path that was asked for."),
        "errors": {"type": "array", "description": "For an invalid request: each parameter and what is wrong.",
                   "items": obj({"parameter": text("per_page"), "message": text("must be at most 100")})},
    }, optional=("errors",)),
    "CategoryRef": obj({"slug": text("pr-amazon"), "name": LOCALIZED}),
    "ToolRef": obj({"slug": text("jungle-scout"), "name": text("Jungle Scout")}),
    "Links": obj({
        "self": URI, "first": URI, "last": URI,
        "prev": nullable(URI), "next": nullable(URI),
    }, description="Absolute URLs of this page and its neighbours; prev/next are null at the ends."),
    "Subcategory": obj({
        "slug": text("pr-amazon"), "name": LOCALIZED, "description": LOCALIZED, "icon": text("🔍"),
        "tool_count": count(12),
    }),
    "Category": obj({
        "slug": text("product-research"), "name": LOCALIZED, "description": LOCALIZED, "icon": text("🔍"),
        "tool_count": count(40),
        "children": {"type": "array", "items": ref("Subcategory")},
    }, description="A top-level category; tool_count includes its subcategories' tools."),
    "CategoryList": obj({
        "items": {"type": "array", "items": ref("Category")},
        "tool_count": count(320),
    }),
    "Facts": obj({name: FACT for name in FACT_FLAGS.values()}),
    "RatingAverage": obj({
        "count": count(18),
        "average": {"type": "number", "minimum": 0, "maximum": 5, "examples": [4.25]},
    }),
    "RatingSummary": obj({
        "count": count(18),
        "average": {"type": "number", "minimum": 0, "maximum": 5, "examples": [4.25]},
        "histogram": obj({str(stars): count(stars) for stars in (5, 4, 3, 2, 1)},
                         description="How many ratings gave each number of stars."),
    }),
    "Review": obj({
        "id": {"type": "integer", "minimum": 1, "examples": [7]},
        "author": text("Seller1", description="The author's display name, nothing more."),
        "stars": {"type": "integer", "minimum": 1, "maximum": 5, "examples": [5]},
        "text": text("Finds products fast."),
        "helpful": count(3),
        "created_at": TIME,
        "updated_at": TIME,
    }),
}

TOOL_SUMMARY_PROPERTIES = {
    "slug": text("jungle-scout"),
    "name": text("Jungle Scout"),
    "name_en": nullable(text("Jungle Scout")),
    "tagline": LOCALIZED,
    "category": ref("CategoryRef"),
    "pricing": {"type": "string", "enum": list(PRICING_OPTIONS), "examples": ["freemium"]},
    "facts": ref("Facts"),
    "status": {"type": "string", "enum": list(PUBLIC_STATUSES), "examples": ["published"],
               "description": "dead_link: the tool's site no longer answers."},
    "lifecycle": {"type": "string", "enum": list(LIFECYCLES), "examples": ["active"]},
    "rating": ref("RatingAverage"),
    "favorites": count(25),
    "clicks": count(310),
    "website": URI,
    "page": obj({"zh": URI, "en": URI}, description="The tool's page on this site, in each language."),
    "logo": URI,
    "created_at": TIME,
    "updated_at": TIME,
}
SCHEMAS["ToolSummary"] = obj(TOOL_SUMMARY_PROPERTIES)
SCHEMAS["Tool"] = obj({
    **TOOL_SUMMARY_PROPERTIES,
    "description": LOCALIZED,
    "tags": {"type": "array", "items": obj({"slug": text("chrome-extension"), "name": LOCALIZED})},
    "platforms": {"type": "array", "description": "Marketplaces the tool serves; market null means every market.",
                  "items": obj({
                      "platform": obj({"slug": text("amazon"), "name": LOCALIZED, "mode": nullable(text("full"))}),
                      "market": nullable(obj({"slug": text("us"), "name": LOCALIZED})),
                  })},
    "price": obj({
        "model": {"type": "string", "enum": list(PRICING_OPTIONS), "examples": ["freemium"]},
        "note": LOCALIZED_OR_NULL,
        "from_cny": nullable({"type": "number", "minimum": 0, "examples": [199.0]}),
        "from_usd": nullable({"type": "number", "minimum": 0, "examples": [29.0]}),
        "trial_days": nullable({"type": "integer", "minimum": 0, "examples": [7]}),
        "verified_at": nullable(TIME),
    }),
    "successor": nullable(ref("ToolRef")),
    "claimed_by_vendor": {"type": "boolean", "examples": [False]},
    "rating": ref("RatingSummary"),
})


def page_of(item: str, **more) -> dict:
    return obj({
        "items": {"type": "array", "items": ref(item)},
        "page": {"type": "integer", "minimum": 1, "examples": [1]},
        "per_page": {"type": "integer", "minimum": 1, "examples": [20]},
        "total": count(120),
        "pages": count(6),
        "links": ref("Links"),
        **more,
    })


SCHEMAS["ToolPage"] = page_of("ToolSummary")
SCHEMAS["SearchPage"] = page_of(
    "ToolSummary", q=text("amazon 关键词"),
    capped={"type": "boolean", "examples": [False],
            "description": "More than 1,000 tools matched: total is 1,000 and only those are ranked."},
)
SCHEMAS["ReviewPage"] = page_of("Review")
SCHEMAS["ToolRatings"] = obj({"tool": ref("ToolRef"), "rating": ref("RatingSummary"), "reviews": ref("ReviewPage")})
SCHEMAS["Collection"] = obj({
    "id": {"type": "integer", "minimum": 1, "examples": [3]},
    "name": text("My Amazon stack"),
    "description": text(""),
    "owner": text("Seller1", description="The owner's display name, nothing more."),
    "created_at": TIME,
    "updated_at": TIME,
    "tools": {"type": "array", "items": obj({"tool": ref("ToolSummary"), "note": text("")})},
})
SCHEMAS["OpenApiDocument"] = {"type": "object", "required": ["openapi", "info", "paths"], "properties": {
    "openapi": {"type": "string", "examples": ["3.1.0"]},
    "info": {"type": "object", "examples": [{"title": "SellerNav read API", "version": "1.0.0"}]},
    "paths": {"type": "object", "examples": [{"/categories": {"get": {}}}]},
}}


# Parameters ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Param:
    """One parameter; ``schema`` may be a function of the app's config (page sizes come from it)."""

    name: str
    where: str  # "query" or "path"
    schema: dict | object
    description: object
    required: bool = False

    def schema_for(self, config) -> dict:
        return self.schema(config) if callable(self.schema) else self.schema


def _per_page(config) -> dict:
    return {"type": "integer", "minimum": 1, "maximum": config["API_MAX_PAGE_SIZE"],
            "default": config["API_DEFAULT_PAGE_SIZE"]}


PAGE = Param("page", "query", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
             _l("Page number. A page past the last one answers with no items."))
PER_PAGE = Param("per_page", "query", _per_page, _l("Items per page. A value outside the limits is an error, "
                                                     "never silently changed."))
LANG = Param("lang", "query", {"type": "string", "enum": ["zh", "en"], "default": "zh"},
             _l("Whose name order sort=name follows. Every text is answered in both languages anyway."))
FILTERS = (
    Param("platform", "query", {"type": "string", "pattern": LIST_SLUG_PATTERN},
          _l("Only tools serving this marketplace (any of its modes), e.g. amazon, temu, shopee.")),
    Param("market", "query", {"type": "string", "pattern": LIST_SLUG_PATTERN},
          _l("Only tools serving this market (or every market), e.g. us, jp, sea.")),
    Param("pricing", "query", {"type": "string", "enum": list(PRICING_OPTIONS)}, _l("Only this pricing model.")),
    *(Param(flag, "query", {"type": "string", "enum": ["0", "1"]}, label) for flag, label in (
        ("zh", _l("1: only tools with Chinese-language support.")),
        ("direct", _l("1: only tools that work from mainland China without a VPN.")),
        ("cnpay", _l("1: only tools that accept Alipay or WeChat Pay.")),
        ("invoice", _l("1: only tools that issue Chinese invoices (发票).")),
        ("free", _l("1: only tools with a free plan or trial.")),
    )),
)
assert {p.name for p in FILTERS} >= {"platform", "market", "pricing", *FACT_FLAGS}  # the site's filters, all
CATEGORY = Param("category", "query", {"type": "string", "pattern": LIST_SLUG_PATTERN},
                 _l("Only tools of this category; a top-level category includes its subcategories."))
TAG = Param("tag", "query", {"type": "string", "pattern": LIST_SLUG_PATTERN}, _l("Only tools with this tag."))
LIST_SORT = Param("sort", "query", {"type": "string", "enum": list(SORT_OPTIONS), "default": "popular"},
                  _l("popular (most clicked), rating, newest or name."))
SEARCH_SORT = Param("sort", "query", {"type": "string", "enum": list(SEARCH_SORTS), "default": "relevance"},
                    _l("relevance, or any order of the tool list."))
QUERY = Param("q", "query", {"type": "string", "minLength": 1, "maxLength": MAX_QUERY_CHARS,
                             "pattern": NO_NUL_PATTERN},
              _l("What to look for: Chinese, English or both, e.g. “amazon 关键词”."), required=True)
TOOL_SLUG = Param("slug", "path", {"type": "string", "pattern": SLUG_PATTERN, "examples": ["jungle-scout"]},
                  _l("The tool's slug, as in its page's address."), required=True)
COLLECTION_ID = Param("collection_id", "path", {"type": "integer", "minimum": 1, "maximum": MAX_ID, "examples": [1]},
                      _l("The collection's number, as in its shared link."), required=True)


# Operations ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Operation:
    """One GET endpoint: ``id`` is its operationId and its Flask endpoint (``api.<id>``)."""

    id: str
    path: str  # under API_PREFIX, OpenAPI style: /tools/{slug}
    summary: object
    description: object
    response: str  # the component schema of the 200 answer
    params: tuple[Param, ...] = ()
    example: str = ""  # an example request, for the documentation page
    may_redirect: bool = False  # 301 from a merged or renamed tool's old slug
    may_be_missing: bool = False  # 404 for a missing resource
    cacheable: bool = True
    tags: tuple[str, ...] = field(default=("catalog",))

    @property
    def query_params(self) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.where == "query")


OPERATIONS: tuple[Operation, ...] = (
    Operation("categories", "/categories", _l("Categories"),
              _l("Every category in two levels, in the site's order, with the number of public tools in each."),
              "CategoryList", example="/categories"),
    Operation("tools", "/tools", _l("Tools"),
              _l("Public tools, filtered and sorted exactly as the site's list pages."),
              "ToolPage", params=(CATEGORY, TAG, *FILTERS, LIST_SORT, LANG, PAGE, PER_PAGE),
              example="/tools?platform=amazon&zh=1&sort=rating&per_page=5"),
    Operation("tool", "/tools/{slug}", _l("One tool"),
              _l("Everything the tool's page shows: descriptions, marketplaces, facts, pricing, lifecycle "
                 "and its successor, and the rating summary. An old slug of a merged or renamed tool answers "
                 "301 with the tool's address now."),
              "Tool", params=(TOOL_SLUG,), example="/tools/{slug}", may_redirect=True, may_be_missing=True),
    Operation("tool_ratings", "/tools/{slug}/ratings", _l("A tool's ratings"),
              _l("Rating count, average and histogram, and the visible reviews, most helpful first."),
              "ToolRatings", params=(TOOL_SLUG, PAGE, PER_PAGE), example="/tools/{slug}/ratings",
              may_redirect=True, may_be_missing=True),
    Operation("search", "/search", _l("Search"),
              _l("The site's search: every term must match; ranked by relevance, then popularity and rating. "
                 "The list filters apply as on the site."),
              "SearchPage", params=(QUERY, *FILTERS, SEARCH_SORT, LANG, PAGE, PER_PAGE),
              example="/search?q=amazon%20关键词"),
    Operation("collection", "/collections/{collection_id}", _l("A public collection"),
              _l("A collection its owner made public, with its tools in the owner's order. A private "
                 "collection answers 404, exactly like a missing one."),
              "Collection", params=(COLLECTION_ID,), example="/collections/{collection_id}", may_be_missing=True),
    Operation("openapi", "/openapi.json", _l("This API's OpenAPI document"),
              _l("The OpenAPI 3.1 description of every operation, generated from the code that serves them."),
              "OpenApiDocument", example="/openapi.json", tags=("meta",)),
)
OPERATIONS_BY_ID = {operation.id: operation for operation in OPERATIONS}
