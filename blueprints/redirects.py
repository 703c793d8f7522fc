"""Safe redirects: ``next`` may only point back into this site."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import redirect, request, url_for


def safe_next(target: str | None, fallback: str | None = None) -> str:
    """``target`` if it is a path on this site, else the fallback (the home page).

    Refuses absolute URLs, scheme-relative ``//host`` and backslash tricks
    (``/\\host``) that browsers read as another host.
    """
    fallback = fallback or url_for("catalog.home")
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in target):
        return fallback
    return target


def redirect_back(fallback: str | None = None):
    """Back to ``next`` (form or query) or the page the request came from, if it is ours."""
    target = request.form.get("next") or request.args.get("next")
    if not target and request.referrer and request.referrer.startswith(request.host_url):
        target = "/" + request.referrer[len(request.host_url):]
    return redirect(safe_next(target, fallback), code=303)


def htmx_aware_redirect(location: str):
    """A redirect that also works when htmx made the request (it follows HX-Redirect)."""
    if request.headers.get("HX-Request") == "true":
        response = redirect(location)
        response.status_code = 204
        response.headers["HX-Redirect"] = location
        return response
    return redirect(location, code=303)
