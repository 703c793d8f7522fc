"""The cookie notice and the policy banner: what base.html shows around every page.

The cookie notice depends on a cookie, but anonymous pages are cached whole and shared,
so the page holds only a slot (``SLOT``) and the notice is filled in after the cache,
per request, like an edge-side include. The banner is for signed-in users only, whose
pages are never cached, so base.html renders it directly.
"""

from __future__ import annotations

from flask import current_app, g, make_response, request, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from blueprints.policies import bp
from services import policies
from services.cookies import NOTICE_COOKIE, NOTICE_COOKIE_MAX_AGE

COOKIE_NOTICE = "cookies"  # the notice's name among the account's dismissed notices
SLOT = b"<!-- cookie-notice -->"


def remember_dismissal(body):
    """``body`` as a response that also sets the "notice closed" cookie."""
    response = make_response(body)
    response.set_cookie(
        NOTICE_COOKIE, "1", max_age=int(NOTICE_COOKIE_MAX_AGE.total_seconds()), httponly=True, samesite="Lax",
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
    )
    return response


def pending_policies():
    """The major versions the signed-in user must still accept (one query, once per request)."""
    if not current_user.is_authenticated:
        return []
    if "pending_policies" not in g:
        g.pending_policies = policies.needs_acceptance(current_user)
    return g.pending_policies


@bp.app_context_processor
def policy_helpers():
    # The feedback blueprint's contact page, linked from the footer once it exists.
    return {"pending_policies": pending_policies, "has_contact_page": "feedback.contact" in current_app.view_functions}


def _notice_html() -> bytes:
    """The notice for this request, or nothing once this browser closed it.

    Only the cookie decides, so the notice costs no query; a signed-in user's dismissal is
    also kept for the account (settings list it and Clear Data forgets it).
    """
    if NOTICE_COOKIE in request.cookies:
        return b""
    # Rendered without the context processors: they already ran for the page, and running
    # them again would repeat their queries (the unread count) on every signed-in page.
    template = current_app.jinja_env.get_template("policies/_cookie_notice.html")
    return template.render(current_user=current_user, csrf_token=generate_csrf, request=request,
                           url_for=url_for).encode()


@bp.after_app_request
def fill_cookie_notice(response):
    """Put the notice (or nothing) into the page's slot, after the page cache has stored it."""
    if response.mimetype != "text/html" or response.direct_passthrough or response.is_streamed:
        return response
    body = response.get_data()
    at = body.find(SLOT)
    if at < 0:
        return response
    response.set_data(body[:at] + _notice_html() + body[at + len(SLOT):])
    return response
