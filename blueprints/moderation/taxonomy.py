"""The taxonomy editor (admins): the category tree here, tags, platforms and markets in taxonomy_terms.

Every change is audited, bumps the catalog version (cached public pages follow on the next request)
and re-syncs the search rows of tools whose search text it changes.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from blueprints.auth.views import no_store
from blueprints.caching import is_htmx_fragment_request
from blueprints.i18n import current_lang, localized_route
from blueprints.moderation import bp
from blueprints.moderation.access import admin_required
from blueprints.moderation.queues import StaffPage, register_page
from blueprints.moderation.taxonomy_forms import (
    CategoryForm,
    MoveCategoryForm,
    attach_refusal,
    parent_choices,
    refusal_message,
)
from extensions import db
from models import Category
from services.moderation import categories as service
from services.moderation.taxonomy import REASON_MAX, TaxonomyRefused
from services.numbers import whole_number


def _posted_reason() -> str:
    return request.form.get("reason", "").strip()[:REASON_MAX]


def _category_or_404(category_id: int) -> Category:
    return db.session.get(Category, category_id) or abort(404)


def _tree(message: str = "", category: str = "success"):
    """The tree page, or for htmx the tree alone (with the outcome of the click that asked for it)."""
    template = "moderation/_category_tree.html" if is_htmx_fragment_request() else "moderation/categories.html"
    response = no_store(render_template(template, tree=service.staff_tree(), status_message=message,
                                        status_category=category))
    response.vary.add("HX-Request")
    return response


@localized_route(bp, "/staff/categories")
@admin_required
def categories():
    """The category tree in display order, with tool counts and the way to reorder it."""
    return _tree()


def _fields_from(form: CategoryForm) -> service.CategoryFields:
    return service.CategoryFields.cleaned(slug=form.slug.data, name_zh=form.name_zh.data, name_en=form.name_en.data,
                                          description_zh=form.description_zh.data,
                                          description_en=form.description_en.data, icon=form.icon.data)


def _parent_id(raw: str | None) -> int | None:
    """The chosen parent: empty is the top level; anything not a number names no category (-1)."""
    raw = (raw or "").strip()
    if not raw:
        return None
    number = whole_number(raw)
    return -1 if number is None else number


@localized_route(bp, "/staff/categories/new", methods=["GET", "POST"])
@admin_required
def new_category():
    """Create a category at the end of the top level or of a parent's sub-categories."""
    form = CategoryForm()
    form.parent_id.choices = parent_choices(service.possible_parents(), current_lang())
    if request.method == "GET" and whole_number(request.args.get("parent")) is not None:
        form.parent_id.data = request.args["parent"]
    if form.validate_on_submit():
        try:
            created = service.create_category(_fields_from(form), _parent_id(form.parent_id.data),
                                              actor_id=current_user.id, reason=_posted_reason())
        except TaxonomyRefused as refusal:
            errors = attach_refusal(form, refusal)
            return no_store(render_template("moderation/category_form.html", form=form, errors=errors), 422)
        flash(_("Category “%(name)s” created.", name=created.name(current_lang())), "success")
        return redirect(url_for("moderation.categories", _anchor=f"category-{created.id}"), code=303)
    return no_store(render_template("moderation/category_form.html", form=form, errors=[]))


def _edit_page(category: Category, form: CategoryForm | None = None, move_form: MoveCategoryForm | None = None,
               errors: list[str] | None = None, status: int = 200):
    tree = service.staff_tree()
    form = form or CategoryForm(obj=category, formdata=None)
    if "parent_id" in form:
        del form.parent_id  # moving is its own form, with its own rules and audit entry
    move_form = move_form or MoveCategoryForm(formdata=None, parent_id=str(category.parent_id or ""))
    move_form.parent_id.choices = parent_choices(service.possible_parents(category), current_lang())
    slug_fixed = tree.slug_is_fixed(category)
    if slug_fixed:
        form.slug.render_kw = {**(form.slug.render_kw or {}), "readonly": True}
    return no_store(render_template(
        "moderation/category_edit.html", category=category, form=form, move_form=move_form, tree=tree,
        slug_fixed=slug_fixed, errors=errors or [],
    ), status)


