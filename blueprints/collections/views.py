"""My collections; create, edit and delete one; a collection's shareable page."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.auth.views import no_store
from blueprints.collections import bp
from blueprints.collections.common import (
    collection_url,
    collection_writes,
    own_collection_or_404,
    render_collection_page,
)
from blueprints.collections.forms import CollectionForm, DeleteCollectionForm
from blueprints.gates import login_required, verified_required
from blueprints.i18n import localized_route
from services import collections


@localized_route(bp, "/collections")
@login_required
def mine():
    """The signed-in user's collections, each with its number of tools."""
    return no_store(render_template("collections/mine.html", rows=collections.user_collections(current_user.id)))


@localized_route(bp, "/collections/new", methods=["GET", "POST"])
@collection_writes
@verified_required
def new():
    """Create a collection: a name, an optional description, private unless made public."""
    form = CollectionForm()
    if not form.validate_on_submit():
        return _form_page(form, collection=None)
    try:
        collection = collections.create_collection(current_user.id, name=form.name.data,
                                                   description=form.description.data or "",
                                                   is_public=form.is_public.data)
    except collections.TooManyCollections:
        form.name.errors.append(_("You have reached the limit of %(max)s collections.",
                                  max=collections.MAX_COLLECTIONS_PER_USER))
        return _form_page(form, collection=None)
    flash(_("Collection “%(name)s” created.", name=collection.name), "success")
    return redirect(collection_url(collection), code=303)


def _form_page(form: CollectionForm, collection, delete_form=None):
    """The create or edit page; 422 when a posted form has errors, with what the user typed kept."""
    invalid = bool(form.errors) or bool(delete_form and delete_form.errors)
    return no_store(
        render_template("collections/form.html", form=form, collection=collection,
                        delete_form=delete_form or DeleteCollectionForm(formdata=None)),
        422 if invalid else 200,
    )


@localized_route(bp, "/collections/<int:collection_id>")
def show(collection_id: int):
    """A collection: anyone may see a public one; a private one is 404 to all but its owner."""
    viewer_id = current_user.id if current_user.is_authenticated else None
    shared = collections.shared_collection(collection_id, viewer_id) or abort(404)
    return render_collection_page(shared)


@localized_route(bp, "/collections/<int:collection_id>/edit", methods=["GET", "POST"])
@collection_writes
@verified_required
def edit(collection_id: int):
    """Rename, describe, make public or private."""
    collection = own_collection_or_404(collection_id)
    form = CollectionForm(obj=collection)
    if not form.validate_on_submit():
        return _form_page(form, collection=collection)
    collections.update_collection(collection, name=form.name.data, description=form.description.data or "",
                                  is_public=form.is_public.data)
    flash(_("Collection saved."), "success")
    return redirect(collection_url(collection), code=303)


@localized_route(bp, "/collections/<int:collection_id>/delete", methods=["POST"])
@collection_writes
@verified_required
def delete(collection_id: int):
    """Delete a collection; its tools stay in the user's favorites if they were there."""
    collection = own_collection_or_404(collection_id)
    delete_form = DeleteCollectionForm()
    if not delete_form.validate_on_submit():
        return _form_page(CollectionForm(formdata=None, obj=collection), collection=collection,
                          delete_form=delete_form)
    name = collection.name
    collections.delete_collection(collection.id)
    flash(_("Collection “%(name)s” deleted. Tools you had collected are still in your favorites.", name=name),
          "success")
    return redirect(url_for("collections.mine"), code=303)
