"""Sign in with WeChat, create an account from it with consent, or bind it to an account."""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from blueprints.auth import bp
from blueprints.auth.forms import ConsentForm
from blueprints.auth.views import AUTH_LIMIT, no_store
from blueprints.i18n import current_lang, localized_route
from blueprints.redirects import safe_next
from blueprints.signin import client_agent, client_ip, record_proof, sign_in
from blueprints.templating import absolute
from extensions import db, limiter
from models import User, WechatIdentity
from services import auth_sessions, clock, policies, recent_auth, security_notices, wechat
from services.account_names import neutral_display_name
from services.display_names import clean_name
from services.images import ImageRejected, reencode_avatar, store_upload

STATE_KEY = "wechat_flow"
PENDING_KEY = "wechat_pending"


def _error_message(error: wechat.WechatError) -> str:
    return {
        "cancelled": _("WeChat sign-in was cancelled. Nothing was changed."),
        "invalid_code": _("That WeChat authorisation has expired or was already used. Please scan again."),
        "network": _("WeChat did not answer in time. Please try again in a moment."),
    }.get(error.reason, _("WeChat refused the request (%(detail)s). Nothing was changed.", detail=error.detail))


@localized_route(bp, "/auth/wechat/start")
@limiter.limit(AUTH_LIMIT)
def wechat_start():
    """Send the browser to WeChat: the QR page, or the official-account flow inside WeChat."""
    purpose = request.args.get("purpose", "sign_in")
    if purpose not in ("sign_in", "bind", "reauth"):
        abort(400)
    if purpose in ("bind", "reauth") and not current_user.is_authenticated:
        return redirect(url_for("auth.sign_in", next=url_for("settings.security")))
    if purpose == "bind" and not recent_auth.is_recent(current_user):
        # Binding is a way in that survives a password change: only for a session that proved the holder.
        return redirect(url_for("settings.confirm_identity", next=url_for("settings.security", _anchor="wechat")))
    kind = wechat.kind_for_user_agent(request.headers.get("User-Agent"))
    if not wechat.is_configured(kind):
        flash(_("Signing in with WeChat is not available on this site yet."), "warning")
        return redirect(url_for("auth.sign_in"))
    state = wechat.new_state()
    session[STATE_KEY] = {"state": state, "purpose": purpose, "kind": kind, "lang": current_lang(),
                          "next": safe_next(request.args.get("next"))}
    callback = absolute(url_for("auth.wechat_callback"))  # SITE_URL when set, so proxies cannot change it
    return redirect(wechat.authorize_url(kind, callback, state))


@bp.route("/auth/wechat/callback")
@limiter.limit(AUTH_LIMIT)
def wechat_callback():
    """WeChat sends the browser back here with a one-time code (or none, if the user declined)."""
    flow = session.pop(STATE_KEY, None)
    if flow:
        g.lang = flow.get("lang", "zh")  # one callback URL for both languages: keep the one the user started in
    if not flow or not wechat.states_match(flow["state"], request.args.get("state", "")):
        flash(_("That WeChat sign-in was not started here or has expired. Please try again."), "error")
        return redirect(url_for("auth.sign_in"), code=303)
    try:
        profile = wechat.fetch_profile(flow["kind"], request.args.get("code"))  # no code: the user declined
    except wechat.WechatError as error:
        flash(_error_message(error), "error")
        back = url_for("settings.security") if flow["purpose"] == "bind" else url_for("auth.sign_in")
        return redirect(back, code=303)
    identity = _find_identity(profile)
    if flow["purpose"] == "bind":
        return _bind(profile, identity)
    if flow["purpose"] == "reauth":
        return _reauthenticate(identity, flow["next"])
    if identity is not None:
        user = db.session.get(User, identity.user_id)
        sign_in(user, method="wechat", remember=False)
        return redirect(safe_next(flow["next"]), code=303)
    session[PENDING_KEY] = {
        "app_id": profile.app_id, "openid": profile.openid, "unionid": profile.unionid,
        "nickname": profile.nickname, "avatar_url": profile.avatar_url, "next": flow["next"],
    }
    return redirect(url_for("auth.wechat_consent"), code=303)


def _find_identity(profile) -> WechatIdentity | None:
    """The bound identity: by unionid when WeChat gave one (openids differ per app), else by openid."""
    conditions = [(WechatIdentity.app_id == profile.app_id) & (WechatIdentity.openid == profile.openid)]
    if profile.unionid:
        conditions.append(WechatIdentity.unionid == profile.unionid)
    return db.session.scalar(select(WechatIdentity).where(or_(*conditions)).order_by(WechatIdentity.id))


