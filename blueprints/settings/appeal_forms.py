"""The appeal form: what to change, the new account name when that is the change, and why."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from services.appeals import REASON_MAX_LENGTH, AppealAction
from services.tickets import clean_text

ACTION_LABELS = {
    AppealAction.CHANGE_ACCOUNT_NAME.value: _l("Change my account name"),
    AppealAction.UNBIND_WECHAT.value: _l("Unbind my WeChat"),
    AppealAction.REPLACE_WECHAT.value: _l("Replace my WeChat with another WeChat account"),
    AppealAction.CHANGE_ENTERPRISE_DATA.value: _l("Change my certified enterprise data"),
}


class AppealForm(FlaskForm):
    """Choices are set per user by ``offer``: only the changes that apply to this account."""

    action = RadioField(_l("What should we change?"), choices=[], validate_choice=False)
    new_account_name = StringField(
        _l("New account name"),
        filters=[lambda value: (value or "").strip()],
        render_kw={"autocomplete": "off", "maxlength": 32},
    )
    reason = TextAreaField(
        _l("Why"),
        filters=[clean_text],
        validators=[
            DataRequired(_l("Tell us why, so staff can decide.")),
            Length(max=REASON_MAX_LENGTH,
                   message=_l("Keep this to %(max)d characters or fewer.", max=REASON_MAX_LENGTH)),
        ],
        render_kw={"rows": 5, "maxlength": REASON_MAX_LENGTH},
    )

    def offer(self, actions: list[str]) -> None:
        self.action.choices = [SelectChoice(action, ACTION_LABELS[action]) for action in actions]

    def validate_action(self, field):
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_l("Choose one of the changes offered."))

    def validate_new_account_name(self, field):
        if self.action.data == AppealAction.CHANGE_ACCOUNT_NAME.value and not field.data:
            raise ValidationError(_l("Enter the account name you want."))
