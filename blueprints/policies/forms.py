"""The staff form that publishes a policy version."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Regexp, ValidationError

TITLE_MAX = 200
SUMMARY_MAX = 1000
_TITLE = [DataRequired(_l("Enter a title.")), Length(max=TITLE_MAX)]


class PublishPolicyForm(FlaskForm):
    """A new version of the privacy policy or the terms, in both languages."""

    kind = SelectField(_l("Document"), choices=[SelectChoice("privacy", _l("Privacy policy")),
                                                SelectChoice("terms", _l("Terms of service"))],
                       validators=[InputRequired()])
    version = StringField(
        _l("Version"),
        validators=[DataRequired(_l("Give the version a name, e.g. 2027-01-15.")),
                    Regexp(r"^[0-9A-Za-z][0-9A-Za-z.\-]{0,39}$",
                           message=_l("Use letters, digits, dots and hyphens only (at most 40)."))],
        render_kw={"maxlength": 40, "autocomplete": "off"},
    )
    title_zh = StringField(_l("Title (Chinese)"), validators=_TITLE, render_kw={"maxlength": TITLE_MAX})
    title_en = StringField(_l("Title (English)"), validators=_TITLE, render_kw={"maxlength": TITLE_MAX})
    body_zh = TextAreaField(_l("Text (Chinese, Markdown)"), validators=[DataRequired(_l("Enter the text."))],
                            render_kw={"rows": 16})
    body_en = TextAreaField(_l("Text (English, Markdown)"), validators=[DataRequired(_l("Enter the text."))],
                            render_kw={"rows": 16})
    summary_zh = TextAreaField(_l("What changed (Chinese)"), validators=[Length(max=SUMMARY_MAX)],
                               render_kw={"rows": 3, "maxlength": SUMMARY_MAX})
    summary_en = TextAreaField(_l("What changed (English)"), validators=[Length(max=SUMMARY_MAX)],
                               render_kw={"rows": 3, "maxlength": SUMMARY_MAX})
    is_major = BooleanField(_l("Major change: users are notified and must accept it"))
    effective_on = DateField(_l("Takes effect on (China time)"),
                             validators=[InputRequired(_l("Choose the day it takes effect."))])

    def validate_summary_zh(self, field):
        if self.is_major.data and not (field.data or "").strip():
            raise ValidationError(_l("A major change needs a summary of what changed."))

    validate_summary_en = validate_summary_zh

