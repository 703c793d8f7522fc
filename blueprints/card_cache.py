"""Rendered card bodies, cached per catalog version, language and tool.

A list page with hundreds of cards spends most of its time rendering them,
and signed-in pages cannot use the whole-page cache. The body of a card is
the same for every viewer, so it is rendered once per catalog version (the
version is read once per request, so an edit shows on every worker at once)
and only the viewer's actions are rendered each time.
"""

from __future__ import annotations

from flask import Flask, current_app, g
from flask_login import current_user
from markupsafe import Markup

from blueprints.i18n import current_lang
from services.catalog_version import current_catalog_version
from services.page_cache import MemoryPageStore

CARD_TTL_SECONDS = 3600  # the version in the key does the invalidating; this only frees memory


def _cached(part: str, tool, render) -> Markup:
    if "catalog_version" not in g:
        g.catalog_version = current_catalog_version()
    lang = current_lang()
    key = f"{g.catalog_version}|{lang}|{tool.id}|{part}"
    store = current_app.extensions["card_cache"]
    html = store.get(key)
    if html is None:
        html = Markup(render(lang))
        store.set(key, html, CARD_TTL_SECONDS)
    return html


def cached_card_body(tool) -> Markup:
    """The card body HTML for ``tool`` in the page's language, from the cache or rendered now."""
    return _cached("body", tool, lambda lang: _macro("_partials/_tool_card_body.html", "card_body")(tool, lang))


def cached_collect_button(tool, collected: bool) -> Markup:
    """A signed-in user's collect button in either state (the same for every page and user)."""
    macro = _macro("favorites/_collect.html", "collect_button")
    return _cached(f"collect{int(collected)}", tool, lambda lang: macro(tool, collected, lang))


def cached_add_link(tool) -> Markup:
    """"Add to collection" for a card: one version for visitors, one for signed-in users."""
    signed_in = current_user.is_authenticated
    macro = _macro("collections/_card_add.html", "add_link")
    return _cached(f"add{int(signed_in)}", tool, lambda lang: macro(tool, lang, signed_in))


def _macro(template: str, name: str):
    """A macro from a template module loaded once per app (it needs only environment globals)."""
    macros = current_app.extensions["card_macros"]
    if (template, name) not in macros:
        macros[(template, name)] = getattr(current_app.jinja_env.get_template(template).module, name)
    return macros[(template, name)]


def init_app(app: Flask) -> None:
    app.extensions["card_cache"] = MemoryPageStore(max_entries=40_000)
    app.extensions["card_macros"] = {}
    app.jinja_env.globals.update(
        cached_card_body=cached_card_body,
        cached_collect_button=cached_collect_button,
        cached_add_link=cached_add_link,
    )
