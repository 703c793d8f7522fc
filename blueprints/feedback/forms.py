"""The contact form, the follow-up form, and the labels ticket pages share."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from services import tickets

# The contact form's categories; appeals come from the settings pages, not from here.
CATEGORY_LABELS = {
    "complaint": _l("Complaint"),
    "suggestion": _l("Suggestion"),
    "question": _l("Question"),
    "privacy": _l("Privacy request (see, correct or delete your data)"),
    "ip_complaint": _l("Intellectual-property complaint"),
    "compromised": _l("My account was compromised"),
}
KIND_LABELS = {**CATEGORY_LABELS, "privacy": _l("Privacy request"), "appeal": _l("Appeal")}
STATE_LABELS = {
    "open": _l("Waiting for our staff"),
    "answered": _l("Answered"),
    "closed": _l("Closed"),
}


def message_field(label, **render_kw):
    return TextAreaField(
        label,
        filters=[tickets.clean_text],
        validators=[
            DataRequired(_l("Write your message.")),
            Length(min=tickets.BODY_MIN_LENGTH, max=tickets.BODY_MAX_LENGTH,
                   message=_l("Write between %(min)d and %(max)d characters.",
                              min=tickets.BODY_MIN_LENGTH, max=tickets.BODY_MAX_LENGTH)),
        ],
        render_kw={"rows": 8, "maxlength": tickets.BODY_MAX_LENGTH, **render_kw},
    )


class ContactForm(FlaskForm):
    """Category, subject, message and an optional contact for the reply."""

    category = SelectField(_l("What is it about?"), validate_choice=False,
                           choices=[SelectChoice(value, label) for value, label in CATEGORY_LABELS.items()])
    subject = StringField(
        _l("Subject"),
        filters=[tickets.clean_text],
        validators=[DataRequired(_l("Give your message a subject.")),
                    Length(max=120, message=_l("Keep the subject to %(max)d characters or fewer.", max=120))],
        render_kw={"maxlength": 120},
    )
    message = message_field(_l("Message"))
    contact = StringField(
        _l("Email or mobile phone for our reply (optional)"),
        filters=[lambda value: (value or "").strip()],
        validators=[Length(max=200, message=_l("Keep this to %(max)d characters or fewer.", max=200))],
        render_kw={"maxlength": 200, "autocomplete": "email"},
    )

    def validate_category(self, field):
        if field.data not in CATEGORY_LABELS:
            raise ValidationError(_l("Choose what your message is about."))

    def validate_contact(self, field):
        if field.data and tickets.contact_channel(field.data) is None:
            raise ValidationError(_l(
                "Enter an email address or a mainland China mobile number (we can send SMS only to those),"
                " or leave this empty."))
        field.data = tickets.normalize_contact(field.data)


class FollowUpForm(FlaskForm):
    """One more message from the sender on their own ticket."""

    message = message_field(_l("Add to your message"), rows=5)
