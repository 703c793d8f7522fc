"""Error pages in the site's style and the visitor's language."""

from __future__ import annotations

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from blueprints.caching import is_htmx_fragment_request


def _render_error(code: int, title: str, message: str):
    template = "errors/_error.html" if is_htmx_fragment_request() else "errors/error.html"
    return render_template(template, code=code, title=title, message=message), code


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _render_error(400, _("Your form expired"), _("Please reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        titles = {
            400: _("That request did not make sense"),
            404: _("Page not found"),
            405: _("That action is not allowed here"),
            429: _("Too many requests"),
        }
        default_messages = {404: _("The page may have moved, or the tool may no longer be listed.")}
        description = error.description if error.description != type(error).description else None
        message = description or default_messages.get(error.code, "")
        response = _render_error(error.code or 500, titles.get(error.code, error.name), message)
        return response

    @app.errorhandler(InternalServerError)
    def server_error(error):
        return _render_error(
            500, _("Something went wrong on our side"), _("We have been told. Please try again in a moment.")
        )
