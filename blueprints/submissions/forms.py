"""Submit-a-tool forms: the address first, then the details. Staff's edit form shares the detail fields."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from blueprints.i18n import current_lang
from blueprints.moderation.tool_forms import MultiCheckboxField
from blueprints.templating import PRICING_LABELS
from models import Pricing
from services.catalog_queries import all_platforms
from services.moderation import catalog_tools
from services.submissions.intake import URL_MAX, web_address

NAME_MAX = 120
TAGLINE_MAX = 200
DESCRIPTION_MAX = 2000  # a few paragraphs; staff may write more in the tool editor
PRICE_NOTE_MAX = 200
REFS_MAX = 500
# Each language named in itself, so the choice reads the same on the Chinese and the English page.
LANGUAGE_CHOICES = [SelectChoice("zh", "中文"), SelectChoice("en", "English")]
BAD_URL = _l("Enter a full web address starting with http:// or https://, for example https://www.example.com/.")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _optional_int(value):
    return int(value) if value not in ("", None) else None


def text_field(label, max_length: int, *, required: bool = True, area: bool = False, rows: int = 5):
    """A stripped text input limited to ``max_length`` characters, in the browser and on the server."""
    validators = [InputRequired(message=_l("This field is required.")) if required else Optional(),
                  Length(max=max_length, message=_l("Use at most %(max)d characters.", max=max_length))]
    kind = TextAreaField if area else StringField
    return kind(label, validators=validators, filters=[_strip],
                render_kw={"maxlength": max_length, **({"rows": rows} if area else {})})


def leaf_category_choices(lang: str) -> list[SelectChoice]:
    """Categories a tool can be in, grouped under their parent, after an empty "choose" option."""
    choices = [SelectChoice("", _l("Choose a category"))]
    for category, parent in catalog_tools.leaf_categories(catalog_tools.categories_in_order()):
        group = parent.name(lang) if parent else None
        choices.append(SelectChoice(str(category.id), category.name(lang), optgroup=group))
    return choices


class UrlForm(FlaskForm):
    """Step 1: only the address, so a known tool is found before anyone types a description."""

    url = StringField(_l("The tool's website"), filters=[_strip],
                      validators=[DataRequired(message=_l("Enter the tool's web address.")),
                                  Length(max=URL_MAX, message=_l("Use at most %(max)d characters.", max=URL_MAX))],
                      render_kw={"maxlength": URL_MAX, "inputmode": "url", "autocomplete": "url",
                                 "placeholder": "https://"})

    def validate_url(self, field):
        if web_address(field.data or "") is None:
            raise ValidationError(BAD_URL)


class SubmissionDetailsForm(FlaskForm):
    """The fields a submission has, for the submitter and for staff correcting it."""

    name = text_field(_l("Name"), NAME_MAX)
    name_en = text_field(_l("English name (if different)"), NAME_MAX, required=False)
    category_id = SelectField(_l("Category"), coerce=_optional_int)
    pricing = SelectField(_l("Pricing"), choices=[SelectChoice("", _l("Choose"))] + [
        SelectChoice(pricing.value, PRICING_LABELS[pricing.value]) for pricing in Pricing])
    price_note = text_field(_l("Price note"), PRICE_NOTE_MAX, required=False)
    language = RadioField(_l("Language of the texts"), choices=LANGUAGE_CHOICES, default="zh")
    tagline = text_field(_l("Tagline (one line)"), TAGLINE_MAX)
    description = text_field(_l("Description"), DESCRIPTION_MAX, area=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category_id.choices = leaf_category_choices(current_lang())
        self.platform_pairs = []

    def validate_category_id(self, field):
        if field.data is None:
            raise ValidationError(_l("Choose the category that fits the tool best."))

    def validate_pricing(self, field):
        if not field.data:
            raise ValidationError(_l("Choose how the tool is paid for."))

    def platform_text(self) -> str:
        """The checked platforms and markets as refs, the way the catalog file writes them."""
        return ", ".join(f"{platform.slug}/{market.slug}" if market else platform.slug
                         for platform, market in self.platform_pairs)


class SubmitToolForm(SubmissionDetailsForm):
    """Step 2: the details; the address comes along from step 1 and is checked again."""

    url = HiddenField(filters=[_strip])
    platforms = MultiCheckboxField(_l("Platforms it serves (all their markets)"))
    platform_refs = text_field(_l("Only some markets? (optional)"), REFS_MAX, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        lang = current_lang()
        self.platforms.choices = [SelectChoice(platform.slug, platform.name(lang)) for platform in all_platforms()]

    def validate_url(self, field):
        if web_address(field.data or "") is None:
            raise ValidationError(BAD_URL)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Here, not in validate_platform_refs: Optional() skips inline validators when the text is empty.
        offered = {choice.value for choice in self.platforms.choices}  # a forged box is already reported
        checked = [slug for slug in self.platforms.data or [] if slug in offered]
        refs = ", ".join([*checked, self.platform_refs.data or ""])
        self.platform_pairs, unknown = catalog_tools.parse_platform_refs(refs)
        if unknown:
            self.platform_refs.errors = [*self.platform_refs.errors,
                                         _l("Unknown platform or market: %(refs)s", refs=", ".join(unknown))]
            return False
        return valid
