"""The "send me a code" step shared by every form that asks for an SMS code."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from blueprints.signin import client_ip
from extensions import db
from models import User
from services import clock, security_notices, sms, spent_tokens
from services.export import CHINA_TIME
from services.sms.backends import SmsDeliveryError


@dataclass
class CodeStatus:
    """What the form shows after "send code": a message, and a challenge picture when one is needed."""

    message: str
    sent: bool = False
    challenge_image: str | None = None  # a data: URI (services.sms.challenge)


def send_code(form, purpose: str, *, deliver: bool = True, user_id: int | None = None) -> CodeStatus:
    """Validate the phone, pass the challenge if one is due, ask the SMS service for a code.

    ``deliver=False`` answers exactly as if a code was sent without sending one
    (signing in or resetting for a number with no account): the answer never
    tells whether a phone is registered.
    """
    if not form.validate_for_sending():
        return CodeStatus(message=_("Check the phone number."))
    secret = current_app.secret_key
    passed = bool(form.challenge_token.data) and sms.check_challenge(
        secret, form.challenge_token.data, client_ip(), form.challenge_answer.data or "",
        spend=lambda key: spent_tokens.first_use(key, sms.CHALLENGE_MAX_AGE_SECONDS),
    )
    try:
        if deliver:
            sms.request_code(form.phone.data, purpose, client_ip(), challenge_passed=passed, user_id=user_id)
    except sms.SmsRefused as refusal:
        if refusal.reason == "challenge_required":
            tried = bool(form.challenge_token.data and form.challenge_answer.data)
            token = sms.new_challenge(secret, client_ip())
            form.challenge_token.data = token
            form.challenge_answer.data = ""
            message = _("Please type the characters in the picture below, then send the code again.")
            if tried:
                message = _("That was not right, or that picture was used already. Try this one.")
            return CodeStatus(message=message, challenge_image=sms.challenge_image(secret, token))
        return CodeStatus(message=refusal_message(refusal))
    except SmsDeliveryError:
        return CodeStatus(message=_("We could not send the message just now. Please try again in a few minutes."))
    form.challenge_token.data = ""
    form.challenge_answer.data = ""
    return CodeStatus(message=_("We sent a 6-digit code to %(phone)s. It is valid for 5 minutes.",
                                phone=form.phone.data), sent=True)


def send_code_to_a_free_number(form, purpose: str, *, user_id: int | None = None) -> CodeStatus:
    """"Send code" for registering or adding a phone: never to a number another account holds.

    For a held number the answer is the same "sent" as for any other (nothing tells whose number it is), no
    code is sent, and the holder gets a security notice instead, at most one a day per number.
    """
    holder = None
    if form.validate_for_sending():
        holder = db.session.scalar(select(User).where(
            User.phone == form.phone.data, User.phone_verified_at.is_not(None), User.id != (user_id or 0)))
    if holder is not None:
        today = clock.now().astimezone(CHINA_TIME).date().isoformat()
        if spent_tokens.first_use(f"number-in-use:{holder.phone}:{today}", 86_400):
            security_notices.notify_security(holder, "number_in_use")
            db.session.commit()
    return send_code(form, purpose, deliver=holder is None, user_id=user_id)


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
