"""Staff queues for what users contribute to listings: vendor claims (with vendors and their replies)
and suggested edits, each decided in one click with a reason."""

from __future__ import annotations

from flask import render_template, request
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
from blueprints.vendors.forms import FIELD_PROBLEMS, SUGGESTION_FIELD_LABELS
from services import edit_suggestions, vendor_replies, vendors
from services.edit_suggestions import SuggestionRefused
from services.moderation.catalog_tools import ToolActionError
from services.vendor_replies import ReplyRefused
from services.vendors import ClaimRefused

register_queue(QueueSource("claims", _l("Vendor claims"), "moderation.claim_queue", vendors.pending_count))
register_queue(QueueSource("suggestions", _l("Suggested edits"), "moderation.suggestion_queue",
                           edit_suggestions.pending_count))


def _reason() -> str:
    return request.form.get("reason", "").strip()[:500]


# ---- vendor claims -------------------------------------------------------------------------------

@localized_route(bp, "/staff/claims")
@staff_required
def claim_queue():
    """Claims waiting for a decision, oldest first, with the claimant's enterprise and evidence."""
    rows = vendors.pending_claims()
    names = vendors.enterprise_names([claim.user_id for claim, _tool, _user in rows]
                                     + [tool.vendor_id for _claim, tool, _user in rows])
    return no_store(render_template("moderation/claims.html", rows=rows, names=names))


def _claim_refusal(reason: str) -> str:
    return {
        "decision": _("Choose approve or reject."),
        "reason": _("Give a reason; the claimant reads it."),
        "decided": _("Another staff member decided this claim a moment ago."),
        "not_certified": _("The claimant is no longer a certified enterprise, so the claim cannot be approved."),
        "claimed": _("Another enterprise is this tool's vendor. Revoke that vendor first if this claim is right."),
        "not_claimed": _("The tool has no vendor."),
    }.get(reason, reason)


@localized_route(bp, "/staff/claims/<int:claim_id>/decide", methods=["POST"])
@staff_required
@decided_by_another("claim")
def decide_claim(claim_id: int):
    """Approve (the claimant becomes the tool's vendor) or reject with a reason."""
    decision = request.form.get("decision", "")
    try:
        vendors.decide_claim(claim_id, decision, staff_id=current_user.id, reason=_reason())
    except LookupError:
        return decision_response(_("That claim no longer exists."), "error", 404)
    except ClaimRefused as refused:
        return decision_response(_claim_refusal(refused.reason), "error", 422)
    if decision == "approve":
        return decision_response(_("Approved: the tool now shows that it is claimed by the vendor."))
    return decision_response(_("Rejected; the claimant has been told why."))


@localized_route(bp, "/staff/claims/vendors")
@staff_required
def vendor_list():
    """Tools with a vendor, found by name, each with a revoke button."""
    name_query = request.args.get("tool", "").strip()[:100]
    rows = vendors.claimed_tools(name_query)
    names = vendors.enterprise_names([vendor.id for _tool, vendor in rows])
    return no_store(render_template("moderation/claims_vendors.html", rows=rows, names=names,
                                    name_query=name_query))


@localized_route(bp, "/staff/tools/<int:tool_id>/vendor/revoke", methods=["POST"])
@staff_required
@decided_by_another("vendor")
def revoke_vendor(tool_id: int):
    """Take the vendor role away, with a reason the vendor reads."""
    try:
        tool = vendors.revoke_vendor(tool_id, staff_id=current_user.id, reason=_reason())
    except LookupError:
        return decision_response(_("That tool no longer exists."), "error", 404)
    except ClaimRefused as refused:
        return decision_response(_claim_refusal(refused.reason), "error", 422)
    return decision_response(_("“%(name)s” has no vendor any more.", name=tool.name))


@localized_route(bp, "/staff/claims/replies")
@staff_required
def vendor_reply_list():
    """The newest vendor replies to reviews, each with a hide button."""
    rows = vendor_replies.recent_replies()
    names = vendors.enterprise_names([reply.author_id for reply, _rating, _tool in rows])
    return no_store(render_template("moderation/claims_replies.html", rows=rows, names=names))


@localized_route(bp, "/staff/vendor-replies/<int:reply_id>/hide", methods=["POST"])
@staff_required
@decided_by_another("vendor_reply")
def hide_vendor_reply(reply_id: int):
    """Hide a vendor's reply from the public, with a reason the vendor reads."""
    try:
        vendor_replies.hide_reply(reply_id, staff_id=current_user.id, reason=_reason())
    except LookupError:
        return decision_response(_("That reply no longer exists."), "error", 404)
    except ReplyRefused as refused:
        message = (_("The reply is hidden already.") if refused.reason == "hidden"
                   else _("Give a reason; the vendor reads it."))
        return decision_response(message, "error", 422)
    return decision_response(_("Reply hidden."))


# ---- suggested edits -----------------------------------------------------------------------------

@localized_route(bp, "/staff/suggestions")
@staff_required
def suggestion_queue():
    """Suggestions waiting for a decision, oldest first, each as a field-by-field diff."""
    return no_store(render_template("moderation/suggestions.html",
                                    views=edit_suggestions.pending_suggestions()))


def _suggestion_refusal(refused: SuggestionRefused) -> str:
    if refused.reason == "invalid":
        return _("%(field)s cannot be accepted: %(problem)s Nothing was changed.",
                 field=SUGGESTION_FIELD_LABELS.get(refused.field, refused.field),
                 problem=FIELD_PROBLEMS.get(refused.problem, refused.problem))
    return {
        "reason": _("Choose the fields to accept, or give a reason to reject the suggestion; its author reads it."),
        "decided": _("Another staff member decided this suggestion a moment ago."),
    }.get(refused.reason, refused.reason)


@localized_route(bp, "/staff/suggestions/<int:suggestion_id>/decide", methods=["POST"])
@staff_required
@decided_by_another("suggestion")
def decide_suggestion(suggestion_id: int):
    """Accept the ticked fields (through the catalog editor's checks), or reject with a reason."""
    accept = request.form.getlist("field") if request.form.get("decision") == "accept" else []
    try:
        accepted = edit_suggestions.decide_suggestion(suggestion_id, accept, staff_id=current_user.id,
                                                      reason=_reason())
    except LookupError:
        return decision_response(_("That suggestion no longer exists."), "error", 404)
    except SuggestionRefused as refused:
        return decision_response(_suggestion_refusal(refused), "error", 422)
    except ToolActionError:
        return decision_response(_("Another tool took this address a moment ago. Nothing was changed."), "error",
                                 409)
    if accepted:
        labels = ", ".join(str(SUGGESTION_FIELD_LABELS[name]) for name in accepted)
        return decision_response(_("Accepted: %(fields)s. The author has been told.", fields=labels))
    return decision_response(_("Rejected; the author has been told why."))
