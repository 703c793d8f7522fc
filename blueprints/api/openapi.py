"""The OpenAPI 3.1 document of the read API, built from schemas.OPERATIONS and the app's limits.

``example_of`` builds a sample value of any schema from its ``examples``, for
the documentation page; the tests validate those samples against the schemas too.
"""

from __future__ import annotations

import copy

from blueprints.api.schemas import API_PREFIX, OPERATIONS, SCHEMAS, Operation, Param

TOKEN_SCHEME = "bearerToken"
DIGITS = {"type": "string", "pattern": r"^[0-9]+$"}
HEADERS = {
    "ETag": {"description": "A strong validator of the body: send it back in If-None-Match to get 304.",
             "required": True, "schema": {"type": "string", "pattern": r'^"[0-9a-f]+"$'}},
    "Cache-Control": {"description": "public, max-age=60 without a token; private, max-age=60 with one.",
                      "required": True, "schema": {"type": "string"}},
    "Access-Control-Allow-Origin": {"description": "Any site may read the API from a browser.",
                                    "required": True, "schema": {"type": "string", "enum": ["*"]}},
    "Link": {"description": "RFC 8288 links to the first, last, previous and next pages of a list.",
             "schema": {"type": "string"}},
    "X-RateLimit-Limit": {"description": "Requests allowed in the current window.", "schema": DIGITS},
    "X-RateLimit-Remaining": {"description": "Requests left in the current window.", "schema": DIGITS},
    "X-RateLimit-Reset": {"description": "When the window ends, in seconds since the Unix epoch.", "schema": DIGITS},
    "Retry-After": {"description": "Seconds to wait before the next request.", "required": True, "schema": DIGITS},
    "WWW-Authenticate": {"description": "Bearer, with error=\"invalid_token\".", "required": True,
                         "schema": {"type": "string"}},
    "Location": {"description": "The resource's address now.", "required": True, "schema": {"type": "string"}},
}
RATE_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


def _headers(*names: str) -> dict:
    return {name: {"$ref": f"#/components/headers/{name}"} for name in names}


def _problem(description: str, *headers: str) -> dict:
    return {"description": description, "headers": _headers("Access-Control-Allow-Origin", *headers),
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def _parameter(param: Param, config) -> dict:
    schema = param.schema_for(config)
    entry = {"name": param.name, "in": param.where, "required": param.required,
             "description": str(param.description), "schema": schema}
    if param.where == "path":
        entry["style"] = "simple"
    return entry


def responses(operation: Operation) -> dict:
    """What an operation may answer, with the headers each answer carries."""
    success_headers = ("ETag", "Cache-Control", "Access-Control-Allow-Origin", *RATE_HEADERS)
    if operation.response in ("ToolPage", "SearchPage", "ToolRatings"):
        success_headers += ("Link",)
    answers = {
        "200": {"description": "OK", "headers": _headers(*success_headers),
                "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{operation.response}"}}}},
        "304": {"description": "Not modified: If-None-Match named the current ETag.", "headers": _headers("ETag")},
    }
    if operation.may_redirect:
        answers["301"] = {"description": "An old slug of a merged or renamed tool: the tool's address now.",
                          "headers": _headers("Location", "Access-Control-Allow-Origin")}
    if operation.query_params:
        answers["400"] = _problem("A parameter is invalid; ``errors`` names each one.")
    answers["401"] = _problem("The Authorization header is not a working token.", "WWW-Authenticate")
    if operation.may_be_missing:
        answers["404"] = _problem("Nothing public answers to this address.")
    answers["406"] = _problem("The Accept header rules out JSON.")
    answers["429"] = _problem("Over the rate limit.", "Retry-After", *RATE_HEADERS)
    return answers


def operation_object(operation: Operation, config) -> dict:
    return {
        "operationId": operation.id,
        "summary": str(operation.summary),
        "description": str(operation.description),
        "tags": list(operation.tags),
        "parameters": [_parameter(param, config) for param in operation.params],
        "responses": responses(operation),
    }


def openapi_document(config) -> dict:
    """The whole document; its limits are read from ``config``, so it states the limits in force."""
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {
            "title": f"{config['SITE_NAME']} read API",
            "version": "1.0.0",
            "description": (
                "Read-only JSON over the public catalog: categories, tools with the site's filters, search, "
                "ratings and public collections. Anonymous callers are limited per address to "
                f"{config['API_ANONYMOUS_RATE_LIMIT']}; a personal token (Settings → API tokens), sent as "
                f"`Authorization: Bearer <token>`, is limited to {config['API_TOKEN_RATE_LIMIT']}. "
                f"Lists take per_page up to {config['API_MAX_PAGE_SIZE']} "
                f"(default {config['API_DEFAULT_PAGE_SIZE']}); an invalid parameter is a 400, never adjusted. "
                "Errors are RFC 9457 problem details."
            ),
        },
        "servers": [{"url": API_PREFIX}],
        "tags": [{"name": "catalog", "description": "The public catalog."},
                 {"name": "meta", "description": "This document."}],
        "security": [{}, {TOKEN_SCHEME: []}],
        "paths": {operation.path: {"get": operation_object(operation, config)} for operation in OPERATIONS},
        "components": {
            "schemas": copy.deepcopy(SCHEMAS),
            "headers": copy.deepcopy(HEADERS),
            "securitySchemes": {TOKEN_SCHEME: {
                "type": "http", "scheme": "bearer",
                "description": "A personal API token from Settings → API tokens (it starts with snk_). Optional: "
                               "without one the anonymous limit applies. A wrong or revoked token is a 401.",
            }},
        },
    }


def example_of(schema: dict, schemas: dict | None = None):
    """A sample value of ``schema``: its first example, else one built from its parts."""
    schemas = SCHEMAS if schemas is None else schemas
    if "$ref" in schema:
        return example_of(schemas[schema["$ref"].rsplit("/", 1)[-1]], schemas)
    if "examples" in schema:
        return schema["examples"][0]
    if "anyOf" in schema:
        return example_of(schema["anyOf"][0], schemas)
    kind = schema.get("type")
    if kind == "object":
        return {name: example_of(sub, schemas) for name, sub in schema.get("properties", {}).items()
                if name in schema.get("required", ())}
    if kind == "array":
        return [example_of(schema["items"], schemas)]
    return {"integer": 0, "number": 0, "boolean": False, "null": None}.get(kind, "")
