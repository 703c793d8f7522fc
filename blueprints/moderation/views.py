"""The staff dashboard: every queue with its size, overdue tickets, and the last 30 days in small charts."""

from __future__ import annotations

from flask import render_template

from blueprints.auth.views import no_store
from blueprints.i18n import localized_route
from blueprints.moderation import bp
from blueprints.moderation.access import staff_required
from blueprints.moderation.queues import queue_counts, staff_pages
from blueprints.moderation.stats import activity_charts
from services.moderation import stats


@bp.app_context_processor
def staff_navigation():
    """Staff pages show every queue with its count; computed only when a template asks."""
    return {"staff_queue_counts": queue_counts, "staff_pages": staff_pages}


@localized_route(bp, "/staff")
@staff_required
def dashboard():
    """The queues, biggest first, with links; overdue tickets; activity per day; top tools and fruitless searches."""
    in_order = queue_counts()
    today = stats.china_today()
    return no_store(render_template(
        "moderation/dashboard.html", counts=sorted(in_order, key=lambda pair: -pair[1]),
        staff_queue_counts=lambda: in_order,  # the navigation shows the same counts: do not count twice
        charts=activity_charts(today), today=today,
        chart_days=stats.CHART_DAYS, top_tools=stats.top_tools_by_clicks(today), top_tool_days=stats.TOP_TOOL_DAYS,
        fruitless=stats.top_fruitless_searches(today), overdue=stats.overdue_ticket_count(today),
    ))
