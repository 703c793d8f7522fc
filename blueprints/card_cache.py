"""Rendered card bodies, cached per catalog version, language and tool.

A list page with hundreds of cards spends most of its time rendering them,
and signed-in pages cannot use the whole-page cache. The body of a card is
the same for every viewer, so it is rendered once per catalog version (the
version is read once per request, so an edit shows on every worker at once)
and only the viewer's actions are rendered each time.

A whole stretch of page can be shared the same way (``shared_fragment``): it is
rendered once per catalog version with a marker where each collect button goes,
and each signed-in viewer gets it with the markers replaced by the buttons in
their own states (one query for the viewer's collected tools).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask, current_app, g
from flask_login import current_user
from markupsafe import Markup

from blueprints.i18n import current_lang
from services import favorites
from services.catalog_version import current_catalog_version
from services.page_cache import MemoryPageStore

CARD_TTL_SECONDS = 3600  # the version in the key does the invalidating; this only frees memory
# Escaped text cannot contain "<!--", so only the fragment's own markers match.
COLLECT_MARKER = re.compile(r"<!--collect:(\d+)-->")


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


def cached_card(tool, collected: bool, compare: bool) -> Markup:
    """A signed-in viewer's whole card: the same for every signed-in viewer but for the collect state.

    The signed-in home page shows a few hundred cards; assembling each from its cached parts in
    the template was most of that page's time, so the assembled card is cached as well, once,
    with a marker where the collect button goes (one entry per tool, not one per state).
    """
    frame = _macro("_partials/_tool_card_frame.html", "card_frame")
    marker = f"<!--collect:{tool.id}-->"
    card = _cached(f"card{int(compare)}", tool, lambda lang: frame(tool, Markup(marker), compare))
    markers = g.get("collect_markers")
    if markers is not None:  # inside a shared fragment: the marker stays, this viewer's button comes later
        markers[tool.id] = (cached_collect_button(tool, False), cached_collect_button(tool, True))
        return card
    return Markup(card.replace(marker, cached_collect_button(tool, collected), 1))


def shared_fragment(name: str, render: Callable[[], str]) -> Markup:
    """``render()``'s HTML, rendered once per catalog version and language for every signed-in viewer.

    Only cards may differ between viewers inside it, and only by their collect state: those
    buttons are filled in for the current user. ``render`` runs (with its queries) on a miss only.
    """
    if "catalog_version" not in g:
        g.catalog_version = current_catalog_version()
    key = f"{g.catalog_version}|{current_lang()}|fragment|{name}"
    store = current_app.extensions["card_cache"]
    entry = store.get(key)
    if entry is None:
        g.collect_markers = {}
        try:
            entry = (str(render()), g.collect_markers)
        finally:
            g.pop("collect_markers")
        store.set(key, entry, CARD_TTL_SECONDS)
    html, buttons = entry
    if g.get("collected_ids") is None:  # shared with is_collected (blueprints/favorites): one query per request
        g.collected_ids = favorites.collected_tool_ids(current_user.id)
    collected = g.collected_ids
    return Markup(COLLECT_MARKER.sub(lambda found: buttons[int(found[1])][int(found[1]) in collected], html))


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
        cached_card=cached_card,
        cached_add_link=cached_add_link,
    )
