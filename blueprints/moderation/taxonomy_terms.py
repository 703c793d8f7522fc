"""The taxonomy editor's other vocabularies (admins): tags, platforms and markets, with their usage."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from blueprints.auth.views import no_store
from blueprints.i18n import current_lang, localized_route
from blueprints.moderation import bp
from blueprints.moderation.access import admin_required
from blueprints.moderation.taxonomy_forms import TermForm, attach_refusal, family_choices, refusal_message
from extensions import db
from services.moderation import vocabularies as service
from services.moderation.taxonomy import REASON_MAX, TaxonomyRefused

ENDPOINTS = ("moderation.terms", "moderation.new_term", "moderation.edit_term")

# Headings per vocabulary, in the reader's language.
TITLES = {"tags": _l("Tags"), "platforms": _l("Platforms"), "markets": _l("Markets")}
NEW_TITLES = {"tags": _l("New tag"), "platforms": _l("New platform"), "markets": _l("New market")}
# Where a term's public page lives.
PUBLIC_ENDPOINTS = {"tags": "catalog.tag", "platforms": "catalog.platform", "markets": "catalog.market"}


def _kind_or_404(kind: str) -> service.Kind:
    return service.KINDS.get(kind) or abort(404)


def _term_or_404(kind: service.Kind, term_id: int):
    return db.session.get(kind.model, term_id) or abort(404)


def _form_for(kind: service.Kind, **kwargs) -> TermForm:
    """The term form with only the fields this vocabulary has."""
    form = TermForm(**kwargs)
    if not kind.has_position:
        del form.position
    if not kind.has_family:
        del form.family_id
        del form.mode
    return form


def _stored_form(kind: service.Kind, term) -> TermForm:
    """The form filled from the stored term (select and text fields hold strings)."""
    form = _form_for(kind, obj=term, formdata=None)
    if "family_id" in form:
        form.family_id.data = str(term.family_id or "")
        form.mode.data = term.mode or ""
    if "position" in form:
        form.position.data = str(term.position)
    return form


def _fields_from(form: TermForm) -> service.TermFields:
    return service.TermFields.cleaned(
        slug=form.slug.data, name_zh=form.name_zh.data, name_en=form.name_en.data,
        position=form.position.data if "position" in form else "0",
        family_id=form.family_id.data if "family_id" in form else "",
        mode=form.mode.data if "mode" in form else "",
    )


def _render_form(kind: service.Kind, form: TermForm, *, term=None, used: service.Usage | None = None,
                 errors: list[str] | None = None, status: int = 200):
    if "family_id" in form:
        form.family_id.choices = family_choices(service.possible_families(term), current_lang())
    slug_fixed = bool(term is not None and used and used.slug_uses)
    if slug_fixed:
        form.slug.render_kw = {**(form.slug.render_kw or {}), "readonly": True}
    return no_store(render_template(
        "moderation/taxonomy_term.html", kind=kind, form=form, term=term, used=used, slug_fixed=slug_fixed,
        errors=errors or [], title=TITLES[kind.key], new_title=NEW_TITLES[kind.key],
        public_endpoint=PUBLIC_ENDPOINTS[kind.key],
    ), status)


def _posted_reason() -> str:
    return request.form.get("reason", "").strip()[:REASON_MAX]


@localized_route(bp, "/staff/taxonomy/<kind>")
@admin_required
def terms(kind: str):
    """Every tag, platform or market with how many tools (and store accounts) use it."""
    vocabulary = _kind_or_404(kind)
    rows = service.term_rows(vocabulary)
    lang = current_lang()
    return no_store(render_template(
        "moderation/taxonomy_terms.html", kind=vocabulary, rows=rows,
        names_by_id={term.id: term.name(lang) for term, _used in rows},
        title=TITLES[vocabulary.key], new_title=NEW_TITLES[vocabulary.key],
        public_endpoint=PUBLIC_ENDPOINTS[vocabulary.key],
    ))


@localized_route(bp, "/staff/taxonomy/<kind>/new", methods=["GET", "POST"])
@admin_required
def new_term(kind: str):
    """Create a tag, platform or market."""
    vocabulary = _kind_or_404(kind)
    form = _form_for(vocabulary)
    if request.method == "GET" and "position" in form:
        form.position.data = str(service.next_position(vocabulary))
    if not form.validate_on_submit():
        return _render_form(vocabulary, form)
    try:
        created = service.create_term(vocabulary, _fields_from(form), actor_id=current_user.id,
                                      reason=_posted_reason())
    except TaxonomyRefused as refusal:
        db.session.rollback()
        return _render_form(vocabulary, form, errors=attach_refusal(form, refusal), status=422)
    flash(_("“%(name)s” created.", name=created.name(current_lang())), "success")
    return redirect(url_for("moderation.terms", kind=kind, _anchor=f"term-{created.id}"), code=303)


@localized_route(bp, "/staff/taxonomy/<kind>/<int:term_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_term(kind: str, term_id: int):
    """Names in both languages and the other fields; the slug while nothing uses it; a delete button."""
    vocabulary = _kind_or_404(kind)
    term = _term_or_404(vocabulary, term_id)
    used = service.usage(vocabulary, term.id)
    if request.method == "GET":
        return _render_form(vocabulary, _stored_form(vocabulary, term), term=term, used=used)
    form = _form_for(vocabulary)
    if not form.validate_on_submit():
        return _render_form(vocabulary, form, term=term, used=used, status=422)
    try:
        service.edit_term(vocabulary, term.id, _fields_from(form), actor_id=current_user.id, reason=_posted_reason())
    except TaxonomyRefused as refusal:
        db.session.rollback()
        errors = attach_refusal(form, refusal)
        return _render_form(vocabulary, form, term=_term_or_404(vocabulary, term_id), used=used, errors=errors,
                            status=422)
    flash(_("“%(name)s” saved.", name=term.name(current_lang())), "success")
    return redirect(url_for("moderation.terms", kind=kind, _anchor=f"term-{term.id}"), code=303)


@localized_route(bp, "/staff/taxonomy/<kind>/<int:term_id>/delete", methods=["POST"])
@admin_required
def delete_term(kind: str, term_id: int):
    """Delete a term: a tag comes off its tools; a platform or market in use is refused, saying by what."""
    vocabulary = _kind_or_404(kind)
    term = _term_or_404(vocabulary, term_id)
    name = term.name(current_lang())
    try:
        untagged = service.delete_term(vocabulary, term.id, actor_id=current_user.id, reason=_posted_reason())
    except TaxonomyRefused as refusal:
        db.session.rollback()
        term = _term_or_404(vocabulary, term_id)
        form = _stored_form(vocabulary, term)
        messages = [refusal_message(p.reason, p.details) for p in refusal.problems]
        return _render_form(vocabulary, form, term=term, used=service.usage(vocabulary, term.id), errors=messages,
                            status=422)
    if vocabulary.key == "tags":
        flash(_("Tag “%(name)s” deleted and taken off %(count)s tool(s).", name=name, count=untagged), "success")
    else:
        flash(_("“%(name)s” deleted.", name=name), "success")
    return redirect(url_for("moderation.terms", kind=kind), code=303)
