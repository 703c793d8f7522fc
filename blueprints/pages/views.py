"""robots.txt and the sitemap (an index of sitemap files once URLs exceed one file)."""

from __future__ import annotations

import math
from pathlib import Path

from flask import abort, current_app, render_template, send_from_directory, url_for
from sqlalchemy import func, select

from blueprints.caching import cached_page
from blueprints.pages import bp
from blueprints.templating import absolute
from extensions import db
from models import Category, Tool
from services.catalog_queries import public_tool

# Fixed pages listed first in the sitemap, both languages.
_FIXED_ENDPOINTS = ("catalog.home",)


@bp.route("/robots.txt")
def robots():
    """Crawl everything public; point at the sitemap."""
    body = f"User-agent: *\nDisallow: /go/\nDisallow: /en/go/\nSitemap: {absolute(url_for('pages.sitemap'))}\n"
    return current_app.response_class(body, mimetype="text/plain")


def _sitemap_entry_count() -> int:
    categories = db.session.scalar(select(func.count()).select_from(Category)) or 0
    tools = db.session.scalar(select(func.count()).select_from(Tool).where(public_tool)) or 0
    return len(_FIXED_ENDPOINTS) + categories + tools


def _sitemap_entries(offset: int, limit: int) -> list[tuple[str, str, object]]:
    """Entries (zh URL, en URL, last change) for one slice of the site, in a stable order."""
    head = [(endpoint, {}, None) for endpoint in _FIXED_ENDPOINTS] + [
        ("catalog.category", {"slug": slug}, updated)
        for slug, updated in db.session.execute(select(Category.slug, Category.updated_at).order_by(Category.id))
    ]
    entries = head[offset : offset + limit]
    # Tools are the bulk: fetch only the slice this file needs.
    tool_rows = db.session.execute(
        select(Tool.slug, Tool.updated_at)
        .where(public_tool)
        .order_by(Tool.id)
        .offset(max(0, offset - len(head)))
        .limit(limit - len(entries))
    )
    entries += [("catalog.tool", {"slug": slug}, updated) for slug, updated in tool_rows]
    return [
        (absolute(url_for(e, lang="zh", **a)), absolute(url_for(e, lang="en", **a)), lastmod)
        for e, a, lastmod in entries
    ]


@bp.route("/media/avatars/<name>")
def avatar(name: str):
    """An uploaded avatar (already re-encoded, public, named at random so it never changes)."""
    folder = Path(current_app.config["UPLOAD_DIR"]) / "avatars"
    response = send_from_directory(folder, name, mimetype="image/webp", max_age=365 * 86400)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/sitemap.xml")
@cached_page()
def sitemap():
    """All public URLs, or an index of numbered sitemap files when there are too many."""
    per_file = current_app.config["SITEMAP_MAX_URLS"] // 2  # each entry is a zh and an en URL
    files = max(1, math.ceil(_sitemap_entry_count() / per_file))
    if files > 1:
        body = render_template("pages/sitemap_index.xml", files=range(1, files + 1))
    else:
        body = render_template("pages/sitemap.xml", entries=_sitemap_entries(0, per_file))
    return current_app.response_class(body, mimetype="application/xml")


@bp.route("/sitemap-<int:number>.xml")
@cached_page()
def sitemap_part(number: int):
    """One numbered file of a sitemap index."""
    per_file = current_app.config["SITEMAP_MAX_URLS"] // 2
    entries = _sitemap_entries((number - 1) * per_file, per_file) if number >= 1 else []
    if not entries:
        abort(404)
    body = render_template("pages/sitemap.xml", entries=entries)
    return current_app.response_class(body, mimetype="application/xml")
