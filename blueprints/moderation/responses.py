"""How a one-click staff decision answers: htmx gets the emptied row plus fresh counts, a form gets a redirect."""

from __future__ import annotations

from flask import abort, flash, render_template

from blueprints.caching import is_htmx_fragment_request
from blueprints.redirects import redirect_back


def decision_response(message: str, category: str = "success", status: int = 200):
    """The row leaves the queue in place (htmx), or the page reloads with a flash (no JavaScript)."""
    if is_htmx_fragment_request():
        from blueprints.moderation.queues import queue_counts

        response = render_template("moderation/_decided.html", message=message, category=category,
                                   counts=queue_counts())
        return response, status, {"Vary": "HX-Request"}
    if status >= 400:  # without JavaScript a refusal is an error page with the reason and a 4xx
        abort(status, description=message)
    flash(message, category)
    return redirect_back()
