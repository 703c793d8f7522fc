"""Settings → API tokens: create a named token (shown once), see your tokens, revoke one."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.auth.views import no_store
from blueprints.gates import login_required, recent_auth_required, verified_required
from blueprints.i18n import localized_route
from blueprints.settings import bp
from blueprints.settings.forms_profile import EmptyForm
from extensions import limiter
from models import User
from services import api_tokens
from services.api_tokens import NAME_MAX_LENGTH, TokenRefused


def _refusal(reason: str) -> str:
    return {
        "blank": _("Give the token a name, so you know later which script uses it."),
        "too_long": _("Use at most %(max)d characters.", max=NAME_MAX_LENGTH),
        "limit": _("You have %(max)d working tokens, the most an account may have. Revoke one to create another.",
                   max=current_app.config["API_TOKENS_PER_USER"]),
    }[reason]


def _page(*, new_token: str | None = None, error: str | None = None, name: str = "", status: int = 200):
    user: User = current_user._get_current_object()
    return no_store(render_template(
        "settings/api_tokens.html", user=user, tokens=api_tokens.tokens_of(user.id), form=EmptyForm(formdata=None),
        new_token=new_token, error=error, name=name, name_max=NAME_MAX_LENGTH,
        max_tokens=current_app.config["API_TOKENS_PER_USER"],
    ), status)


@localized_route(bp, "/settings/api-tokens", endpoint="api_tokens")
@login_required
def api_tokens_page():
    """Your API tokens (never the tokens themselves) and a form to create one."""
    return _page()


@localized_route(bp, "/settings/api-tokens/create", methods=["POST"])
@verified_required
@recent_auth_required(back="settings.api_tokens")
@limiter.limit("20 per hour", methods=["POST"])
def create_api_token():
    """Create a token and show it on this answer only: it is never shown again, nor stored readable."""
    name = request.form.get("name", "")
    try:
        created = api_tokens.create_token(current_user.id, name, current_app.config["API_TOKENS_PER_USER"])
    except TokenRefused as refused:
        return _page(error=_refusal(refused.reason), name=name[:NAME_MAX_LENGTH * 2], status=422)
    return _page(new_token=created.secret)


@localized_route(bp, "/settings/api-tokens/<int(max=2147483647):token_id>/revoke", methods=["POST"])
@login_required
def revoke_api_token(token_id: int):
    """Revoke one of your tokens at once; anyone else's (or a missing one) is 404."""
    if not api_tokens.revoke_token(current_user.id, token_id):
        abort(404)
    flash(_("Token revoked. Programs using it are refused from now on."), "success")
    return redirect(url_for("settings.api_tokens"), code=303)
