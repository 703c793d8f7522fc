"""The staff catalog editor for tools: the list, create, edit, hide and unhide, logos.

Moderators may open the list (and verify pricing, see stale_facts.py); everything that
changes what a tool says or whether it shows is for admins, as the product says.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from blueprints.auth.views import no_store
from blueprints.i18n import localized_route
from blueprints.moderation import bp
from blueprints.moderation.access import admin_required, staff_required
from blueprints.moderation.queues import StaffPage, register_page
from blueprints.moderation.responses import decision_response
from blueprints.moderation.tool_forms import LogoForm, ToolForm, form_data_from
from models import ToolStatus
from services.catalog_queries import all_markets, all_platforms
from services.images import ImageRejected
from services.moderation import catalog_tools, tool_logos
from services.moderation.catalog_tools import ToolActionError, ToolFilter
from services.numbers import whole_number

PER_PAGE = 50

register_page(StaffPage("tools", _l("Tools"), "moderation.tool_list",
                        also_current=("moderation.tool_new", "moderation.tool_edit", "moderation.tool_merge_page")))


def action_error_message(code: str) -> str:
    """A refused tool action, said in the page's language."""
    return {
        "missing": _("That tool no longer exists."),
        "already_hidden": _("The tool is already hidden."),
        "not_hidden": _("The tool is not hidden, so there is nothing to unhide."),
        "reason_required": _("Give a reason for hiding the tool; it goes into the audit log."),
        "taken": _("Another tool took this address or website a moment ago. Check the fields and save again."),
        "no_logo": _("The tool has no uploaded logo."),
    }.get(code, code)


@localized_route(bp, "/staff/tools")
@staff_required
def tool_list():
    """Every tool, any status, found by name, address or website, filtered by status and category."""
    category = request.args.get("category", "")
    filters = ToolFilter(
        query=request.args.get("q", "").strip()[:100],
        status=request.args.get("status", "") if request.args.get("status") in set(ToolStatus) else "",
        category_id=whole_number(category),
    )
    page = whole_number(request.args.get("page"), minimum=1) or 1
    pagination = catalog_tools.tool_list(filters, page, PER_PAGE)

    def page_url(number: int) -> str:
        return url_for("moderation.tool_list", **{**request.args.to_dict(), "page": number})

    return no_store(render_template("moderation/tools.html", pagination=pagination, filters=filters,
                                    categories=catalog_tools.categories_in_order(), statuses=list(ToolStatus),
                                    page_url=page_url))


def _editor(form: ToolForm, tool=None, *, logo_form: LogoForm | None = None, status: int = 200):
    return no_store(render_template("moderation/tool_edit.html", form=form, tool=tool,
                                    logo_form=logo_form or LogoForm(formdata=None),
                                    platforms=all_platforms(), markets=all_markets()), status)


@localized_route(bp, "/staff/tools/new", methods=["GET", "POST"])
@admin_required
def tool_new():
    """Add a tool by hand."""
    form = ToolForm()
    if not form.validate_on_submit():
        return _editor(form, status=422 if request.method == "POST" else 200)
    try:
        tool = catalog_tools.create_tool(form.fields(), actor_id=current_user.id, reason=form.reason.data)
    except ToolActionError as error:
        form.form_errors.append(action_error_message(error.code))
        return _editor(form, status=422)
    flash(_("“%(name)s” is added.", name=tool.name), "success")
    return redirect(url_for("moderation.tool_edit", tool_id=tool.id), code=303)


