"""Every state-changing route refuses a request without a CSRF token."""

import re

from tests.accounts import make_user, sign_in

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def _concrete_path(rule) -> str:
    """The rule with every argument filled in with a value its converter accepts."""
    path = rule.rule
    for argument in rule.arguments:
        converter = type(rule._converters.get(argument)).__name__
        value = "en" if argument == "lang" else ("1" if converter in ("IntegerConverter", "NumberConverter") else "x")
        path = re.sub(rf"<(?:[^<>]+:)?{argument}>", value, path)
    return path


def test_every_state_changing_route_refuses_a_missing_csrf_token(app):
    make_user(app)
    signed_in = app.test_client()
    sign_in(signed_in)
    visitor = app.test_client()
    checked = []
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) & STATE_CHANGING):
            path = _concrete_path(rule)
            for client in (visitor, signed_in):
                response = client.open(path, method=method, data={"x": "1"})
                assert response.status_code == 400, (method, path, response.status_code)
                assert "Your form expired" in response.text or "表单已过期" in response.text
            checked.append((method, rule.rule))
    assert len(checked) >= 10, checked
    assert signed_in.get("/settings/security").status_code == 200  # nothing above signed it out
