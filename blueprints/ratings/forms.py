"""Rating and report forms. Errors are shown beside the field, in the visitor's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, StringField, TextAreaField
from wtforms.validators import Length, ValidationError

from services.ratings import REVIEW_MAX_LENGTH, clean_review
from services.reports import NOTE_MAX_LENGTH

REPORT_REASON_LABELS = {
    "spam": _l("Spam or advertising"),
    "wrong_info": _l("Wrong information"),
    "dead_link": _l("Dead link"),
    "ip_complaint": _l("Intellectual-property complaint"),
    "other": _l("Something else"),
}


class StarsField(Field):
    """The chosen star, sent by radio inputs the template draws itself; anything not a number is None."""

    def process_formdata(self, valuelist):
        try:
            self.data = int(valuelist[0]) if valuelist else None
        except ValueError:
            self.data = None


class RatingForm(FlaskForm):
    """1–5 stars and an optional plain-text review."""

    stars = StarsField(_l("Your rating"))
    review = TextAreaField(
        _l("Your review (optional)"),
        filters=[clean_review],
        validators=[Length(max=REVIEW_MAX_LENGTH,
                           message=_l("Keep your review to %(max)d characters or fewer.", max=REVIEW_MAX_LENGTH))],
        render_kw={"rows": 5, "maxlength": REVIEW_MAX_LENGTH},
    )

    def validate_stars(self, field):
        if field.data not in (1, 2, 3, 4, 5):
            raise ValidationError(_l("Choose from 1 to 5 stars."))


class ReportForm(FlaskForm):
    """Why the user reports a tool or a review, with an optional note for staff."""

    reason = StringField(_l("Reason"))  # radio inputs drawn by the template from REPORT_REASON_LABELS
    note = TextAreaField(
        _l("Note for our staff (optional)"),
        filters=[lambda value: (value or "").replace("\r\n", "\n").strip()],
        validators=[Length(max=NOTE_MAX_LENGTH,
                           message=_l("Keep the note to %(max)d characters or fewer.", max=NOTE_MAX_LENGTH))],
        render_kw={"rows": 4, "maxlength": NOTE_MAX_LENGTH},
    )

    def validate_reason(self, field):
        if field.data not in REPORT_REASON_LABELS:
            raise ValidationError(_l("Choose a reason."))
