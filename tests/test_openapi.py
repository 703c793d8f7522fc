"""The OpenAPI document and the documentation page are built from the code that serves the API: no drift."""

from __future__ import annotations

import re

import jsonschema_rs
import pytest
import schemathesis
from flask_babel import force_locale

from blueprints.api.openapi import example_of, openapi_document
from blueprints.api.problems import PROBLEM_TYPES
from blueprints.api.schemas import API_PREFIX, OPERATIONS, SCHEMAS, ref
from tests.api_schema import api_get, assert_matches


@pytest.fixture
def document(app) -> dict:
    with app.test_request_context(), force_locale("en"):
        return openapi_document(app.config)


def test_the_served_document_is_the_generated_one_in_english(app, client, document):
    served = api_get(app, client, "/openapi.json").get_json()
    assert served == document
    assert served["openapi"] == "3.1.0"
    assert served["paths"]["/tools"]["get"]["summary"] == "Tools"  # English at the Chinese default too


def test_schemathesis_loads_the_document_and_finds_every_operation(document):
    schema = schemathesis.openapi.from_dict(document)
    found = {(op.ok().method.upper(), op.ok().path) for op in schema.get_all_operations()}
    assert found == {("GET", operation.path) for operation in OPERATIONS}


def test_every_api_route_is_documented_and_every_documented_path_is_served(app, document):
    served = {re.sub(r"<(\w+)>", r"{\1}", rule.rule).removeprefix(API_PREFIX)
              for rule in app.url_map.iter_rules() if rule.rule.startswith(API_PREFIX + "/")}
    assert served == set(document["paths"])
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(API_PREFIX):
            assert rule.methods - {"HEAD", "OPTIONS"} == {"GET"}, rule


def test_every_schema_is_valid_json_schema_and_its_example_matches_it(app):
    for name, schema in SCHEMAS.items():
        assert jsonschema_rs.meta.is_valid(schema), name
        assert_matches(app, name, example_of(ref(name)))


def test_every_documented_query_parameter_is_checked_by_the_code(app, catalog, client, document):
    """An invalid value of each documented parameter is refused with a 400 naming it."""
    for operation in OPERATIONS:
        path = operation.path.replace("{slug}", "alpha-scout").replace("{collection_id}", "1")
        for param in operation.query_params:
            schema = param.schema_for(app.config)
            bad = "x" if schema.get("type") == "integer" else ("zzz" if "enum" in schema else "")
            base = "q=alpha&" if operation.id == "search" and param.name != "q" else ""
            problem = api_get(app, client, f"{path}?{base}{param.name}={bad}", operation.path, expect=400).get_json()
            assert [e["parameter"] for e in problem["errors"]] == [param.name], (operation.id, param.name)


def test_the_document_states_the_limits_in_force(app, client):
    app.config.update(API_MAX_PAGE_SIZE=50, API_ANONYMOUS_RATE_LIMIT="7 per minute")
    served = api_get(app, client, "/openapi.json").get_json()
    per_page = next(p for p in served["paths"]["/tools"]["get"]["parameters"] if p["name"] == "per_page")
    assert per_page["schema"]["maximum"] == 50
    assert "7 per minute" in served["info"]["description"]
    assert api_get(app, client, "/tools?per_page=51", expect=400).status_code == 400


def test_every_answer_documents_its_problems(document):
    for path, item in document["paths"].items():
        answers = item["get"]["responses"]
        assert {"200", "304", "401", "406", "429"} <= set(answers), path
        for status in ("401", "406", "429"):
            assert answers[status]["content"]["application/problem+json"]["schema"] == ref("Problem")
        assert answers["429"]["headers"]["Retry-After"] == {"$ref": "#/components/headers/Retry-After"}


@pytest.mark.parametrize(("path", "heading"), [("/api", "Read API"), ("/en/api", "Read API")])
def test_the_documentation_page_shows_every_operation_parameter_limit_and_problem(app, client, path, heading):
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.text
    assert ('<html lang="en"' in page) == path.startswith("/en")
    for operation in OPERATIONS:
        assert f'id="{operation.id}"' in page and f"GET {API_PREFIX}{operation.path}" in page
        for param in operation.params:
            assert f"<code>{param.name}</code>" in page, (operation.id, param.name)
    assert app.config["API_ANONYMOUS_RATE_LIMIT"] in page and app.config["API_TOKEN_RATE_LIMIT"] in page
    for anchor, _title in PROBLEM_TYPES.values():
        assert f'id="problem-{anchor}"' in page
    assert "http://localhost/api/v1/openapi.json" in page and 'href="/settings/api-tokens"' in page.replace(
        "/en/settings", "/settings")


def test_problem_types_link_to_the_documentation_page(app, client):
    problem = api_get(app, client, "/tools?page=0", "/tools", expect=400).get_json()
    page, anchor = problem["type"].split("#")
    assert client.get(page).status_code == 200
    assert f'id="{anchor}"' in client.get(page).text
