"""Headers every response carries."""

from flask import Flask, session
from flask_login import current_user


def init_app(app: Flask) -> None:
    @app.after_request
    def personal_pages_are_not_stored(response):
        # A page rendered for a signed-in user holds their CSRF token and their own data.
        if session and current_user.is_authenticated and not response.cache_control.public:
            response.cache_control.no_store = True
            response.cache_control.private = True
        return response

    @app.after_request
    def vary_on_htmx_and_session(response):
        # One URL answers with a page or a fragment, and signed-in pages differ
        # from anonymous ones: shared caches must key on both.
        response.vary.add("HX-Request")
        response.vary.add("Cookie")
        return response
