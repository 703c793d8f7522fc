"""Collect and un-collect (one click anywhere a tool appears), and the favorites page."""

from __future__ import annotations

from dataclasses import replace

from flask import abort, current_app, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from blueprints.caching import is_htmx_fragment_request
from blueprints.favorites import bp
from blueprints.gates import login_required, verified_required
from blueprints.i18n import current_lang, localized_route
from blueprints.redirects import safe_next
from extensions import db, limiter
from models import Favorite, Tool
from services import catalog_queries as queries
from services import favorites
from services.listing import SORT_OPTIONS, InvalidListingQuery, ListingQuery

FAVORITE_SORTS = ("collected", *SORT_OPTIONS)


def _public_tool(slug: str) -> Tool:
    tool = db.session.scalar(select(Tool).where(Tool.slug == slug, queries.public_tool))
    return tool or abort(404)


def _answer(tool: Tool, count: int):
    """htmx: new buttons and counts for every place this tool shows; otherwise back to the card."""
    g.collected_ids = None  # the set changed: reload it for the buttons rendered now
    if is_htmx_fragment_request():
        response = make_response(render_template("favorites/_collect_update.html", tool=tool, count=count))
        response.cache_control.no_store = True
        return response
    return redirect(_back_to_card(tool), code=303)


def _back_to_card(tool: Tool) -> str:
    """The page the button was on (``next``, else the same-site Referer), at this tool's card."""
    target = request.form.get("next")
    if not target and request.referrer and request.referrer.startswith(request.host_url):
        target = "/" + request.referrer[len(request.host_url):].split("#", 1)[0]
    target = safe_next(target, fallback=url_for("catalog.tool", slug=tool.slug))
    return target if "#" in target else f"{target}#tool-{tool.slug}"


def _toggle(slug: str, change, message: str, category: str):
    """Apply ``change`` (collect or uncollect) to a public tool and answer the button."""
    tool = _public_tool(slug)
    count = change(current_user.id, tool.id)
    if not is_htmx_fragment_request():
        flash(message % {"name": tool.display_name(current_lang())}, category)
    return _answer(tool, count)


@localized_route(bp, "/t/<slug>/collect", methods=["POST"])
@verified_required
@limiter.limit("120 per hour")
def collect(slug: str):
    """Add the tool to my favorites."""
    return _toggle(slug, favorites.collect, _("Added %(name)s to your favorites."), "success")


@localized_route(bp, "/t/<slug>/uncollect", methods=["POST"])
@verified_required
@limiter.limit("120 per hour")
def uncollect(slug: str):
    """Remove the tool from my favorites."""
    return _toggle(slug, favorites.uncollect, _("Removed %(name)s from your favorites."), "info")


@localized_route(bp, "/favorites")
@login_required
def favorites_page():
    """My favorites, with the same filters as every list, sorted by when I collected them by default."""
    try:
        query = ListingQuery.from_args(request.args, default_sort="collected", sorts=FAVORITE_SORTS)
    except InvalidListingQuery as error:
        abort(400, description=_("The filter “%(field)s” has a value we do not recognise.", field=error.field))
    by_collected = query.sort == "collected"
    base_query = replace(query, sort="popular") if by_collected else query
    statement = queries.listing_statement(base_query, current_lang(), favorites.favorites_condition(current_user.id))
    if by_collected:
        statement = statement.order_by(None).join(
            Favorite, (Favorite.tool_id == Tool.id) & (Favorite.user_id == current_user.id)
        ).order_by(Favorite.created_at.desc(), Tool.id.desc())
    pagination = queries.paginate_listing(statement, query.page, current_app.config["PER_PAGE"])
    if pagination is None:
        abort(404)
    context = dict(title=_("My favorites"), description="", query=query, pagination=pagination,
                   platforms=queries.all_platforms(), markets=queries.all_markets(),
                   sort_choices=FAVORITE_SORTS, compare_enabled=True)
    template = "catalog/_tool_list.html" if is_htmx_fragment_request() else "favorites/favorites.html"
    response = make_response(render_template(template, **context))
    response.cache_control.no_store = True
    return response


@bp.app_context_processor
def collect_state():
    """``is_collected(tool_id)`` for buttons: one query per request, however many cards a page shows."""

    def is_collected(tool_id: int) -> bool:
        if not current_user.is_authenticated:
            return False
        if g.get("collected_ids") is None:
            g.collected_ids = favorites.collected_tool_ids(current_user.id)
        return tool_id in g.collected_ids

    return {"is_collected": is_collected}


@bp.app_context_processor
def collect_macros():
    """The collect macros, for the button partial and the htmx update."""
    module = current_app.jinja_env.get_template("favorites/_collect.html").module
    return {"collect_button": module.collect_button, "favcount": module.favcount}
