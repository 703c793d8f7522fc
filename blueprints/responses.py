"""Headers every response carries."""

from flask import Flask


def init_app(app: Flask) -> None:
    @app.after_request
    def vary_on_htmx_and_session(response):
        # One URL answers with a page or a fragment, and signed-in pages differ
        # from anonymous ones: shared caches must key on both.
        response.vary.add("HX-Request")
        response.vary.add("Cookie")
        return response
