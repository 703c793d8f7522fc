"""Who may do what: the checks every state-changing view composes.

``verified_required`` is the one gate for collecting, rating, reviewing,
voting, reporting and submitting: signed in, phone verified, not banned.
``recent_auth_required`` is the one gate for changes that could take an account
over (services/recent_auth.py).
"""

from __future__ import annotations

from functools import wraps

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.redirects import htmx_aware_redirect, safe_next
from services import recent_auth


def return_to() -> str:
    """Where to come back to after signing in or verifying: the form's page, else this one."""
    target = request.form.get("next")
    if not target and request.referrer and request.referrer.startswith(request.host_url):
        target = "/" + request.referrer[len(request.host_url):]
    if not target and request.method == "GET":
        target = request.full_path.rstrip("?")
    return safe_next(target)


def login_required(view):
    """Signed in; visitors are sent to sign in and brought back."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return htmx_aware_redirect(url_for("auth.sign_in", next=return_to()))
        return view(*args, **kwargs)

    return wrapper


def verified_required(view):
    """Signed in, phone verified and not banned; otherwise explain and offer the way there."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return htmx_aware_redirect(url_for("auth.sign_in", next=return_to()))
        if current_user.is_banned:
            abort(403, description=_("Your account is banned, so it cannot do this. Reason: %(reason)s",
                                     reason=current_user.ban_reason or "—"))
        if not current_user.is_phone_verified:
            return htmx_aware_redirect(url_for("auth.verify_phone", next=return_to(), why="gated"))
        return view(*args, **kwargs)

    return wrapper


def role_required(*roles: str):
    """Signed in with one of ``roles`` (e.g. ``role_required("admin")``); visitors sign in, others get 403."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return htmx_aware_redirect(url_for("auth.sign_in", next=return_to()))
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def recent_auth_required(back: str | None = None):
    """Refuse the view unless this session proved the holder recently; send the reader to prove it.

    ``back``: the endpoint a refused POST returns to after the proof (a GET returns to itself).
    Put it below ``login_required``.
    """
    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if recent_auth.is_recent(current_user):
                return view(*args, **kwargs)
            if request.method == "GET":
                target = request.full_path.rstrip("?")
            else:
                flash(_("For your account's safety, confirm it is you; then make the change again."), "warning")
                target = url_for(back) if back else url_for("settings.security")
            return htmx_aware_redirect(url_for("settings.confirm_identity", next=target))
        return guarded
    return decorate
