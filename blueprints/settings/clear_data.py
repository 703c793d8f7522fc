"""Clear Data: one button per kind of data, and one for all.

Only a signed-in account is needed: banned and unverified users may clear their data too.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user

from blueprints.auth.views import no_store
from blueprints.caching import is_htmx_fragment_request
from blueprints.gates import login_required
from blueprints.i18n import current_lang, localized_route
from blueprints.redirects import htmx_aware_redirect
from blueprints.settings import bp
from blueprints.settings.language_memory import remember_language_as_seen
from blueprints.signin import client_agent, client_ip
from services import clear_data, site_settings

DONE = {
    clear_data.BROWSING: _l("Your browsing history is cleared."),
    clear_data.SEARCHES: _l("Your search history is cleared."),
    clear_data.SESSIONS: _l("Every other browser is signed out."),
    clear_data.PREFERENCES: _l("Your site preferences are cleared."),
    clear_data.STORES: _l("Your linked store accounts are removed."),
    clear_data.ALL: _l("Everything listed on this page is cleared."),
}
ONE_KIND = {
    clear_data.BROWSING: clear_data.clear_browsing_history,
    clear_data.SEARCHES: clear_data.clear_search_history,
    clear_data.PREFERENCES: clear_data.clear_preferences,
    clear_data.STORES: clear_data.clear_store_accounts,
}
SCOPES = {"others": False, "all": True}  # the form's choice → sign out this browser too?


def _clear_data_page(confirmation: str | None = None, error: str | None = None, status: int = 200):
    """The page, or for htmx only its panel, with the counts as they are now."""
    context = dict(counts=clear_data.data_counts(current_user.id), confirmation=confirmation, error=error,
                   retention_days=site_settings.effective("LOG_RETENTION_DAYS"))
    template = "settings/_clear_data_panel.html" if is_htmx_fragment_request() else "settings/clear_data.html"
    response = no_store(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response


@localized_route(bp, "/settings/clear-data", endpoint="clear_data")
@login_required
def clear_data_page():
    """What each kind of data is, how much of it there is, and a button to clear it."""
    return _clear_data_page()


@localized_route(bp, "/settings/clear-data/<kind>", methods=["POST"])
@login_required
def clear_kind(kind: str):
    """Clear one kind of data, or all of them."""
    if kind not in DONE:
        abort(404)
    everywhere = SCOPES.get(request.form.get("scope", "others"))
    if everywhere is None:
        return _clear_data_page(error=_("Choose which browsers to sign out."), status=422)
    user = current_user._get_current_object()
    where = dict(ip=client_ip(), user_agent=client_agent())
    if kind in (clear_data.SESSIONS, clear_data.ALL):
        clear = clear_data.clear_sessions if kind == clear_data.SESSIONS else clear_data.clear_all
        clear(user.id, user.current_session_id, everywhere, **where)
    else:
        ONE_KIND[kind](user.id, **where)
    if everywhere and kind in (clear_data.SESSIONS, clear_data.ALL):
        logout_user()
        session.clear()
        flash(_("You are signed out everywhere, this browser included."), "success")
        return htmx_aware_redirect(url_for("catalog.home"))
    if kind in (clear_data.PREFERENCES, clear_data.ALL):
        remember_language_as_seen(current_lang())  # cleared means forgotten: do not write it back at once
    if is_htmx_fragment_request():
        return _clear_data_page(confirmation=str(DONE[kind]))
    flash(DONE[kind], "success")
    return redirect(url_for("settings.clear_data"), code=303)
