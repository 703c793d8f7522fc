"""Linked store accounts: platform and store name or ID, never a password."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.auth.views import no_store
from blueprints.gates import login_required
from blueprints.i18n import current_lang, localized_route
from blueprints.settings import bp
from blueprints.settings.forms_profile import EmptyForm
from blueprints.settings.forms_stores import StoreForm
from extensions import limiter
from models import User
from services import store_accounts
from services.store_accounts import MAX_NAME_LENGTH, MAX_STORES, StoreRefused


def _refusal_message(reason: str) -> str:
    messages = {
        "secret": _("This looks like a password or a secret key. We store only the platform and the store’s "
                    "name or ID, never a password: enter just the store’s name or ID."),
        "blank": _("Enter the store’s name or ID."),
        "too_long": _("Use at most %(max)d characters.", max=MAX_NAME_LENGTH),
        "platform": _("Choose the platform the store sells on."),
        "duplicate": _("This store is already on your list for that platform."),
        "limit": _("You can link at most %(max)d stores. Remove one to add another.", max=MAX_STORES),
    }
    return messages[reason]


def _stores_page(form=None, status: int = 200):
    user: User = current_user._get_current_object()
    platforms = store_accounts.store_platforms()
    form = form or StoreForm(formdata=None)
    form.fill_platforms(platforms, current_lang())
    return no_store(render_template(
        "settings/stores.html", user=user, form=form, stores=store_accounts.stores_of(user.id),
        remove_form=EmptyForm(formdata=None), max_stores=MAX_STORES,
    ), status)


@localized_route(bp, "/settings/stores", endpoint="stores")
@login_required
def stores_page():
    """The stores you sell on, and a form to add one."""
    return _stores_page()


@localized_route(bp, "/settings/stores/add", methods=["POST"])
@login_required
@limiter.limit("60 per hour", methods=["POST"])
def add_store():
    """Record a store: a platform and the store's name or ID (a password is refused)."""
    user: User = current_user._get_current_object()
    if user.is_banned:
        abort(403, description=_("Your account is banned, so it cannot add stores. Reason: %(reason)s",
                                 reason=user.ban_reason or "—"))
    form = StoreForm().fill_platforms(store_accounts.store_platforms(), current_lang())
    if not form.validate_on_submit():
        return _stores_page(form, status=422)
    try:
        store_accounts.add_store(user.id, form.platform.data, form.store_name.data)
    except StoreRefused as refused:
        target = form.platform if refused.reason == "platform" else form.store_name
        target.errors.append(_refusal_message(refused.reason))
        return _stores_page(form, status=422)
    flash(_("Store added."), "success")
    return redirect(url_for("settings.stores"), code=303)


@localized_route(bp, "/settings/stores/<int:store_id>/remove", methods=["POST"])
@login_required
def remove_store(store_id: int):
    """Remove one of your stores (anyone else's is 404)."""
    if not store_accounts.remove_store(current_user.id, store_id):
        abort(404)
    flash(_("Store removed."), "success")
    return redirect(url_for("settings.stores"), code=303)
