"""Account security and the inbox."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from blueprints.auth.forms import ChangePasswordForm, SetPasswordForm
from blueprints.auth.views import no_store
from blueprints.gates import login_required, recent_auth_required
from blueprints.i18n import localized_route
from blueprints.settings import bp
from blueprints.settings.wechat_unbind import SELF_UNBIND_DAYS, can_unbind_itself
from blueprints.signin import client_agent, client_ip
from extensions import db, limiter
from models import User, WechatIdentity
from services import auth_sessions, clock, notifications, security_notices
from services.account_names import account_name_taken
from services.passwords import hash_password, password_matches


def _security_page(password_form=None, set_password_form=None, status: int = 200):
    user: User = current_user._get_current_object()
    identities = db.session.scalars(select(WechatIdentity).where(WechatIdentity.user_id == user.id)).all()
    return no_store(render_template(
        "settings/security.html",
        user=user,
        sessions=auth_sessions.active_sessions(user.id),
        history=auth_sessions.sign_in_history(user.id),
        identities=identities,
        wechat_unbindable=bool(identities) and can_unbind_itself(user, identities[0]),
        unbind_days=SELF_UNBIND_DAYS,
        password_form=password_form or ChangePasswordForm(),
        set_password_form=set_password_form or SetPasswordForm(),
    ), status)


@localized_route(bp, "/settings/security")
@login_required
def security():
    """Password, phone, WeChat, signed-in sessions and sign-in history."""
    return _security_page()


def _after_password_change(user: User, kind: str) -> None:
    user.password_changed_at = clock.now()
    user.must_change_password = False
    auth_sessions.log_event(user.id, kind, ip=client_ip(), user_agent=client_agent())
    security_notices.notify_security(user, kind)
    db.session.commit()
    # Anyone who knew the old password loses every other session and remember-me token.
    auth_sessions.revoke_other_sessions(user.id, user.current_session_id)


@localized_route(bp, "/settings/password", methods=["POST"])
@login_required
@limiter.limit("10 per hour", methods=["POST"])
def change_password():
    """Change the password; the current one is required."""
    user: User = current_user._get_current_object()
    form = ChangePasswordForm()
    valid = form.validate_on_submit()
    if valid and not password_matches(user.password_hash, form.current_password.data or ""):
        form.current_password.errors.append(_("Your current password is not right."))
        valid = False
    if not valid:
        return _security_page(password_form=form, status=422)
    user.password_hash = hash_password(form.password.data)
    _after_password_change(user, "password_changed")
    flash(_("Your password is changed. Every other browser has been signed out."), "success")
    return redirect(url_for("settings.security"), code=303)


@localized_route(bp, "/settings/set-password", methods=["POST"])
@login_required
@recent_auth_required(back="settings.security")  # a first password is a way in: a stolen session may not add one
@limiter.limit("10 per hour", methods=["POST"])
def set_password():
    """A WeChat-created account with a verified phone chooses an account name and a password."""
    user: User = current_user._get_current_object()
    if user.password_hash or not user.is_phone_verified:
        abort(403, description=_("Verify your phone first; accounts with a password change it instead."))
    form = SetPasswordForm()
    valid = form.validate_on_submit()
    if valid and account_name_taken(form.account_name.data):  # in any case or width
        form.account_name.errors.append(_("This account name is taken. Choose another."))
        valid = False
    if not valid:
        return _security_page(set_password_form=form, status=422)
    user.account_name = form.account_name.data
    user.password_hash = hash_password(form.password.data)
    try:
        db.session.flush()
    except IntegrityError:  # taken a moment ago by another request
        db.session.rollback()
        form.account_name.errors.append(_("This account name is taken. Choose another."))
        return _security_page(set_password_form=form, status=422)
    _after_password_change(user, "password_set")
    flash(_("Your password is set. You can now sign in with your account name or phone."), "success")
    return redirect(url_for("settings.security"), code=303)


@localized_route(bp, "/settings/sessions/<session_id>/revoke", methods=["POST"])
@login_required
def revoke_session(session_id: str):
    """Sign out one browser (only one of your own)."""
    user: User = current_user._get_current_object()
    if not auth_sessions.revoke_session(user.id, session_id):
        abort(404)
    auth_sessions.log_event(user.id, "session_revoked", ip=client_ip(), user_agent=client_agent())
    db.session.commit()
    if session_id == user.current_session_id:
        logout_user()
        return redirect(url_for("catalog.home"), code=303)
    flash(_("That browser is signed out."), "success")
    return redirect(url_for("settings.security", _anchor="sessions"), code=303)


@localized_route(bp, "/settings/sessions/revoke-others", methods=["POST"])
@login_required
def revoke_other_sessions():
    """Sign out everywhere else."""
    user: User = current_user._get_current_object()
    count = auth_sessions.revoke_other_sessions(user.id, user.current_session_id)
    auth_sessions.log_event(user.id, "sessions_revoked", ip=client_ip(), user_agent=client_agent())
    security_notices.notify_security(user, "sessions_revoked")
    db.session.commit()
    flash(_("Signed out of %(count)s other browsers.", count=count), "success")
    return redirect(url_for("settings.security", _anchor="sessions"), code=303)


@localized_route(bp, "/inbox")
@login_required
def inbox():
    """Notices for you, newest first; opening the inbox marks them read."""
    user: User = current_user._get_current_object()
    items = notifications.inbox(user.id)
    unread_ids = {row.id for row, _detail in items if row.read_at is None}
    notifications.mark_all_read(user.id)
    return no_store(render_template("settings/inbox.html", items=items, unread_ids=unread_ids))


@bp.app_context_processor
def account_context():
    """The header's unread count, only for signed-in users (anonymous pages stay shareable)."""
    if current_user.is_authenticated:
        return {"unread_count": notifications.unread_count(current_user.id)}
    return {"unread_count": 0}
