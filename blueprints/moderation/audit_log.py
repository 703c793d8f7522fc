"""The audit log, browsable and filterable; there is no route that changes it."""

from __future__ import annotations

import json

from flask import render_template, request, url_for

from blueprints.auth.views import no_store
from blueprints.i18n import localized_route
from blueprints.moderation import bp
from blueprints.moderation.access import staff_required
from services import audit
from services.numbers import whole_number

PER_PAGE = 50


@localized_route(bp, "/staff/audit")
@staff_required
def audit_log():
    """Every staff action, newest first, filtered by action, target and actor."""
    actor = request.args.get("actor", "").strip()
    filters = audit.AuditFilter(
        action=request.args.get("action", "").strip()[:60],
        target_type=request.args.get("target_type", "").strip()[:30],
        target_id=request.args.get("target_id", "").strip()[:64],
        actor_id=whole_number(actor),
    )
    page = whole_number(request.args.get("page"), minimum=1) or 1
    entries, total = audit.entries(filters, page, PER_PAGE)
    rows = [(entry, json.loads(entry.before or "{}"), json.loads(entry.after or "{}")) for entry in entries]

    def page_url(number: int) -> str:
        return url_for("moderation.audit_log", **{**request.args.to_dict(), "page": number})

    return no_store(render_template(
        "moderation/audit.html", page_url=page_url, rows=rows, filters=filters, actor=actor, page=page, total=total,
        pages=max(1, -(-total // PER_PAGE)), actions=audit.known_actions(),
    ))
