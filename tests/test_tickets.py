"""Tickets: numbers, working-day deadlines, staff replies and how the sender hears of them."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from extensions import db
from models import Notification, OutboxMessage, Ticket, TicketMessage
from services import clock, tickets
from tests.accounts import make_user


@pytest.fixture(autouse=True)
def context(app):
    with app.app_context():
        yield


@pytest.fixture
def staff_id(app):
    return make_user(app, "moderator1", phone="+8613800000009", role="moderator")


@pytest.fixture
def user_id(app):
    return make_user(app)


def _open(**extra) -> Ticket:
    return tickets.open_ticket(**{"kind": "question", "subject": "A question", "body": "How does this work?",
                                  **extra})


def _outbox() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage)))


def test_a_ticket_number_is_t_then_the_day_in_china_then_readable_random_characters():
    clock.freeze(datetime(2026, 11, 26, 17, 0, tzinfo=UTC))  # already 27 November in Beijing
    ticket = _open()
    assert ticket.number.startswith("T261127")
    suffix = ticket.number[len("T261127"):]
    assert len(suffix) == tickets.NUMBER_RANDOM_LENGTH
    assert set(suffix) <= set(tickets.NUMBER_ALPHABET)
    assert not set(suffix) & set("01OIL")


def test_ticket_numbers_are_unique_and_do_not_follow_each_other():
    numbers = [_open().number for _ in range(15)]
    assert len(set(numbers)) == 15
    assert len({number[-tickets.NUMBER_RANDOM_LENGTH:] for number in numbers}) == 15  # the day alone tells nothing


def test_a_number_already_taken_is_drawn_again(monkeypatch):
    clock.freeze(datetime(2026, 11, 27, 2, 0, tzinfo=UTC))
    taken = _open()
    taken.number = "T261127AAAAA"
    db.session.commit()
    draws = iter("AAAAA" + "BBBBB")
    monkeypatch.setattr(tickets.secrets, "choice", lambda alphabet: next(draws))
    ticket = _open(body="A second question, same day.")
    assert ticket.number == "T261127BBBBB"
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 2


def test_the_first_response_is_due_five_working_days_later_skipping_the_national_day_week():
    clock.freeze(datetime(2026, 9, 29, 4, 0, tzinfo=UTC))  # Tuesday 29 September
    ticket = _open()
    assert ticket.due_on == date(2026, 10, 12)
    assert ticket.due_provisional is False


def test_a_due_date_beyond_the_published_holidays_is_provisional():
    clock.freeze(datetime(2026, 12, 29, 4, 0, tzinfo=UTC))
    ticket = _open()
    assert ticket.due_provisional is True
    assert ticket.due_on == date(2027, 1, 5)


def test_an_unknown_kind_or_an_empty_message_is_refused():
    with pytest.raises(ValueError):
        _open(kind="nonsense")
    with pytest.raises(ValueError):
        _open(body="   ")
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_verifying_identity_starts_the_fifteen_working_day_reply_deadline(staff_id):
    clock.freeze(datetime(2026, 11, 16, 2, 0, tzinfo=UTC))  # Monday
    ticket = _open()
    clock.advance(timedelta(days=2))  # Wednesday 18 November
    tickets.verify_identity(ticket.id, staff_id)
    assert ticket.identity_verified_at is not None
    assert ticket.reply_due_on == date(2026, 12, 9)  # three weeks of Monday to Friday
    assert tickets.reply_due_provisional(ticket) is False


def test_only_staff_verify_reply_and_close(user_id):
    ticket = _open(user_id=user_id)
    for action in (lambda: tickets.verify_identity(ticket.id, user_id),
                   lambda: tickets.reply_to_ticket(ticket.id, user_id, "I answer myself"),
                   lambda: tickets.close_ticket(ticket.id, user_id)):
        with pytest.raises(tickets.NotAllowed):
            action()
    db.session.refresh(ticket)
    assert ticket.state == "open" and ticket.identity_verified_at is None


def test_a_reply_to_a_signed_in_sender_answers_the_ticket_and_lands_in_their_inbox(staff_id, user_id):
    ticket = _open(user_id=user_id, contact="someone@example.com")
    assert tickets.reply_to_ticket(ticket.id, staff_id, "Here is how it works.") == "inbox"
    assert ticket.state == "answered"
    message = db.session.scalar(select(TicketMessage))
    assert message.from_staff and message.author_id == staff_id and message.body == "Here is how it works."
    notice = db.session.scalar(select(Notification).where(Notification.user_id == user_id))
    assert notice.kind == "ticket_reply" and ticket.number in notice.detail
    assert _outbox() == []  # a signed-in sender reads the reply on the site


def test_a_visitor_who_gave_an_email_gets_the_reply_by_email_in_their_language(staff_id):
    ticket = _open(contact=" visitor@example.com ", language="en")
    assert ticket.contact == "visitor@example.com"
    assert tickets.reply_to_ticket(ticket.id, staff_id, "Thank you, fixed.") == "email"
    [message] = _outbox()
    assert (message.channel, message.recipient, message.kind, message.user_id) == (
        "email", "visitor@example.com", "ticket_reply", None)
    assert ticket.number in message.subject and "Reply" in message.subject
    assert "Thank you, fixed." in message.body
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0


def test_a_visitor_who_gave_a_mainland_mobile_gets_the_reply_by_sms(staff_id):
    ticket = _open(contact="138 0013 8000")
    assert ticket.contact == "+8613800138000"
    assert tickets.reply_to_ticket(ticket.id, staff_id, "We have checked it.") == "sms"
    [message] = _outbox()
    assert (message.channel, message.recipient) == ("sms", "+8613800138000")
    assert "We have checked it." in message.body


@pytest.mark.parametrize("contact", ["", "+44 7700 900123", "call me maybe"])
def test_a_visitor_without_a_usable_contact_cannot_be_told_outside_the_site(staff_id, contact):
    ticket = _open(contact=contact)
    assert tickets.reply_channel(ticket) is None
    assert tickets.reply_to_ticket(ticket.id, staff_id, "Answered here only.") is None
    assert ticket.state == "answered"
    assert _outbox() == []


def test_the_sender_follows_up_and_the_ticket_waits_for_staff_again(staff_id, user_id):
    ticket = _open(user_id=user_id)
    tickets.reply_to_ticket(ticket.id, staff_id, "Which tool do you mean?")
    tickets.add_sender_message(ticket.id, user_id, "The one called Alpha Scout.")
    assert ticket.state == "open"
    bodies = [(m.from_staff, m.body) for m in tickets.ticket_messages([ticket.id])[ticket.id]]
    assert bodies == [(True, "Which tool do you mean?"), (False, "The one called Alpha Scout.")]


def test_nobody_else_follows_up_on_a_ticket_and_a_closed_ticket_takes_no_more(app, staff_id, user_id):
    other = make_user(app, "seller2", phone="+8613800000002")
    ticket = _open(user_id=user_id)
    visitor_ticket = _open()
    with pytest.raises(tickets.NotFound):
        tickets.add_sender_message(ticket.id, other, "Let me in")
    with pytest.raises(tickets.NotFound):
        tickets.add_sender_message(visitor_ticket.id, other, "Let me in")
    tickets.close_ticket(ticket.id, staff_id)
    assert ticket.state == "closed" and ticket.closed_at is not None
    with pytest.raises(tickets.TicketClosed):
        tickets.add_sender_message(ticket.id, user_id, "One more thing")
    with pytest.raises(tickets.TicketClosed):
        tickets.reply_to_ticket(ticket.id, staff_id, "Too late")
    assert tickets.ticket_messages([ticket.id])[ticket.id] == []


def test_the_queue_lists_tickets_not_closed_oldest_first_with_deadlines(staff_id):
    clock.freeze(datetime(2026, 11, 16, 2, 0, tzinfo=UTC))  # Monday: due Monday 23 November
    first = _open(kind="complaint")
    clock.advance(timedelta(days=1))
    second = _open(kind="privacy")
    clock.advance(timedelta(days=1))
    closed = _open()
    tickets.close_ticket(closed.id, staff_id)
    queue = tickets.open_tickets(today=date(2026, 11, 20))  # Friday
    assert [item.ticket.id for item in queue] == [first.id, second.id]
    assert [item.deadline for item in queue] == [date(2026, 11, 23), date(2026, 11, 24)]
    assert [item.working_days_left for item in queue] == [1, 2]
    assert not any(item.overdue for item in queue)
    assert [item.ticket.id for item in tickets.open_tickets(kind="privacy", today=date(2026, 11, 20))] == [second.id]
    late = tickets.open_tickets(today=date(2026, 11, 24))
    assert [item.overdue for item in late] == [True, False]
    assert late[0].working_days_left == -1
    assert tickets.count_open() == 2 and tickets.count_open("complaint") == 1


def test_an_answered_ticket_is_not_overdue_but_a_verified_one_waiting_past_its_reply_date_is(staff_id, user_id):
    clock.freeze(datetime(2026, 11, 16, 2, 0, tzinfo=UTC))
    ticket = _open(user_id=user_id)
    tickets.reply_to_ticket(ticket.id, staff_id, "Please confirm your account.")
    assert not tickets.is_overdue(ticket, date(2026, 12, 31))
    tickets.verify_identity(ticket.id, staff_id)  # reply due Monday 7 December
    assert not tickets.is_overdue(ticket, date(2026, 12, 31))  # still answered
    tickets.add_sender_message(ticket.id, user_id, "Confirmed, it is me.")
    assert not tickets.is_overdue(ticket, date(2026, 12, 7))
    assert tickets.is_overdue(ticket, date(2026, 12, 8))
    [item] = tickets.open_tickets(today=date(2026, 12, 8))
    assert item.overdue and item.deadline == date(2026, 12, 7) and item.working_days_left == -1
