"""Forms of the notifications page: email address, security-notice channel, one consent switch."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import AnyOf, DataRequired, ValidationError

from services.consents import CHANNELS, PURPOSES
from services.email_verification import InvalidEmail, normalize_email


class EmailForm(FlaskForm):
    """Set or change the account's email address; the address is normalised on validation."""

    email = StringField(_l("Email address"), validators=[DataRequired(_l("Enter your email address."))],
                        render_kw={"autocomplete": "email", "inputmode": "email", "maxlength": 254})

    def validate_email(self, field):
        try:
            field.data = normalize_email(field.data or "")
        except InvalidEmail as error:
            raise ValidationError(_l("Enter a valid email address, such as name@example.com.")) from error


class NoticeChannelForm(FlaskForm):
    """Where security notices go besides the inbox."""

    # The page renders the two radio buttons itself, with what each needs; this only checks the value.
    channel = StringField(_l("Send security notices by"),
                          validators=[AnyOf(("sms", "email"), message=_l("Choose SMS or email."))])


class ConsentForm(FlaskForm):
    """One click grants or withdraws one consent on one channel."""

    purpose = HiddenField(validators=[AnyOf(PURPOSES, message=_l("Unknown consent."))])
    channel = HiddenField(validators=[AnyOf(CHANNELS, message=_l("Unknown channel."))])
    granted = HiddenField(validators=[AnyOf(("1", "0"), message=_l("Grant or withdraw."))])


class ResendForm(FlaskForm):
    """Only the CSRF token: the resend button."""
