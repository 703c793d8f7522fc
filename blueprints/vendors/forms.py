"""Forms for claiming a listing, replying to a review as its vendor, and suggesting an edit."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, URLSafeSerializer
from wtforms import HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from blueprints.templating import PRICING_LABELS
from models import Lifecycle, Pricing
from services import edit_suggestions
from services.edit_suggestions import FIELD_LIMITS, NOTE_MAX_LENGTH
from services.vendor_replies import REPLY_MAX_LENGTH
from services.vendors import EVIDENCE_MAX_LENGTH

SUGGESTION_FIELD_LABELS = {
    "name": _l("Name"),
    "name_en": _l("English name"),
    "url": _l("Website"),
    "tagline_zh": _l("Tagline (Chinese)"),
    "tagline_en": _l("Tagline (English)"),
    "description_zh": _l("Description (Chinese)"),
    "description_en": _l("Description (English)"),
    "pricing": _l("Pricing"),
    "price_note_zh": _l("Price note (Chinese)"),
    "price_note_en": _l("Price note (English)"),
    "price_from_cny": _l("From (CNY)"),
    "price_from_usd": _l("From (USD)"),
    "trial_days": _l("Free trial (days)"),
    "lifecycle": _l("Lifecycle"),
    "successor": _l("Successor"),
}
LIFECYCLE_NAMES = {
    Lifecycle.ACTIVE.value: _l("Active"),
    Lifecycle.RENAMED.value: _l("Renamed"),
    Lifecycle.ACQUIRED.value: _l("Acquired"),
    Lifecycle.SHUT_DOWN.value: _l("Shut down"),
}
FIELD_PROBLEMS = {
    "required": _l("This field is required."),
    "too_long": _l("This is too long."),
    "url": _l("Enter a full web address starting with http:// or https://."),
    "url_taken": _l("Another tool in the catalog has this address."),
    "choice": _l("Choose one of the options."),
    "amount": _l("Enter an amount from 0 to 99,999,999.99 with at most two decimal places."),
    "days": _l("Enter a number of days from 0 to 3650."),
    "successor_missing": _l("No tool has this address. Use the part after /t/ in the successor's link."),
    "successor_self": _l("A tool cannot be its own successor."),
}
_SEEN_SALT = "edit-suggestion-seen"


def _text(name: str, *, area: bool = False):
    kind = TextAreaField if area else StringField
    limit = FIELD_LIMITS[name]
    return kind(SUGGESTION_FIELD_LABELS[name], render_kw={"maxlength": limit, **({"rows": 5} if area else {})})


class SuggestionForm(FlaskForm):
    """Every field a suggestion may change, prefilled with the tool's values; checks live in the service."""

    name = _text("name")
    name_en = _text("name_en")
    url = _text("url")
    tagline_zh = _text("tagline_zh")
    tagline_en = _text("tagline_en")
    description_zh = _text("description_zh", area=True)
    description_en = _text("description_en", area=True)
    pricing = SelectField(SUGGESTION_FIELD_LABELS["pricing"],
                          choices=lambda: [SelectChoice(p.value, PRICING_LABELS[p.value]) for p in Pricing],
                          validate_choice=False)  # the service says which choices exist
    price_note_zh = _text("price_note_zh")
    price_note_en = _text("price_note_en")
    price_from_cny = _text("price_from_cny")
    price_from_usd = _text("price_from_usd")
    trial_days = _text("trial_days")
    lifecycle = SelectField(SUGGESTION_FIELD_LABELS["lifecycle"],
                            choices=lambda: [SelectChoice(value, label) for value, label in LIFECYCLE_NAMES.items()],
                            validate_choice=False)
    successor = _text("successor")
    note = TextAreaField(_l("Note for our staff (optional): where you saw the new information"),
                         validators=[Length(max=NOTE_MAX_LENGTH, message=_l("Use at most %(max)d characters.",
                                                                             max=NOTE_MAX_LENGTH))],
                         render_kw={"maxlength": NOTE_MAX_LENGTH, "rows": 3})
    seen = HiddenField()

    def check(self, tool_id: int) -> bool:
        """CSRF and lengths, then every field through the service's checks; fills ``self.values``."""
        valid = self.validate()
        # A field the request left out is not a wish to empty it.
        raw = {name: self[name].data or "" for name in edit_suggestions.FIELDS if self[name].raw_data}
        self.values, problems = edit_suggestions.clean_values(raw, tool_id)
        for name, problem in problems.items():
            self[name].errors = [*self[name].errors, FIELD_PROBLEMS[problem]]
        return valid and not problems

    def seen_values(self, current: dict[str, str]) -> dict[str, str]:
        """What the author saw when the form was opened (signed), or the values now if that is unreadable."""
        try:
            seen = _seen_serializer().loads(self.seen.data or "")
        except BadSignature:
            return current
        return seen if isinstance(seen, dict) else current

    @staticmethod
    def sign_seen(values: dict[str, str]) -> str:
        return _seen_serializer().dumps(values)


def _seen_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=_SEEN_SALT)


class ClaimForm(FlaskForm):
    evidence = TextAreaField(
        _l("How can our staff tell you are this tool's vendor?"),
        validators=[InputRequired(message=_l("Tell us how we can check, for example an email address at the "
                                             "tool's domain or a page on its website that names your enterprise.")),
                    Length(max=EVIDENCE_MAX_LENGTH, message=_l("Use at most %(max)d characters.",
                                                               max=EVIDENCE_MAX_LENGTH))],
        render_kw={"maxlength": EVIDENCE_MAX_LENGTH, "rows": 5})


class ReplyForm(FlaskForm):
    body = TextAreaField(
        _l("Your reply"),
        validators=[InputRequired(message=_l("Write your reply.")),
                    Length(max=REPLY_MAX_LENGTH, message=_l("Use at most %(max)d characters.", max=REPLY_MAX_LENGTH))],
        render_kw={"maxlength": REPLY_MAX_LENGTH, "rows": 5})
