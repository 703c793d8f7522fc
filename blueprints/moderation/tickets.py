"""The feedback-and-appeals queue, with deadlines counted in Chinese working days."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from blueprints.auth.views import no_store
from blueprints.i18n import localized_route
from blueprints.moderation import bp
from blueprints.moderation.access import staff_required
from blueprints.moderation.responses import decision_response
from blueprints.moderation.separation import decided_by_another
from models import TicketKind
from services import tickets
from services.moderation import tickets as ticket_actions

CHANNEL_NAMES = {"inbox": _l("the inbox"), "email": _l("email"), "sms": _l("SMS")}


@localized_route(bp, "/staff/tickets")
@staff_required
def ticket_queue():
    """Open feedback and appeals, oldest first; filter by kind or show only the overdue."""
    kind = request.args.get("kind", "")
    kind = kind if kind in {k.value for k in TicketKind} else ""
    overdue_only = request.args.get("overdue") == "1"
    items = tickets.open_tickets(kind or None)
    if overdue_only:
        items = [item for item in items if item.overdue]
    messages = tickets.ticket_messages([item.ticket.id for item in items])
    return no_store(render_template("moderation/tickets.html", items=items, messages=messages, kind=kind,
                                    overdue_only=overdue_only, kinds=list(TicketKind)))


@localized_route(bp, "/staff/tickets/<int:ticket_id>/act", methods=["POST"])
@staff_required
@decided_by_another("ticket")
def act_on_ticket(ticket_id: int):
    """Reply, verify the sender's identity, close, or carry out the appeal."""
    action = request.form.get("action", "")
    try:
        channel = ticket_actions.act_on_ticket(ticket_id, action, staff_id=current_user.id,
                                               body=request.form.get("body", "")[:5000])
    except ticket_actions.TicketActionError as error:
        messages = {
            "missing": _("That ticket no longer exists."),
            "closed": _("That ticket is closed."),
            "empty": _("Write the reply first."),
            "name_taken": _("The account name was taken since the appeal was sent; reply to the user instead."),
            "not_an_appeal": _("Only an appeal can be carried out."),
        }
        status = 404 if error.reason == "missing" else 422
        return decision_response(messages.get(error.reason, _("That action does not apply to this ticket.")),
                                 "error", status)
    done = {
        "reply": _("Reply sent by %(channel)s.", channel=CHANNEL_NAMES.get(channel, channel)) if channel
        else _("Reply saved; the sender left no way to reach them outside the site."),
        "verify": _("Identity verified: the full reply is due in %(days)s working days.",
                    days=current_app.config["TICKET_REPLY_WORKING_DAYS"]),
        "close": _("Ticket closed."),
        "carry_out": _("Appeal carried out and the ticket closed; the user has been told."),
    }
    return decision_response(done[action])
