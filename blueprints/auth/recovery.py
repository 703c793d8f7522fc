"""Reset a forgotten password by SMS, and verify a phone (the gate to collecting and rating)."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from blueprints.auth import bp
from blueprints.auth.codes import code_error_message, send_code_to_a_free_number, send_code_to_an_account
from blueprints.auth.forms import CodeForm, ResetPasswordForm
from blueprints.auth.views import AUTH_LIMIT, _is_send_code, _user_by_phone, render_form
from blueprints.gates import login_required, recent_auth_required
from blueprints.i18n import localized_route
from blueprints.redirects import safe_next
from blueprints.signin import client_agent, client_ip
from extensions import db, limiter
from models import User
from services import auth_sessions, clock, security_notices, sms
from services.passwords import hash_password
from services.phones import mask_phone


@localized_route(bp, "/forgot-password", methods=["GET", "POST"])
@limiter.limit(AUTH_LIMIT, methods=["POST"])
def forgot_password():
    """Choose a new password with a code sent to the account's verified phone."""
    form = ResetPasswordForm()
    if request.method == "POST" and _is_send_code():
        return render_form("auth/forgot.html", form, status=send_code_to_an_account(form, "reset"))
    if not form.validate_on_submit():
        return render_form("auth/forgot.html", form)
    try:
        sms.verify_code(form.phone.data, "reset", form.code.data)
    except sms.CodeInvalid as error:
        form.code.errors.append(code_error_message(error))
        return render_form("auth/forgot.html", form)
    user = _user_by_phone(form.phone.data)
    if user is None:
        form.phone.errors.append(_("This number has no account."))
        return render_form("auth/forgot.html", form)
    user.password_hash = hash_password(form.password.data)
    user.password_changed_at = clock.now()
    user.must_change_password = False
    auth_sessions.log_event(user.id, "password_reset", method="sms", ip=client_ip(), user_agent=client_agent())
    security_notices.notify_security(user, "password_reset")
    db.session.commit()
    auth_sessions.revoke_other_sessions(user.id, None)  # whoever knew the old password is signed out
    flash(_("Your password is changed. Sign in with the new one."), "success")
    return redirect(url_for("auth.sign_in"), code=303)


@localized_route(bp, "/verify-phone", methods=["GET", "POST"])
@login_required
@recent_auth_required(back="auth.verify_phone")
@limiter.limit(AUTH_LIMIT, methods=["POST"])
def verify_phone():
    """Verify a mobile phone for a signed-in account (WeChat accounts start without one)."""
    user: User = current_user._get_current_object()
    # A verified account uses the same page to move to a new number.
    purpose = "change_phone" if user.is_phone_verified else "verify"
    form = CodeForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next"))
        if user.phone and not form.phone.data:
            form.phone.data = user.phone
    context = {"why": request.args.get("why"), "already": user.is_phone_verified}
    if request.method == "POST" and _is_send_code():
        status = send_code_to_a_free_number(form, purpose, user_id=user.id)
        return render_form("auth/verify_phone.html", form, status=status, **context)
    if not form.validate_on_submit():
        return render_form("auth/verify_phone.html", form, **context)
    try:
        sms.verify_code(form.phone.data, purpose, form.code.data, user_id=user.id)
    except sms.CodeInvalid as error:
        form.code.errors.append(code_error_message(error))
        return render_form("auth/verify_phone.html", form, **context)
    owner = db.session.scalar(select(User).where(User.phone == form.phone.data, User.id != user.id))
    if owner is not None:
        # The number proves the person owns that other account: they should use it.
        form.phone.errors.append(_("This number belongs to another SellerNav account. Sign in to that account "
                                   "and bind WeChat there from its security settings."))
        return render_form("auth/verify_phone.html", form, **context)
    kind = "phone_changed" if purpose == "change_phone" and user.phone != form.phone.data else "phone_verified"
    previous_phone = user.phone
    user.phone = form.phone.data
    user.phone_verified_at = clock.now()
    auth_sessions.log_event(user.id, kind, method="sms", ip=client_ip(), user_agent=client_agent())
    if kind == "phone_changed":  # warn the old number: it is the one an intruder does not hold
        security_notices.notify_security(user, kind, sms_to=previous_phone, phone=mask_phone(user.phone))
    db.session.commit()
    flash(_("Your phone is verified. You can now collect, rate and review tools."), "success")
    return redirect(safe_next(form.next.data), code=303)
