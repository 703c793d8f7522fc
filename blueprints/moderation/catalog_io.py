"""Catalog import and export for admins: upload → preview (new, duplicate, invalid) → confirm; download the catalog.

The upload is read at once (an unreadable file is refused on the form, 422), then kept in a stash
(``services.catalog_io.stash``) under a random id bound to the admin; the preview page at its own
address shows the plan. Confirming builds the plan again from the stash and writes only when it is
the plan the admin saw (its digest), all new rows in one transaction. See ``services.catalog_io``.
"""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectChoice, SelectField
from wtforms.validators import ValidationError

from blueprints.auth.views import no_store
from blueprints.i18n import current_lang, localized_route
from blueprints.moderation import bp
from blueprints.moderation.access import admin_required
from blueprints.moderation.queues import StaffPage, register_page
from extensions import db
from models import Category
from services.catalog_io import (
    EXPORT_FORMATS,
    MAX_ROWS,
    ImportFileError,
    ImportPlan,
    ImportRefused,
    NewCategory,
    apply_plan,
    build_plan,
    describe,
    export_catalog,
    export_filename,
    read_import_file,
)
from services.catalog_io.columns import COLUMNS
from services.catalog_io.stash import Stash, StashRefused, discard_stash, load_stash, save_stash
from services.moderation.catalog_tools import categories_in_order, leaf_categories

PREVIEW_LIMIT = 1000  # rows shown per kind; the counts are always whole
# What one request writes well inside the app server's 30-second timeout (about 2 ms a tool on PostgreSQL,
# with its audit entry and search rows); larger files go through `flask catalog import`, which has no timeout.
WEB_IMPORT_MAX = 5000

register_page(StaffPage("catalog_io", _l("Import and export"), "moderation.catalog_import", admin_only=True,
                        also_current=("moderation.catalog_import_preview", "moderation.catalog_import_confirm")))


