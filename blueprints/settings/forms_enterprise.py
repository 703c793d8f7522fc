"""The enterprise certification application."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField
from wtforms.validators import ValidationError

from services.credit_code import credit_code_problem, normalise_credit_code

CODE_MESSAGES = {
    "length": _l("The unified social credit code has 18 characters."),
    "characters": _l("This is not a unified social credit code: check the letters and digits (I, O, S, V and Z "
                     "are never used)."),
    "check": _l("This code's last character does not match: check it against your business licence."),
}


def _required_text(field, message, maximum: int) -> None:
    field.data = " ".join((field.data or "").split())
    if not field.data:
        raise ValidationError(message)
    if len(field.data) > maximum:
        raise ValidationError(_l("Use at most %(max)d characters.", max=maximum))


class CertificationForm(FlaskForm):
    enterprise_name = StringField(_l("Enterprise name"), render_kw={"maxlength": 100, "autocomplete": "organization"})
    credit_code = StringField(_l("Unified social credit code"),
                              render_kw={"maxlength": 24, "autocomplete": "off", "spellcheck": "false"})
    licence = FileField(_l("Business licence (image)"), render_kw={"accept": "image/png,image/jpeg,image/webp"})
    contact_person = StringField(_l("Contact person"), render_kw={"maxlength": 40, "autocomplete": "name"})

    def validate_enterprise_name(self, field):
        _required_text(field, _l("Enter the enterprise name as on the business licence."), 100)

    def validate_contact_person(self, field):
        _required_text(field, _l("Enter the name of a contact person."), 40)

    def validate_credit_code(self, field):
        field.data = normalise_credit_code(field.data or "")
        if not field.data:
            raise ValidationError(_l("Enter the unified social credit code from the business licence."))
        problem = credit_code_problem(field.data)
        if problem:
            raise ValidationError(CODE_MESSAGES[problem])

    def has_licence_upload(self) -> bool:
        return bool(self.licence.data and getattr(self.licence.data, "filename", ""))
