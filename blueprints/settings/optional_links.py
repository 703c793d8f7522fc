"""Links to settings pages other modules own, only when this app has them."""

from __future__ import annotations

from flask import current_app, url_for


def optional_url(endpoint: str, **values) -> str | None:
    """``url_for(endpoint)``, or None while that page does not exist (the template then says so in words)."""
    return url_for(endpoint, **values) if endpoint in current_app.view_functions else None
