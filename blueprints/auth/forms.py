"""Account forms. Field errors are shown beside the field, in the visitor's language."""

from __future__ import annotations

import re
import unicodedata

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, ValidationError

from services.display_names import DISPLAY_NAME_MAX, has_hidden_characters
from services.images import AVATAR_MAX_SIDE, ImageRejected
from services.passwords import password_problems
from services.phones import ForeignDigits, InvalidPhone, is_banned_phone, normalize_phone

ACCOUNT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{2,31}$")
PASSWORD_MESSAGES = {
    "too_short": _l("Use at least 10 characters."),
    "too_long": _l("Use at most 128 characters."),
    "too_simple": _l("Mix at least three of: lower-case, upper-case, digits, symbols (or use 16+ characters)."),
    "common": _l("This password is too common."),
    "contains_name": _l("Do not put your account name in your password."),
    "contains_phone": _l("Do not put your phone number in your password."),
}


def phone_field():
    return StringField(_l("Mobile phone"), validators=[DataRequired(_l("Enter your mobile phone number."))],
                       render_kw={"autocomplete": "tel", "inputmode": "tel", "placeholder": "138 0000 0000"})


def code_field():
    return StringField(_l("SMS code"), render_kw={"autocomplete": "one-time-code", "inputmode": "numeric",
                                                   "maxlength": 6, "pattern": "[0-9]{6}"})


def avatar_error_message(error: ImageRejected) -> str:
    """What to tell someone whose avatar upload was refused (registration and profile)."""
    if error.reason == "too_many_pixels":
        return str(_l("The avatar is too large: use a picture of at most %(side)d × %(side)d pixels.",
                      side=AVATAR_MAX_SIDE))
    return str(_l("The avatar must be a JPEG, PNG or WebP image under 5 MB."))


def clean_display_name(raw: str | None) -> str:
    """NFKC (full-width letters fold), trimmed, inner whitespace collapsed to single spaces."""
    return " ".join(unicodedata.normalize("NFKC", raw or "").split())


def check_display_name(field, *, required: bool) -> None:
    """The one rule for a display name typed in a form (profile, registration): cleaned, or refused."""
    field.data = clean_display_name(field.data)
    if not field.data:
        if required:
            raise ValidationError(_l("Enter a display name."))
        return
    if len(field.data) > DISPLAY_NAME_MAX:
        raise ValidationError(_l("Use at most %(max)d characters.", max=DISPLAY_NAME_MAX))
    # Invisible and direction-changing characters let a name pretend to be another one (a joiner inside an
    # emoji sequence is fine).
    if has_hidden_characters(field.data):
        raise ValidationError(_l("Remove invisible or control characters from the name."))


class PhoneMixin:
    """Normalises the phone field to E.164 and says so clearly when it can't."""

    def validate_phone(self, field):
        try:
            field.data = normalize_phone(field.data or "")
        except ForeignDigits as error:
            message = _l("Type the number with the digits 0–9: it has digits from another script.")
            raise ValidationError(message) from error
        except InvalidPhone as error:
            raise ValidationError(_l("Enter a valid mobile number (mainland numbers without +86 are fine).")) from error
        if getattr(self, "refuse_banned_phone", False) and is_banned_phone(field.data):
            raise ValidationError(_l("This number belonged to an account banned for breaking our rules, so it "
                                     "cannot be used for a new account. Contact us if you think this is wrong."))


class CodeForm(PhoneMixin, FlaskForm):
    """Phone plus code, with the fields for the sending step (challenge) alongside."""

    refuse_banned_phone = True  # registering or verifying; signing in and resetting set it False

    phone = phone_field()
    code = code_field()
    challenge_token = HiddenField()
    challenge_answer = StringField(_l("Answer"), render_kw={"autocomplete": "off"})
    next = HiddenField()

    def validate_code(self, field):
        if not re.fullmatch(r"\d{6}", (field.data or "").strip()):
            raise ValidationError(_l("Enter the 6-digit code we sent you."))
        field.data = field.data.strip()

    def validate_for_sending(self) -> bool:
        """Only the phone matters when the button pressed is "send code" (CSRF was checked already)."""
        return self.phone.validate(self, extra_validators=[PhoneMixin.validate_phone])


class NewPasswordMixin:
    password = PasswordField(_l("Password"), render_kw={"autocomplete": "new-password"})

    def validate_password(self, field):
        name = getattr(getattr(self, "account_name", None), "data", None)
        phone = getattr(getattr(self, "phone", None), "data", None)
        problems = password_problems(field.data or "", account_name=name, phone=phone)
        if problems:
            raise ValidationError(" ".join(str(PASSWORD_MESSAGES[p]) for p in problems))


class RegisterForm(NewPasswordMixin, CodeForm):
    account_name = StringField(
        _l("Account name"),
        validators=[DataRequired(_l("Choose an account name."))],
        render_kw={"autocomplete": "username", "maxlength": 32},
    )
    display_name = StringField(
        _l("Display name (optional)"),
        render_kw={"maxlength": DISPLAY_NAME_MAX, "autocomplete": "nickname"},
    )
    accept_terms = BooleanField(_l("I have read and accept the terms of service and the privacy policy"))
    avatar = FileField(_l("Avatar (optional)"), render_kw={"accept": "image/png,image/jpeg,image/webp"})

    def validate_account_name(self, field):
        field.data = (field.data or "").strip()
        if not ACCOUNT_NAME.match(field.data):
            raise ValidationError(_l("3–32 letters, digits or underscores, starting with a letter."))

    def validate_display_name(self, field):
        check_display_name(field, required=False)

    def validate_accept_terms(self, field):
        if not field.data:
            raise ValidationError(_l("You need to accept the terms and the privacy policy to register."))


class PasswordSignInForm(FlaskForm):
    login = StringField(_l("Account name or phone"), validators=[DataRequired(_l("Enter your account name or phone."))],
                        render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Remember me for 30 days"))
    next = HiddenField()
    # Asked once the account has had several failed sign-ins (services/sign_in_guard.py).
    challenge_token = HiddenField()
    challenge_answer = StringField(_l("Answer"), render_kw={"autocomplete": "off"})


class SmsSignInForm(CodeForm):
    refuse_banned_phone = False
    remember = BooleanField(_l("Remember me for 30 days"))


class ResetPasswordForm(NewPasswordMixin, CodeForm):
    refuse_banned_phone = False


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    current_password = PasswordField(_l("Current password"), render_kw={"autocomplete": "current-password"})


class SetPasswordForm(NewPasswordMixin, FlaskForm):
    """For a WeChat-created account with a verified phone: choose an account name and a password."""

    account_name = RegisterForm.account_name
    validate_account_name = RegisterForm.validate_account_name


class ConsentForm(FlaskForm):
    display_name = StringField(
        _l("Display name (optional)"),
        render_kw={"maxlength": DISPLAY_NAME_MAX, "autocomplete": "nickname"},
    )
    accept_terms = BooleanField(_l("I have read and accept the terms of service and the privacy policy"))

    def validate_display_name(self, field):
        check_display_name(field, required=False)

    def validate_accept_terms(self, field):
        if not field.data:
            raise ValidationError(_l("You need to accept the terms and the privacy policy to continue."))
