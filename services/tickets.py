"""Tickets: feedback, complaints and appeals, with their numbers and working-day deadlines.

The policy promises a first response within TICKET_RESPONSE_WORKING_DAYS (5) working days
of a message, and a reply within TICKET_REPLY_WORKING_DAYS (15) working days of verifying the
sender's identity. Deadlines are China's working days (services.working_days). Every write
here commits, like the other services.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from extensions import db
from models import Ticket, TicketKind, TicketMessage, TicketState, User
from services import clock, notifications, outbox
from services.phones import InvalidPhone, normalize_phone
from services.working_days import due_after, local_day, working_days_between

SUBJECT_MAX_LENGTH = 200
BODY_MIN_LENGTH = 10
BODY_MAX_LENGTH = 5000
# No 0/O, 1/I/L: a number read out on the phone or copied by hand must survive it.
NUMBER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
NUMBER_RANDOM_LENGTH = 5  # 31**5 ≈ 28 million a day: neither guessable nor likely to collide
NUMBER_ATTEMPTS = 8
KINDS = tuple(kind.value for kind in TicketKind)
# A real address has one @, something before it and a dotted domain after it; the reply proves the rest.
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}$")


class NotFound(LookupError):
    """No such ticket, or not one this user may see."""


class NotAllowed(PermissionError):
    """Not staff, or the ticket does not accept this (closed, not an appeal …)."""


class TicketClosed(NotAllowed):
    """A closed ticket takes no more messages."""


def _random_part() -> str:
    return "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(NUMBER_RANDOM_LENGTH))


def new_number(day: date) -> str:
    """``T`` + the day in China (yymmdd) + random characters, e.g. ``T261127K7Q2M``."""
    return f"T{day:%y%m%d}{_random_part()}"


def contact_channel(contact: str) -> tuple[str, str] | None:
    """(channel, recipient) a reply can go to: an email address or a mainland mobile; else None."""
    contact = (contact or "").strip()
    if not contact:
        return None
    if _EMAIL.match(contact):
        return "email", contact
    try:
        phone = normalize_phone(contact)
    except InvalidPhone:
        return None
    return ("sms", phone) if phone.startswith("+86") else None


def normalize_contact(contact: str) -> str:
    """The contact as stored: a phone in E.164, an email as typed (trimmed), anything else trimmed."""
    found = contact_channel(contact)
    return found[1] if found else (contact or "").strip()


def clean_text(value: str | None) -> str:
    """Plain text as stored: browser line endings folded to ``\\n``, outer whitespace stripped."""
    return (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def open_ticket(*, kind: str, body: str, subject: str = "", contact: str = "", user_id: int | None = None,
                language: str = "zh", appeal_action: str | None = None, appeal_value: str | None = None) -> Ticket:
    """Store a new ticket with a fresh number and its first-response deadline, and commit."""
    if kind not in KINDS:
        raise ValueError(f"unknown ticket kind {kind!r}")
    body = clean_text(body)
    if not body or len(body) > BODY_MAX_LENGTH:
        raise ValueError(f"a ticket needs a message of at most {BODY_MAX_LENGTH} characters")
    now = clock.now()
    due = due_after(now, current_app.config["TICKET_RESPONSE_WORKING_DAYS"])
    for _attempt in range(NUMBER_ATTEMPTS):
        ticket = Ticket(
            number=new_number(local_day(now)), kind=kind, user_id=user_id, contact=normalize_contact(contact)[:200],
            subject=clean_text(subject)[:SUBJECT_MAX_LENGTH], body=body, language=language,
            appeal_action=appeal_action, appeal_value=appeal_value, state=TicketState.OPEN.value,
            due_on=due.day, due_provisional=due.provisional, created_at=now,
        )
        try:
            with db.session.begin_nested():  # a clash on the number undoes only this insert
                db.session.add(ticket)
        except IntegrityError:
            continue
        db.session.commit()
        return ticket
    raise RuntimeError("could not find a free ticket number")


def ticket_by_number(number: str) -> Ticket | None:
    return db.session.scalar(select(Ticket).where(Ticket.number == (number or "").strip().upper()))


def sender_ticket(number: str, user_id: int) -> Ticket:
    """The user's own ticket; someone else's is NotFound, exactly like a missing one."""
    ticket = ticket_by_number(number)
    if ticket is None or ticket.user_id is None or ticket.user_id != user_id:
        raise NotFound(number)
    return ticket


def user_tickets(user_id: int, *, kind: str | None = None) -> list[Ticket]:
    """The user's tickets (of one kind, if given), newest first."""
    statement = select(Ticket).where(Ticket.user_id == user_id)
    if kind is not None:
        statement = statement.where(Ticket.kind == kind)
    return list(db.session.scalars(statement.order_by(Ticket.created_at.desc(), Ticket.id.desc())))


