"""The stale-facts queue and the pricing check: moderators and admins confirm a tool's prices are still right.

Checking prices is verification, not catalog editing, so moderators may do it and may
correct the price fields on the way; everything else about a tool stays with admins.
"""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from blueprints.auth.views import no_store
from blueprints.i18n import localized_route
from blueprints.moderation import bp
from blueprints.moderation.access import staff_required
from blueprints.moderation.queues import QueueSource, register_queue
from blueprints.moderation.responses import decision_response
from blueprints.moderation.tool_forms import PricingCheckForm
from services.moderation import catalog_tools, stale_facts
from services.moderation.catalog_tools import ToolActionError
from services.numbers import whole_number

PER_PAGE = 30

register_queue(QueueSource("stale_facts", _l("Stale facts"), "moderation.stale_facts", stale_facts.stale_count))


@localized_route(bp, "/staff/stale-facts", endpoint="stale_facts")
@staff_required
def stale_facts_queue():
    """Published tools whose pricing was never checked or not for PRICING_STALE_DAYS, oldest first."""
    page = whole_number(request.args.get("page"), minimum=1) or 1
    pagination = stale_facts.stale_tools(page, PER_PAGE)

    def page_url(number: int) -> str:
        return url_for("moderation.stale_facts", page=number)

    return no_store(render_template("moderation/tools_stale.html", pagination=pagination, page_url=page_url))


@localized_route(bp, "/staff/tools/<int:tool_id>/verify-pricing", methods=["POST"])
@staff_required
def verify_pricing(tool_id: int):
    """Mark the tool's pricing as checked today by me, with the price fields corrected if sent."""
    prices = None
    if "pricing" in request.form:  # the queue's inline fields; the editor's button sends none
        form = PricingCheckForm()
        if not form.validate():
            problems = "; ".join(f"{form[name].label.text}: {errors[0]}" for name, errors in form.errors.items())
            return decision_response(_("Not verified: %(problems)s", problems=problems), "error", 422)
        prices = form.prices()
    try:
        tool = catalog_tools.verify_pricing(tool_id, actor_id=current_user.id, prices=prices,
                                            reason=request.form.get("reason", "").strip()[:500])
    except ToolActionError:
        return decision_response(_("That tool no longer exists."), "error", 404)
    return decision_response(_("Pricing of “%(name)s” is marked as verified today.", name=tool.name))
