"""Whole-page caching for anonymous visitors.

A cached page is shared by strangers, so it may only be stored when the
request carries nothing personal (no session content) and the response sets
no cookie. The key holds the catalog version, the language, the path, the
list parameters we honour and whether htmx asked for a fragment.
"""

from __future__ import annotations

from functools import wraps

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


def _cache_key(variant: str) -> str:
    params = "&".join(f"{name}={request.args.get(name)}" for name in LIST_PARAMS if name in request.args)
    fragment = "1" if is_htmx_fragment_request() else "0"
    return f"v{current_catalog_version()}|{current_lang()}|{request.path}|{params}|{fragment}|{variant}"


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

        return wrapper

    return decorator
