"""Staff's edit form for a submitted tool: the submitter's fields, corrected, plus the other language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import InputRequired, Length, ValidationError

from blueprints.submissions.forms import (
    BAD_URL,
    DESCRIPTION_MAX,
    REFS_MAX,
    TAGLINE_MAX,
    SubmissionDetailsForm,
    text_field,
)
from services.moderation import catalog_tools
from services.submissions.intake import URL_MAX, web_address
from services.submissions.review import SubmissionChanges, Translation


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def form_data_from(submission) -> dict:
    """A submission's stored values as the form's initial data."""
    return {name: getattr(submission, name) for name in (
        "url", "name", "name_en", "category_id", "platforms", "pricing", "price_note", "tagline", "description",
        "language")}


class SubmissionEditForm(SubmissionDetailsForm):
    """Correct a pending submission; "save and approve" also takes the texts in the other language."""

    url = StringField(_l("Website"), filters=[_strip],
                      validators=[InputRequired(message=_l("This field is required.")),
                                  Length(max=URL_MAX, message=_l("Use at most %(max)d characters.", max=URL_MAX))],
                      render_kw={"maxlength": URL_MAX})
    platforms = text_field(_l("Platforms and markets"), REFS_MAX, required=False, area=True, rows=2)
    tagline_other = text_field(_l("Tagline in the other language (optional)"), TAGLINE_MAX, required=False)
    description_other = text_field(_l("Description in the other language (optional)"), DESCRIPTION_MAX,
                                   required=False, area=True)
    reason = text_field(_l("Reason or note (the audit log; on approval the submitter reads it too)"), 500,
                        required=False)

    def validate_url(self, field):
        if web_address(field.data or "") is None:
            raise ValidationError(BAD_URL)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Here, not in validate_platforms: Optional() skips inline validators when the text is empty.
        self.platform_pairs, unknown = catalog_tools.parse_platform_refs(self.platforms.data or "")
        if unknown:
            self.platforms.errors = [*self.platforms.errors,
                                     _l("Unknown platform or market: %(refs)s", refs=", ".join(unknown))]
            return False
        return valid

    def changes(self) -> SubmissionChanges:
        """The checked fields as the service takes them (call after ``validate``)."""
        return SubmissionChanges(
            url=self.url.data, name=self.name.data, name_en=self.name_en.data or None,
            category_id=self.category_id.data, platforms=self.platform_text(), pricing=self.pricing.data,
            price_note=self.price_note.data or "", tagline=self.tagline.data, description=self.description.data,
            language=self.language.data,
        )

    def translation(self) -> Translation:
        """The other language's texts for "save and approve"; empty parts are copied from the submission."""
        return Translation(tagline=self.tagline_other.data or "", description=self.description_other.data or "")
