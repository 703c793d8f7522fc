"""The deletion-request queue: staff see each request's state; admins can expedite."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.auth.views import no_store
from blueprints.i18n import localized_route
from blueprints.moderation import bp
from blueprints.moderation.access import admin_required, staff_required
from blueprints.moderation.responses import decision_response
from blueprints.moderation.separation import decided_by_another
from services.moderation import deletions


@localized_route(bp, "/staff/deletions")
@staff_required
def deletion_queue():
    """Pending deletions (soonest purge first), then recent cancelled and completed ones."""
    return no_store(render_template("moderation/deletions.html", rows=deletions.recent_requests()))


@localized_route(bp, "/staff/deletions/<int:request_id>/expedite", methods=["POST"])
@admin_required
@decided_by_another("deletion")
def expedite_deletion(request_id: int):
    """End the grace period now: the next purge erases the account."""
    reason = request.form.get("reason", "").strip()[:500]
    if not deletions.expedite(request_id, staff_id=current_user.id, reason=reason):
        return decision_response(_("That request is no longer pending."), "error", 422)
    return decision_response(_("The grace period ends now; the next purge erases the account."))
