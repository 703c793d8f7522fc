"""Errors of the read API as RFC 9457 problem details (application/problem+json), one stable shape.

Every error under /api/v1 answers ``{type, title, status, detail, instance}``
(and ``errors`` for an invalid request), including paths no route matches and
methods a route does not take: those fail before any blueprint is known, so
their handlers are app-wide and hand every other path to the site's own error
pages.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from flask import current_app, request, session, url_for
from werkzeug.exceptions import HTTPException, InternalServerError

from blueprints.api import bp
from blueprints.api.schemas import API_PREFIX

PROBLEM_MIMETYPE = "application/problem+json"
# status → (anchor on the documentation page, title). Titles never change; ``detail`` says what happened.
PROBLEM_TYPES = {
    400: ("invalid-request", "Invalid request"),
    401: ("invalid-token", "Invalid or revoked token"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    429: ("too-many-requests", "Too many requests"),
    500: ("server-error", "Server error"),
}
DEFAULT_DETAILS = {
    404: "Nothing is published at this address.",
    405: "The read API answers GET, HEAD and OPTIONS only.",
    406: "The read API answers with JSON only.",
    429: "Too many requests; try again after the number of seconds in Retry-After.",
    500: "Something went wrong on our side; it has been logged.",
}
URI_PATH_SAFE = "/:@!$&'()*+,;=-._~"  # RFC 3986 pchar: everything else is percent-encoded in ``instance``
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag, Link, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, "
                                     "X-RateLimit-Reset",
}
PREFLIGHT_HEADERS = {
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "Authorization, If-None-Match",
    "Access-Control-Max-Age": "86400",
}


class ApiProblem(HTTPException):
    """An error the API reports with a detail of its own and, for bad parameters, the list of them."""

    def __init__(self, status: int, detail: str, *, errors: list[dict] | None = None,
                 headers: dict[str, str] | None = None):
        self.code = status
        super().__init__(description=detail)
        self.errors = errors
        self.extra_headers = headers or {}


def is_api_request() -> bool:
    return request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")


def problem_type(status: int) -> str:
    anchor = PROBLEM_TYPES.get(status, ("http-error", ""))[0]
    return url_for("api.docs", lang="en") + "#problem-" + anchor


def problem_body(status: int, detail: str, errors: list[dict] | None = None) -> dict:
    title = PROBLEM_TYPES.get(status, ("", ""))[1] or "HTTP error"
    body = {"type": problem_type(status), "title": title, "status": status, "detail": detail,
            "instance": quote(request.path, safe=URI_PATH_SAFE)}
    if errors:
        body["errors"] = errors
    return body


def problem_response(status: int, detail: str | None = None, *, errors: list[dict] | None = None,
                     headers: dict[str, str] | None = None):
    """A problem+json response; never cached, readable cross-origin like every API answer."""
    detail = detail or DEFAULT_DETAILS.get(status, "")
    body = json.dumps(problem_body(status, detail, errors), ensure_ascii=False)
    response = current_app.response_class(body, status=status, mimetype=PROBLEM_MIMETYPE)
    response.headers.update(headers or {})
    response.cache_control.no_store = True
    return finish_api_response(response)


def finish_api_response(response):
    """What every API answer carries: CORS for reading, Vary, and no session cookie.

    The API identifies callers by token only: whatever loading a browser's cookie
    user changed in its session is not saved, so no API answer sets a cookie.
    """
    for name, value in CORS_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.method == "OPTIONS":
        for name, value in PREFLIGHT_HEADERS.items():
            response.headers.setdefault(name, value)
    for header in ("Authorization", "Origin", "Accept"):
        response.vary.add(header)
    session.modified = False
    return response


def _detail_of(error: HTTPException) -> str:
    """The error's own description, or our default when it carries only werkzeug's generic text."""
    if isinstance(error, ApiProblem) or error.description != type(error).description:
        return str(error.description)
    return DEFAULT_DETAILS.get(error.code or 500, str(error.description or ""))


def http_problem(error: HTTPException):
    status = error.code or 500
    headers = {}
    if isinstance(error, ApiProblem):
        headers.update(error.extra_headers)
    if status == 405:
        headers["Allow"] = ", ".join(sorted(set(getattr(error, "valid_methods", None) or ["GET", "HEAD", "OPTIONS"])))
    return problem_response(status, _detail_of(error), errors=getattr(error, "errors", None), headers=headers)


def _site_handler(error: HTTPException):
    """The site's own error page for a path outside the API (the handler pages/errors.py registered)."""
    spec = current_app.error_handler_spec[None]
    for code in (error.code, None):
        for cls in type(error).__mro__:
            handler = spec.get(code, {}).get(cls)
            if handler is not None and handler not in OUR_APP_HANDLERS:
                return handler(error)
    return error


@bp.errorhandler(HTTPException)
def api_http_error(error: HTTPException):
    """Any HTTP error raised while serving an API route (400, 401, 404, 406, 429 …)."""
    return http_problem(error) if is_api_request() else _site_handler(error)


@bp.errorhandler(InternalServerError)
def api_server_error(error: InternalServerError):
    """An unexpected exception in an API view: a problem, never the HTML error page."""
    if not is_api_request():
        return _site_handler(error)
    return problem_response(500)


@bp.app_errorhandler(404)
def unknown_path(error: HTTPException):
    """No route matched: under /api/v1 a problem, elsewhere the site's page."""
    return http_problem(error) if is_api_request() else _site_handler(error)


@bp.app_errorhandler(405)
def method_not_allowed(error: HTTPException):
    """A route that does not take this method: under /api/v1 a problem with Allow, elsewhere the site's page."""
    return http_problem(error) if is_api_request() else _site_handler(error)


OUR_APP_HANDLERS = (unknown_path, method_not_allowed)
