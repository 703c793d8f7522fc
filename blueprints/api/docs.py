"""The read API's documentation for people, /api and /en/api, built from the same operations and schemas."""

from __future__ import annotations

import json
import re

from flask import current_app, render_template, url_for
from flask_babel import gettext as _

from blueprints.api import bp
from blueprints.api.openapi import example_of
from blueprints.api.problems import DEFAULT_DETAILS, PROBLEM_TYPES
from blueprints.api.schemas import API_PREFIX, OPERATIONS, Operation, Param, ref
from blueprints.caching import cached_page
from blueprints.i18n import localized_route
from blueprints.templating import absolute


def constraints(param: Param) -> str:
    """The parameter's rules in a few words, read from its schema."""
    schema = param.schema_for(current_app.config)
    if "enum" in schema:
        return _("one of: %(values)s", values=", ".join(schema["enum"]))
    if schema.get("type") == "integer":
        return _("whole number, %(low)s to %(high)s", low=schema["minimum"], high=schema["maximum"])
    parts = []
    if "maxLength" in schema:
        parts.append(_("%(min)s to %(max)s characters", min=schema.get("minLength", 0), max=schema["maxLength"]))
    if schema.get("pattern") and schema["pattern"] != r"^[^\x00]*$":
        parts.append(_("matching %(pattern)s", pattern=schema["pattern"]))
    return "; ".join(parts) or _("text")


def example_path(operation: Operation) -> str:
    """The operation's example request with each path parameter's example filled in."""
    examples = {p.name: p.schema_for(current_app.config).get("examples", [""])[0] for p in operation.params}
    return API_PREFIX + re.sub(r"\{(\w+)\}", lambda m: str(examples[m.group(1)]), operation.example)


def _pretty(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)


@localized_route(bp, "/api")
@cached_page()
def docs():
    """How to use the read API: operations, parameters, examples, limits, tokens and errors."""
    config = current_app.config
    operations = [
        {"operation": operation, "path": API_PREFIX + operation.path, "example": example_path(operation),
         "answer": _pretty(example_of(ref(operation.response)))}
        for operation in OPERATIONS
    ]
    problems = [{"status": status, "anchor": anchor, "title": title, "detail": DEFAULT_DETAILS.get(status, "")}
                for status, (anchor, title) in PROBLEM_TYPES.items()]
    return render_template(
        "api/docs.html",
        base_url=absolute(API_PREFIX),
        openapi_url=absolute(url_for("api.openapi")),
        operations=operations,
        problems=problems,
        problem_example=_pretty(example_of(ref("Problem"))),
        constraints=constraints,
        anonymous_limit=config["API_ANONYMOUS_RATE_LIMIT"],
        token_limit=config["API_TOKEN_RATE_LIMIT"],
        default_page_size=config["API_DEFAULT_PAGE_SIZE"],
        max_page_size=config["API_MAX_PAGE_SIZE"],
        tokens_per_user=config["API_TOKENS_PER_USER"],
    )
