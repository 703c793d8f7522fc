"""The read API's operations; each view turns checked parameters into a body (see operations.py).

Only what visitors see is served: public tools (published, or listed with a dead
link), visible reviews of authors in good standing, public collections of
accounts in good standing. Lists cost a fixed number of queries at any page size.
"""

from __future__ import annotations

from flask import current_app, redirect, request, url_for
from flask_babel import force_locale

from blueprints.api import serialise
from blueprints.api.openapi import openapi_document
from blueprints.api.operations import api_operation, page_links
from blueprints.api.problems import ApiProblem
from blueprints.api.schemas import OPERATIONS_BY_ID
from extensions import db
from models import Tool
from services import api_reads
from services import catalog_queries as queries
from services.collections import collection_items, public_tool_by_slug, shared_collection
from services.listing import ListingQuery
from services.ratings import tool_rating_summary
from services.search import search_tools
from services.search.params import SearchQuery
from services.tool_redirects import current_slug


def _page_body(operation_id: str, tools: list[Tool], page: int, per_page: int, total: int) -> dict:
    pages = -(-total // per_page)
    return {
        "items": serialise.tool_list(tools, api_reads.categories_by_id(t.category_id for t in tools)),
        "page": page, "per_page": per_page, "total": total, "pages": pages,
        "links": page_links(OPERATIONS_BY_ID[operation_id], page, pages),
    }


def _moved_or_missing(slug: str, endpoint: str):
    """A merged or renamed tool's old slug: 301 to its address now, keeping the query; else a 404 problem."""
    new_slug = current_slug(slug)
    if new_slug is None:
        raise ApiProblem(404, f"No public tool has the slug “{slug}”.")
    location = url_for(endpoint, slug=new_slug)
    if request.query_string:
        location += "?" + request.query_string.decode("latin-1")
    return redirect(location, code=301)


@api_operation("categories")
def categories(params: dict):
    """Every category, two levels, with public tool counts."""
    return serialise.category_list(queries.category_tree())


@api_operation("tools")
def tools(params: dict):
    """Public tools with the site's filters and sorts, one page."""
    query = ListingQuery.from_args(request.args)  # already checked against the same rules
    conditions = []
    if params["category"]:
        conditions.append(api_reads.in_category(params["category"]))
    if params["tag"]:
        conditions.append(api_reads.with_tag(params["tag"]))
    statement = queries.listing_statement(query, params["lang"], *conditions)
    pagination = db.paginate(statement, page=query.page, per_page=params["per_page"], error_out=False, count=True)
    return _page_body("tools", list(pagination.items), query.page, params["per_page"], pagination.total or 0)


@api_operation("tool")
def tool(params: dict):
    """One public tool with everything its page shows."""
    current = queries.tool_page(params["slug"])
    if current is None:
        return _moved_or_missing(params["slug"], "api.tool")
    return serialise.tool_detail(current, tool_rating_summary(current.id))


@api_operation("tool_ratings")
def tool_ratings(params: dict):
    """A tool's rating summary and one page of its visible reviews."""
    current = public_tool_by_slug(params["slug"])
    if current is None:
        return _moved_or_missing(params["slug"], "api.tool_ratings")
    page, per_page = params["page"], params["per_page"]
    rows, total = api_reads.visible_reviews_page(current.id, page, per_page)
    pages = -(-total // per_page)
    return {
        "tool": serialise.tool_ref(current),
        "rating": serialise.rating_summary(tool_rating_summary(current.id)),
        "reviews": {
            "items": [serialise.review(rating, author) for rating, author in rows],
            "page": page, "per_page": per_page, "total": total, "pages": pages,
            "links": page_links(OPERATIONS_BY_ID["tool_ratings"], page, pages),
        },
    }


@api_operation("search")
def search(params: dict):
    """The site's search, one page; API searches are not counted in the staff keyword statistics."""
    query = SearchQuery.from_search_args(request.args)
    results = search_tools(query.q, query, params["lang"], params["per_page"])
    body = _page_body("search", results.pagination.items, query.page, params["per_page"], results.total)
    return {**body, "q": query.q, "capped": results.capped}


@api_operation("collection")
def collection(params: dict):
    """A public collection and its public tools, in the owner's order."""
    shared = shared_collection(params["collection_id"], viewer_id=None)
    if shared is None:
        raise ApiProblem(404, f"No public collection has the number {params['collection_id']}.")
    items = collection_items(shared.collection.id)
    categories = api_reads.categories_by_id(tool.category_id for _item, tool in items)
    tools = [{"tool": serialise.tool_summary(tool, categories[tool.category_id]), "note": item.note or ""}
             for item, tool in items]
    return serialise.collection(shared.collection, shared.owner_name, tools)


@api_operation("openapi")
def openapi(params: dict):
    """The OpenAPI 3.1 document, in English, built from the operations this blueprint serves."""
    with force_locale("en"):
        return openapi_document(current_app.config)

