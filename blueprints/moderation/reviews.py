"""The held-reviews queue."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.auth.views import no_store
from blueprints.i18n import localized_route
from blueprints.moderation import bp
from blueprints.moderation.access import staff_required
from blueprints.moderation.responses import decision_response
from blueprints.moderation.separation import decided_by_another
from services.moderation import reviews


@localized_route(bp, "/staff/reviews")
@staff_required
def held_reviews():
    """Held reviews, oldest first, filtered by tool name."""
    tool_query = request.args.get("tool", "").strip()[:100]
    rows = reviews.held_reviews(tool_query)
    return no_store(render_template("moderation/reviews.html", rows=rows, tool_query=tool_query))


@localized_route(bp, "/staff/reviews/<int:rating_id>/decide", methods=["POST"])
@staff_required
@decided_by_another("review")
def decide_review(rating_id: int):
    """Approve or hide one held review, with a reason."""
    decision = request.form.get("decision", "")
    reason = request.form.get("reason", "").strip()[:500]
    try:
        reviews.decide_review(rating_id, decision, staff_id=current_user.id, reason=reason)
    except reviews.DecisionError as error:
        messages = {
            "unknown decision": _("Choose approve or hide."),
            "the review no longer exists": _("That review no longer exists."),
            "a reason is required to hide a review": _("Give a reason for hiding the review; the author sees it."),
        }
        return decision_response(messages.get(str(error), str(error)), "error", 422)
    done = _("Review approved: it is shown on the tool page.") if decision == "approve" else _("Review hidden.")
    return decision_response(done)
