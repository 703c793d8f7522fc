"""The enterprise-certification queue."""

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
from services import enterprise
from services.moderation import certifications


@localized_route(bp, "/staff/certifications")
@staff_required
def certification_queue():
    """Applications waiting for a decision, oldest first, each with its private licence image."""
    return no_store(render_template("moderation/certifications.html",
                                    rows=certifications.submitted_applications()))


@localized_route(bp, "/staff/certifications/<int:cert_id>/decide", methods=["POST"])
@staff_required
@decided_by_another("certification")
def decide_certification(cert_id: int):
    """Approve, or reject with a reason the applicant reads."""
    decision = request.form.get("decision", "")
    reason = request.form.get("reason", "").strip()[:500]
    try:
        certifications.decide_certification(cert_id, decision, staff_id=current_user.id, reason=reason)
    except LookupError:
        return decision_response(_("That application no longer exists."), "error", 404)
    except enterprise.CertificationRefused as refused:
        messages = {
            "reason": _("Give a reason for the rejection; the applicant sees it."),
            "decided": _("Another staff member decided this application a moment ago."),
        }
        return decision_response(messages.get(refused.reason, _("Choose approve or reject.")), "error", 422)
    if decision == "approve":
        return decision_response(_("Certified: the badge now shows beside the applicant's name."))
    return decision_response(_("Rejected; the applicant has been told why."))
