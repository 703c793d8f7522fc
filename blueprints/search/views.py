"""The search page (full page or htmx fragment) and a signed-in user's search history.

The full page is never cached: every submitted search must reach the keyword log
(and the shared page cache keys on the list parameters, not ``q``). The htmx
fragments (as-you-type) are cached for anonymous visitors under their own key:
they carry nothing personal and are what many people type at once.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import abort, current_app, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from flask_login import current_user

from blueprints.caching import is_htmx_fragment_request, reads_query
from blueprints.gates import login_required
from blueprints.i18n import current_lang, localized_route
from blueprints.search import bp
from blueprints.templating import SORT_LABELS
from services import catalog_queries as queries
from services.catalog_version import current_catalog_version
from services.listing import InvalidListingQuery
from services.search import records, search_tools, suggest
from services.search.params import SEARCH_SORTS, SearchQuery
from services.search.text import highlight
from services.search.vocabulary import vocabulary

RESULTS_TARGET = "tool-list"  # the page's results section; any other htmx target gets suggestions
SEARCH_SORT_LABELS = {**SORT_LABELS, "relevance": _l("Relevance")}
SUGGESTIONS = 8


def _parse() -> SearchQuery:
    try:
        return SearchQuery.from_search_args(request.args)
    except InvalidListingQuery as error:
        abort(400, description=_("The filter “%(field)s” has a value we do not recognise.", field=error.field))


# Why a result matched, as the result says it (services.search.ranking's reasons).
MATCH_REASONS = {
    "name": _lp("search match", "Name"), "alias": _lp("search match", "Alias"),
    "category": _lp("search match", "Category"), "tag": _lp("search match", "Tag"),
    "platform": _lp("search match", "Platform"), "description": _lp("search match", "Summary"),
    "pinyin": _lp("search match", "Pinyin"), "synonym": _lp("search match", "Synonym"),
    "typo": _lp("search match", "Similar spelling"),
}


def _no_result_help(results, query: SearchQuery) -> dict:
    """A query we think was meant and popular categories, only when there is nothing to show."""
    if results.total or results.past_the_end or not results.terms:
        return {}
    meant = suggest.did_you_mean(query.q)
    return {"popular_categories": suggest.popular_categories(),
            "did_you_mean": meant, "did_you_mean_args": query.to_args(q=meant, page=1) if meant else None}


def _category_context(results, query: SearchQuery) -> dict:
    """The categories the query names with their public tool counts, and, when the results span several
    top-level categories (or one is chosen), each with its count of results."""
    spread = len(results.result_categories) > 1 or bool(query.category)
    known = vocabulary()  # this search's: the categories come with it, no query of their own
    named = [(known.categories[c], known.public_total(c)) for c in results.category_ids if c in known.categories]
    chips = [(known.categories[c], count) for c, count in results.result_categories.items()
             if c in known.categories] if spread else []
    return {"named_categories": named, "result_chips": chips,
            "result_total": sum(results.result_categories.values())}


def _fragment_cache_key(query: SearchQuery) -> str | None:
    """A key for an anonymous htmx fragment (None when the request is personal or caching is off).

    Built from the parsed query, the only input the fragment is made from, encoded so that no value can pass
    for another parameter (``q=x%26sort%3Drating`` and ``q=x&sort=rating`` are two keys).
    """
    remember = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    if not current_app.config["PAGE_CACHE_ENABLED"] or session or remember in request.cookies:
        return None
    args = urlencode(sorted(query.to_args(page=query.page).items()))
    target = request.headers.get("HX-Target", "")
    return f"search|v{current_catalog_version()}|{current_lang()}|{request.host.lower()}|{target}|{args}"


def _render_results(query: SearchQuery, fragment: bool, suggesting: bool):
    """Search and render the page, the results fragment or the suggestions; returns (html, results)."""
    per_page = SUGGESTIONS if suggesting else current_app.config["PER_PAGE"]
    results = search_tools(query.q, query, current_lang(), per_page)
    if results.past_the_end:
        abort(404)
    context = dict(query=query, results=results, pagination=results.pagination, terms=results.terms,
                   highlight=highlight, sort_choices=SEARCH_SORTS, SORT_LABELS=SEARCH_SORT_LABELS,
                   MATCH_REASONS=MATCH_REASONS, **({} if suggesting else _category_context(results, query)),
                   **_no_result_help(results, query))
    if suggesting:
        return render_template("search/_suggestions.html", **context), results
    if fragment:
        return render_template("search/_results.html", **context), results
    context.update(platforms=queries.all_platforms(), markets=queries.all_markets())
    return render_template("search/search.html", **context), results


@localized_route(bp, "/search")
@reads_query("q")
def search_page():
    """Results for ``q`` with the list filters: a page, or for htmx the results or the suggestions."""
    query = _parse()
    fragment = is_htmx_fragment_request()
    suggesting = fragment and request.headers.get("HX-Target") != RESULTS_TARGET
    key = _fragment_cache_key(query) if fragment else None
    store = current_app.extensions["page_store"]
    cached = store.get(key) if key else None
    if cached is not None:
        body = cached
    else:
        body, results = _render_results(query, fragment, suggesting)
        if key:
            store.set(key, body, current_app.config["PAGE_CACHE_SECONDS"])
    response = make_response(body)
    response.vary.add("HX-Request")
    response.vary.add("HX-Target")
    if not fragment and query.page == 1 and query.q.strip():
        # A submitted search (Enter, the form, a shared link, a reload); never an as-you-type
        # fragment. Recorded after rendering: its commit would expire the tools on the page.
        user_id = current_user.id if current_user.is_authenticated else None
        records.record_submitted_search(user_id, query.q, results.total + (1 if results.capped else 0))
    return response


def _history_response(template: str, **context):
    response = make_response(render_template(template, **context))
    response.cache_control.no_store = True  # personal: never kept by a browser or proxy cache
    return response


@localized_route(bp, "/search/history")
@login_required
def history():
    """My submitted searches, newest first, each deletable; and a button to clear them all."""
    return _history_response("search/history.html", items=records.search_history(current_user.id))


@localized_route(bp, "/search/history/<int:item_id>/delete", methods=["POST"])
@login_required
def delete_history_item(item_id: int):
    """Delete one of my searches; someone else's (or a gone one) is a 404."""
    if not records.delete_history_item(current_user.id, item_id):
        abort(404)
    if is_htmx_fragment_request():
        return _history_response("search/_history_list.html", items=records.search_history(current_user.id))
    flash(_("Search removed from your history."), "info")
    return redirect(url_for("search.history"), code=303)


@localized_route(bp, "/search/history/clear", methods=["POST"])
@login_required
def clear_history():
    """Delete all of my search history."""
    records.clear_history(current_user.id)
    if is_htmx_fragment_request():
        return _history_response("search/_history_list.html", items=[])
    flash(_("Your search history is cleared."), "info")
    return redirect(url_for("search.history"), code=303)
