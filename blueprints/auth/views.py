"""Register, sign in with a password or an SMS code, sign out."""

from __future__ import annotations

import contextlib
import unicodedata
from dataclasses import dataclass

from flask import current_app, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from blueprints.auth import bp
from blueprints.auth.codes import (
    challenge_passed,
    code_error_message,
    new_challenge_for,
    send_code_to_a_free_number,
    send_code_to_an_account,
)
from blueprints.auth.forms import PasswordSignInForm, RegisterForm, SmsSignInForm, avatar_error_message
from blueprints.i18n import localized_route
from blueprints.redirects import safe_next
from blueprints.signin import client_agent, client_ip, sign_in, sign_out
from extensions import db, limiter
from models import User
from services import auth_sessions, clock, policies, sign_in_guard, sms
from services.account_names import account_name_key, account_name_taken, neutral_display_name
from services.devices import current_device
from services.images import AVATAR_MAX_PIXELS, ImageRejected, check_image_header, reencode_avatar, store_upload
from services.passwords import dummy_hash, hash_password, password_matches
from services.phones import InvalidPhone, normalize_phone

AUTH_LIMIT = "10 per minute;60 per hour"


def no_store(body, status: int = 200):
    """Pages with forms and personal data are never cached by anyone."""
    response = make_response(body, status)
    response.cache_control.no_store = True
    return response


def _is_send_code() -> bool:
    return request.form.get("action") == "send_code"


def render_form(template: str, form, status=None, **context):
    """The whole page, or only the code status for htmx's "send code" button; 422 when invalid."""
    if status is not None and _is_send_code() and request.headers.get("HX-Request") == "true":
        return no_store(render_template("auth/_code_status.html", form=form, status=status))
    http_status = 422 if request.method == "POST" and (form.errors or (status and not status.sent)) else 200
    return no_store(render_template(template, form=form, status=status, **context), http_status)


@localized_route(bp, "/register", methods=["GET", "POST"])
@limiter.limit(AUTH_LIMIT, methods=["POST"])
def register():
    """Create an account with an account name, a password and a verified mobile phone."""
    if current_user.is_authenticated:
        return redirect(url_for("catalog.home"))
    form = RegisterForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next"))
    if request.method == "POST" and _is_send_code():
        return render_form("auth/register.html", form, status=send_code_to_a_free_number(form, "register"))
    if not form.validate_on_submit():
        return render_form("auth/register.html", form)
    if account_name_taken(form.account_name.data):  # in any case or width
        form.account_name.errors.append(_("This account name is taken. Choose another."))
        return render_form("auth/register.html", form)
    # Everything that can be wrong with the form is checked before the code is spent; the avatar only by its
    # header (size, format, pixels), since decoding costs: it is decoded once, after the code proved the phone.
    upload = form.avatar.data.read() if form.avatar.data and form.avatar.data.filename else None
    if upload is not None:
        try:
            check_image_header(upload, max_pixels=AVATAR_MAX_PIXELS)
        except ImageRejected as error:
            form.avatar.errors.append(avatar_error_message(error))
            return render_form("auth/register.html", form)
    try:
        sms.verify_code(form.phone.data, "register", form.code.data)
    except sms.CodeInvalid as error:
        form.code.errors.append(code_error_message(error))
        return render_form("auth/register.html", form)
    if db.session.scalar(select(User.id).where(User.phone == form.phone.data)):
        form.phone.errors.append(_("This number already has an account. Sign in, or reset the password."))
        return render_form("auth/register.html", form)
    avatar_path = _stored_avatar(upload) if upload is not None else None
    now = clock.now()
    user = User(
        account_name=form.account_name.data,
        display_name=form.display_name.data or neutral_display_name(),  # never the private account name
        phone=form.phone.data,
        phone_verified_at=now,
        password_hash=hash_password(form.password.data),
        password_changed_at=now,
        avatar_path=avatar_path,
        terms_version=current_app.config["TERMS_VERSION"],
        terms_accepted_at=now,
    )
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:  # the same name or phone registered a moment ago, in another request
        db.session.rollback()
        form.account_name.errors.append(_("This account name or phone was just registered. Sign in instead."))
        return render_form("auth/register.html", form)
    auth_sessions.log_event(user.id, "registered", method="sms", ip=client_ip(), user_agent=client_agent())
    policies.accept_current(user.id, now)  # the ticked box accepts the versions in force
    auth_sessions.log_event(user.id, "phone_verified", method="sms", ip=client_ip(), user_agent=client_agent())
    sign_in(user, method="register", remember=False, first=True)
    flash(_("Welcome to SellerNav! Your phone is verified, so you can collect and rate tools."), "success")
    return redirect(safe_next(form.next.data), code=303)