def _reauthenticate(identity: WechatIdentity | None, next_url: str):
    """A fresh WeChat round trip proves a WeChat-only holder, if it is this account's own WeChat."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.sign_in"), code=303)
    user: User = current_user._get_current_object()
    if identity is None or identity.user_id != user.id:
        auth_sessions.log_event(user.id, "reauth_confirm_failed", method="wechat", ip=client_ip(),
                                user_agent=client_agent())
        db.session.commit()
        flash(_("That WeChat account is not the one bound to your account. Nothing was changed."), "error")
        return redirect(url_for("settings.confirm_identity", next=next_url), code=303)
    record_proof(user, "wechat")
    return redirect(safe_next(next_url, url_for("settings.security")), code=303)


def _bind(profile, identity: WechatIdentity | None):
    if not current_user.is_authenticated:
        flash(_("Please sign in to bind WeChat."), "error")
        return redirect(url_for("auth.sign_in"), code=303)
    user: User = current_user._get_current_object()
    back = redirect(url_for("settings.security", _anchor="wechat"), code=303)
    if not recent_auth.is_recent(user):  # the proof may have lapsed while WeChat was open
        return redirect(url_for("settings.confirm_identity", next=url_for("settings.security", _anchor="wechat")),
                        code=303)
    if identity is not None and identity.user_id != user.id:
        flash(_("This WeChat account is already bound to another SellerNav account. Nothing was changed."), "error")
        return back
    if identity is not None:
        flash(_("This WeChat account is already bound to your account."), "info")
        return back
    if db.session.scalar(select(WechatIdentity.id).where(WechatIdentity.user_id == user.id)):
        flash(_("Your account is already bound to a WeChat account. Changing it needs an appeal to our staff."),
              "error")
        return back
    db.session.add(WechatIdentity(user_id=user.id, app_id=profile.app_id, openid=profile.openid,
                                  unionid=profile.unionid, nickname=profile.nickname[:100]))
    auth_sessions.log_event(user.id, "wechat_bound", method="wechat", ip=client_ip(), user_agent=client_agent())
    security_notices.notify_security(user, "wechat_bound")
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        flash(_("This WeChat account is already bound to another SellerNav account. Nothing was changed."), "error")
        return back
    flash(_("WeChat is bound. You can now sign in with it."), "success")
    return back


@localized_route(bp, "/auth/wechat/consent", methods=["GET", "POST"])
@limiter.limit(AUTH_LIMIT, methods=["POST"])
def wechat_consent():
    """Before creating an account from WeChat: say what we take (nickname, avatar) and ask."""
    pending = session.get(PENDING_KEY)
    if not pending:
        return redirect(url_for("auth.sign_in"))
    form = ConsentForm()
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return no_store(render_template("auth/wechat_consent.html", form=form, pending=pending), status)
    session.pop(PENDING_KEY, None)
    user = _create_wechat_account(pending)
    if user is None:  # the same WeChat identity finished signing up in another tab
        identity = db.session.scalar(select(WechatIdentity).where(
            WechatIdentity.app_id == pending["app_id"], WechatIdentity.openid == pending["openid"]))
        user = db.session.get(User, identity.user_id)
    sign_in(user, method="wechat", remember=False, first=True)
    flash(_("Welcome! Verify your mobile phone to collect, rate and review tools."), "success")
    return redirect(safe_next(pending.get("next")), code=303)


def _create_wechat_account(pending: dict) -> User | None:
    """An unverified account from the WeChat profile; the avatar is copied once, never hot-linked."""
    now = clock.now()
    user = User(display_name=clean_name(pending["nickname"]) or neutral_display_name(),
                terms_version=current_app.config["TERMS_VERSION"], terms_accepted_at=now)
    if pending.get("avatar_url"):
        try:
            avatar = reencode_avatar(wechat.download_avatar(pending["avatar_url"]))
            user.avatar_path = store_upload(current_app.config["UPLOAD_DIR"], "avatars", avatar)
        except (wechat.WechatError, ImageRejected):
            user.avatar_path = None  # no avatar is better than a broken one
    db.session.add(user)
    db.session.flush()
    db.session.add(WechatIdentity(user_id=user.id, app_id=pending["app_id"], openid=pending["openid"],
                                  unionid=pending["unionid"], nickname=(pending["nickname"] or "")[:100]))
    auth_sessions.log_event(user.id, "registered", method="wechat", ip=client_ip(), user_agent=client_agent())
    policies.accept_current(user.id, now)  # the consent page's box accepts the versions in force
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return user
