"""Checking API answers against the OpenAPI document the app serves (the same schemas that build it)."""

from __future__ import annotations

import jsonschema_rs

from blueprints.api.openapi import openapi_document
from blueprints.api.schemas import API_PREFIX


def schema_validator(app, component: str):
    """A JSON Schema 2020-12 validator of one component, references resolved inside the document."""
    document = openapi_document(app.config)
    return jsonschema_rs.Draft202012Validator(
        {"components": document["components"], "$ref": f"#/components/schemas/{component}"}, validate_formats=True
    )


def assert_matches(app, component: str, body) -> None:
    errors = [str(error) for error in schema_validator(app, component).iter_errors(body)]
    assert not errors, f"{component}: " + "\n".join(errors)


def documented_component(app, path_template: str, status: int) -> tuple[str, str]:
    """(media type, component) the document promises for ``status`` of GET ``path_template``."""
    document = openapi_document(app.config)
    answer = document["paths"][path_template]["get"]["responses"][str(status)]
    media_type, content = next(iter(answer["content"].items()))
    return media_type, content["schema"]["$ref"].rsplit("/", 1)[-1]


def api_get(app, client, path: str, path_template: str | None = None, *, expect: int = 200, **kwargs):
    """GET an API path, check the status, and check the body and media type against the document."""
    response = client.get(API_PREFIX + path, **kwargs)
    assert response.status_code == expect, (path, response.status_code, response.text[:500])
    if response.status_code in (301, 304):
        return response
    template = path_template or path.split("?", 1)[0]
    media_type, component = documented_component(app, template, response.status_code)
    assert response.mimetype == media_type, (path, response.mimetype)
    assert_matches(app, component, response.get_json())
    return response
