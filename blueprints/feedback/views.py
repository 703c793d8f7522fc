"""Contact form and ticket pages."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user
from limits import parse

from blueprints.auth.views import no_store
from blueprints.feedback import bp
from blueprints.feedback.display import long_day
from blueprints.feedback.forms import CATEGORY_LABELS, KIND_LABELS, STATE_LABELS, ContactForm, FollowUpForm
from blueprints.gates import login_required
from blueprints.i18n import current_lang, localized_route
from extensions import limiter
from models import Ticket, TicketState, User
from services import tickets

SENT_KEY = "feedback_sent"  # the number of the ticket this browser just sent, for the confirmation page


def _sender_key() -> str:
    """Count per account when signed in (an office may share one address), else per address."""
    if current_user.is_authenticated:
        return f"account:{current_user.id}"
    return get_remote_address()


def _daily_limit() -> str:
    """Read per request, so configuration (or a test) can change FEEDBACK_DAILY_LIMIT."""
    return current_app.config["FEEDBACK_DAILY_LIMIT"]


def _ticket_created(response) -> bool:
    """Only messages actually sent use up the day's allowance; a form sent back with errors does not."""
    return response.status_code == 303


bp.add_app_template_filter(long_day, "long_day")


@bp.app_context_processor
def ticket_labels():
    """Labels for ticket kinds and states, for the feedback and appeal pages."""
    return {"TICKET_KIND_LABELS": KIND_LABELS, "TICKET_STATE_LABELS": STATE_LABELS}


@bp.errorhandler(429)
def too_many_messages(error):
    """A clear page instead of the bare error: how many a day, and where else to turn."""
    return no_store(render_template("feedback/limited.html", limit=parse(_daily_limit()).amount), 429)


def _contact_hint(user: User | None) -> str:
    """A signed-in user's own address or number, offered as a hint (never filled in for them)."""
    if user is None:
        return ""
    return user.email or (user.phone[3:] if user.phone and user.phone.startswith("+86") else user.phone or "")


def _contact_page(form: ContactForm, status: int = 200):
    user = current_user._get_current_object() if current_user.is_authenticated else None
    hint = _contact_hint(user)
    if hint:
        form.contact.render_kw = {**(form.contact.render_kw or {}), "placeholder": hint}
    return no_store(render_template("feedback/contact.html", form=form, signed_in=user is not None,
                                    categories=CATEGORY_LABELS), status)


@localized_route(bp, "/feedback", methods=["GET", "POST"])
@limiter.limit(_daily_limit, key_func=_sender_key, methods=["POST"], deduct_when=_ticket_created)
def contact():
    """Send a complaint, suggestion, question or request to our staff; get a ticket number."""
    form = ContactForm()
    if request.method == "GET" and request.args.get("category") in CATEGORY_LABELS:
        form.category.data = request.args["category"]
    if not form.validate_on_submit():
        return _contact_page(form, 422 if request.method == "POST" else 200)
    ticket = tickets.open_ticket(
        kind=form.category.data, subject=form.subject.data, body=form.message.data, contact=form.contact.data,
        user_id=current_user.id if current_user.is_authenticated else None, language=current_lang(),
    )
    session[SENT_KEY] = ticket.number
    return redirect(url_for("feedback.sent"), code=303)


@localized_route(bp, "/feedback/sent")
def sent():
    """The confirmation: ticket number, the date we answer by, and what happens next."""
    ticket = tickets.ticket_by_number(session.get(SENT_KEY, ""))
    signed_in_id = current_user.id if current_user.is_authenticated else None
    if ticket is None or (ticket.user_id is not None and ticket.user_id != signed_in_id):
        return redirect(url_for("feedback.contact"))
    return no_store(render_template("feedback/sent.html", ticket=ticket, channel=tickets.reply_channel(ticket)))


@localized_route(bp, "/feedback/tickets")
@login_required
def my_tickets():
    """Everything you have sent us, newest first, with its state and due date."""
    return no_store(render_template("feedback/my_tickets.html", tickets=tickets.user_tickets(current_user.id)))


def _own_ticket(number: str) -> Ticket:
    try:
        return tickets.sender_ticket(number, current_user.id)
    except tickets.NotFound:
        abort(404)


def _ticket_page(ticket: Ticket, form: FollowUpForm | None = None, status: int = 200):
    return no_store(render_template(
        "feedback/ticket.html", ticket=ticket, messages=tickets.ticket_messages([ticket.id])[ticket.id],
        form=form or FollowUpForm(), reply_provisional=tickets.reply_due_provisional(ticket),
    ), status)


@localized_route(bp, "/feedback/tickets/<number>")
@login_required
def ticket(number: str):
    """One of your tickets: its state, due dates and the messages on it."""
    return _ticket_page(_own_ticket(number))


@localized_route(bp, "/feedback/tickets/<number>", methods=["POST"], endpoint="follow_up")
@login_required
@limiter.limit(_daily_limit, key_func=_sender_key, deduct_when=_ticket_created)
def follow_up(number: str):
    """Add a message to your own open ticket."""
    ticket = _own_ticket(number)
    form = FollowUpForm()
    if ticket.state == TicketState.CLOSED.value:
        form.message.errors = [_("This ticket is closed. Send a new message if you need more help.")]
        return _ticket_page(ticket, form, 422)
    if not form.validate_on_submit():
        return _ticket_page(ticket, form, 422)
    tickets.add_sender_message(ticket.id, current_user.id, form.message.data)
    flash(_("Your message is added to %(number)s.", number=ticket.number), "success")
    return redirect(url_for("feedback.ticket", number=ticket.number), code=303)