def _stored_avatar(upload: bytes) -> str | None:
    """The re-encoded avatar's path; None, with a notice, if its body is broken though its header was fine
    (the code is spent by now: the account is made without the picture rather than sending the user back)."""
    try:
        return store_upload(current_app.config["UPLOAD_DIR"], "avatars", reencode_avatar(upload))
    except ImageRejected:
        flash(_("Your avatar could not be read, so your account has none yet: upload another in your profile."),
              "error")
        return None


def _find_by_login(login: str) -> User | None:
    """An account by account name or phone number."""
    login = login.strip()
    # The guess limit's key (_login_key) and the view both ask; one query per request answers both.
    found = g.setdefault("accounts_by_login", {})
    if login not in found:
        conditions = [User.account_name_key == account_name_key(login)]
        with contextlib.suppress(InvalidPhone):
            conditions.append(User.phone == normalize_phone(login))
        found[login] = db.session.scalar(select(User).where(or_(*conditions)))
    return found[login]


def _login_key() -> str:
    """The key the sign-in guard counts failures on: the account itself, however its login was spelled.

    Every spelling that reaches one account (``13800000003``, ``+86 138 0000 0003``, full-width digits, the
    account name) shares one key; when none resolves, the normalised identifier is the key, so unknown and
    known names are limited alike.
    """
    if "login_limit_key" not in g:
        login = (request.form.get("login") or request.form.get("phone") or "").strip()
        user = _find_by_login(login) if login else None
        if user is not None:
            g.login_limit_key = f"login:account:{user.id}"
        else:
            try:
                g.login_limit_key = f"login:phone:{normalize_phone(login)}"
            except InvalidPhone:
                g.login_limit_key = "login:name:" + unicodedata.normalize("NFKC", login).casefold()
    return g.login_limit_key


@dataclass(frozen=True)
class _Guard:
    """This try's keys in the sign-in guard, and whether this browser signed in to the account before."""

    method: str
    account: str
    client: str
    known_device: bool

    @classmethod
    def for_request(cls, method: str, user: User | None) -> _Guard:
        device = current_device()
        return cls(method, sign_in_guard.account_key(_login_key()),
                   sign_in_guard.client_key(device.device_id, client_ip()), device.knows(user.id if user else None))

    def verdict(self) -> sign_in_guard.Verdict:
        return sign_in_guard.check(self.method, self.account, self.client, known_device=self.known_device)

    def failed(self, user: User | None) -> sign_in_guard.Verdict:
        """Count a refused try (and tell the owner when it starts the challenge); the verdict for the next one."""
        failures = sign_in_guard.record_failure(self.method, self.account, self.client)
        if user is not None:
            sign_in_guard.tell_owner(user, failures)
        return self.verdict()


def _backed_off(template: str, form, verdict: sign_in_guard.Verdict, **context):
    """429 with Retry-After: the form as typed, and the ways on that do not wait."""
    message = ngettext("Too many failed tries for this account from here. Try again in %(num)d second, "
                       "sign in with an SMS code, or reset your password.",
                       "Too many failed tries for this account from here. Try again in %(num)d seconds, "
                       "sign in with an SMS code, or reset your password.", verdict.wait_seconds)
    response = no_store(render_template(template, form=form, status=None, guard_message=message, **context), 429)
    response.headers["Retry-After"] = str(verdict.wait_seconds)
    return response