def ticket_messages(ticket_ids: list[int]) -> dict[int, list[TicketMessage]]:
    """The messages of several tickets in one query, oldest first per ticket."""
    found: dict[int, list[TicketMessage]] = {ticket_id: [] for ticket_id in ticket_ids}
    if ticket_ids:
        rows = db.session.scalars(
            select(TicketMessage).where(TicketMessage.ticket_id.in_(ticket_ids))
            .order_by(TicketMessage.created_at, TicketMessage.id)
        )
        for message in rows:
            found[message.ticket_id].append(message)
    return found


def reply_due_provisional(ticket: Ticket) -> bool:
    """Whether the reply deadline was counted partly on a guessed calendar (there is no column for it)."""
    if ticket.identity_verified_at is None:
        return False
    return due_after(ticket.identity_verified_at, current_app.config["TICKET_REPLY_WORKING_DAYS"]).provisional


def reply_channel(ticket: Ticket) -> str | None:
    """How a staff reply reaches the sender: ``inbox``, ``email``, ``sms``, or None (only on the site)."""
    if ticket.user_id is not None:
        return "inbox"
    found = contact_channel(ticket.contact)
    return found[0] if found else None


def _staff(staff_id: int) -> User:
    staff = db.session.get(User, staff_id)
    if staff is None or not staff.is_staff:
        raise NotAllowed("only staff may do this")
    return staff


def _ticket(ticket_id: int) -> Ticket:
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(ticket_id)
    return ticket


def verify_identity(ticket_id: int, staff_id: int) -> Ticket:
    """Staff confirmed who the sender is: the 15-working-day reply deadline starts now."""
    _staff(staff_id)
    ticket = _ticket(ticket_id)
    if ticket.state == TicketState.CLOSED.value:
        raise TicketClosed(ticket.number)
    now = clock.now()
    ticket.identity_verified_at = now
    ticket.reply_due_on = due_after(now, current_app.config["TICKET_REPLY_WORKING_DAYS"]).day
    db.session.commit()
    return ticket


def _reply_text(ticket: Ticket, body: str) -> tuple[str, str]:
    """Subject and text of the message that carries a staff reply, in the sender's language."""
    with force_locale(ticket.language or "zh"):
        subject = _("Reply to your message %(number)s", number=ticket.number)
        text = _("Our reply to your message %(number)s:", number=ticket.number) + "\n\n" + body
    return subject, text


def _tell_sender(ticket: Ticket, body: str) -> str | None:
    """Inbox notice for a signed-in sender, an SMS or email for a visitor with a contact; the channel used."""
    channel = reply_channel(ticket)
    if channel == "inbox":
        notifications.notify(ticket.user_id, "ticket_reply", number=ticket.number, ticket_kind=ticket.kind)
    elif channel is not None:
        subject, text = _reply_text(ticket, body)
        outbox.enqueue(channel=channel, recipient=ticket.contact, kind="ticket_reply", subject=subject, body=text,
                       user_id=None)
    return channel


def add_staff_message(ticket: Ticket, staff_id: int, body: str) -> TicketMessage:
    """A staff message on the ticket (the caller commits)."""
    message = TicketMessage(ticket_id=ticket.id, from_staff=True, author_id=staff_id, body=body,
                            created_at=clock.now())
    db.session.add(message)
    return message


def reply_to_ticket(ticket_id: int, staff_id: int, body: str) -> str | None:
    """Staff answer: the message is stored, the ticket is answered, the sender is told.

    Returns the channel the sender was told on, or None when they left no way to reach them
    outside the site (a visitor without a usable contact).
    """
    _staff(staff_id)
    ticket = _ticket(ticket_id)
    body = clean_text(body)
    if not body:
        raise ValueError("a reply needs text")
    if ticket.state == TicketState.CLOSED.value:
        raise TicketClosed(ticket.number)
    add_staff_message(ticket, staff_id, body)
    ticket.state = TicketState.ANSWERED.value
    channel = _tell_sender(ticket, body)
    db.session.commit()
    return channel


