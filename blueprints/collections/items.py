"""Tools in a collection: add from anywhere (a dialog with htmx, a page without), remove, note, order."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.auth.views import no_store
from blueprints.caching import is_htmx_fragment_request
from blueprints.collections import bp
from blueprints.collections.common import (
    answer_item_change,
    collection_writes,
    own_collection_or_404,
    render_collection_page,
    render_items,
)
from blueprints.collections.forms import NewCollectionForm, NoteForm
from blueprints.gates import verified_required
from blueprints.i18n import current_lang, localized_route
from blueprints.redirects import safe_next
from extensions import db
from models import Collection, Tool
from services import collections


def _int_or_404(value: str | None) -> int:
    """A posted id; anything else names no collection, so 404 like a missing one."""
    try:
        return int(value or "")
    except ValueError:
        abort(404)


@localized_route(bp, "/collections/add", methods=["GET", "POST"])
@collection_writes
@verified_required
def add_to_collection():
    """Choose one of my collections, or name a new one, for a tool; adding puts it last, and only once."""
    values = request.form if request.method == "POST" else request.args
    tool = collections.public_tool_by_slug(values.get("tool", "")) or abort(404)
    back = safe_next(values.get("next"), fallback=url_for("catalog.tool", slug=tool.slug))
    new_form = NewCollectionForm(tool=tool.slug, next=back)
    if request.method == "GET":
        return _add_panel(tool, back, new_form)
    if "collection" in request.form:
        collection = own_collection_or_404(_int_or_404(request.form["collection"]))
    elif not new_form.validate_on_submit():
        return _add_panel(tool, back, new_form, status=422)
    else:
        try:
            collection = collections.create_collection(current_user.id, name=new_form.new_name.data)
        except collections.TooManyCollections:
            new_form.new_name.errors.append(_("You have reached the limit of %(max)s collections.",
                                              max=collections.MAX_COLLECTIONS_PER_USER))
            return _add_panel(tool, back, new_form, status=422)
    try:
        added = collections.add_tool(collection.id, tool.id)
    except collections.CollectionFull:
        error = _("“%(name)s” is full: a collection holds at most %(max)s tools.",
                  name=collection.name, max=collections.MAX_ITEMS_PER_COLLECTION)
        return _add_panel(tool, back, new_form, status=422, error=error)
    return _answer_added(tool, collection, added, back)


def _add_panel(tool: Tool, back: str, new_form: NewCollectionForm, *, status: int = 200, error: str = ""):
    """The choice of collections: a dialog for an htmx GET, the panel inside it for an htmx POST, else a page."""
    if is_htmx_fragment_request():
        template = "collections/_add_dialog.html" if request.method == "GET" else "collections/_add_panel.html"
    else:
        template = "collections/add.html"
    return no_store(render_template(
        template, tool=tool, back=back, new_form=new_form, error=error,
        rows=collections.user_collections(current_user.id),
        holding=collections.collections_holding(current_user.id, tool.id),
    ), status)


def _answer_added(tool: Tool, collection: Collection, added: bool, back: str):
    """The confirmation in the dialog for htmx; otherwise flash it and go back (303)."""
    names = {"tool": tool.display_name(current_lang()), "collection": collection.name}
    if added:
        message = _("Added %(tool)s to “%(collection)s”.", **names)
    else:
        message = _("%(tool)s is already in “%(collection)s”.", **names)
    if is_htmx_fragment_request():
        return no_store(render_template("collections/_added.html", tool=tool, collection=collection,
                                        message=message, back=back))
    flash(message, "success" if added else "info")
    return redirect(back, code=303)


def _tool_or_404(tool_id: int) -> Tool:
    """Any tool by id (a hidden one may still sit in a collection and be removed)."""
    return db.session.get(Tool, tool_id) or abort(404)


@localized_route(bp, "/collections/<int:collection_id>/items/<int:tool_id>/remove", methods=["POST"])
@collection_writes
@verified_required
def remove_item(collection_id: int, tool_id: int):
    """Take a tool out of the collection (not out of favorites)."""
    collection = own_collection_or_404(collection_id)
    tool = _tool_or_404(tool_id)
    collections.remove_tool(collection.id, tool.id)
    return answer_item_change(collection, _("Removed %(tool)s from this collection.",
                                            tool=tool.display_name(current_lang())))


@localized_route(bp, "/collections/<int:collection_id>/items/<int:tool_id>/note", methods=["POST"])
@collection_writes
@verified_required
def item_note(collection_id: int, tool_id: int):
    """Save the owner's note on one tool; too long a note comes back with the text kept and a 422."""
    collection = own_collection_or_404(collection_id)
    form = NoteForm()
    if not form.validate_on_submit():
        errors = {tool_id: {"text": form.note.data or "", "errors": form.note.errors}}
        if is_htmx_fragment_request():
            return render_items(collection, status=422, note_errors=errors)
        shared = collections.SharedCollection(collection, current_user.display_name, True)
        return render_collection_page(shared, status=422, note_errors=errors)
    if not collections.set_note(collection.id, tool_id, form.note.data or ""):
        abort(404)
    return answer_item_change(collection, _("Note saved."))


@localized_route(bp, "/collections/<int:collection_id>/items/<int:tool_id>/move", methods=["POST"])
@collection_writes
@verified_required
def move_item(collection_id: int, tool_id: int):
    """Move a tool one place up or down: the way to order a collection without JavaScript."""
    collection = own_collection_or_404(collection_id)
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400, description=_("Choose to move the tool up or down."))
    tool = _tool_or_404(tool_id)
    names = {"tool": tool.display_name(current_lang())}
    if not collections.move_tool(collection.id, tool.id, -1 if direction == "up" else 1):
        return answer_item_change(collection, _("%(tool)s cannot move further.", **names), "info")
    if direction == "up":
        return answer_item_change(collection, _("Moved %(tool)s up.", **names))
    return answer_item_change(collection, _("Moved %(tool)s down.", **names))


def _posted_ids(values: list[str]) -> list[int]:
    """Tool ids from repeated ``order`` fields or one comma-separated field; ValueError on anything else."""
    return [int(part) for value in values for part in value.split(",") if part.strip()]


@localized_route(bp, "/collections/<int:collection_id>/order", methods=["POST"])
@collection_writes
@verified_required
def order(collection_id: int):
    """Save the order set by drag and drop: exactly the collection's tools, each once, or nothing changes."""
    collection = own_collection_or_404(collection_id)
    try:
        collections.reorder(collection.id, _posted_ids(request.form.getlist("order")))
    except (ValueError, collections.InvalidOrder):
        message = _("That order does not match the tools in this collection. Reload the page and try again.")
        if is_htmx_fragment_request():
            # The current order comes back, so the page shows what is really saved.
            return render_items(collection, status=422, status_message=message)
        abort(400, description=message)
    return answer_item_change(collection, _("New order saved."))
