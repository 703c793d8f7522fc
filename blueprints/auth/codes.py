"""The "send me a code" step shared by every form that asks for an SMS code."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _

from blueprints.signin import client_ip
from services import sms, spent_tokens


@dataclass
class CodeStatus:
    """What the form shows after "send code": a message, and a challenge picture when one is needed."""

    message: str
    sent: bool = False
    challenge_image: str | None = None  # a data: URI (services.sms.challenge)


def send_code(form, purpose: str, *, deliver_to: str = "any", user_id: int | None = None) -> CodeStatus:
    """Validate the phone, pass the challenge if one is due, ask the SMS service for a code.

    The one "send code" step of every form. ``deliver_to`` says who may really get it (any
    number, only an account's, only a free one: ``services.sms.dispatch``); that is decided after
    the request, so the answer and the request's work are the same for every number.
    """
    if not form.validate_for_sending():
        return CodeStatus(message=_("Check the phone number."))
    try:
        sms.request_code(form.phone.data, purpose, client_ip(), challenge_passed=challenge_passed(form),
                         user_id=user_id, deliver_to=deliver_to)
    except sms.SmsRefused as refusal:
        if refusal.reason == "challenge_required":
            tried = bool(form.challenge_token.data and form.challenge_answer.data)
            message = _("Please type the characters in the picture below, then send the code again.")
            if tried:
                message = _("That was not right, or that picture was used already. Try this one.")
            return CodeStatus(message=message, challenge_image=new_challenge_for(form))
        return CodeStatus(message=refusal_message(refusal))
    form.challenge_token.data = ""
    form.challenge_answer.data = ""
    return CodeStatus(message=_("We sent a 6-digit code to %(phone)s. It is valid for 5 minutes.",
                                phone=form.phone.data), sent=True)


def challenge_passed(form) -> bool:
    """Whether the form answers its challenge picture right (sending codes, or signing in after failures).

    A solved token is spent here, so one picture allows one try.
    """
    return bool(form.challenge_token.data) and sms.check_challenge(
        current_app.secret_key, form.challenge_token.data, client_ip(), form.challenge_answer.data or "",
        spend=lambda key: spent_tokens.first_use(key, sms.CHALLENGE_MAX_AGE_SECONDS),
    )


def new_challenge_for(form) -> str:
    """A new picture for the form: its token set, the answer cleared; returns the picture as a data: URI."""
    token = sms.new_challenge(current_app.secret_key, client_ip())
    form.challenge_token.data, form.challenge_answer.data = token, ""
    return sms.challenge_image(current_app.secret_key, token)


def send_code_to_an_account(form, purpose: str) -> CodeStatus:
    """"Send code" for signing in or resetting: delivered only to an account's verified phone."""
    return send_code(form, purpose, deliver_to="account")


def send_code_to_a_free_number(form, purpose: str, *, user_id: int | None = None) -> CodeStatus:
    """"Send code" for registering or adding a phone: never to a number another account holds.

    For a held number the answer is the same "sent" as for any other (nothing tells whose number it is), no
    code is sent, and the holder gets a security notice instead, at most one a day per number.
    """
    return send_code(form, purpose, deliver_to="free", user_id=user_id)


def refusal_message(refusal) -> str:
    messages = {
        "resend_too_soon": _("A code was just sent. You can ask for another in %(seconds)s seconds.",
                             seconds=refusal.retry_after or 60),
        "phone_daily_cap": _("This number has received too many codes today. Please try again tomorrow."),
        "ip_daily_cap": _("Too many codes were requested from your network today. Please try again tomorrow."),
        "global_budget": _("We cannot send more codes today. Please try again tomorrow or sign in another way."),
    }
    return messages.get(refusal.reason, _("We cannot send a code right now."))


def code_error_message(error) -> str:
    """A verification failure in words, for the code field."""
    messages = {
        "wrong": _("That code is not right. Check the message and try again."),
        "expired": _("That code has expired. Ask for a new one."),
        "used": _("That code was already used. Ask for a new one."),
        "too_many_attempts": _("Too many wrong tries. Ask for a new code."),
        "missing": _("Ask for a code first, then enter it here."),
    }
    return messages.get(error.reason, messages["wrong"])
