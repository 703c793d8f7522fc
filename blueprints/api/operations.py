"""How every API operation is served: route, parameters, token, rate limit, JSON, ETag, caching, CORS.

A view is written as ``@api_operation("tools")`` over a function of its checked
parameters that returns the response body (a dict) or a redirect. The route, the
parameter rules and the documentation all come from the operation's entry in
``schemas.OPERATIONS``, so none of them can say something the others do not.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import wraps

from flask import current_app, request, url_for

from blueprints.api import bp
from blueprints.api.auth import Caller, authenticate, is_preflight, rate_limit, rate_limit_key
from blueprints.api.problems import ApiProblem, finish_api_response, is_api_request
from blueprints.api.schemas import API_PREFIX, OPERATIONS_BY_ID, Operation, Param
from blueprints.templating import absolute
from extensions import limiter

JSON_TYPES = ("application/json", "application/problem+json")
CACHE_SECONDS = 60  # small: an edit shows within a minute; ETags make revalidation cheap
MAX_INTEGER_DIGITS = 12  # longer is no page or id we have, and never reaches the database


# One budget per caller across every operation, not one per operation.
api_rate_limit = limiter.shared_limit(rate_limit, scope="api-v1", key_func=rate_limit_key, exempt_when=is_preflight)


def flask_rule(operation: Operation) -> str:
    """/tools/{slug} → /api/v1/tools/<slug>; every path value is checked by its schema, not by a converter."""
    return API_PREFIX + re.sub(r"\{(\w+)\}", r"<\1>", operation.path)


def _pattern(pattern: str) -> re.Pattern:
    # JSON Schema patterns are ECMA-262: "$" ends the string, where Python's "$" also matches before a final "\n".
    return re.compile(pattern[:-1] + r"\Z" if pattern.endswith("$") else pattern)


def check_value(raw: str, schema: dict) -> tuple[object, str | None]:
    """(value, None) when ``raw`` satisfies the schema, else (None, why): the subset of JSON Schema we use."""
    if schema.get("type") == "integer":
        if not re.fullmatch(rf"[0-9]{{1,{MAX_INTEGER_DIGITS}}}", raw):
            return None, "must be a whole number"
        value = int(raw)
        if value < schema.get("minimum", value):
            return None, f"must be at least {schema['minimum']}"
        if value > schema.get("maximum", value):
            return None, f"must be at most {schema['maximum']}"
        return value, None
    if "enum" in schema and raw not in schema["enum"]:
        return None, "must be one of: " + ", ".join(schema["enum"])
    if len(raw) < schema.get("minLength", 0):
        return None, "must not be empty" if schema["minLength"] == 1 else f"needs {schema['minLength']} characters"
    if len(raw) > schema.get("maxLength", len(raw)):
        return None, f"must be at most {schema['maxLength']} characters"
    if "pattern" in schema and not _pattern(schema["pattern"]).search(raw):
        return None, "is not in the accepted form"
    return raw, None


def _default(param: Param):
    return param.schema_for(current_app.config).get("default")


def parse_parameters(operation: Operation, path_values: dict) -> dict:
    """The operation's parameters, checked and with defaults; a bad path value is 404, a bad query 400."""
    values: dict = {}
    errors = []
    for param in operation.params:
        schema = param.schema_for(current_app.config)
        if param.where == "path":
            value, problem = check_value(path_values[param.name], schema)
            if problem:
                raise ApiProblem(404, f"No resource has the {param.name} “{path_values[param.name]}”.")
            values[param.name] = value
            continue
        given = request.args.getlist(param.name)
        if len(given) > 1:
            errors.append({"parameter": param.name, "message": "must be given at most once"})
        elif not given:
            if param.required:
                errors.append({"parameter": param.name, "message": "is required"})
            values[param.name] = schema.get("default")
        else:
            value, problem = check_value(given[0], schema)
            if problem:
                errors.append({"parameter": param.name, "message": problem})
            values[param.name] = value
    if errors:
        summary = "; ".join(f"{e['parameter']} {e['message']}" for e in errors)
        raise ApiProblem(400, f"Invalid parameters: {summary}.", errors=errors)
    return values


def _refuse_unacceptable() -> None:
    """406 when the client's Accept header rules out JSON (no header accepts anything)."""
    if request.headers.get("Accept") and request.accept_mimetypes.best_match(JSON_TYPES) is None:
        raise ApiProblem(406, "This API answers with application/json (errors: application/problem+json); "
                              "the Accept header allows neither.")


def page_links(operation: Operation, page: int, pages: int) -> dict:
    """Absolute links to this page, the first, last, previous and next, keeping every other parameter."""
    kept = {p.name: request.args[p.name] for p in operation.query_params if p.name in request.args and p.name != "page"}
    last = max(pages, 1)

    def link(number: int) -> str:
        extra = {"page": str(number)} if number != 1 else {}
        return absolute(url_for("api." + operation.id, **(request.view_args or {}), **kept, **extra))

    return {
        "self": link(page), "first": link(1), "last": link(last),
        "prev": link(min(page - 1, last)) if page > 1 else None,
        "next": link(page + 1) if page < last else None,
    }


def _link_header(links: dict) -> str:
    return ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items() if url and rel != "self")


def json_response(body: dict, caller: Caller):
    """The body as JSON with a strong ETag (If-None-Match answers 304) and caching for a minute.

    Anonymous answers may be kept by shared caches; an answer to a token is private to its caller.
    """
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    response = current_app.response_class(data, mimetype="application/json")
    response.set_etag(hashlib.sha256(data).hexdigest()[:40])
    if caller.has_token:
        response.cache_control.private = True
    else:
        response.cache_control.public = True
    response.cache_control.max_age = CACHE_SECONDS
    links = body.get("links") or (body.get("reviews") or {}).get("links")
    if links:
        response.headers["Link"] = _link_header(links)
    return response.make_conditional(request)


def api_operation(operation_id: str):
    """Register ``view`` as the operation's GET route behind the API's checks; ``view(params)`` returns a body."""
    operation = OPERATIONS_BY_ID[operation_id]

    def decorator(view):
        @wraps(view)
        def endpoint(**path_values):
            _refuse_unacceptable()
            caller = authenticate()
            result = view(parse_parameters(operation, path_values))
            return json_response(result, caller) if isinstance(result, dict) else result

        bp.add_url_rule(flask_rule(operation), operation.id, api_rate_limit(endpoint), methods=["GET"])
        return view

    return decorator


@bp.after_request
def api_headers(response):
    """CORS, Vary and no cookie on every API answer (the documentation page is a normal page)."""
    return finish_api_response(response) if is_api_request() else response
