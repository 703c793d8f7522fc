"""Every form that sends a code answers and works alike whether or not the number has an account.

Seen in the security review: after an IP had three codes in an hour, sign-in by code and password
reset answered a registered number with the challenge and an unregistered one with "We sent a code"
(no limit ran for it), and pressing "send" twice said "A code was just sent" only for registered
numbers. Now every number passes the same limits and leaves the same row, and whether the code is
really sent (or the holder of a held number told) is decided after the request
(``services.sms.dispatch``). These tests keep deliveries back (SMS_DISPATCH=deferred) to compare the
two requests' answers byte for byte and their SQL statement for statement, then deliver them.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, select

from extensions import db
from models import Notification, SmsCode
from services.sms import dispatch
from tests.accounts import CHROME, csrf_from, make_user, sent_codes, sign_in

REGISTERED = "13800000071"  # alice's verified phone
UNKNOWN = "13800000072"  # no account has it


@pytest.fixture
def app_config() -> dict:
    return {"SMS_DISPATCH": "deferred"}


@pytest.fixture
def alice(app) -> int:
    return make_user(app, "alice", phone="+86" + REGISTERED)


def _normalised(text: str) -> str:
    """The answer without what differs by number or request: the number, tokens, nonces."""
    text = re.sub(r"\+?(86)?1380000007\d", "<phone>", text)
    text = re.sub(r'"X-CSRFToken": "[^"]*"', '"X-CSRFToken": ""', text)  # htmx's copy of the token
    text = re.sub(r">(First|Second)<", "><", text)  # the two signed-in accounts' names
    return re.sub(r'(value|nonce|content)="[^"]*"', r'\1=""', text)


def _statements(app, send) -> tuple[object, list[str]]:
    """The response of ``send()`` and the SQL it ran (parameters are bound, so only the shapes show)."""
    seen: list[str] = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        response = send()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return response, seen


def _send(app, client, page: str, phone: str, *, htmx: bool):
    token = csrf_from(client.get(page, headers={"User-Agent": CHROME}).text)
    headers = {"User-Agent": CHROME, **({"HX-Request": "true"} if htmx else {})}
    return _statements(app, lambda: client.post(
        page, data={"csrf_token": token, "phone": phone, "action": "send_code"}, headers=headers))


def _signed_in_without_a_phone(app, name: str):
    make_user(app, name, phone=None, verified=False)
    client = app.test_client()
    sign_in(client, name)
    return client


FORMS = [
    # (page, the number that must not get a code, whether the page needs a signed-in account)
    ("/en/sign-in/sms", UNKNOWN, False),
    ("/en/forgot-password", UNKNOWN, False),
    ("/en/register", REGISTERED, False),  # held by alice: she is told instead
    ("/en/verify-phone", REGISTERED, True),
]


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
@pytest.mark.parametrize(("page", "withheld", "signed_in"), FORMS, ids=[page for page, _, _ in FORMS])
def test_a_code_request_answers_and_works_alike_for_both_numbers(app, alice, page, withheld, signed_in, htmx):
    def client_for(name):
        return _signed_in_without_a_phone(app, name) if signed_in else app.test_client()

    delivered = UNKNOWN if withheld == REGISTERED else REGISTERED
    first, first_sql = _send(app, client_for("first"), page, delivered, htmx=htmx)
    second, second_sql = _send(app, client_for("second"), page, withheld, htmx=htmx)
    assert first.status_code == second.status_code == 200
    assert "We sent a 6-digit code" in first.text
    assert _normalised(first.text) == _normalised(second.text)
    assert first_sql == second_sql  # the same queries and writes, in the same order
    with app.app_context():
        assert db.session.scalar(select(SmsCode.id).where(SmsCode.phone == "+86" + withheld)) is not None
    assert sent_codes(app) == []  # nothing left the request
    assert dispatch.drain(app) == 2
    assert [message["phone"] for message in sent_codes(app)] == ["+86" + delivered]
    with app.app_context():
        told = list(db.session.scalars(select(Notification.kind).where(Notification.user_id == alice)))
    assert told == (["number_in_use"] if withheld == REGISTERED else [])


@pytest.mark.parametrize("page", ["/en/sign-in/sms", "/en/forgot-password"])
def test_the_limits_count_every_number_so_the_challenge_and_the_wait_come_alike(app, alice, page):
    client = app.test_client()  # one IP for every request
    others = ["13800000081", "13800000082", "13800000083"]
    for number in others:  # three codes from this IP in the hour, to numbers without accounts
        response, _ = _send(app, client, page, number, htmx=True)
        assert "We sent a 6-digit code" in response.text
    registered, _ = _send(app, client, page, REGISTERED, htmx=True)
    unknown, _ = _send(app, client, page, UNKNOWN, htmx=True)
    assert registered.status_code == unknown.status_code
    assert "type the characters in the picture" in registered.text
    assert "type the characters in the picture" in unknown.text

    again = app.test_client()
    with app.app_context():  # a new IP's first request, after a code to each number a moment ago
        db.session.execute(SmsCode.__table__.update().values(ip="198.51.100.1"))
        db.session.commit()
    answers = [_send(app, again, page, number, htmx=True)[0] for number in (others[0], REGISTERED)]
    answers = [_send(app, again, page, number, htmx=True)[0] for number in (others[0], REGISTERED)]
    assert all("A code was just sent" in answer.text for answer in answers)
    assert _normalised(answers[0].text) == _normalised(answers[1].text)


def test_a_code_the_provider_refuses_is_deleted_after_the_request(app, alice):
    class Refusing:
        def send(self, phone, purpose, code):
            from services.sms.backends import SmsDeliveryError

            raise SmsDeliveryError("isv.BUSINESS_LIMIT_CONTROL")

    response, _ = _send(app, app.test_client(), "/en/sign-in/sms", REGISTERED, htmx=True)
    assert "We sent a 6-digit code" in response.text  # the answer never waits for the provider
    console, app.extensions["sms"] = app.extensions["sms"], Refusing()
    try:
        dispatch.drain(app)
    finally:
        app.extensions["sms"] = console
    with app.app_context():
        assert db.session.scalars(select(SmsCode)).all() == []  # no quota spent, no resend wait


def test_the_default_dispatch_delivers_from_a_thread_of_its_own(app, alice):
    import threading

    seen = threading.Event()
    threads: list[str] = []

    class Recording:
        def send(self, phone, purpose, code):
            threads.append(threading.current_thread().name)
            seen.set()

    console, app.extensions["sms"] = app.extensions["sms"], Recording()
    app.config["SMS_DISPATCH"] = "thread"
    try:
        response, _ = _send(app, app.test_client(), "/en/sign-in/sms", REGISTERED, htmx=True)
        assert response.status_code == 200
        assert seen.wait(10)
    finally:
        app.config["SMS_DISPATCH"] = "deferred"
        app.extensions["sms"] = console
    assert threads == ["sms-dispatch"]
