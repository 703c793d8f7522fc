"""Merging a duplicate tool into another: pick the survivor, see what moves, confirm with a reason (admins)."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.auth.views import no_store
from blueprints.i18n import localized_route
from blueprints.moderation import bp
from blueprints.moderation.access import admin_required
from extensions import db
from models import Tool
from services.moderation import catalog_tools, tool_merge


def _survivor(source: Tool, slug: str) -> tuple[Tool | None, str]:
    """The tool to merge into, or None with the reason it cannot be."""
    if not slug:
        return None, _("Enter the address of the tool that stays.")
    survivor = catalog_tools.tool_by_slug(slug)
    if survivor is None:
        return None, _("No tool has the address “%(slug)s”.", slug=slug)
    if survivor.id == source.id:
        return None, _("A tool cannot be merged into itself.")
    return survivor, ""


def _page(source: Tool, slug: str, survivor: Tool | None, error: str, status: int = 200):
    preview = tool_merge.merge_preview(source.id, survivor.id) if survivor else None
    return no_store(render_template("moderation/tool_merge.html", source=source, slug=slug, survivor=survivor,
                                    preview=preview, error=error), status)


@localized_route(bp, "/staff/tools/<int:tool_id>/merge", methods=["GET", "POST"])
@admin_required
def tool_merge_page(tool_id: int):
    """GET: choose the survivor and see what would move. POST: merge, then the old address redirects."""
    source = db.session.get(Tool, tool_id) or abort(404)
    values = request.form if request.method == "POST" else request.args
    slug = values.get("into", "").strip().lower()[:120]
    survivor, error = _survivor(source, slug) if (slug or request.method == "POST") else (None, "")
    if request.method == "GET":
        return _page(source, slug, survivor, error)
    reason = request.form.get("reason", "").strip()[:500]
    if survivor is not None and not reason:
        error = _("Give a reason for the merge; it goes into the audit log.")
    if error:
        return _page(source, slug, survivor, error, 422)
    name, survivor_id = source.name, survivor.id
    try:
        moved = tool_merge.merge_tools(source.id, survivor_id, actor_id=current_user.id, reason=reason,
                                       upload_dir=current_app.config["UPLOAD_DIR"])
    except tool_merge.MergeError as failure:
        if failure.code == "missing_source":  # merged or deleted by a colleague a moment ago
            abort(404, description=_("That tool no longer exists."))
        return _page(source, slug, None, _("The tool to merge into no longer exists."), 422)
    flash(_("“%(name)s” is merged into this tool: %(favorites)s favorites, %(ratings)s ratings and "
            "%(clicks)s clicks moved; its address now redirects here.",
            name=name, favorites=moved.favorites, ratings=moved.ratings, clicks=moved.clicks), "success")
    return redirect(url_for("moderation.tool_edit", tool_id=survivor_id), code=303)