@localized_route(bp, "/staff/categories/<int:category_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_category(category_id: int):
    """Names and descriptions in both languages, icon, and the slug while nothing uses it."""
    category = _category_or_404(category_id)
    if request.method == "GET":
        return _edit_page(category)
    form = CategoryForm()
    if not form.validate_on_submit():
        return _edit_page(category, form, status=422)
    try:
        service.edit_category(category.id, _fields_from(form), actor_id=current_user.id, reason=_posted_reason())
    except TaxonomyRefused as refusal:
        db.session.rollback()
        errors = attach_refusal(form, refusal)
        return _edit_page(_category_or_404(category_id), form, errors=errors, status=422)
    flash(_("Category “%(name)s” saved.", name=category.name(current_lang())), "success")
    return redirect(url_for("moderation.categories", _anchor=f"category-{category.id}"), code=303)


@localized_route(bp, "/staff/categories/<int:category_id>/move", methods=["POST"])
@admin_required
def move_category(category_id: int):
    """Put a category under another top-level category, or at the top; never into its own tree."""
    category = _category_or_404(category_id)
    move_form = MoveCategoryForm()
    try:
        moved = service.move_category(category.id, _parent_id(move_form.parent_id.data), actor_id=current_user.id,
                                      reason=_posted_reason())
    except TaxonomyRefused as refusal:
        db.session.rollback()
        attach_refusal(move_form, refusal)
        return _edit_page(_category_or_404(category_id), move_form=move_form, status=422)
    name = category.name(current_lang())
    if moved:
        flash(_("Category “%(name)s” moved; it is now last among its siblings.", name=name), "success")
    else:
        flash(_("Category “%(name)s” is already there.", name=name), "info")
    return redirect(url_for("moderation.categories", _anchor=f"category-{category.id}"), code=303)


@localized_route(bp, "/staff/categories/<int:category_id>/reorder", methods=["POST"])
@admin_required
def reorder_category(category_id: int):
    """One place up or down among its siblings: buttons that work without JavaScript; htmx swaps the tree."""
    category = _category_or_404(category_id)
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400, description=_("Choose to move the category up or down."))
    name = category.name(current_lang())
    if service.reorder_category(category.id, -1 if direction == "up" else 1, actor_id=current_user.id):
        message, kind = (_("Moved “%(name)s” up.", name=name) if direction == "up"
                         else _("Moved “%(name)s” down.", name=name)), "success"
    else:
        message, kind = _("“%(name)s” cannot move further.", name=name), "info"
    if is_htmx_fragment_request():
        return _tree(message, kind)
    flash(message, kind)
    return redirect(url_for("moderation.categories", _anchor=f"category-{category.id}"), code=303)


@localized_route(bp, "/staff/categories/<int:category_id>/delete", methods=["POST"])
@admin_required
def delete_category(category_id: int):
    """Delete an empty category; one with tools or sub-categories is refused, saying how many."""
    category = _category_or_404(category_id)
    name = category.name(current_lang())
    try:
        service.delete_category(category.id, actor_id=current_user.id, reason=_posted_reason())
    except TaxonomyRefused as refusal:
        db.session.rollback()
        messages = [refusal_message(p.reason, p.details) for p in refusal.problems]
        return _edit_page(_category_or_404(category_id), errors=messages, status=422)
    flash(_("Category “%(name)s” deleted.", name=name), "success")
    return redirect(url_for("moderation.categories"), code=303)


from blueprints.moderation import taxonomy_terms  # noqa: E402  (tags, platforms and markets register here)

register_page(StaffPage(
    "categories", _l("Categories and tags"), "moderation.categories", admin_only=True,
    also_current=("moderation.new_category", "moderation.edit_category", *taxonomy_terms.ENDPOINTS),
))