class ImportForm(FlaskForm):
    file = FileField(_l("File"), render_kw={"accept": ".csv,.json,.html,.htm,text/csv,application/json,text/html"})
    format = SelectField(_l("Format"), choices=[
        SelectChoice("auto", _l("Recognise it from the file")), SelectChoice("csv", "CSV"),
        SelectChoice("json", "JSON"), SelectChoice("bookmarks", _l("Browser bookmarks (HTML)"))])
    default_category = SelectField(_l("Default category"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        lang = current_lang()
        self.default_category.choices = [SelectChoice("", _l("None: rows without a category are invalid"))] + [
            SelectChoice(str(category.id), f"{parent.name(lang)} › {category.name(lang)}" if parent
                         else category.name(lang))
            for category, parent in leaf_categories(categories_in_order())
        ]

    def validate_file(self, field):
        if not (field.data and getattr(field.data, "filename", "")):
            raise ValidationError(_l("Choose a file to upload."))

    def default_category_id(self) -> int | None:
        return int(self.default_category.data) if self.default_category.data else None


def _upload_page(form: ImportForm, status: int = 200):
    return no_store(render_template("moderation/catalog_io.html", form=form, export_formats=EXPORT_FORMATS,
                                    columns=COLUMNS, max_rows=MAX_ROWS), status)


@localized_route(bp, "/staff/catalog/import", methods=["GET", "POST"])
@admin_required
def catalog_import():
    """The import form (and the export links); a readable upload is kept and its preview shown."""
    form = ImportForm()
    if not form.validate_on_submit():
        return _upload_page(form, 422 if request.method == "POST" else 200)
    data, filename = form.file.data.read(), form.file.data.filename or ""
    try:
        imported = read_import_file(data, form.format.data, filename)
    except ImportFileError as error:
        form.file.errors.append(describe(error.problem))
        return _upload_page(form, 422)
    stash_id = save_stash(current_app.config["UPLOAD_DIR"], admin_id=current_user.id, data=data,
                          fmt=imported.format, filename=filename, default_category_id=form.default_category_id())
    return redirect(url_for("moderation.catalog_import_preview", stash_id=stash_id), code=303)


def _stashed(stash_id: str) -> Stash:
    try:
        return load_stash(current_app.config["UPLOAD_DIR"], stash_id, admin_id=current_user.id)
    except StashRefused as error:
        if error.code == "expired":
            abort(410, description=_("This preview has expired: previews last an hour. Upload the file again."))
        abort(404, description=_("There is no such import preview. Upload the file again."))


def _plan(stash: Stash) -> ImportPlan:
    default = db.session.get(Category, stash.default_category_id) if stash.default_category_id else None
    try:
        imported = read_import_file(stash.data, stash.format, stash.filename)
    except ImportFileError as error:  # it was read at upload, so only a changed rule gets here
        abort(422, description=describe(error.problem))
    return build_plan(imported, default_category=default)


def _category_labels():
    """``label(category)``: "Parent › Name" in the page's language, for existing and new categories alike."""
    lang = current_lang()
    existing = {category.id: (f"{parent.name(lang)} › " if parent else "") + category.name(lang)
                for category, parent in categories_in_order()}

    def label(category) -> str:
        if isinstance(category, NewCategory):
            return (label(category.parent) + " › " if category.parent is not None else "") + category.name_zh
        return existing.get(category.id, "") if category is not None else ""

    return label


def _preview(stash: Stash, plan: ImportPlan, *, status: int = 200, error: str | None = None):
    default = db.session.get(Category, stash.default_category_id) if stash.default_category_id else None
    return no_store(render_template("moderation/catalog_io_preview.html", stash=stash, plan=plan, error=error,
                                    default_category=default, describe=describe, limit=PREVIEW_LIMIT,
                                    web_import_max=WEB_IMPORT_MAX,
                                    category_label=_category_labels()), status)


@localized_route(bp, "/staff/catalog/import/<stash_id>")
@admin_required
def catalog_import_preview(stash_id: str):
    """What the import would do: new, duplicate and invalid rows, and the categories it would make."""
    stash = _stashed(stash_id)
    return _preview(stash, _plan(stash))


@localized_route(bp, "/staff/catalog/import/<stash_id>", methods=["POST"])
@admin_required
def catalog_import_confirm(stash_id: str):
    """Write the new rows of the preview the admin saw, all in one transaction, or nothing."""
    stash = _stashed(stash_id)
    plan = _plan(stash)
    if len(plan.new_rows) > WEB_IMPORT_MAX:
        return _preview(stash, plan, status=422, error=_(
            "This file has more new tools than the web import writes at once; import it with "
            "flask catalog import on the server."))
    if request.form.get("digest") != plan.digest:
        return _preview(stash, plan, status=409, error=_(
            "The catalog changed since this preview was made, so the import might not do what it showed. "
            "Check the rows below again, then confirm."))
    try:
        result = apply_plan(plan, actor_id=current_user.id)
    except ImportRefused as error:
        message = (_("There is no new tool to import.") if error.code == "nothing" else
                   _("Another tool took one of these addresses a moment ago; nothing was imported. "
                     "Check the rows below again."))
        return _preview(stash, _plan(stash), status=409 if error.code == "taken" else 422, error=message)
    discard_stash(current_app.config["UPLOAD_DIR"], stash_id)
    flash(_("Imported %(tools)s tools and created %(categories)s categories.", tools=len(result.tool_ids),
            categories=len(result.category_ids)), "success")
    return redirect(url_for("moderation.catalog_import"), code=303)


@localized_route(bp, "/staff/catalog/import/<stash_id>/discard", methods=["POST"])
@admin_required
def catalog_import_discard(stash_id: str):
    """Forget an uploaded file without importing it."""
    _stashed(stash_id)
    discard_stash(current_app.config["UPLOAD_DIR"], stash_id)
    flash(_("The upload is discarded; nothing was imported."), "success")
    return redirect(url_for("moderation.catalog_import"), code=303)


@localized_route(bp, "/staff/catalog/export")
@admin_required
def catalog_export():
    """The whole catalog as a CSV (for spreadsheets) or JSON file, every staff-set field of every tool."""
    fmt = request.args.get("format", "csv")
    if fmt not in EXPORT_FORMATS:
        abort(400, description=_("Export as csv or json."))
    response = Response(export_catalog(fmt), mimetype="text/csv" if fmt == "csv" else "application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{export_filename(fmt)}"'
    response.cache_control.no_store = True
    return response
