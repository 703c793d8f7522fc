"""The reports queue."""

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
from models import ReportReason
from services.moderation import reports


@localized_route(bp, "/staff/reports", endpoint="reports")
@staff_required
def reports_page():
    """Open reports, oldest first, filtered by reason and by what was reported."""
    reason = request.args.get("reason", "")
    target_type = request.args.get("target", "")
    reason = reason if reason in {r.value for r in ReportReason} else ""
    target_type = target_type if target_type in reports.ACTIONS else ""
    rows = reports.open_reports(reason, target_type)
    return no_store(render_template("moderation/reports.html", rows=rows, reason=reason, target_type=target_type,
                                    reasons=list(ReportReason), actions=reports.ACTIONS))


@localized_route(bp, "/staff/reports/<int:report_id>/resolve", methods=["POST"])
@staff_required
@decided_by_another("report")
def resolve_report(report_id: int):
    """Resolve a report (and the other open reports of its target) with an action."""
    action = request.form.get("action", "")
    reason = request.form.get("reason", "").strip()[:500]
    try:
        closed = reports.resolve_report(report_id, action, staff_id=current_user.id, reason=reason)
    except reports.ResolveError:
        return decision_response(_("That report is already resolved, or the action does not apply to it."),
                                 "error", 422)
    return decision_response(_("Resolved %(count)s report(s).", count=closed))
