"""The submitted-tools queue: oldest first, duplicates flagged; edit, approve (a published tool) or reject."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from blueprints.auth.views import no_store
from blueprints.i18n import localized_route
from blueprints.moderation import bp
from blueprints.moderation.access import staff_required
from blueprints.moderation.queues import QueueSource, register_queue
from blueprints.moderation.responses import decision_response
from blueprints.moderation.separation import decided_by_another
from blueprints.moderation.submission_forms import SubmissionEditForm, form_data_from
from services.catalog_queries import all_markets, all_platforms
from services.numbers import whole_number
from services.submissions import review
from services.submissions.intake import SubmissionRefused

register_queue(QueueSource("submissions", _l("Submitted tools"), "moderation.submission_queue", review.pending_count))


def refusal_message(reason: str) -> str:
    """A refused decision, said in the page's language."""
    return {
        "missing": _("That submission no longer exists."),
        "decided": _("Another staff member decided this submission a moment ago."),
        "reason": _("Give a reason for the rejection; the submitter sees it."),
        "duplicate": _("A tool with this address is already in the catalog, so approving would duplicate it. "
                       "Reject the submission, or correct its address."),
        "taken": _("Another tool took this website or page address a moment ago, so nothing was created. "
                   "Look at the queue again."),
        "category": _("The submission has no category a tool can be in. Edit it and choose one."),
        "platforms": _("The submission names a platform or market that no longer exists. Edit it first."),
        "pricing": _("The submission has no pricing model. Edit it and choose one."),
        "invalid_url": _("The submission's address is not a plain web address. Edit it first."),
    }.get(reason, _("Choose approve or reject."))


def _status_for(reason: str) -> int:
    return {"missing": 404, "decided": 409}.get(reason, 422)


@localized_route(bp, "/staff/submissions")
@staff_required
def submission_queue():
    """Submitted tools, oldest first, filtered by state (pending unless asked), each with its duplicates."""
    state = request.args.get("state", "pending")
    state = state if state in review.STATES or state == "all" else "pending"
    page = whole_number(request.args.get("page"), minimum=1) or 1
    pagination = review.queue_page("" if state == "all" else state, page)

    def page_url(number: int) -> str:
        return url_for("moderation.submission_queue", state=state, page=number)

    return no_store(render_template("moderation/submissions.html", pagination=pagination, state=state,
                                    states=review.STATES, page_url=page_url))


@localized_route(bp, "/staff/submissions/<int:submission_id>/decide", methods=["POST"])
@staff_required
@decided_by_another("submission")
def decide_submission(submission_id: int):
    """Approve (the tool is published) or reject with a reason; the submitter is told either way."""
    decision = request.form.get("decision", "")
    reason = request.form.get("reason", "").strip()[:500]
    try:
        if decision == "approve":
            tool = review.approve_submission(submission_id, staff_id=current_user.id, reason=reason)
        elif decision == "reject":
            review.reject_submission(submission_id, staff_id=current_user.id, reason=reason)
        else:
            return decision_response(refusal_message(""), "error", 422)
    except SubmissionRefused as refused:
        return decision_response(refusal_message(refused.reason), "error", _status_for(refused.reason))
    if decision == "approve":
        return decision_response(_("Approved: “%(name)s” is published and the submitter is told.", name=tool.name))
    return decision_response(_("Rejected; the submitter has been told why."))


def _edit_page(form: SubmissionEditForm, submission, *, status: int = 200):
    return no_store(render_template("moderation/submission_edit.html", form=form, submission=submission,
                                    platforms=all_platforms(), markets=all_markets()), status)


@localized_route(bp, "/staff/submissions/<int:submission_id>/edit", methods=["GET", "POST"])
@staff_required
def submission_edit(submission_id: int):
    """Correct a pending submission's fields; save, or save and approve in one step."""
    submission = review.submission_for_edit(submission_id) or abort(404)
    if request.method == "GET":
        return _edit_page(SubmissionEditForm(formdata=None, data=form_data_from(submission)), submission)
    form = SubmissionEditForm()
    if submission.state != review.PENDING:
        form.form_errors.append(refusal_message("decided"))
        return _edit_page(form, submission, status=409)
    if not form.validate():
        return _edit_page(form, submission, status=422)
    approving = request.form.get("action") == "approve"
    try:
        changed = review.edit_submission(submission_id, form.changes(), staff_id=current_user.id,
                                         reason=form.reason.data or "", commit=not approving)
        if approving:
            tool = review.approve_submission(submission_id, staff_id=current_user.id, reason=form.reason.data or "",
                                             translation=form.translation())
    except SubmissionRefused as refused:  # nothing was saved: the edit and the approval are one transaction
        form.form_errors.append(refusal_message(refused.reason))
        return _edit_page(form, review.submission_for_edit(submission_id) or abort(404),
                          status=_status_for(refused.reason))
    if approving:
        flash(_("Approved: “%(name)s” is published and the submitter is told.", name=tool.name), "success")
        return redirect(url_for("moderation.submission_queue"), code=303)
    flash(_("Saved: %(fields)s.", fields=", ".join(changed)) if changed else _("Nothing changed."), "success")
    return redirect(url_for("moderation.submission_edit", submission_id=submission_id), code=303)
