"""The staff dashboard: every queue with its size."""

from __future__ import annotations

from flask import render_template

from blueprints.auth.views import no_store
from blueprints.i18n import localized_route
from blueprints.moderation import bp
from blueprints.moderation.access import staff_required
from blueprints.moderation.queues import queue_counts, staff_pages


@bp.app_context_processor
def staff_navigation():
    """Staff pages show every queue with its count; computed only when a template asks."""
    return {"staff_queue_counts": queue_counts, "staff_pages": staff_pages}


@localized_route(bp, "/staff")
@staff_required
def dashboard():
    """The queues, biggest first, with links."""
    counts = sorted(queue_counts(), key=lambda pair: -pair[1])
    return no_store(render_template("moderation/dashboard.html", counts=counts))
