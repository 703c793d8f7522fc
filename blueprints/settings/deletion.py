"""Delete account: the grace period, cancelling it, and what the purge erases.

While a deletion is pending, a signed-in account sees only the page that offers to cancel it (or to
sign out and let it go ahead), plus the export: every sign-in method ends in ``signin.sign_in``, so
one check before each request covers password, SMS and WeChat alike.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from blueprints.auth.views import no_store
from blueprints.gates import login_required
from blueprints.i18n import localized_route
from blueprints.redirects import htmx_aware_redirect
from blueprints.settings import bp
from blueprints.settings.confirm import (
    ConfirmForm,
    confirm_attempts,
    confirm_method,
    confirmation_step,
)
from blueprints.signin import client_agent, client_ip
from extensions import db
from models import User
from services import auth_sessions, deletion, site_settings

# What a signed-in account pending deletion may still open.
OPEN_DURING_GRACE = {"settings.deletion_pending", "settings.cancel_deletion", "settings.export",
                     "auth.sign_out_view", "static"}


def _delete_page(form: ConfirmForm, status: int = 200, code_message: str | None = None, code_sent: bool = False):
    user: User = current_user._get_current_object()
    return no_store(render_template(
        "settings/delete_account.html", form=form, method=confirm_method(user), code_message=code_message,
        code_sent=code_sent, grace_days=deletion.grace_days(),
        backup_days=site_settings.effective("BACKUP_RETENTION_DAYS"),
    ), status)


@localized_route(bp, "/settings/delete-account", methods=["GET", "POST"])
@login_required
@confirm_attempts
def delete_account():
    """Say what deleting does, confirm it is you, then start the grace period and sign out everywhere."""
    user: User = current_user._get_current_object()
    step = confirmation_step(user, ConfirmForm(), _delete_page, "deletion")
    if step is not None:
        return step
    pending = deletion.request_deletion(user)
    auth_sessions.log_event(user.id, "deletion_requested", ip=client_ip(), user_agent=client_agent())
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("Your account will be deleted on %(date)s. Until then, signing in lets you cancel.",
            date=format_date(pending.purge_after, "long")), "info")
    return redirect(url_for("catalog.home"), code=303)


@localized_route(bp, "/settings/deletion-pending")
@login_required
def deletion_pending():
    """Signed in during the grace period: cancel the deletion, or sign out and let it go ahead."""
    pending = deletion.pending_request(current_user.id)
    if pending is None:
        return redirect(url_for("settings.security"))
    return no_store(render_template("settings/deletion_pending.html", pending=pending))


@localized_route(bp, "/settings/deletion-pending/cancel", methods=["POST"])
@login_required
def cancel_deletion():
    """Keep the account: the deletion request is cancelled and the account is as before."""
    user: User = current_user._get_current_object()
    if deletion.cancel_deletion(user):
        auth_sessions.log_event(user.id, "deletion_cancelled", ip=client_ip(), user_agent=client_agent())
        db.session.commit()
        flash(_("Your account will not be deleted. Welcome back!"), "success")
    return redirect(url_for("settings.security"), code=303)


@bp.before_app_request
def hold_accounts_pending_deletion():
    """A signed-in account pending deletion goes to the page that offers to cancel, whatever it asked for."""
    if request.endpoint in OPEN_DURING_GRACE or not current_user.is_authenticated:
        return None
    if deletion.is_pending_deletion(current_user._get_current_object()):
        return htmx_aware_redirect(url_for("settings.deletion_pending"))
    return None
