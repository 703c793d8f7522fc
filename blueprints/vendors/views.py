"""Claim a listing, reply to reviews as the vendor, and suggest an edit to a tool.

Every page here is behind ``verified_required``; what is left to check (certified, the tool's
vendor, the daily limit) answers with a page that explains, never a bare error.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from blueprints.auth.views import no_store
from blueprints.gates import verified_required
from blueprints.i18n import localized_route
from blueprints.vendors import bp
from blueprints.vendors.forms import (
    LIFECYCLE_NAMES,
    SUGGESTION_FIELD_LABELS,
    ClaimForm,
    ReplyForm,
    SuggestionForm,
)
from extensions import db, limiter
from models import Tool
from services import catalog_queries, edit_suggestions, vendor_replies, vendors
from services.edit_suggestions import SuggestionRefused
from services.vendor_replies import ReplyRefused
from services.vendors import ClaimRefused

REPLY_LIMIT = "30 per hour"


def _per_user() -> str:
    return f"user:{current_user.id}"


def _public_tool(slug: str) -> Tool:
    return db.session.scalar(select(Tool).where(Tool.slug == slug, catalog_queries.public_tool)) or abort(404)


def _tool_url(tool: Tool, anchor: str | None = None) -> str:
    return url_for("catalog.tool", slug=tool.slug, _anchor=anchor)


# ---- template helpers ----------------------------------------------------------------------------

@bp.app_template_global()
def vendor_name(tool: Tool) -> str | None:
    """The tool page's "claimed by the vendor" name (a query only for a claimed tool)."""
    return vendors.vendor_name(tool)


@bp.app_template_global()
def is_tool_vendor(tool: Tool) -> bool:
    """The viewer speaks for this tool (no query)."""
    return vendors.is_vendor_of(current_user, tool)


@bp.app_template_global()
def vendor_replies_for(tool: Tool, reviews) -> dict:
    """The vendor's replies to the listed reviews, by review id: one query for the whole list."""
    viewer_id = current_user.id if current_user.is_authenticated else None
    return vendor_replies.replies_for_reviews(tool, [review.id for review in reviews], viewer_id)


@bp.app_template_filter("suggestion_field_label")
def suggestion_field_label(name: str) -> str:
    """A suggestion field's name in the reader's language (the inbox lists accepted fields by key)."""
    return str(SUGGESTION_FIELD_LABELS.get(name, name))


@bp.app_context_processor
def suggestion_labels() -> dict:
    """Field names for the suggestion form, the staff diff and the inbox notice."""
    return {"SUGGESTION_FIELD_LABELS": SUGGESTION_FIELD_LABELS, "LIFECYCLE_NAMES": LIFECYCLE_NAMES}


# ---- claim a listing -----------------------------------------------------------------------------

def _claim_page(tool: Tool, form: ClaimForm, problem: str | None = None, status: int = 200):
    return no_store(render_template("vendors/claim.html", tool=tool, form=form, problem=problem,
                                    pending=vendors.pending_claim(current_user.id, tool.id)), status)


@localized_route(bp, "/t/<slug>/claim", methods=["GET", "POST"])
@verified_required
def claim(slug: str):
    """A certified enterprise claims a tool as its vendor; staff decide."""
    tool = _public_tool(slug)
    form = ClaimForm()
    problem = vendors.claim_problem(current_user._get_current_object(), tool)
    if problem == "not_certified":
        return _claim_page(tool, form, problem, 403)
    if problem == "claimed":
        return _claim_page(tool, form, problem, 409)
    if problem:  # already its vendor, or a claim waits: a page that says so; a POST is refused
        return _claim_page(tool, form, problem, 409 if request.method == "POST" else 200)
    if request.method == "GET":
        return _claim_page(tool, form)
    if not form.validate():
        return _claim_page(tool, form, status=422)
    try:
        vendors.claim_tool(current_user.id, tool.id, form.evidence.data)
    except ClaimRefused as refused:  # a parallel claim or decision a moment ago
        if refused.reason == "evidence":
            form.evidence.errors = [*form.evidence.errors, _("Tell us how we can check.")]
            return _claim_page(tool, form, status=422)
        return _claim_page(tool, form, refused.reason, 409)
    flash(_("Your claim is sent. Our staff will check it and tell you in your inbox."), "success")
    return redirect(_tool_url(tool), code=303)


# ---- vendor replies ------------------------------------------------------------------------------

def _vendor_review(slug: str, rating_id: int):
    tool = _public_tool(slug)
    if not vendors.is_vendor_of(current_user, tool):
        abort(403, description=_("Only the tool's vendor can reply to its reviews. A certified enterprise "
                                 "becomes the vendor by claiming the listing."))
    review = vendor_replies.published_review(tool, rating_id) or abort(404)
    return tool, review


