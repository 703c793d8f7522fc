"""Removing a WeChat bound in the last days, by its owner, after a fresh proof.

An older binding is changed only through staff (an appeal): it is a way into the account that
survives a password change, so an intruder who bound one should not be the only one able to keep
it, and an owner should not lose a long-standing one to a stolen session. A binding is never
removed while it is the account's only way to sign in.
"""

from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from blueprints.gates import login_required, recent_auth_required
from blueprints.i18n import localized_route
from blueprints.settings import bp
from blueprints.signin import client_agent, client_ip
from extensions import db
from models import User, WechatIdentity
from services import auth_sessions, clock, security_notices

SELF_UNBIND_DAYS = 7


def can_unbind_itself(user: User, identity: WechatIdentity) -> bool:
    """Bound in the last ``SELF_UNBIND_DAYS`` days, and the account has another way in."""
    recent = clock.now() - identity.created_at <= timedelta(days=SELF_UNBIND_DAYS)
    return recent and (bool(user.password_hash) or user.is_phone_verified)


@localized_route(bp, "/settings/wechat/unbind", methods=["POST"])
@login_required
@recent_auth_required(back="settings.security")
def unbind_wechat():
    user: User = current_user._get_current_object()
    back = redirect(url_for("settings.security", _anchor="wechat"), code=303)
    identity = db.session.scalar(select(WechatIdentity).where(WechatIdentity.user_id == user.id))
    if identity is None:
        flash(_("No WeChat is bound to your account."), "info")
        return back
    if not (user.password_hash or user.is_phone_verified):
        flash(_("WeChat is your account's only way to sign in: set a password or verify a phone first."), "error")
        return back
    if not can_unbind_itself(user, identity):
        flash(_("This WeChat was bound more than %(days)s days ago: to remove it, send an appeal to our staff.",
                days=SELF_UNBIND_DAYS), "error")
        return back
    db.session.delete(identity)
    auth_sessions.log_event(user.id, "wechat_unbound_self", method="wechat", ip=client_ip(), user_agent=client_agent())
    security_notices.notify_security(user, "wechat_unbound")
    db.session.commit()
    flash(_("WeChat is unbound from your account."), "success")
    return back