@localized_route(bp, "/staff/tools/<int:tool_id>/edit", methods=["GET", "POST"])
@admin_required
def tool_edit(tool_id: int):
    """Every staff-set field of one tool; a changed address leaves the old one redirecting."""
    tool = catalog_tools.tool_for_edit(tool_id) or abort(404)
    if request.method == "GET":
        return _editor(ToolForm(data=form_data_from(tool), tool_id=tool.id), tool)
    form = ToolForm(tool_id=tool.id, current_fingerprint=catalog_tools.fingerprint(tool))
    if not form.validate():
        return _editor(form, tool, status=422)
    try:
        changed = catalog_tools.update_tool(tool, form.fields(), actor_id=current_user.id, reason=form.reason.data)
    except ToolActionError as error:
        form.form_errors.append(action_error_message(error.code))
        return _editor(form, catalog_tools.tool_for_edit(tool_id), status=422)
    if changed:
        flash(_("Saved: %(fields)s.", fields=", ".join(changed)), "success")
    else:
        flash(_("Nothing changed."), "success")
    return redirect(url_for("moderation.tool_edit", tool_id=tool_id), code=303)


def _reason() -> str:
    return request.form.get("reason", "").strip()[:500]


@localized_route(bp, "/staff/tools/<int:tool_id>/hide", methods=["POST"])
@admin_required
def tool_hide(tool_id: int):
    """Hide a tool from every public page, with a reason."""
    try:
        tool = catalog_tools.set_hidden(tool_id, True, actor_id=current_user.id, reason=_reason())
    except ToolActionError as error:
        return decision_response(action_error_message(error.code), "error", 404 if error.code == "missing" else 422)
    return decision_response(_("“%(name)s” is hidden.", name=tool.name))


@localized_route(bp, "/staff/tools/<int:tool_id>/unhide", methods=["POST"])
@admin_required
def tool_unhide(tool_id: int):
    """Publish a hidden tool again."""
    try:
        tool = catalog_tools.set_hidden(tool_id, False, actor_id=current_user.id, reason=_reason())
    except ToolActionError as error:
        return decision_response(action_error_message(error.code), "error", 404 if error.code == "missing" else 422)
    return decision_response(_("“%(name)s” is published again.", name=tool.name))


LOGO_REFUSALS = {
    "too_large": _l("The logo must be under 2 MB."),
    "too_many_pixels": _l("The image has too many pixels; use one under 40 megapixels."),
    "not_image": _l("The logo must be a PNG, JPEG, WebP or GIF image (SVG is not accepted)."),
}


@localized_route(bp, "/staff/tools/<int:tool_id>/logo", methods=["POST"])
@admin_required
def tool_logo(tool_id: int):
    """Upload a logo: re-encoded to WebP without metadata, at most 256 pixels a side."""
    tool = catalog_tools.tool_for_edit(tool_id) or abort(404)
    logo_form = LogoForm()
    if logo_form.validate_on_submit():
        try:
            tool_logos.set_logo(tool_id, logo_form.logo.data.read(), upload_dir=current_app.config["UPLOAD_DIR"],
                                actor_id=current_user.id)
        except ImageRejected as error:
            logo_form.logo.errors.append(LOGO_REFUSALS[error.reason])
        else:
            flash(_("The logo is changed."), "success")
            return redirect(url_for("moderation.tool_edit", tool_id=tool_id), code=303)
    tool = catalog_tools.tool_for_edit(tool_id) or abort(404)  # reloaded: the refused upload expired it
    form = ToolForm(formdata=None, data=form_data_from(tool), tool_id=tool_id)
    return _editor(form, tool, logo_form=logo_form, status=422)


@localized_route(bp, "/staff/tools/<int:tool_id>/logo/remove", methods=["POST"])
@admin_required
def tool_logo_remove(tool_id: int):
    """Back to the generated monogram."""
    try:
        tool_logos.remove_logo(tool_id, upload_dir=current_app.config["UPLOAD_DIR"], actor_id=current_user.id)
    except ToolActionError as error:
        return decision_response(action_error_message(error.code), "error", 404 if error.code == "missing" else 422)
    return decision_response(_("The logo is removed; the tool shows its monogram."))


from blueprints.moderation import stale_facts, tool_merge  # noqa: E402,F401  (their routes and queue)
