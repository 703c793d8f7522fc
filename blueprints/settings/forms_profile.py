"""Profile forms: display name and avatar. The account name is not a field: it is fixed."""

from __future__ import annotations

import unicodedata

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField
from wtforms.validators import ValidationError

from services.display_names import DISPLAY_NAME_MAX, has_hidden_characters


def clean_display_name(raw: str | None) -> str:
    """NFKC (full-width letters fold), trimmed, inner whitespace collapsed to single spaces."""
    return " ".join(unicodedata.normalize("NFKC", raw or "").split())


class DisplayNameForm(FlaskForm):
    display_name = StringField(_l("Display name"),
                               render_kw={"maxlength": DISPLAY_NAME_MAX, "autocomplete": "nickname"})

    def validate_display_name(self, field):
        field.data = clean_display_name(field.data)
        if not field.data:
            raise ValidationError(_l("Enter a display name."))
        if len(field.data) > DISPLAY_NAME_MAX:
            raise ValidationError(_l("Use at most %(max)d characters.", max=DISPLAY_NAME_MAX))
        # Invisible and direction-changing characters let a name pretend to be another one (a joiner inside an
        # emoji sequence is fine).
        if has_hidden_characters(field.data):
            raise ValidationError(_l("Remove invisible or control characters from the name."))


class AvatarForm(FlaskForm):
    avatar = FileField(_l("New avatar"), render_kw={"accept": "image/png,image/jpeg,image/webp"})

    def validate_avatar(self, field):
        if not (field.data and getattr(field.data, "filename", "")):
            raise ValidationError(_l("Choose an image to upload."))


class EmptyForm(FlaskForm):
    """A one-button POST (remove avatar, remove a store) with CSRF protection."""
