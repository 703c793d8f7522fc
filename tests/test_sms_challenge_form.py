"""The challenge as people meet it: a picture on the code form, solved once, with a way on that needs no sight.

Security review finding 14: one solved token allowed four more sends within its ten minutes, and the question was
plain-text arithmetic that a script reads.
"""

from __future__ import annotations

import re

from services.sms import challenge
from tests.accounts import post_form

TOKEN = re.compile(r'name="challenge_token" type="hidden" value="([^"]*)"')


def _send(client, phone: str, **extra):
    return post_form(client, "/en/register", {"phone": phone, "action": "send_code", **extra})


def _challenged(app, client):
    """Three codes from this address this hour, then the fourth send asks the challenge."""
    for n in range(app.config["SMS_CHALLENGE_AFTER"]):
        assert _send(client, f"1380000{n:04d}").status_code == 200
    asked = _send(client, "13800009001")
    assert asked.status_code == 422 and 'src="data:image/png;base64,' in asked.text
    return asked, TOKEN.search(asked.text).group(1)


def test_a_solved_picture_sends_one_code_and_a_second_use_is_refused(app, client):
    sent_before = len(app.extensions["sms"].sent)
    asked, token = _challenged(app, client)
    answer = challenge.answer_for(app.secret_key, token)
    assert answer not in asked.text  # not in the alt text, nor anywhere else on the page
    solved = _send(client, "13800009001", challenge_token=token, challenge_answer=answer.lower())
    assert solved.status_code == 200 and "We sent a 6-digit code" in solved.text
    assert len(app.extensions["sms"].sent) == sent_before + 4
    again = _send(client, "13800009002", challenge_token=token, challenge_answer=answer)
    assert again.status_code == 422 and "used already" in again.text
    assert TOKEN.search(again.text).group(1) != token  # a fresh picture
    assert len(app.extensions["sms"].sent) == sent_before + 4


def test_a_wrong_answer_gets_a_new_picture_and_sends_nothing(app, client):
    _, token = _challenged(app, client)
    sent_before = len(app.extensions["sms"].sent)
    wrong = _send(client, "13800009001", challenge_token=token, challenge_answer="XXXXX")
    assert wrong.status_code == 422 and "That was not right" in wrong.text
    assert len(app.extensions["sms"].sent) == sent_before


def test_the_challenge_offers_ways_on_that_need_no_picture(app, client):
    asked, _ = _challenged(app, client)
    assert 'alt="A picture of five letters and digits to type below"' in asked.text
    assert 'href="/en/sign-in"' in asked.text and 'href="/en/feedback"' in asked.text


def test_the_chinese_form_asks_in_chinese(app, client):
    for n in range(app.config["SMS_CHALLENGE_AFTER"]):
        post_form(client, "/register", {"phone": f"1380000{n:04d}", "action": "send_code"})
    asked = post_form(client, "/register", {"phone": "13800009001", "action": "send_code"})
    assert "请输入下方图片中的字符" in asked.text and "用密码登录" in asked.text
