"""Phone numbers are ASCII digits after normalisation: full-width digits fold, other scripts' digits are refused.

Security review finding 12: ``\\d`` took digits such as ``٨``, so one number became several for the resend gap,
the daily caps and the one-account-per-phone rule.
"""

from __future__ import annotations

import pytest

from services.phones import ForeignDigits, InvalidPhone, normalize_phone
from tests.accounts import last_code, make_user, post_form, session_id_of

FULL_WIDTH = "１３８ ００００ ０００１"


@pytest.mark.parametrize("typed", [
    "13800000001", "+86 138 0000 0001", "138-0000-0001", "(+86) 13800000001", "0086 13800000001",
    FULL_WIDTH, "＋８６ １３８－００００－０００１", "（+86）13800000001",
])
def test_every_spelling_of_one_number_is_one_e164_number(typed):
    assert normalize_phone(typed) == "+8613800000001"


@pytest.mark.parametrize("typed", ["138٨0000001", "१३८00000001", "+44 ७७00 900123", "13800000001\u0663"])
def test_digits_of_other_scripts_are_refused(typed):
    with pytest.raises(ForeignDigits):
        normalize_phone(typed)


def test_foreign_digits_are_an_invalid_phone_for_every_caller():
    assert issubclass(ForeignDigits, InvalidPhone)


def test_a_phone_typed_in_full_width_digits_signs_in_by_code(app, client):
    make_user(app)
    post_form(client, "/sign-in/sms", {"phone": FULL_WIDTH, "action": "send_code"})
    code = last_code(app, "+8613800000001")
    response = post_form(client, "/sign-in/sms", {"phone": FULL_WIDTH, "code": code, "action": "sign_in"})
    assert response.status_code == 303
    assert session_id_of(client)


@pytest.mark.parametrize(("path", "message"), [
    ("/en/register", "Type the number with the digits 0–9"),
    ("/register", "请用数字 0–9 输入手机号"),
], ids=["en", "zh"])
def test_a_number_with_foreign_digits_gets_a_clear_422_and_no_code(app, client, path, message):
    response = post_form(client, path, {"phone": "138٨0000001", "action": "send_code"})
    assert response.status_code == 422
    assert message in response.text
    assert "138٨0000001" in response.text  # what was typed stays in the form
    assert app.extensions["sms"].sent == []