def _challenged(form, *, message: str, **context):
    """422 with a new picture to answer; the password is not checked until it is."""
    form.password.data = ""
    return no_store(render_template("auth/sign_in.html", form=form, status=None, guard_message=message,
                                    challenge_image=new_challenge_for(form), **context), 422)


@localized_route(bp, "/sign-in", methods=["GET", "POST"], endpoint="sign_in")
@limiter.limit(AUTH_LIMIT, methods=["POST"])
def sign_in_password():
    """Sign in with account name or phone, and password; failures are counted on the account (sign_in_guard)."""
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = PasswordSignInForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next"))
    if not form.validate_on_submit():
        return render_form("auth/sign_in.html", form, mode="password")
    user = _find_by_login(form.login.data)
    guard = _Guard.for_request("password", user)
    verdict = guard.verdict()
    if verdict.wait_seconds:  # refused before any hash is checked
        return _backed_off("auth/sign_in.html", form, verdict, mode="password")
    if verdict.challenge and not challenge_passed(form):
        tried = bool(form.challenge_answer.data)
        return _challenged(form, mode="password", message=_(
            "That was not right, or that picture was used already. Try this one.") if tried else _(
            "This account has had several failed sign-ins. Type the characters in the picture, then your password."))
    # Check a hash even for an unknown account, so timing does not tell which accounts exist.
    valid = password_matches(user.password_hash if user else dummy_hash(), form.password.data) and user is not None
    if not valid:
        auth_sessions.log_event(user.id if user else None, "sign_in_failed", method="password",
                                ip=client_ip(), user_agent=client_agent())
        following = guard.failed(user)
        db.session.commit()
        form.password.errors.append(_("The account name, phone or password is not right."))
        if following.challenge:
            return _challenged(form, mode="password", message=_(
                "This account has had several failed sign-ins. Type the characters in the picture, then your "
                "password."))
        return render_form("auth/sign_in.html", form, mode="password")
    sign_in(user, method="password", remember=form.remember.data)
    return redirect(safe_next(form.next.data), code=303)  # a locked account is held at the unlock page (unlock.py)


@localized_route(bp, "/sign-in/sms", methods=["GET", "POST"])
@limiter.limit(AUTH_LIMIT, methods=["POST"])
def sign_in_sms():
    """Sign in with a phone and a code sent to it."""
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = SmsSignInForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next"))
    if request.method == "POST" and _is_send_code():
        return render_form("auth/sign_in.html", form, status=send_code_to_an_account(form, "sign_in"),
                           mode="sms")
    if not form.validate_on_submit():
        return render_form("auth/sign_in.html", form, mode="sms")
    user = _user_by_phone(form.phone.data)
    guard = _Guard.for_request("sms", user)
    verdict = guard.verdict()
    if verdict.wait_seconds:
        return _backed_off("auth/sign_in.html", form, verdict, mode="sms")
    try:
        sms.verify_code(form.phone.data, "sign_in", form.code.data)
    except sms.CodeInvalid as error:
        auth_sessions.log_event(user.id if user else None, "sign_in_failed", method="sms",
                                ip=client_ip(), user_agent=client_agent())
        guard.failed(user)
        db.session.commit()
        form.code.errors.append(code_error_message(error))
        return render_form("auth/sign_in.html", form, mode="sms")
    if user is None:  # the number lost its account between sending and signing in
        form.phone.errors.append(_("This number has no account. Register first."))
        return render_form("auth/sign_in.html", form, mode="sms")
    sign_in(user, method="sms", remember=form.remember.data)
    return redirect(safe_next(form.next.data), code=303)


def _user_by_phone(phone: str) -> User | None:
    return db.session.scalar(select(User).where(User.phone == phone, User.phone_verified_at.is_not(None)))


@localized_route(bp, "/sign-out", methods=["POST"])
def sign_out_view():
    """Sign this browser out; its session and remember-me cookie stop working."""
    if current_user.is_authenticated:
        sign_out(current_user._get_current_object())
    flash(_("You are signed out."), "info")
    return redirect(url_for("catalog.home"), code=303)
