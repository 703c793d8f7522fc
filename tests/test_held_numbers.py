"""A code is never sent to a phone that belongs to another account; its owner is told instead, once a day.

Seen in the security review: a WeChat user typing alice's number on the verify-phone page got a code sent to
alice's phone (the refusal came only after the code); registration did the same.
"""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from extensions import db
from models import Notification
from services import clock
from tests.accounts import make_user, post_form, sign_in

ALICE = "+8613800000061"


def _notices(app, user_id: int) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Notification.kind).where(Notification.user_id == user_id)))


def _answer(text: str) -> str:
    """The code-status fragment with the parts that differ by number and request taken out."""
    status = re.search(r'<div id="code-status".*?</div>', text, re.S).group(0)
    return re.sub(r'value="[^"]*"|\+86\d+', "", status)


def test_registering_with_a_held_number_answers_as_sent_sends_nothing_and_tells_the_holder(app, client):
    alice = make_user(app, "alice", phone=ALICE)
    held = post_form(client, "/en/register", {"phone": "13800000061", "action": "send_code"},
                     headers={"HX-Request": "true"})
    free = post_form(app.test_client(), "/en/register", {"phone": "13800000062", "action": "send_code"},
                     headers={"HX-Request": "true"})
    assert held.status_code == free.status_code == 200
    assert _answer(held.text) == _answer(free.text)
    assert [message["phone"] for message in app.extensions["sms"].sent] == ["+8613800000062"]
    assert _notices(app, alice) == ["number_in_use"]
    post_form(client, "/en/register", {"phone": "13800000061", "action": "send_code"})  # again, same day
    assert _notices(app, alice) == ["number_in_use"]


def test_adding_another_accounts_number_sends_it_no_code(app, client):
    alice = make_user(app, "alice", phone=ALICE)
    make_user(app, "wxuser", phone=None, verified=False)
    sign_in_as = app.test_client()
    sign_in(sign_in_as, "wxuser")
    response = post_form(sign_in_as, "/en/verify-phone", {"phone": "13800000061", "action": "send_code"})
    assert response.status_code == 200 and "We sent a 6-digit code" in response.text
    assert app.extensions["sms"].sent == []
    assert _notices(app, alice) == ["number_in_use"]


def test_a_free_number_still_gets_its_code_and_a_new_day_a_new_notice(app, client):
    alice = make_user(app, "alice", phone=ALICE)
    post_form(client, "/en/register", {"phone": "13800000061", "action": "send_code"})
    clock.freeze(clock.now() + timedelta(days=1))  # the next day in China
    post_form(app.test_client(), "/en/register", {"phone": "13800000061", "action": "send_code"})
    assert _notices(app, alice) == ["number_in_use", "number_in_use"]
    post_form(app.test_client(), "/en/register", {"phone": "13800000063", "action": "send_code"})
    assert [message["phone"] for message in app.extensions["sms"].sent] == ["+8613800000063"]
