"""Notifications and consent: email address and verification, the security-notice channel, marketing consents."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from blueprints.auth.views import no_store
from blueprints.gates import login_required, recent_auth_required
from blueprints.i18n import localized_route
from blueprints.settings import bp
from blueprints.settings.channel_forms import ConsentForm, EmailForm, NoticeChannelForm, ResendForm
from blueprints.signin import client_agent, client_ip
from extensions import db
from models import User
from services import auth_sessions, consents, email_verification, security_notices
from services.email import EmailDeliveryError
from services.site_address import absolute

PURPOSE_LABELS = {
    "product_news": _l("Product news: new features and tools on SellerNav"),
    "partner_offers": _l("Offers from our partners (tool vendors)"),
}
CHANNEL_LABELS = {"email": _l("Email"), "sms": _l("SMS")}
LINK_ERRORS = {
    "expired": _l("This link has expired. Open your notification settings and send a new one."),
    "tampered": _l("This link is not valid. Copy the whole link from the email, or send a new one."),
    "stale": _l("This link is for an address that is no longer your account's. Use the newest link we sent."),
}


def _page(*, email_form=None, channel_form=None, consent_error: str | None = None, notice: str | None = None,
          status: int = 200):
    user: User = current_user._get_current_object()
    return no_store(render_template(
        "settings/notifications.html",
        user=user,
        email_form=email_form or EmailForm(email=user.email),
        channel_form=channel_form or NoticeChannelForm(channel=user.security_notice_channel),
        resend_form=ResendForm(),
        consent_form=ConsentForm(),
        consent_state=consents.current_state(user.id),
        consent_history=consents.history(user.id, limit=100),
        consent_error=consent_error,
        notice=notice,
        purpose_labels=PURPOSE_LABELS,
        channel_labels=CHANNEL_LABELS,
    ), status)


def _back(anchor: str):
    return redirect(url_for("settings.notifications", _anchor=anchor), code=303)


@localized_route(bp, "/settings/notifications")
@login_required
def notifications():
    """Email address, where security notices go, and marketing consents."""
    return _page()


def _send_link(user: User):
    """Send a verification link now; on a refusal, the page again with why (429 with Retry-After)."""
    try:
        email_verification.check_resend(user.id)
    except email_verification.ResendRefused as refused:
        response = _page(notice=_("You can ask for another link in %(seconds)s seconds.",
                                  seconds=refused.retry_after), status=429)
        response.headers["Retry-After"] = str(refused.retry_after)
        return response
    link = absolute(url_for("settings.verify_email", token=email_verification.make_token(user.id, user.email)))
    try:
        email_verification.send_link(user, link, ip=client_ip(), user_agent=client_agent())
    except EmailDeliveryError:
        db.session.rollback()
        flash(_("We could not send the email just now. Check the address, then try “Send the link again”."),
              "error")
        return _back("email")
    db.session.commit()
    flash(_("We sent a link to %(email)s. Open it to verify the address.", email=user.email), "success")
    return _back("email")


@localized_route(bp, "/settings/email", methods=["POST"])
@login_required
@recent_auth_required(back="settings.notifications")
def set_email():
    """Set or change the email address; a new one is unverified until its link is opened."""
    user: User = current_user._get_current_object()
    form = EmailForm()
    if not form.validate_on_submit():
        return _page(email_form=form, status=422)
    had_address = user.email is not None
    if not email_verification.set_email(user, form.email.data) and user.is_email_verified:
        flash(_("This address is already verified."), "info")
        return _back("email")
    if had_address:
        security_notices.notify_security(user, "email_changed")
    db.session.commit()
    return _send_link(user)


@localized_route(bp, "/settings/email/resend", methods=["POST"])
@login_required
def resend_email_link():
    """Send the verification link again, at most once a minute and five times a day."""
    user: User = current_user._get_current_object()
    if not ResendForm().validate_on_submit():
        abort(400)
    if user.email is None or user.is_email_verified:
        flash(_("There is no address waiting to be verified."), "info")
        return _back("email")
    return _send_link(user)


@localized_route(bp, "/settings/email/verify/<token>")
def verify_email(token: str):
    """Open a verification link, signed in or not; a bad, old or stale link is a clear 400 page."""
    try:
        user = email_verification.verify_token(token)
    except email_verification.LinkInvalid as error:
        db.session.rollback()
        abort(400, description=str(LINK_ERRORS[error.reason]))
    auth_sessions.log_event(user.id, "email_verified", method="email", ip=client_ip(), user_agent=client_agent())
    db.session.commit()
    if current_user.is_authenticated and current_user.id == user.id:
        flash(_("Your email address is verified."), "success")
        return _back("email")
    return no_store(render_template("settings/email_verified.html"))


@localized_route(bp, "/settings/notifications/channel", methods=["POST"])
@login_required
@recent_auth_required(back="settings.notifications")
def set_notice_channel():
    """Choose SMS or email for security notices; the chosen one must be verified."""
    user: User = current_user._get_current_object()
    form = NoticeChannelForm()
    valid = form.validate_on_submit()
    if valid and form.channel.data == "email" and not user.is_email_verified:
        form.channel.errors.append(_("Verify your email address first."))
        valid = False
    if valid and form.channel.data == "sms" and not user.is_phone_verified:
        form.channel.errors.append(_("Verify your mobile phone first."))
        valid = False
    if not valid:
        return _page(channel_form=form, status=422)
    if user.security_notice_channel != form.channel.data:
        auth_sessions.log_event(user.id, "notice_channel_changed", ip=client_ip(), user_agent=client_agent())
    user.security_notice_channel = form.channel.data
    db.session.commit()
    flash(_("Security notices will be sent by %(channel)s.", channel=CHANNEL_LABELS[form.channel.data]), "success")
    return _back("security-notices")


@localized_route(bp, "/settings/consents", methods=["POST"])
@login_required
def set_consent():
    """Grant or withdraw one consent in one click; each change is recorded with the policy version."""
    user: User = current_user._get_current_object()
    form = ConsentForm()
    if not form.validate_on_submit():
        return _page(consent_error=_("That choice is not one we offer. Use the buttons below."), status=422)
    granted = form.granted.data == "1"
    reachable = user.is_email_verified if form.channel.data == "email" else user.is_phone_verified
    if granted and not reachable:
        error = (_("Verify your email address first.") if form.channel.data == "email"
                 else _("Verify your mobile phone first."))
        return _page(consent_error=error, status=422)
    consents.set_consent(user.id, form.purpose.data, form.channel.data, granted)
    db.session.commit()
    flash(_("Your choice is saved.") if granted else _("Your consent is withdrawn."), "success")
    return _back("consents")


@bp.app_context_processor
def security_notice_text():
    """``describe_notice(kind, detail)`` for the inbox: one sentence per security notice."""
    return {"describe_notice": security_notices.describe}
