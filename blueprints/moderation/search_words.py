"""Search words: synonym groups and tool aliases, added where a search found nothing.

Admins, who alone edit the catalog, change them at once; moderators propose, and an
admin accepts or declines each proposal here. The dashboard's list of searches with no
results links here with the query filled in. The rules live in services/search/
(``staff_words``, ``proposals``); this module parses, words refusals and commits.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, TextAreaField

from blueprints.auth.views import no_store
from blueprints.i18n import current_lang, localized_route
from blueprints.moderation import bp
from blueprints.moderation.access import admin_required, staff_required
from blueprints.moderation.queues import QueueSource, StaffPage, register_page, register_queue
from blueprints.moderation.taxonomy_forms import attach_refusal, refusal_message
from extensions import db
from services.catalog_queries import category_tree
from services.moderation.taxonomy import REASON_MAX, TaxonomyRefused
from services.search import proposals, staff_words
from services.search.synonyms import MAX_TERM_CHARS

register_page(StaffPage("search_words", _l("Search words"), "moderation.search_words"))
register_queue(QueueSource("search_words", _l("Proposed search words"), "moderation.search_words",
                           proposals.pending_count))

MESSAGES = {
    "synonym_too_few": _l("Enter at least two terms that mean the same, or one term and the category it names."),
    "synonym_too_long": _l("A term is at most %(max)s characters: “%(term)s” is longer."),
    "synonym_unreadable": _l("“%(term)s” has no letters, digits or Chinese characters, or hides control characters."),
    "synonym_other_category": _l("“%(term)s” already names the category %(category)s: a term names one category."),
    "synonym_missing": _l("That synonym group no longer exists."),
    "category_missing": _l("Choose one of the listed categories."),
    "tool_missing": _l("No tool has that slug."),
    "alias_missing": _l("Enter the alias."),
    "alias_unreadable": _l("The alias needs letters, digits or Chinese characters, without control characters."),
    "alias_exists": _l("The tool already has this name or alias."),
    "alias_source_missing": _l("This alias is not just another spelling of the name: give the address of a page"
                               " that shows sellers or the vendor using it."),
    "alias_source_format": _l("Enter an https:// address of at most 500 characters."),
    "proposal_decided": _l("That proposal has already been decided."),
    "proposal_own": _l("Another admin decides a proposal you made."),
}


class SynonymForm(FlaskForm):
    terms = TextAreaField(_l("Terms that mean the same (one per line, or separated by commas)"),
                          render_kw={"rows": 3, "maxlength": 2000})
    category_id = SelectField(_l("The category they name (optional)"), choices=[], validate_choice=False)
    reason = StringField(_l("Note for the audit log (optional)"), render_kw={"maxlength": REASON_MAX})


class AliasForm(FlaskForm):
    tool = StringField(_l("Tool slug (as in /t/…)"), render_kw={"maxlength": 120, "autocapitalize": "off"})
    alias = StringField(_l("Alias"), render_kw={"maxlength": staff_words.ALIAS_MAX})
    source = StringField(_l("Source: a page showing the alias in use (not needed for a spelling variant)"),
                         render_kw={"maxlength": staff_words.SOURCE_MAX, "inputmode": "url"})
    reason = StringField(_l("Note for the audit log (optional)"), render_kw={"maxlength": REASON_MAX},
                         id="alias-reason")


def _category_choices() -> list[SelectChoice]:
    tree, lang = category_tree(), current_lang()
    choices = [SelectChoice("", _("None: the terms are only synonyms"))]
    for top in tree.top:
        choices.append(SelectChoice(str(top.id), f"{top.icon} {top.name(lang)}".strip()))
        choices += [SelectChoice(str(child.id), f"— {child.name(lang)}") for child in tree.children.get(top.id, [])]
    return choices


def _message(reason: str, details: dict) -> str:
    """A search-words refusal in the reader's language; the taxonomy editor's words for the rules they share."""
    if reason not in MESSAGES:
        return refusal_message(reason, details)
    words = str(MESSAGES[reason])
    return words % details if details else words


def _words(refusal: TaxonomyRefused, form: FlaskForm) -> list[str]:
    return attach_refusal(form, refusal, _message)


def _page(synonym_form: SynonymForm, alias_form: AliasForm, *, errors: list[str] | None = None, status: int = 200):
    synonym_form.category_id.choices = _category_choices()
    return no_store(render_template(
        "moderation/search_words.html", synonym_form=synonym_form, alias_form=alias_form,
        groups=staff_words.synonym_groups(), errors=errors or [], query=_query(),
        proposals=proposals.pending(), is_admin=_is_admin(), max_term=MAX_TERM_CHARS), status)


def _is_admin() -> bool:
    return current_user.role == "admin"


def _query() -> str:
    """The search that found nothing, carried from the dashboard through the forms."""
    return (request.values.get("q") or "").strip()[:MAX_TERM_CHARS]


@localized_route(bp, "/staff/search-words")
@staff_required
def search_words():
    """Every synonym group, and the two forms, filled with ``?q=`` (a search that found nothing)."""
    query = _query()
    return _page(SynonymForm(formdata=None, terms=query), AliasForm(formdata=None, alias=query))


def _reason(form: FlaskForm) -> str:
    return (form.reason.data or "").strip()[:REASON_MAX]


@localized_route(bp, "/staff/search-words/synonyms", methods=["POST"])
@staff_required
def add_synonyms():
    """An admin's synonyms apply at once; a moderator's become a proposal."""
    form = SynonymForm()
    if not form.validate_on_submit():
        return _page(form, AliasForm(formdata=None), status=422)
    raw_category = (form.category_id.data or "").strip()
    category_id = int(raw_category) if raw_category.isdigit() else None
    if raw_category and category_id is None:
        form.category_id.errors = [str(MESSAGES["category_missing"])]
        return _page(form, AliasForm(formdata=None), status=422)
    terms = staff_words.parse_terms(form.terms.data)
    try:
        if _is_admin():
            staff_words.add_synonyms(terms, category_id, actor_id=current_user.id, reason=_reason(form))
        else:
            proposals.propose_synonyms(terms, category_id, query=_query(), actor_id=current_user.id,
                                       note=_reason(form))
    except TaxonomyRefused as refusal:
        db.session.rollback()
        errors = _words(refusal, form)
        return _page(form, AliasForm(formdata=None), errors=errors, status=422)
    db.session.commit()
    flash(_("Synonyms saved: the next search on every worker uses them.") if _is_admin()
          else _("Proposed: an admin will accept or decline it."), "success")
    return redirect(url_for("moderation.search_words"), code=303)


@localized_route(bp, "/staff/search-words/synonyms/<int:group_id>/delete", methods=["POST"])
@admin_required
def delete_synonyms(group_id: int):
    form = FlaskForm()
    if not form.validate_on_submit():
        return _page(SynonymForm(formdata=None), AliasForm(formdata=None), status=422)
    try:
        staff_words.delete_synonyms(group_id, actor_id=current_user.id, reason=request.form.get("reason", ""))
    except TaxonomyRefused as refusal:
        db.session.rollback()
        return _page(SynonymForm(formdata=None), AliasForm(formdata=None),
                     errors=_words(refusal, SynonymForm(formdata=None)), status=404)
    db.session.commit()
    flash(_("Synonym group deleted; seeding will not bring it back."), "success")
    return redirect(url_for("moderation.search_words"), code=303)


@localized_route(bp, "/staff/search-words/aliases", methods=["POST"])
@staff_required
def add_alias():
    """An admin's alias applies at once; a moderator's becomes a proposal."""
    form = AliasForm()
    if not form.validate_on_submit():
        return _page(SynonymForm(formdata=None), form, status=422)
    fields = staff_words.AliasFields.cleaned(name=form.alias.data, source=form.source.data)
    try:
        if _is_admin():
            tool = staff_words.add_alias(form.tool.data or "", fields, actor_id=current_user.id,
                                         reason=_reason(form))
        else:
            proposals.propose_alias(form.tool.data or "", fields, query=_query(), actor_id=current_user.id,
                                    note=_reason(form))
    except TaxonomyRefused as refusal:
        db.session.rollback()
        errors = _words(refusal, form)
        return _page(SynonymForm(formdata=None), form, errors=errors, status=422)
    db.session.commit()
    if _is_admin():
        flash(_("“%(alias)s” now finds %(tool)s.", alias=fields.name, tool=tool.display_name(current_lang())),
              "success")
    else:
        flash(_("Proposed: an admin will accept or decline it."), "success")
    return redirect(url_for("moderation.search_words"), code=303)


@localized_route(bp, "/staff/search-words/proposals/<int:proposal_id>/accept", methods=["POST"])
@admin_required
def accept_proposal(proposal_id: int):
    """Apply a moderator's proposal as this admin's change."""
    return _decide(proposal_id, "accept")


@localized_route(bp, "/staff/search-words/proposals/<int:proposal_id>/decline", methods=["POST"])
@admin_required
def decline_proposal(proposal_id: int):
    return _decide(proposal_id, "decline")


def _decide(proposal_id: int, decision: str):
    form = FlaskForm()
    if not form.validate_on_submit():
        return _page(SynonymForm(formdata=None), AliasForm(formdata=None), status=422)
    reason = request.form.get("reason", "").strip()[:REASON_MAX]
    try:
        (proposals.accept if decision == "accept" else proposals.decline)(
            proposal_id, actor_id=current_user.id, reason=reason)
    except TaxonomyRefused as refusal:
        db.session.rollback()
        errors = _words(refusal, SynonymForm(formdata=None))
        return _page(SynonymForm(formdata=None), AliasForm(formdata=None), errors=errors, status=409)
    db.session.commit()
    flash(_("Proposal accepted and applied.") if decision == "accept" else _("Proposal declined."), "success")
    return redirect(url_for("moderation.search_words", _anchor="proposals"), code=303)
