"""The compromised lock held on every path: a locked account reaches only the unlock page and sign-out.

The gate runs before every request of a signed-in account, however it signed in (password, SMS, WeChat,
remember-me). Public pages, static files and health checks stay open, as does the contact form (the appeal
goes there); everything else redirects to the unlock page (htmx follows HX-Redirect; the read API, which
takes tokens, answers 403 for a locked account's token in blueprints/api/auth.py).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import PasswordField

from blueprints.auth import bp
from blueprints.auth.codes import code_error_message, send_code
from blueprints.auth.forms import ResetPasswordForm
from blueprints.auth.views import AUTH_LIMIT, _is_send_code, no_store, render_form
from blueprints.gates import login_required
from blueprints.i18n import localized_route
from blueprints.redirects import htmx_aware_redirect
from blueprints.signin import client_agent, client_ip
from extensions import db, limiter
from models import User
from services import auth_sessions, compromised, sms
from services.phones import mask_phone

# Never a session's business: answered before the account is even loaded.
NEVER_HELD = frozenset({"static", "health.healthz", "health.readyz"})
# Open to a locked account: the way out, the way to appeal, and what any visitor may read.
OPEN_WHEN_LOCKED = NEVER_HELD | {"auth.unlock", "auth.sign_out_view", "feedback.contact", "feedback.sent"}
PUBLIC_READS = frozenset({"catalog", "policies", "pages"})  # blueprints whose GET pages any visitor reads
PUBLIC_ENDPOINTS = frozenset({"search.search_page"})


def _open_when_locked() -> bool:
    endpoint = request.endpoint or ""
    if endpoint in OPEN_WHEN_LOCKED:
        return True
    reading = request.method in ("GET", "HEAD")
    return reading and (request.blueprint in PUBLIC_READS or endpoint in PUBLIC_ENDPOINTS)


@bp.before_app_request
def hold_locked_accounts():
    """Send a locked account to the unlock page, whatever it asked for (but the open pages above)."""
    if request.endpoint in NEVER_HELD or request.blueprint == "api":
        return None  # the API answers for tokens itself (blueprints/api/auth.py)
    if not current_user.is_authenticated or not compromised.is_locked(current_user._get_current_object()):
        return None
    if _open_when_locked():
        return None
    return htmx_aware_redirect(url_for("auth.unlock"))


class UnlockForm(ResetPasswordForm):
    """A code to the account's own verified phone and a new password; the phone is never taken from the form."""

    password = PasswordField(_l("New password"), render_kw={"autocomplete": "new-password"})


@localized_route(bp, "/account/unlock", methods=["GET", "POST"])
@login_required
@limiter.limit(AUTH_LIMIT, methods=["POST"])
def unlock():
    """Unlock a compromised account with a code to its verified phone and a new password, or say how to appeal."""
    user: User = current_user._get_current_object()
    if not compromised.is_locked(user):
        return redirect(url_for("catalog.home"))
    refusal = compromised.sms_unlock_refusal(user)
    if refusal is not None:
        return no_store(render_template("auth/unlock.html", refusal=refusal, form=None, status=None))
    form = UnlockForm()
    form.phone.data = user.phone  # whatever was posted: the code goes to the number on the account
    context = {"refusal": None, "masked_phone": mask_phone(user.phone)}
    if request.method == "POST" and _is_send_code():
        return render_form("auth/unlock.html", form, status=send_code(form, "reset", user_id=user.id), **context)
    if not form.validate_on_submit():
        return render_form("auth/unlock.html", form, **context)
    try:
        sms.verify_code(user.phone, "reset", form.code.data, user_id=user.id)
    except sms.CodeInvalid as error:
        form.code.errors.append(code_error_message(error))
        return render_form("auth/unlock.html", form, **context)
    compromised.unlock(user, form.password.data, ip=client_ip(), user_agent=client_agent())
    db.session.commit()
    auth_sessions.revoke_other_sessions(user.id, user.current_session_id)  # commits; this browser stays in
    flash(_("Your account is unlocked and has a new password. Every other browser is signed out."), "success")
    return redirect(url_for("settings.security"), code=303)
