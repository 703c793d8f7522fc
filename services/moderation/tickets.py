"""The feedback-and-appeals queue: staff reply, verify identity, close, or carry out an appeal."""

from __future__ import annotations

from extensions import db
from models import Ticket
from services import appeals, audit, tickets

ACTIONS = ("reply", "verify", "close", "carry_out")


class TicketActionError(ValueError):
    """The action does not apply (closed ticket, empty reply, not an appeal …); ``reason`` says which."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def act_on_ticket(ticket_id: int, action: str, *, staff_id: int, body: str = "") -> str | None:
    """Do one staff action on a ticket, on record. Returns the reply channel for ``reply``."""
    if action not in ACTIONS:
        raise TicketActionError("action")
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        raise TicketActionError("missing")
    # The entry joins the session first; each ticket service commits it together with its change.
    audit.record(actor_id=staff_id, action=f"ticket.{action}", target_type="ticket", target_id=ticket_id,
                 before={"state": ticket.state, "kind": ticket.kind},
                 after={"appeal_action": ticket.appeal_action} if action == "carry_out" else {})
    try:
        if action == "reply":
            return tickets.reply_to_ticket(ticket_id, staff_id, body)
        if action == "verify":
            tickets.verify_identity(ticket_id, staff_id)
        elif action == "close":
            tickets.close_ticket(ticket_id, staff_id)
        else:
            appeals.carry_out_appeal(ticket_id, staff_id)
    except tickets.TicketClosed as error:
        db.session.rollback()
        raise TicketActionError("closed") from error
    except appeals.AppealRefused as error:
        db.session.rollback()
        raise TicketActionError(str(error)) from error
    except ValueError as error:  # an empty reply
        db.session.rollback()
        raise TicketActionError("empty") from error
    return None
