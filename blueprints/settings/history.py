"""Recently viewed: the tools a signed-in user opened, newest first, and a button to forget them."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.auth.views import no_store
from blueprints.caching import is_htmx_fragment_request
from blueprints.gates import login_required
from blueprints.i18n import localized_route
from blueprints.settings import bp
from extensions import db
from services import browsing_history


def _history_response(template: str):
    items = browsing_history.recently_viewed(current_user.id, current_app.config["BROWSING_HISTORY_LIMIT"])
    response = no_store(render_template(template, items=items))
    response.vary.add("HX-Request")
    return response


@localized_route(bp, "/history")
@login_required
def recently_viewed():
    """Tools I opened while signed in, most recent first."""
    template = "settings/_recently_viewed_list.html" if is_htmx_fragment_request() else "settings/recently_viewed.html"
    return _history_response(template)


@localized_route(bp, "/history/clear", methods=["POST"])
@login_required
def clear_recently_viewed():
    """Forget every tool I viewed."""
    browsing_history.clear_browsing_history(current_user.id)
    db.session.commit()
    if is_htmx_fragment_request():
        return _history_response("settings/_recently_viewed_list.html")
    flash(_("Your browsing history is cleared."), "success")
    return redirect(url_for("settings.recently_viewed"), code=303)
