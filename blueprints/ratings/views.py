"""Rate and review tools, vote reviews helpful, report tools and reviews, list my ratings.

Every write is a real form: without JavaScript it flashes and redirects back;
with htmx it answers with the part of the page that changed.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from blueprints.auth.views import no_store
from blueprints.caching import is_htmx_fragment_request
from blueprints.catalog.views import software_application
from blueprints.gates import login_required, verified_required
from blueprints.i18n import current_lang, localized_route
from blueprints.ratings import bp
from blueprints.ratings.forms import RatingForm, ReportForm
from blueprints.redirects import redirect_back, safe_next
from extensions import db, limiter
from models import ReviewState, Tool
from services import catalog_queries as queries
from services import ratings, reports
from services.ratings import NotAllowed, NotFound

RATE_LIMIT = "30 per hour"
VOTE_LIMIT = "60 per hour"
REPORT_LIMIT = "20 per hour"


def _per_user() -> str:
    """Rate-limit key: the account, not the address (a whole office may share one IP)."""
    return f"user:{current_user.id}"


def _public_tool(slug: str) -> Tool:
    return db.session.scalar(select(Tool).where(Tool.slug == slug, queries.public_tool)) or abort(404)


def _ratings_url(tool: Tool, anchor: str = "ratings") -> str:
    return url_for("catalog.tool", slug=tool.slug, _anchor=anchor)


def _section_answer(tool: Tool, message: str):
    """htmx: the new ratings section (and the header badge out of band); otherwise flash and go back."""
    g.pop("rating_sections", None)  # the ratings changed in this request: read them again
    if is_htmx_fragment_request():
        return no_store(render_template("ratings/_section_update.html", tool=tool, rating_message=message))
    flash(message, "success")
    return redirect(_ratings_url(tool), code=303)


def _invalid_rating(tool: Tool, form: RatingForm):
    """422 with the errors and everything the user typed: the section for htmx, else the whole tool page."""
    if is_htmx_fragment_request():
        return no_store(render_template("ratings/_tool_ratings.html", tool=tool, rating_form=form), 422)
    tool = queries.tool_page(tool.slug)  # with everything the page shows
    return no_store(render_template("catalog/tool.html", tool=tool, similar=queries.similar_tools(tool),
                                    structured_data=software_application(tool, current_lang()), rating_form=form),
                    422)


@localized_route(bp, "/t/<slug>/rating", endpoint="rating_page")
def rating_page(slug: str):
    """The rating form lives on the tool page (a reload after an invalid post lands here)."""
    return redirect(url_for("catalog.tool", slug=slug, _anchor="ratings"))


@localized_route(bp, "/t/<slug>/rating", methods=["POST"])
@verified_required
@limiter.limit(RATE_LIMIT, key_func=_per_user)
def rate(slug: str):
    """Rate a tool 1–5 with an optional review, or change my rating."""
    tool = _public_tool(slug)
    form = RatingForm()
    if not form.validate_on_submit():
        return _invalid_rating(tool, form)
    rating = ratings.rate_tool(current_user._get_current_object(), tool.id, form.stars.data, form.review.data)
    if rating.state == ReviewState.HELD.value:
        message = _("Thank you! Your review will be shown once a moderator has read it.")
    else:
        message = _("Your rating is saved.")
    return _section_answer(tool, message)


@localized_route(bp, "/t/<slug>/rating/delete", methods=["POST"])
@login_required  # not the verified gate: banned users may still delete their own data (PRODUCT.md)
@limiter.limit(RATE_LIMIT, key_func=_per_user)
def delete_rating(slug: str):
    """Delete my rating and review of a tool."""
    tool = _public_tool(slug)
    mine = ratings.rating_of(current_user.id, tool.id) or abort(404)
    try:
        ratings.delete_rating(current_user._get_current_object(), mine.id)
    except NotAllowed:  # deleted a moment ago, in another tab
        abort(404)
    return _section_answer(tool, _("Your rating is deleted."))


@localized_route(bp, "/reviews/<int:rating_id>/helpful", methods=["POST"])
@verified_required
@limiter.limit(VOTE_LIMIT, key_func=_per_user)
def helpful(rating_id: int):
    """Mark a review helpful, or take the vote back."""
    try:
        voted, count = ratings.toggle_helpful(current_user._get_current_object(), rating_id)
    except NotFound:
        abort(404)
    except NotAllowed:
        abort(403, description=_("You cannot vote for your own review."))
    if is_htmx_fragment_request():
        return no_store(render_template("ratings/_helpful_button.html", rating_id=rating_id, voted=voted,
                                        count=count, next=safe_next(request.form.get("next"))))
    flash(_("Thanks for your vote.") if voted else _("Your vote is withdrawn."), "success")
    return redirect_back()


def _report(action: str, title: str, back: str, file_report):
    """The report form (a page, or the form alone for htmx); on a valid post, store it and thank the user."""
    form = ReportForm()
    fragment = is_htmx_fragment_request()
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        template = "ratings/_report_form.html" if fragment else "ratings/report.html"
        return no_store(render_template(template, form=form, action=action, title=title, back=back), status)
    try:
        filed = file_report(form.reason.data, form.note.data)
    except NotFound:
        abort(404)
    except NotAllowed:
        abort(403, description=_("You cannot report your own review."))
    if filed.created:
        message = _("Thank you. Our staff will look at your report.")
    else:
        message = _("You have already reported this. Our staff will look at it.")
    if fragment:
        return no_store(render_template("ratings/_report_done.html", message=message))
    flash(message, "success")
    return redirect(back, code=303)


@localized_route(bp, "/t/<slug>/report", methods=["GET", "POST"])
@verified_required
@limiter.limit(REPORT_LIMIT, key_func=_per_user, methods=["POST"])
def report_tool(slug: str):
    """Report a tool: wrong information, dead link, IP complaint, spam or something else."""
    tool = _public_tool(slug)
    user = current_user._get_current_object()
    return _report(url_for("ratings.report_tool", slug=slug),
                   _("Report %(tool)s", tool=tool.display_name(current_lang())),
                   url_for("catalog.tool", slug=slug),
                   lambda reason, note: reports.report_tool(user, tool.id, reason, note))


@localized_route(bp, "/reviews/<int:rating_id>/report", methods=["GET", "POST"])
@verified_required
@limiter.limit(REPORT_LIMIT, key_func=_per_user, methods=["POST"])
def report_review(rating_id: int):
    """Report a review to our staff."""
    rating = ratings.votable_rating(rating_id) or abort(404)
    tool = db.session.get(Tool, rating.tool_id)
    user = current_user._get_current_object()
    return _report(url_for("ratings.report_review", rating_id=rating_id),
                   _("Report a review of %(tool)s", tool=tool.display_name(current_lang())),
                   _ratings_url(tool, f"review-{rating_id}"),
                   lambda reason, note: reports.report_review(user, rating_id, reason, note))


@localized_route(bp, "/my/ratings")
@login_required
def my_ratings():
    """My ratings and reviews, with the state of each (published, waiting for moderation, hidden)."""
    return no_store(render_template("ratings/my_ratings.html", items=ratings.my_ratings(current_user.id)))
