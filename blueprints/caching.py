"""Whole-page caching for anonymous visitors.

A cached page is shared by strangers, so it may only be stored when the
request carries nothing personal (no session content) and the response sets
no cookie. The key holds the catalog version, the language, the host, the path,
the query parameters the page reads (``page_args``) and whether htmx asked for a
fragment. A page must never show a request value its key lacks: links that carry
the query (canonical, hreflang, the language switch) take it from ``page_args``
too, and the host is in the key although production builds absolute links from
SITE_URL alone.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from flask import current_app, g, make_response, request, session

from blueprints.i18n import current_lang
from services.catalog_version import current_catalog_version
from services.listing import LIST_PARAMS


def is_htmx_fragment_request() -> bool:
    """htmx asked for part of a page (a boosted navigation wants the whole page)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"


def _cacheable_request() -> bool:
    return (
        current_app.config["PAGE_CACHE_ENABLED"]
        and request.method == "GET"
        and not session  # anything in the session (flashes, a sign-in) makes the page personal
        and current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") not in request.cookies
    )


def reads_query(*names: str):
    """Declare query parameters a view reads besides the list parameters (the search page's ``q``)."""

    def decorator(view):
        view.query_params = names
        return view

    return decorator


def page_args() -> dict[str, str]:
    """The query parameters that shape this page, as sent: the list parameters and what its view declared.

    The cache key and every link that repeats the query are built from this, so neither can hold what the
    other lacks; tracking junk never reaches a canonical URL.
    """
    view = current_app.view_functions.get(request.endpoint or "")
    names = (*LIST_PARAMS, *getattr(view, "query_params", ()))
    return {name: request.args[name] for name in names if request.args.get(name)}


def page_url() -> str:
    """This page's path with the query it reads (for "come back here" links and forms on a cached page)."""
    args = page_args()
    return f"{request.path}?{urlencode(args)}" if args else request.path


def _cache_key(variant: str) -> str:
    # urlencode escapes & and =, so no value can pass for another parameter.
    params = urlencode(sorted(page_args().items()))
    fragment = "1" if is_htmx_fragment_request() else "0"
    return (f"v{current_catalog_version()}|{current_lang()}|{request.host.lower()}|{request.path}|{params}"
            f"|{fragment}|{variant}")


def cached_page(variant=lambda: ""):
    """Serve the view from the page store for anonymous GETs; ``variant`` adds to the key."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not _cacheable_request():
                return view(*args, **kwargs)
            key = _cache_key(variant())
            store = current_app.extensions["page_store"]
            hit = store.get(key)
            if hit is not None:
                body, mimetype = hit
                response = current_app.response_class(body, mimetype=mimetype)
                response.headers["X-Cache"] = "HIT"
                return response
            response = make_response(view(*args, **kwargs))
            if response.status_code == 200 and "Set-Cookie" not in response.headers and not session:
                store.set(key, (response.get_data(), response.mimetype), current_app.config["PAGE_CACHE_SECONDS"])
                response.headers["X-Cache"] = "MISS"
            g.page_cacheable = True
            return response

        wrapper.page_cached = True  # the cache-key walk in tests/test_page_cache.py finds every such page
        return wrapper

    return decorator
