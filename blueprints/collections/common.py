"""What the collection views share: the write limit, the ownership check, and the items answer."""

from __future__ import annotations

from flask import abort, current_app, flash, make_response, render_template, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user

from blueprints.auth.views import no_store
from blueprints.caching import is_htmx_fragment_request
from blueprints.redirects import redirect_back
from extensions import limiter
from models import Collection
from services import collections

# Every collection write shares one budget per account; a test or a busy site changes it in config.
DEFAULT_WRITE_LIMIT = "30 per minute;300 per hour"


def _account_key() -> str:
    """Count per account (one person behind many addresses), per address for visitors."""
    if current_user.is_authenticated:
        return f"account:{current_user.id}"
    return get_remote_address()


def _write_limit() -> str:
    """Read per request, so configuration (or a test) can change COLLECTIONS_RATE_LIMIT."""
    return current_app.config.get("COLLECTIONS_RATE_LIMIT", DEFAULT_WRITE_LIMIT)


collection_writes = limiter.shared_limit(_write_limit, scope="collections", key_func=_account_key, methods=["POST"])


def own_collection_or_404(collection_id: int) -> Collection:
    """The signed-in user's collection; someone else's answers 404, exactly like a missing one."""
    return collections.owned_collection(collection_id, current_user.id) or abort(404)


def collection_url(collection: Collection) -> str:
    """The collection's page in the current language."""
    return url_for("collections.show", collection_id=collection.id)


def render_items(collection: Collection, *, status: int = 200, status_message: str = "",
                 note_errors: dict | None = None):
    """The ordered items of a collection, as the owner sees them (the partial htmx swaps in)."""
    return no_store(render_template(
        "collections/_items.html",
        collection=collection,
        items=collections.collection_items(collection.id),
        is_owner=True,
        status_message=status_message,
        note_errors=note_errors or {},
    ), status)


def answer_item_change(collection: Collection, message: str, category: str = "success"):
    """After an item change: the new list for htmx, else flash and go back (303) to a page of ours."""
    if is_htmx_fragment_request():
        return render_items(collection, status_message=message)
    flash(message, category)
    return redirect_back(fallback=collection_url(collection))


def render_collection_page(shared: collections.SharedCollection, *, status: int = 200, note_errors=None):
    """A collection's page (or, for htmx, its items); personal and never cached when the owner looks."""
    template = "collections/_items.html" if is_htmx_fragment_request() else "collections/show.html"
    body = render_template(
        template,
        collection=shared.collection,
        owner_name=shared.owner_name,
        is_owner=shared.is_owner,
        items=collections.collection_items(shared.collection.id),
        status_message="",
        note_errors=note_errors or {},
    )
    if shared.is_owner:
        return no_store(body, status)
    return make_response(body, status)
