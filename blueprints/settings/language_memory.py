"""Remember the interface language a signed-in user last used, as the account's "language" preference.

It is written only when the page's language differs from the one this browser
session last recorded (kept in the Flask session), so an ordinary request costs
nothing; anonymous requests are never touched, so cached pages stay cookie-free.
"""

from __future__ import annotations

from flask import g, session
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from blueprints.settings import bp
from extensions import db
from services import preferences
from services.commits import commit_keeping_loaded

SEEN_KEY = "pref_lang"


def remember_language_as_seen(lang: str) -> None:
    """Treat ``lang`` as already recorded for this browser session."""
    session[SEEN_KEY] = lang


@bp.after_app_request
def remember_language(response):
    """Keep the page's language for a signed-in account when it changed since the last time."""
    lang = g.get("lang")
    # An empty session means a visitor: checked first so current_user is not even loaded.
    if lang is None or not session or session.get(SEEN_KEY) == lang or response.status_code >= 400:
        return response
    if current_user.is_authenticated:
        try:
            preferences.set_preference(current_user.id, preferences.LANGUAGE, lang)
            commit_keeping_loaded()
        except SQLAlchemyError:  # a preference is never worth failing a page that already rendered
            db.session.rollback()
            return response
        remember_language_as_seen(lang)
    return response
