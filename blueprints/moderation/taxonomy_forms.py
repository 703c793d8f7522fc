"""Forms of the taxonomy editor, and the words for each refusal the services give.

The forms only carry what was typed (so a refused form comes back as it was); the rules live in
services/moderation/taxonomy.py and its neighbours, which every caller goes through.
"""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, TextAreaField

from services.moderation.taxonomy import DESCRIPTION_MAX, NAME_MAX, REASON_MAX, TaxonomyRefused


def _reason_field(**kwargs):
    return StringField(_l("Note for the audit log (optional)"), render_kw={"maxlength": REASON_MAX}, **kwargs)


class CategoryForm(FlaskForm):
    name_zh = StringField(_l("Name in Chinese"), render_kw={"maxlength": NAME_MAX, "lang": "zh-CN"})
    name_en = StringField(_l("Name in English"), render_kw={"maxlength": NAME_MAX, "lang": "en"})
    slug = StringField(_l("Slug (the address: /c/…)"), render_kw={"maxlength": 80, "autocapitalize": "off"})
    icon = StringField(_l("Icon (one emoji)"), render_kw={"maxlength": 16})
    description_zh = TextAreaField(_l("Description in Chinese"),
                                   render_kw={"maxlength": DESCRIPTION_MAX, "rows": 3, "lang": "zh-CN"})
    description_en = TextAreaField(_l("Description in English"),
                                   render_kw={"maxlength": DESCRIPTION_MAX, "rows": 3, "lang": "en"})
    # Only the "new category" page shows it; an existing category moves with MoveCategoryForm.
    parent_id = SelectField(_l("Parent"), choices=[], validate_choice=False)
    reason = _reason_field()


class MoveCategoryForm(FlaskForm):
    # Own ids: this form shares the edit page with CategoryForm, whose fields have the same names.
    parent_id = SelectField(_l("Move under"), choices=[], validate_choice=False, id="move-parent")
    reason = _reason_field(id="move-reason")


class TermForm(FlaskForm):
    """Tags, platforms and markets; the view drops the fields a vocabulary does not have."""

    name_zh = StringField(_l("Name in Chinese"), render_kw={"maxlength": NAME_MAX, "lang": "zh-CN"})
    name_en = StringField(_l("Name in English"), render_kw={"maxlength": NAME_MAX, "lang": "en"})
    slug = StringField(_l("Slug (the address)"), render_kw={"maxlength": 80, "autocapitalize": "off"})
    position = StringField(_l("Position (lower comes first)"), render_kw={"inputmode": "numeric", "maxlength": 4})
    family_id = SelectField(_l("Is a mode of"), choices=[], validate_choice=False)
    mode = StringField(_l("Mode name (for example full_managed)"), render_kw={"maxlength": 40})
    reason = _reason_field()


def parent_choices(categories, lang: str) -> list[SelectChoice]:
    return [SelectChoice("", _("None: a top-level category"))] + [
        SelectChoice(str(c.id), f"{c.icon} {c.name(lang)}".strip()) for c in categories]


def family_choices(platforms, lang: str) -> list[SelectChoice]:
    return [SelectChoice("", _("None: a platform of its own"))] + [
        SelectChoice(str(p.id), p.name(lang)) for p in platforms]


def refusal_message(reason: str, details: dict) -> str:
    """The words for one refused rule, in the reader's language."""
    messages = {
        "name_missing": lambda: _("Enter the name in this language: both languages are required."),
        "too_long": lambda: _("Use at most %(max)s characters.", max=details.get("max")),
        "hidden_characters": lambda: _("Remove invisible or control characters."),
        "description_one_language": lambda: _("Write the description in both languages, or leave both empty."),
        "slug_missing": lambda: _("Enter a slug."),
        "slug_format": lambda: _("Use lower-case letters and digits, words joined by single hyphens"
                                 " (for example product-research)."),
        "slug_taken": lambda: _("This slug is already used. Choose another."),
        "slug_fixed": lambda: _("This slug is in use (%(uses)s) and old addresses would break: it cannot change"
                                " any more. Change the names instead.", uses=details.get("uses")),
        "icon_format": lambda: _("An icon is one emoji or a few characters, without spaces."),
        "parent_missing": lambda: _("Choose one of the listed categories."),
        "parent_itself": lambda: _("A category cannot sit under itself."),
        "parent_descendant": lambda: _("A category cannot move under one of its own sub-categories."),
        "parent_too_deep": lambda: _("The site shows two levels: choose a top-level category as the parent."),
        "has_children": lambda: _("This category has %(children)s sub-categories, and the site shows two levels"
                                  " only: move them elsewhere first.", children=details.get("children")),
        "not_empty": lambda: _("Not deleted: this category still has %(tools)s tool(s) and %(children)s"
                               " sub-category(ies). Move them elsewhere first.",
                               tools=details.get("tools"), children=details.get("children")),
        "in_use": lambda: _("Not deleted: %(tools)s tool(s), %(modes)s platform mode(s) and %(stores)s users'"
                            " store account(s) use it.", tools=details.get("tools"), modes=details.get("modes"),
                            stores=details.get("store_accounts")),
        "family_missing": lambda: _("Choose one of the listed platforms."),
        "family_itself": lambda: _("A platform cannot be a mode of itself."),
        "family_is_mode": lambda: _("That platform is itself a mode: choose its platform."),
        "family_has_modes": lambda: _("This platform has %(modes)s mode(s) of its own, so it cannot become a mode.",
                                      modes=details.get("modes")),
        "mode_missing": lambda: _("A mode needs a mode name, for example full_managed."),
        "mode_without_family": lambda: _("Only a mode of a platform has a mode name: choose its platform,"
                                         " or leave the mode empty."),
        "mode_format": lambda: _("Use lower-case letters, digits and underscores."),
        "position_range": lambda: _("Enter a whole number from 0 to %(max)s.", max=details.get("max")),
    }
    return messages.get(reason, lambda: _("That change is not possible."))()


def attach_refusal(form: FlaskForm, refusal: TaxonomyRefused,
                   words: Callable[[str, dict], str] = refusal_message) -> list[str]:
    """Put each problem under its field, worded by ``words(reason, details)``; returns the messages that
    belong to no field of the form."""
    general = []
    for problem in refusal.problems:
        message = words(problem.reason, problem.details)
        target = form._fields.get(problem.field) if problem.field else None
        if target is None:
            general.append(message)
        else:
            target.errors = [*target.errors, message]
    return general
