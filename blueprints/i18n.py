"""Languages in the URL: Chinese at the root, English under ``/en/``.

A view is registered twice by ``localized_route``; the language is taken out
of the URL into ``g.lang`` before the view runs and put back into every
``url_for`` for the same language, so templates never pass it by hand.
"""

from __future__ import annotations

from flask import Flask, current_app, g, request

LANGS = ("zh", "en")
HTML_LANG = {"zh": "zh-CN", "en": "en"}


def localized_route(bp, rule: str, **options):
    """Register ``rule`` for Chinese and ``/en`` + ``rule`` for English."""

    def decorator(view):
        endpoint = options.pop("endpoint", view.__name__)
        bp.add_url_rule(rule, endpoint, view, defaults={"lang": "zh"}, **options)
        bp.add_url_rule("/<any(en):lang>" + rule, endpoint, view, **options)
        return view

    return decorator


def current_lang() -> str:
    """The page's language; for URLs outside a localized route, taken from the path."""
    lang = g.get("lang")
    if lang is None:
        lang = "en" if request and (request.path == "/en" or request.path.startswith("/en/")) else "zh"
    return lang


def select_locale() -> str:
    return current_lang()


def prefers_english(accept_language) -> bool:
    """True when the browser ranks English above every Chinese variant."""
    return accept_language.best_match(["en", "zh", "zh-CN", "zh-TW"], default="zh").startswith("en")


def init_app(app: Flask) -> None:
    @app.url_value_preprocessor
    def pull_lang(endpoint, values):
        if values and "lang" in values:
            g.lang = values.pop("lang")

    @app.url_defaults
    def add_lang(endpoint, values):
        if "lang" not in values and current_app.url_map.is_endpoint_expecting(endpoint, "lang"):
            values["lang"] = current_lang()
