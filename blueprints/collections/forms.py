"""Collection forms. Errors are shown beside the field, in the visitor's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

NAME_MAX = 80
DESCRIPTION_MAX = 1000
NOTE_MAX = 500


def _name_field(label):
    return StringField(
        label,
        validators=[DataRequired(_l("Give the collection a name.")),
                    Length(max=NAME_MAX, message=_l("Use at most %(max)d characters.", max=NAME_MAX))],
        render_kw={"maxlength": NAME_MAX, "autocomplete": "off"},
    )


class CollectionForm(FlaskForm):
    """Create or edit a collection."""

    name = _name_field(_l("Name"))
    description = TextAreaField(
        _l("Description"),
        validators=[Length(max=DESCRIPTION_MAX, message=_l("Use at most %(max)d characters.", max=DESCRIPTION_MAX))],
        render_kw={"maxlength": DESCRIPTION_MAX, "rows": 4},
    )
    is_public = BooleanField(_l("Public: anyone with the link can see it"))


class DeleteCollectionForm(FlaskForm):
    """Deleting needs a ticked box, so it works the same with and without JavaScript."""

    confirm = BooleanField(
        _l("Yes, delete this collection"),
        validators=[DataRequired(_l("Tick the box to confirm."))],
    )


class NewCollectionForm(FlaskForm):
    """The "new collection" part of the add-to-collection dialog."""

    tool = HiddenField()
    next = HiddenField()
    new_name = _name_field(_l("New collection"))


class NoteForm(FlaskForm):
    """The owner's note on one tool in a collection."""

    next = HiddenField()
    note = TextAreaField(
        _l("Note"),
        validators=[Length(max=NOTE_MAX, message=_l("Use at most %(max)d characters.", max=NOTE_MAX))],
        render_kw={"maxlength": NOTE_MAX, "rows": 2},
    )

