"""Confirming it is really you before an export or a deletion: the password, or an SMS code.

An account without a password confirms with a code sent to its verified phone. Attempts are
rate-limited per account, and every failure goes to the security log.
"""

from __future__ import annotations

import re

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField

from blueprints.auth.codes import code_error_message, refusal_message
from blueprints.signin import client_agent, client_ip
from extensions import db, limiter
from models import User
from services import auth_sessions, recent_auth, sms
from services.passwords import password_matches
from services.sms.backends import SmsDeliveryError

# Codes that confirm a sensitive step (export, deletion) have their own purpose, bound to the
# signed-in account (user_id): a code sent for anything else never confirms these.
CONFIRM_PURPOSE = "confirm"
CONFIRM_LIMIT = "10 per hour"


def _account_key() -> str:
    return f"confirm:{current_user.id}" if current_user.is_authenticated else request.remote_addr or ""


# Export and deletion share one budget per account: guessing a password here is guessing it anywhere.
confirm_attempts = limiter.shared_limit(CONFIRM_LIMIT, scope="confirm_identity", key_func=_account_key,
                                        methods=["POST"])


class ConfirmForm(FlaskForm):
    password = PasswordField(_l("Your password"), render_kw={"autocomplete": "current-password"})
    code = StringField(_l("SMS code"), render_kw={"autocomplete": "one-time-code", "inputmode": "numeric",
                                                  "maxlength": 6})


def confirm_method(user: User) -> str | None:
    """"password", "sms" (no password, verified phone), or None (neither: verify a phone first)."""
    method = recent_auth.proof_method(user)
    return None if method == "wechat" else method  # a form cannot take a WeChat round trip


def wants_code() -> bool:
    return request.form.get("action") == "send_code"


def send_confirm_code(user: User) -> tuple[str, bool]:
    """Send a code to the account's own verified phone; the message to show and whether it was sent."""
    try:
        # No challenge: the number is the signed-in account's own, not a stranger's.
        sms.request_code(user.phone, CONFIRM_PURPOSE, client_ip(), challenge_passed=True, user_id=user.id)
    except sms.SmsRefused as refusal:
        return refusal_message(refusal), False
    except SmsDeliveryError:
        return _("We could not send the message just now. Please try again in a few minutes."), False
    return _("We sent a 6-digit code to your phone. It is valid for 5 minutes."), True


def confirmed(user: User, form: ConfirmForm, action: str) -> bool:
    """Whether the form proves it is the account holder; on failure, field errors and a security-log entry."""
    if not form.validate_on_submit():
        return False
    method = confirm_method(user)
    ok = False
    if method == "password":
        ok = password_matches(user.password_hash, form.password.data or "")
        if not ok:
            form.password.errors.append(_("That password is not right."))
    elif method == "sms":
        typed = (form.code.data or "").strip()
        if not re.fullmatch(r"\d{6}", typed):
            form.code.errors.append(_("Enter the 6-digit code we sent you."))
        else:
            try:
                sms.verify_code(user.phone, CONFIRM_PURPOSE, typed, user_id=user.id)
                ok = True
            except sms.CodeInvalid as error:
                form.code.errors.append(code_error_message(error))
    else:
        form.form_errors.append(_("Your account has no password and no verified phone: verify your phone first."))
    if not ok:
        auth_sessions.log_event(user.id, f"{action}_confirm_failed", method=method, ip=client_ip(),
                                user_agent=client_agent())
        db.session.commit()
    return ok


def confirmation_step(user: User, form: ConfirmForm, render_page, action: str):
    """The shared first steps of a confirmed action: the page, sending a code, or a refusal (422).

    Returns the response to send, or None once the form proved it is the account holder.
    ``render_page(form, status, code_message=None, code_sent=False)`` renders the action's page.
    """
    if request.method == "GET":
        return render_page(form)
    if wants_code() and confirm_method(user) == "sms":
        message, sent = send_confirm_code(user)
        return render_page(form, 200 if sent else 422, code_message=message, code_sent=sent)
    if not confirmed(user, form, action):
        return render_page(form, 422)
    return None
