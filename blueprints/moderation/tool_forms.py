"""The staff tool editor's forms: every staff-set field of a tool, checked before anything is written."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DecimalField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from blueprints.i18n import current_lang
from blueprints.templating import FACT_LABELS, PRICING_LABELS
from models import Lifecycle, Pricing, ToolStatus
from services.moderation import catalog_tools
from services.moderation.catalog_tools import FACTS, SLUG_MAX, SLUG_PATTERN, PriceFields, ToolFields

TEXT_MAX = 5000  # a description is a few paragraphs, not a page
PRICE_MAX = Decimal("99999999.99")  # Numeric(10, 2)
TRIAL_DAYS_MAX = 3650
FACT_CHOICES = [SelectChoice("", _l("Unknown")), SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))]
FACT_VALUES = {"": None, "yes": True, "no": False}


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _pricing_choices():
    return [SelectChoice(pricing.value, PRICING_LABELS[pricing.value]) for pricing in Pricing]


def _check_cents(form, field):
    if field.data is not None and field.data != field.data.quantize(Decimal("0.01")):
        raise ValidationError(_l("Use at most two decimal places."))


def _price_field(label):
    return DecimalField(label, places=2, validators=[
        Optional(), NumberRange(min=0, max=PRICE_MAX, message=_l("Enter an amount from 0 to 99,999,999.99.")),
        _check_cents])


def _trial_field():
    return IntegerField(_l("Free trial (days)"), validators=[
        Optional(), NumberRange(min=0, max=TRIAL_DAYS_MAX, message=_l("Enter a number of days from 0 to 3650."))])


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _text(label, max_length: int, *, required: bool = True, area: bool = False):
    validators = [InputRequired(message=_l("This field is required.")) if required else Optional(),
                  Length(max=max_length, message=_l("Use at most %(max)d characters.", max=max_length))]
    kind = TextAreaField if area else StringField
    return kind(label, validators=validators, filters=[_strip],
                render_kw={"maxlength": max_length, **({"rows": 5} if area else {})})


class ToolForm(FlaskForm):
    """Create or edit a tool. ``tool_id`` is None when creating; uniqueness is checked against other tools."""

    name = _text(_l("Name"), 120)
    name_en = _text(_l("English name (if different)"), 120, required=False)
    slug = StringField(_l("Address (slug)"), filters=[_strip], render_kw={"maxlength": SLUG_MAX})
    url = _text(_l("Website"), 500)
    tagline_zh = _text(_l("Tagline (Chinese)"), 200)
    tagline_en = _text(_l("Tagline (English)"), 200)
    description_zh = _text(_l("Description (Chinese)"), TEXT_MAX, area=True)
    description_en = _text(_l("Description (English)"), TEXT_MAX, area=True)
    category_id = SelectField(_l("Category"), coerce=int, validate_choice=True)
    tag_ids = MultiCheckboxField(_l("Tags"), coerce=int)
    platforms = _text(_l("Platforms and markets"), 2000, required=False, area=True)
    pricing = SelectField(_l("Pricing"), choices=_pricing_choices)
    price_note_zh = _text(_l("Price note (Chinese)"), 200, required=False)
    price_note_en = _text(_l("Price note (English)"), 200, required=False)
    price_from_cny = _price_field(_l("From (CNY)"))
    price_from_usd = _price_field(_l("From (USD)"))
    trial_days = _trial_field()
    china_direct = SelectField(FACT_LABELS["china_direct"], choices=FACT_CHOICES)
    cn_payment = SelectField(FACT_LABELS["cn_payment"], choices=FACT_CHOICES)
    cn_invoice = SelectField(FACT_LABELS["cn_invoice"], choices=FACT_CHOICES)
    chinese_support = SelectField(FACT_LABELS["chinese_support"], choices=FACT_CHOICES)
    free_plan = SelectField(FACT_LABELS["free_plan"], choices=FACT_CHOICES)
    status = SelectField(_l("Status"), choices=[
        SelectChoice(ToolStatus.PUBLISHED.value, _l("Published")),
        SelectChoice(ToolStatus.PENDING.value, _l("Pending")),
        SelectChoice(ToolStatus.HIDDEN.value, _l("Hidden")), SelectChoice(ToolStatus.DEAD_LINK.value, _l("Dead link"))])
    lifecycle = SelectField(_l("Lifecycle"), choices=[
        SelectChoice(Lifecycle.ACTIVE.value, _l("Active")), SelectChoice(Lifecycle.RENAMED.value, _l("Renamed")),
        SelectChoice(Lifecycle.ACQUIRED.value, _l("Acquired")),
        SelectChoice(Lifecycle.SHUT_DOWN.value, _l("Shut down"))])
    successor = _text(_l("Successor (its address, for a renamed, acquired or shut-down tool)"), SLUG_MAX,
                      required=False)
    reason = _text(_l("Reason for the change (for the audit log, optional)"), 500, required=False)
    fingerprint = HiddenField()

    def __init__(self, *args, tool_id: int | None = None, current_fingerprint: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.tool_id = tool_id
        self.current_fingerprint = current_fingerprint
        lang = current_lang()
        self.category_id.choices = [
            SelectChoice(str(category.id),
                         f"{parent.name(lang)} › {category.name(lang)}" if parent else category.name(lang))
            for category, parent in catalog_tools.leaf_categories(catalog_tools.categories_in_order())
        ]
        self.tag_ids.choices = [SelectChoice(str(tag.id), tag.name(lang)) for tag in catalog_tools.all_tags()]
        self.platform_pairs = []
        self.successor_id = None
        self.stored_url = None

    def validate_url(self, field):
        self.stored_url = catalog_tools.clean_url(field.data or "")
        if self.stored_url is None:
            raise ValidationError(_l("Enter a full web address starting with http:// or https://."))
        other = catalog_tools.url_taken_by(self.stored_url, self.tool_id)
        if other is not None:
            raise ValidationError(_l("Another tool has this address: %(name)s (%(slug)s).",
                                     name=other.name, slug=other.slug))

    def validate_slug(self, field):
        if not field.data:
            if self.tool_id is None:
                return  # a new tool gets one made from its name
            raise ValidationError(_l("Enter an address."))
        if len(field.data) > SLUG_MAX or not SLUG_PATTERN.match(field.data):
            raise ValidationError(_l("Use lower-case letters, digits and single hyphens, at most %(max)d characters.",
                                     max=SLUG_MAX))
        taken = catalog_tools.slug_taken_by(field.data, self.tool_id)
        if taken == "tool":
            raise ValidationError(_l("Another tool has this address."))
        if taken == "redirect":
            raise ValidationError(_l("This address still redirects to another tool (a merged or renamed one)."))

    def validate_platforms(self, field):
        self.platform_pairs, unknown = catalog_tools.parse_platform_refs(field.data or "")
        if unknown:
            raise ValidationError(_l("Unknown platform or market: %(refs)s", refs=", ".join(unknown)))

    def validate_successor(self, field):
        if not field.data:
            return
        successor = catalog_tools.tool_by_slug(field.data)
        if successor is None:
            raise ValidationError(_l("No tool has this address."))
        if successor.id == self.tool_id or field.data == self.slug.data:
            raise ValidationError(_l("A tool cannot be its own successor."))
        self.successor_id = successor.id

    def validate_fingerprint(self, field):
        if self.current_fingerprint and field.data and field.data != self.current_fingerprint:
            raise ValidationError(_l("Someone changed this tool after you opened it. Open it again to see "
                                     "their change, then make yours."))

    def fields(self) -> ToolFields:
        """The checked input as the service takes it (call after ``validate_on_submit``)."""
        name_en = self.name_en.data or None
        chosen = set(self.tag_ids.data or [])
        return ToolFields(
            name=self.name.data,
            name_en=name_en if name_en != self.name.data else None,
            slug=self.slug.data or catalog_tools.suggest_slug(self.name.data, name_en),
            url=self.stored_url,
            tagline_zh=self.tagline_zh.data,
            tagline_en=self.tagline_en.data,
            description_zh=self.description_zh.data,
            description_en=self.description_en.data,
            category_id=self.category_id.data,
            tags=[tag for tag in catalog_tools.all_tags() if tag.id in chosen],
            platforms=self.platform_pairs,
            pricing=self.pricing.data,
            price_note_zh=self.price_note_zh.data or None,
            price_note_en=self.price_note_en.data or None,
            price_from_cny=self.price_from_cny.data,
            price_from_usd=self.price_from_usd.data,
            trial_days=self.trial_days.data,
            **{fact: FACT_VALUES[getattr(self, fact).data] for fact in FACTS},
            status=self.status.data,
            lifecycle=self.lifecycle.data,
            successor_id=self.successor_id,
        )


def form_data_from(tool) -> dict:
    """A tool's stored values as the editor's initial form data."""
    def fact(value):
        return "" if value is None else ("yes" if value else "no")

    return {
        **{name: getattr(tool, name) for name in (
            "name", "name_en", "slug", "url", "tagline_zh", "tagline_en", "description_zh", "description_en",
            "category_id", "pricing", "price_note_zh", "price_note_en", "price_from_cny", "price_from_usd",
            "trial_days", "status", "lifecycle")},
        **{name: fact(getattr(tool, name)) for name in FACTS},
        "tag_ids": [tag.id for tag in tool.tags],
        "platforms": ", ".join(catalog_tools.platform_refs(tool)),
        "successor": tool.successor.slug if tool.successor else "",
        "fingerprint": catalog_tools.fingerprint(tool),
    }


class PricingCheckForm(FlaskForm):
    """The stale-facts queue's inline fields; CSRF is checked for every POST by CSRFProtect."""

    class Meta:
        csrf = False

    pricing = SelectField(_l("Pricing"), choices=_pricing_choices)
    price_from_cny = _price_field(_l("From (CNY)"))
    price_from_usd = _price_field(_l("From (USD)"))
    trial_days = _trial_field()

    def prices(self) -> PriceFields:
        """The checked prices, as the service takes them (call after ``validate``)."""
        return PriceFields(pricing=self.pricing.data, price_from_cny=self.price_from_cny.data,
                           price_from_usd=self.price_from_usd.data, trial_days=self.trial_days.data)


class LogoForm(FlaskForm):
    logo = FileField(_l("Logo image"), render_kw={"accept": "image/png,image/jpeg,image/webp,image/gif"})

    def validate_logo(self, field):
        if not (field.data and getattr(field.data, "filename", "")):
            raise ValidationError(_l("Choose an image to upload."))
