"""The site's own absolute address, for links that leave the page: emails, notices, the sitemap.

SITE_URL when it is set (production should set it: a request's Host header is the client's to
choose, and a link built from it in a genuine email could point at someone else's domain);
otherwise the host of the request being served, which is what development needs.
"""

from __future__ import annotations

from flask import current_app, request


def absolute(url: str) -> str:
    """A site-relative URL made absolute with SITE_URL, or the request's host."""
    base = current_app.config["SITE_URL"].rstrip("/") or request.host_url.rstrip("/")
    return base + url