def add_sender_message(ticket_id: int, user_id: int, body: str) -> TicketMessage:
    """The signed-in sender follows up; the ticket waits for staff again."""
    ticket = _ticket(ticket_id)
    if ticket.user_id is None or ticket.user_id != user_id:
        raise NotFound(ticket_id)
    if ticket.state == TicketState.CLOSED.value:
        raise TicketClosed(ticket.number)
    body = clean_text(body)
    if not body or len(body) > BODY_MAX_LENGTH:
        raise ValueError(f"a follow-up needs a message of at most {BODY_MAX_LENGTH} characters")
    message = TicketMessage(ticket_id=ticket.id, from_staff=False, author_id=user_id, body=body,
                            created_at=clock.now())
    db.session.add(message)
    ticket.state = TicketState.OPEN.value
    db.session.commit()
    return message


def close_ticket(ticket_id: int, staff_id: int) -> Ticket:
    """Staff close the ticket; it takes no more messages."""
    _staff(staff_id)
    ticket = _ticket(ticket_id)
    if ticket.state != TicketState.CLOSED.value:
        ticket.state = TicketState.CLOSED.value
        ticket.closed_at = clock.now()
        db.session.commit()
    return ticket


@dataclass(frozen=True)
class QueueItem:
    """A ticket as the staff queue shows it."""

    ticket: Ticket
    responded: bool  # staff have written on it or verified the sender: the 5-day promise is kept
    overdue: bool
    deadline: date | None  # the deadline that applies now
    working_days_left: int | None  # negative when overdue


def _responded_ids(ticket_ids: list[int]) -> set[int]:
    if not ticket_ids:
        return set()
    return set(db.session.scalars(
        select(TicketMessage.ticket_id).where(TicketMessage.ticket_id.in_(ticket_ids), TicketMessage.from_staff)
        .group_by(TicketMessage.ticket_id)
    ))


def current_deadline(ticket: Ticket, responded: bool) -> date | None:
    """The reply deadline once identity is verified and the ticket waits for staff, else the first-response one."""
    if ticket.state != TicketState.OPEN.value:
        return None
    if ticket.reply_due_on is not None:
        return ticket.reply_due_on
    return None if responded else ticket.due_on


def is_overdue(ticket: Ticket, today: date, *, responded: bool | None = None) -> bool:
    """Open past the first-response date with no response yet, or past the reply date and not answered."""
    if ticket.state == TicketState.CLOSED.value:
        return False
    if responded is None:
        responded = ticket.identity_verified_at is not None or bool(_responded_ids([ticket.id]))
    if ticket.state == TicketState.OPEN.value and not responded and ticket.due_on < today:
        return True
    return (ticket.reply_due_on is not None and ticket.state != TicketState.ANSWERED.value
            and ticket.reply_due_on < today)


def open_tickets(kind: str | None = None, today: date | None = None) -> list[QueueItem]:
    """Tickets not closed, oldest first, each with its deadline and working days left."""
    today = today or local_day(clock.now())
    statement = select(Ticket).where(Ticket.state != TicketState.CLOSED.value)
    if kind is not None:
        statement = statement.where(Ticket.kind == kind)
    tickets = list(db.session.scalars(statement.order_by(Ticket.created_at, Ticket.id)))
    responded_ids = _responded_ids([ticket.id for ticket in tickets])
    items = []
    for ticket in tickets:
        responded = ticket.id in responded_ids or ticket.identity_verified_at is not None
        deadline = current_deadline(ticket, responded)
        items.append(QueueItem(
            ticket=ticket,
            responded=responded,
            overdue=is_overdue(ticket, today, responded=responded),
            deadline=deadline,
            working_days_left=working_days_between(today, deadline) if deadline else None,
        ))
    return items


def count_open(kind: str | None = None) -> int:
    """Tickets waiting (not closed), for a queue's badge."""
    statement = select(func.count()).select_from(Ticket).where(Ticket.state != TicketState.CLOSED.value)
    if kind is not None:
        statement = statement.where(Ticket.kind == kind)
    return db.session.scalar(statement) or 0
