"""The page that renews a session's proof of the account holder (recent authentication).

The rule is services/recent_auth.py; the guard on the changes it protects is
``blueprints.gates.recent_auth_required``.
"""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user

from blueprints.auth.views import no_store
from blueprints.gates import login_required
from blueprints.i18n import localized_route
from blueprints.redirects import safe_next
from blueprints.settings import bp
from blueprints.settings.confirm import ConfirmForm, confirm_attempts, confirm_method, confirmation_step
from blueprints.signin import record_proof
from models import User
from services import recent_auth


def _page(form: ConfirmForm, status: int = 200, code_message: str | None = None, code_sent: bool = False):
    user: User = current_user._get_current_object()
    return no_store(render_template(
        "settings/confirm_identity.html", form=form, method=confirm_method(user),
        proof=recent_auth.proof_method(user), next_url=_target(), code_message=code_message, code_sent=code_sent,
        minutes=int(recent_auth.WINDOW.total_seconds() // 60)), status)


def _target() -> str:
    """Where the proof was asked for: a page of this site, else the security settings."""
    return safe_next(request.values.get("next"), url_for("settings.security"))


@localized_route(bp, "/settings/confirm-identity", methods=["GET", "POST"])
@login_required
@confirm_attempts
def confirm_identity():
    """Prove it is you (password, SMS code, or WeChat when the account has neither), then go on."""
    user: User = current_user._get_current_object()
    if request.method == "GET" and recent_auth.is_recent(user):
        return redirect(_target(), code=303)
    if recent_auth.proof_method(user) == "wechat" and request.method == "POST":
        return _page(ConfirmForm(), 422)  # the WeChat round trip is the proof; the page links to it
    step = confirmation_step(user, ConfirmForm(), _page, "reauth")
    if step is not None:
        return step
    record_proof(user, recent_auth.proof_method(user))
    return redirect(_target(), code=303)
