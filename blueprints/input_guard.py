"""Refuse NUL characters in query strings and form fields before any view sees them.

No field of this site has a use for one, PostgreSQL refuses them in text ("A string literal
cannot contain NUL"), and SQLite would store them silently: one 400 here keeps both databases
answering the same, instead of a 500 on one of them deep inside a query.
"""

from __future__ import annotations

from flask import Flask, abort, request
from flask_babel import gettext as _


def _has_nul(values) -> bool:
    return any("\x00" in key or "\x00" in value for key, value in values.items(multi=True))


def init_app(app: Flask) -> None:
    @app.before_request
    def refuse_nul_characters():
        if _has_nul(request.args) or (request.method != "GET" and request.mimetype in (
                "application/x-www-form-urlencoded", "multipart/form-data") and _has_nul(request.form)):
            abort(400, description=_("The request contains a NUL character, which no field accepts."))
