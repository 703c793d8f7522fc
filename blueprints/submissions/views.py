"""Submit a tool (phone-verified users): the address, then the details; then follow it on "my submissions"."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.auth.views import no_store
from blueprints.gates import login_required, verified_required
from blueprints.i18n import current_lang, localized_route
from blueprints.submissions import bp
from blueprints.submissions.forms import SubmitToolForm, UrlForm
from services.catalog_queries import all_markets
from services.moderation import catalog_tools
from services.submissions import intake
from services.submissions.category_suggestion import suggest_category
from services.submissions.intake import SubmissionInput, SubmissionRefused, UrlVerdict


def _daily_limit() -> int:
    """Read per request, so configuration (or a test) can change SUBMISSIONS_DAILY_LIMIT."""
    return current_app.config["SUBMISSIONS_DAILY_LIMIT"]


def _limit_message() -> str:
    return _("You have submitted %(count)s tools today, as many as we accept from one person in a day. "
             "Your input is kept below: please send it tomorrow.", count=_daily_limit())


def _address_page(form: UrlForm, verdict: UrlVerdict | None = None, *, error: str = "", status: int = 200):
    """Step 1, with what the check found: an invalid address, a listed tool, one under review, or the limit."""
    return no_store(render_template("submissions/submit_url.html", form=form, verdict=verdict, error=error), status)


def _details_page(form: SubmitToolForm, *, error: str = "", suggested: bool = False, status: int = 200):
    return no_store(render_template("submissions/submit_details.html", form=form, error=error, suggested=suggested,
                                    markets=all_markets()), status)


def _limit_reached() -> bool:
    return intake.submissions_today(current_user.id) >= _daily_limit()


@localized_route(bp, "/submit", methods=["GET", "POST"])
@verified_required
def submit():
    """Step 1: the tool's web address, checked against the catalog and the queue before anything else."""
    form = UrlForm()
    if request.method == "GET":
        form.url.data = (request.args.get("url") or "")[:intake.URL_MAX]  # "change the address" comes back here
        return _address_page(form)
    if not form.validate_on_submit():
        return _address_page(form, status=422)
    verdict = intake.check_url(form.url.data, current_user.id)
    if verdict.outcome != "new":
        return _address_page(form, verdict)
    if _limit_reached():
        return _address_page(form, error=_limit_message(), status=429)
    return redirect(url_for("submissions.details", url=verdict.url), code=303)


def _suggested_category(text: str) -> int | None:
    leaves = [category for category, _parent in catalog_tools.leaf_categories(catalog_tools.categories_in_order())]
    return suggest_category(text, leaves)


@localized_route(bp, "/submit/details", methods=["GET", "POST"])
@verified_required
def details():
    """Step 2: name, category, platforms, pricing and texts; sent, the submission waits for staff."""
    if request.method == "GET":
        verdict = intake.check_url(request.args.get("url", ""), current_user.id)
        if verdict.outcome != "new":  # a hand-made or stale link: show step 1 with what the check found
            form = UrlForm(formdata=None, data={"url": request.args.get("url", "")[:intake.URL_MAX]})
            if verdict.outcome == "invalid_url":
                form.url.errors = [_("Enter a full web address starting with http:// or https://, "
                                     "for example https://www.example.com/.")]
                return _address_page(form, status=422)
            return _address_page(form, verdict)
        category_id = _suggested_category(verdict.url)
        form = SubmitToolForm(formdata=None, data={"url": verdict.url, "language": current_lang(),
                                                   "category_id": category_id})
        return _details_page(form, suggested=category_id is not None)
    form = SubmitToolForm()
    if not form.validate_on_submit():
        return _details_page(form, status=422)
    try:
        intake.submit_tool(current_user.id, _submission_input(form), daily_limit=_daily_limit())
    except SubmissionRefused as refused:
        if refused.reason == "daily_limit":
            return _details_page(form, error=_limit_message(), status=429)
        # Someone (or this user, in another tab) sent the same address since step 1.
        verdict = UrlVerdict(refused.reason, form.url.data, tool=refused.tool)
        return _address_page(UrlForm(formdata=None, data={"url": form.url.data}), verdict, status=409)
    flash(_("Thank you! “%(name)s” is sent: staff review it, and your inbox tells you the outcome.",
            name=form.name.data), "success")
    return redirect(url_for("submissions.mine"), code=303)


def _submission_input(form: SubmitToolForm) -> SubmissionInput:
    return SubmissionInput(
        url=form.url.data, name=form.name.data, name_en=form.name_en.data or None, category_id=form.category_id.data,
        pricing=form.pricing.data, price_note=form.price_note.data or "", tagline=form.tagline.data,
        description=form.description.data, language=form.language.data, platforms=form.platform_text(),
    )


@localized_route(bp, "/my/submissions")
@login_required
def mine():
    """The tools you submitted, newest first: state, staff's reason, and the tool once it is published."""
    return no_store(render_template("submissions/mine.html", items=intake.user_submissions(current_user.id)))


@localized_route(bp, "/my/submissions/<int:submission_id>/withdraw", methods=["POST"])
@login_required
def withdraw(submission_id: int):
    """Take back a submission staff have not decided yet."""
    try:
        intake.withdraw_submission(submission_id, current_user.id)
    except SubmissionRefused as refused:
        if refused.reason == "missing":
            abort(404)
        abort(409, description=_("This submission is no longer waiting for staff, so it cannot be withdrawn."))
    flash(_("Your submission is withdrawn."), "success")
    return redirect(url_for("submissions.mine"), code=303)
