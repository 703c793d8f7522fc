"""The linked store form: a platform and a store name or ID. There is no password field."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import ValidationError

from services.store_accounts import MAX_NAME_LENGTH


class StoreForm(FlaskForm):
    platform = SelectField(_l("Platform"), coerce=int, validate_choice=False)
    store_name = StringField(_l("Store name or ID"), render_kw={"maxlength": MAX_NAME_LENGTH, "autocomplete": "off"})

    def fill_platforms(self, platforms, lang: str) -> StoreForm:
        """Choices from the Platform table, modes indented under their platform."""
        self.platform.choices = [(0, "—")] + [
            (p.id, ("— " if p.family_id else "") + p.name(lang)) for p in platforms
        ]
        return self

    def validate_platform(self, field):
        known = {value for value, _label in self.platform.choices if value}
        if field.data not in known:
            raise ValidationError(_l("Choose the platform the store sells on."))