def _reply_page(tool, review, form: ReplyForm, reply, status: int = 200, message: str | None = None):
    return no_store(render_template("vendors/reply.html", tool=tool, review=review, form=form, reply=reply,
                                    message=message), status)


REPLY_REFUSALS = {
    "exists": lambda: _("You have replied to this review already; edit your reply instead."),
    "no_reply": lambda: _("There is no reply of yours to edit."),
    "hidden": lambda: _("Our staff hid this reply, so it cannot be edited. Write to us through the contact "
                        "form if you disagree."),
    "body": lambda: _("Write your reply."),
}


def _save_reply(slug: str, rating_id: int, save):
    tool, review = _vendor_review(slug, rating_id)
    form = ReplyForm()
    if not form.validate():
        return _reply_page(tool, review, form, vendor_replies.reply_of(rating_id), 422)
    try:
        save(current_user._get_current_object(), tool, rating_id, form.body.data)
    except ReplyRefused as refused:
        status = {"exists": 409, "no_reply": 404, "hidden": 409}.get(refused.reason, 422)
        message = REPLY_REFUSALS.get(refused.reason, REPLY_REFUSALS["body"])()
        return _reply_page(tool, review, form, vendor_replies.reply_of(rating_id), status, message)
    flash(_("Your reply is published under the review."), "success")
    return redirect(_tool_url(tool, f"review-{rating_id}"), code=303)


@localized_route(bp, "/t/<slug>/reviews/<int:rating_id>/reply")
@verified_required
def reply_page(slug: str, rating_id: int):
    """The vendor's reply form for one review: write it, or edit the one already there."""
    tool, review = _vendor_review(slug, rating_id)
    reply = vendor_replies.reply_of(rating_id)
    form = ReplyForm(formdata=None, body=reply.body if reply else "")
    return _reply_page(tool, review, form, reply)


@localized_route(bp, "/t/<slug>/reviews/<int:rating_id>/reply", methods=["POST"])
@verified_required
@limiter.limit(REPLY_LIMIT, key_func=_per_user)
def reply(slug: str, rating_id: int):
    """Publish the vendor's one reply to a review."""
    return _save_reply(slug, rating_id, vendor_replies.reply_to_review)


@localized_route(bp, "/t/<slug>/reviews/<int:rating_id>/reply/edit", methods=["POST"])
@verified_required
@limiter.limit(REPLY_LIMIT, key_func=_per_user)
def edit_reply(slug: str, rating_id: int):
    """Rewrite the vendor's own reply."""
    return _save_reply(slug, rating_id, vendor_replies.edit_reply)


# ---- suggest an edit -----------------------------------------------------------------------------

def _suggestion_page(tool: Tool, form: SuggestionForm, status: int = 200, message: str | None = None):
    return no_store(render_template("vendors/suggest.html", tool=tool, form=form, message=message,
                                    from_vendor=vendors.is_vendor_of(current_user, tool),
                                    fields=edit_suggestions.FIELDS), status)


@localized_route(bp, "/t/<slug>/suggest", methods=["GET", "POST"])
@verified_required
def suggest_edit(slug: str):
    """Propose corrections to a tool; staff accept them field by field. Its vendor proposes edits here too."""
    tool = _public_tool(slug)
    current = edit_suggestions.current_values(tool, edit_suggestions.successor_slug(tool))
    if request.method == "GET":
        form = SuggestionForm(formdata=None, data={**current, "seen": SuggestionForm.sign_seen(current)})
        return _suggestion_page(tool, form)
    form = SuggestionForm()
    if not form.check(tool.id):
        return _suggestion_page(tool, form, 422, _("Check the fields marked below."))
    changes = edit_suggestions.changes_between(form.seen_values(current), form.values)
    try:
        edit_suggestions.suggest_edit(current_user.id, tool.id, changes, form.note.data or "",
                                      from_vendor=vendors.is_vendor_of(current_user, tool),
                                      daily_limit=current_app.config["EDIT_SUGGESTIONS_DAILY_LIMIT"])
    except SuggestionRefused as refused:
        if refused.reason == "limit":
            limit = current_app.config["EDIT_SUGGESTIONS_DAILY_LIMIT"]
            return _suggestion_page(tool, form, 429, _(
                "You have sent %(limit)s suggestions in the last 24 hours, the most we take in a day. Your "
                "changes are still below: send them again tomorrow.", limit=limit))
        if refused.reason == "nothing":
            return _suggestion_page(tool, form, 422, _("You did not change anything. Correct the fields that are "
                                                       "wrong, then send."))
        return _suggestion_page(tool, form, 422, _("Check the fields marked below."))
    flash(_("Thank you. Our staff will check your suggestion and tell you in your inbox what they changed."),
          "success")
    return redirect(_tool_url(tool), code=303)
