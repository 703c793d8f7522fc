"""The contact form, its confirmation, and the sender's own ticket pages."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from extensions import db
from models import Notification, Ticket, TicketMessage
from services import clock, tickets
from tests.accounts import csrf_from, make_user, post_form, sign_in

GOOD = {"category": "question", "subject": "Where is the API?", "message": "I cannot find the API docs anywhere."}


@pytest.fixture
def app_config():
    return {"FEEDBACK_DAILY_LIMIT": "3 per day"}


def _tickets(app) -> list[Ticket]:
    with app.app_context():
        rows = list(db.session.scalars(select(Ticket).order_by(Ticket.id)))
        for row in rows:
            db.session.expunge(row)
        return rows


def _signed_in(app, name="seller1", phone="+8613800000001"):
    make_user(app, name, phone=phone)
    client = app.test_client()
    sign_in(client, name)
    return client


def _staff_reply(app, ticket_id: int, body: str) -> None:
    with app.app_context():
        staff = make_user(app, "moderator1", phone="+8613800000009", role="moderator")
        tickets.reply_to_ticket(ticket_id, staff, body)


def test_visitors_find_the_form_in_both_languages_warned_that_without_a_contact_there_is_no_reply(client):
    zh = client.get("/feedback")
    en = client.get("/en/feedback")
    assert zh.status_code == en.status_code == 200
    assert "no-store" in en.headers["Cache-Control"]
    assert "without an email address or a mainland China mobile number we cannot send you a reply" in en.text
    for category in ("complaint", "suggestion", "question", "privacy", "ip_complaint", "compromised"):
        assert f'value="{category}"' in en.text
    assert 'value="appeal"' not in en.text  # appeals come from settings


def test_a_visitor_sends_a_message_and_sees_the_number_and_the_date_we_reply_by(app, client):
    clock.freeze(datetime(2026, 11, 16, 2, 0, tzinfo=UTC))  # Monday: reply due Monday 23 November
    response = post_form(client, "/en/feedback", {**GOOD, "contact": "visitor@example.com"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/en/feedback/sent")
    [ticket] = _tickets(app)
    assert (ticket.kind, ticket.user_id, ticket.contact, ticket.language) == (
        "question", None, "visitor@example.com", "en")
    page = client.get("/en/feedback/sent")
    assert page.status_code == 200
    assert ticket.number in page.text
    assert "We reply by" in page.text and "November 23, 2026" in page.text
    assert "by email to visitor@example.com" in page.text
    assert "provisional" not in page.text


def test_the_confirmation_shows_the_date_in_chinese_on_the_chinese_site_and_marks_a_provisional_one(app, client):
    clock.freeze(datetime(2026, 12, 29, 2, 0, tzinfo=UTC))
    post_form(client, "/feedback", {**GOOD, "contact": "13800138000"})
    page = client.get("/feedback/sent").text
    assert "2027年1月5日" in page
    assert "provisional" in page or "暂定" in page
    assert "+86 138****8000" in page  # the SMS number, masked


def test_a_visitor_without_a_contact_is_told_we_cannot_reply(app, client):
    post_form(client, "/en/feedback", GOOD)
    assert "we cannot send you a reply" in client.get("/en/feedback/sent").text


def test_the_confirmation_page_is_only_for_the_browser_that_sent_the_message(app, client):
    post_form(client, "/en/feedback", GOOD)
    assert app.test_client().get("/en/feedback/sent").status_code == 302


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"subject": ""}, "subject", "Give your message a subject."),
    ({"message": "short"}, "message", "Write between 10 and 5000 characters."),
    ({"message": "x" * 5001}, "message", "Write between 10 and 5000 characters."),
    ({"contact": "not a contact"}, "contact", "Enter an email address or a mainland China mobile number"),
    ({"contact": "+44 7700 900123"}, "contact", "Enter an email address or a mainland China mobile number"),
    ({"category": "appeal"}, "category", "Choose what your message is about."),
])
def test_a_bad_message_comes_back_with_the_reason_and_what_was_typed(app, client, change, field, message):
    response = post_form(client, "/en/feedback", {**GOOD, "contact": "me@example.com", **change})
    assert response.status_code == 422
    assert message in response.text
    assert f'id="{field}-error"' in response.text
    if field != "subject":
        assert "Where is the API?" in response.text
    assert _tickets(app) == []


def test_a_signed_in_user_sends_a_message_and_finds_it_under_my_tickets(app):
    client = _signed_in(app)
    form = client.get("/en/feedback").text
    assert 'placeholder="13800000001"' in form  # a hint, not a value
    assert post_form(client, "/en/feedback", GOOD).status_code == 303
    [ticket] = _tickets(app)
    assert ticket.user_id is not None and ticket.contact == ""
    sent = client.get("/en/feedback/sent").text
    assert f'href="/en/feedback/tickets/{ticket.number}"' in sent and "inbox" in sent
    mine = client.get("/en/feedback/tickets")
    assert mine.status_code == 200 and ticket.number in mine.text and "Waiting for our staff" in mine.text


def test_the_ticket_page_shows_the_staff_reply_labelled_and_only_to_its_sender(app):
    client = _signed_in(app)
    post_form(client, "/en/feedback", GOOD)
    [ticket] = _tickets(app)
    _staff_reply(app, ticket.id, "The API is at /api/v1.")
    page = client.get(f"/en/feedback/tickets/{ticket.number}")
    assert page.status_code == 200
    assert "Reply from SellerNav staff" in page.text and "The API is at /api/v1." in page.text
    assert "Answered" in page.text and "I cannot find the API docs anywhere." in page.text
    inbox = client.get("/en/inbox").text
    assert f"Our staff replied to your message {ticket.number}" in inbox
    other = _signed_in(app, "seller2", "+8613800000002")
    assert other.get(f"/en/feedback/tickets/{ticket.number}").status_code == 404
    assert other.get("/en/feedback/tickets/T000000XXXXX").status_code == 404
    visitor = app.test_client().get(f"/en/feedback/tickets/{ticket.number}")
    assert visitor.status_code in (302, 303) and "/sign-in" in visitor.headers["Location"]


def test_a_visitors_ticket_has_no_page_for_anyone(app, client):
    post_form(client, "/en/feedback", GOOD)
    [ticket] = _tickets(app)
    assert _signed_in(app).get(f"/en/feedback/tickets/{ticket.number}").status_code == 404


def test_the_sender_adds_a_follow_up_and_others_cannot(app):
    client = _signed_in(app)
    post_form(client, "/en/feedback", GOOD)
    [ticket] = _tickets(app)
    page = f"/en/feedback/tickets/{ticket.number}"
    response = post_form(client, page, {"message": "Also: is there a rate limit?"})
    assert response.status_code == 303 and response.headers["Location"].endswith(page)
    assert "Also: is there a rate limit?" in client.get(page).text
    assert post_form(client, page, {"message": "   "}).status_code == 422
    other = _signed_in(app, "seller2", "+8613800000002")
    token = csrf_from(other.get("/en/feedback").text)
    assert other.post(page, data={"csrf_token": token, "message": "Let me in please"}).status_code == 404
    visitor = app.test_client()
    token = csrf_from(visitor.get("/en/feedback").text)
    refused = visitor.post(page, data={"csrf_token": token, "message": "Let me in please"})
    assert refused.status_code in (302, 303) and "/sign-in" in refused.headers["Location"]
    assert client.post(page, data={"message": "no token here"}).status_code == 400
    with app.app_context():
        bodies = db.session.scalars(select(TicketMessage.body)).all()
    assert bodies == ["Also: is there a rate limit?"]


def test_a_closed_ticket_takes_no_follow_up(app):
    client = _signed_in(app)
    post_form(client, "/en/feedback", GOOD)
    [ticket] = _tickets(app)
    with app.app_context():
        staff = make_user(app, "moderator1", phone="+8613800000009", role="moderator")
        tickets.close_ticket(ticket.id, staff)
    page = f"/en/feedback/tickets/{ticket.number}"
    assert "This ticket is closed" in client.get(page).text
    response = post_form(client, page, {"message": "One more question please"})
    assert response.status_code == 422 and "This ticket is closed" in response.text
    assert "One more question please" in response.text


def test_sending_without_a_csrf_token_is_refused(app, client):
    assert client.post("/en/feedback", data=GOOD).status_code == 400
    assert _tickets(app) == []


def test_too_many_messages_in_a_day_get_a_clear_429_page(app, client):
    app.config["RATELIMIT_ENABLED"] = True
    token = csrf_from(client.get("/en/feedback").text)
    invalid = client.post("/en/feedback", data={"csrf_token": token, **GOOD, "subject": ""})
    assert invalid.status_code == 422  # a form sent back does not use up the allowance
    statuses = [client.post("/en/feedback", data={"csrf_token": token, **GOOD}).status_code for _ in range(4)]
    assert statuses == [303, 303, 303, 429]
    limited = client.post("/en/feedback", data={"csrf_token": token, **GOOD})
    assert limited.status_code == 429
    assert "Too many messages today" in limited.text and "(3)" in limited.text
    assert "Retry-After" in limited.headers
    assert len(_tickets(app)) == 3
    assert client.get("/en/feedback").status_code == 200  # reading the form is never limited


def test_the_inbox_still_shows_other_notices(app):
    client = _signed_in(app)
    with app.app_context():
        db.session.add(Notification(user_id=1, kind="something_else", detail="{}"))
        db.session.commit()
    assert "something_else" in client.get("/en/inbox").text
