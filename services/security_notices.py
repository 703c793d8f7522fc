"""Security notices: one call writes the inbox notice and queues an SMS or email on the user's channel.

The channel is the user's choice (``User.security_notice_channel``) when that channel is verified;
otherwise the other verified one; with neither, the inbox alone. The texts name what happened and
never carry a code or a full phone number.
"""

from __future__ import annotations

from flask import has_request_context, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from models import User
from services import notifications, outbox
from services.site_address import absolute
from services.sms.backends import notice_text

# kind: (the SMS template's event phrase, in the template's language; the email subject)
KINDS = {
    "new_browser": ("在新的浏览器上登录", _l("New sign-in to your SellerNav account")),
    "password_changed": ("修改了密码", _l("Your SellerNav password was changed")),
    "password_set": ("设置了密码", _l("A password was set for your SellerNav account")),
    "password_reset": ("通过短信重置了密码", _l("Your SellerNav password was reset")),
    "phone_changed": ("更换了手机号", _l("Your SellerNav phone number was changed")),
    "email_changed": ("更改了邮箱", _l("Your SellerNav email address was changed")),
    "wechat_bound": ("绑定了微信", _l("WeChat was bound to your SellerNav account")),
    "wechat_unbound": ("解绑了微信", _l("WeChat was unbound from your SellerNav account")),
    "sessions_revoked": ("退出了其他所有设备", _l("Your SellerNav account was signed out elsewhere")),
    "number_in_use": ("有人尝试用您的手机号注册或绑定账号", _l("Someone tried to use your phone number on SellerNav")),
    "sign_in_failures": ("多次登录失败", _l("Several failed sign-ins to your SellerNav account")),
    "phone_restored": ("手机号已由客服按申诉恢复为本号码，可用它解锁",
                       _l("Your SellerNav phone was restored by our staff")),
}


def describe(kind: str, detail: dict) -> str:
    """One sentence saying what happened, in the current language (inbox and email)."""
    texts = {
        "new_browser": lambda: _("Your account was signed in from a new browser (%(browser)s, IP %(ip)s).",
                                 browser=detail.get("browser", ""), ip=detail.get("ip", "")),
        "password_changed": lambda: _("Your password was changed."),
        "password_set": lambda: _("A password was set for your account."),
        "password_reset": lambda: _("Your password was reset with an SMS code."),
        "phone_changed": lambda: _("The mobile phone of your account was changed to %(phone)s.",
                                   phone=detail.get("phone", "")),
        "email_changed": lambda: _("The email address of your account was changed."),
        "number_in_use": lambda: _("Someone tried to register or bind another account with your phone number. "
                                   "No code was sent and your account is unchanged."),
        "wechat_bound": lambda: _("WeChat was bound to your account."),
        "wechat_unbound": lambda: _("WeChat was unbound from your account."),
        "sessions_revoked": lambda: _("Every other browser was signed out of your account."),
        "account_name_renamed": lambda: _("Your account name was the same as an older account's apart from "
                                          "upper and lower case, so it is now %(new)s. Signing in with your phone "
                                          "works as before.", new=detail.get("new", "")),
        "display_name_assigned": lambda: _("Your display name was your account name, which is private, so "
                                           "others now see %(name)s instead. You can choose another in your "
                                           "profile.", name=detail.get("name", "")),
        "phone_restored": lambda: _("Our staff made %(phone)s, the number you proved in your appeal, the phone of "
                                    "your locked account. Unlock it with a code sent there and a new password.",
                                    phone=detail.get("phone", "")),
        "sign_in_failures": lambda: _("Someone failed several times to sign in to your account. Until the "
                                      "failures stop, signing in with the password elsewhere asks a picture "
                                      "question first; this browser, SMS sign-in and password reset work as "
                                      "always. If it was not you, consider a longer password."),
    }
    text = texts.get(kind)
    return text() if text else kind


def channel_for(user: User) -> tuple[str, str] | None:
    """(channel, address) the user's notices go to besides the inbox, or None."""
    email = ("email", user.email) if user.is_email_verified else None
    sms = ("sms", user.phone) if user.is_phone_verified else None
    preferred, other = (email, sms) if user.security_notice_channel == "email" else (sms, email)
    return preferred or other


def notify_security(user: User, kind: str, *, sms_to: str | None = None, **detail) -> None:
    """Write the inbox notice and queue the SMS or email; the caller commits.

    ``sms_to`` sends the SMS to another number instead (a phone change warns the old number).
    ``detail`` goes to the inbox as is, so it must hold nothing secret.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown security notice {kind!r}")
    notifications.notify(user.id, kind, **detail)
    route = channel_for(user)
    if route is None:
        return
    channel, address = route
    event, subject = KINDS[kind]
    if channel == "sms":
        outbox.enqueue(channel="sms", recipient=sms_to or address, kind=kind, subject=event,
                       body=notice_text(event), user_id=user.id)
    else:
        outbox.enqueue(channel="email", recipient=address, kind=kind, subject=str(subject),
                       body=_email_body(user, kind, detail), user_id=user.id)


def _email_body(user: User, kind: str, detail: dict) -> str:
    advice = _("If this was not you, change your password now and sign out everywhere else.")
    lines = [_("Hello %(name)s,", name=user.display_name), "", describe(kind, detail), "", advice]
    if has_request_context():
        lines.append(absolute(url_for("settings.security")))
    lines += ["", _("You get these notices by email because you chose email in your notification settings."),
              "— SellerNav"]
    return "\n".join(lines)
