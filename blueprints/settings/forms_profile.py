"""Profile forms: display name and avatar. The account name is not a field: it is fixed."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField
from wtforms.validators import ValidationError

from blueprints.auth.forms import check_display_name
from services.display_names import DISPLAY_NAME_MAX


class DisplayNameForm(FlaskForm):
    display_name = StringField(_l("Display name"),
                               render_kw={"maxlength": DISPLAY_NAME_MAX, "autocomplete": "nickname"})

    def validate_display_name(self, field):
        check_display_name(field, required=True)


class AvatarForm(FlaskForm):
    avatar = FileField(_l("New avatar"), render_kw={"accept": "image/png,image/jpeg,image/webp"})

    def validate_avatar(self, field):
        if not (field.data and getattr(field.data, "filename", "")):
            raise ValidationError(_l("Choose an image to upload."))


class EmptyForm(FlaskForm):
    """A one-button POST (remove avatar, remove a store) with CSRF protection."""
