"""The role walk: every /staff route, every role. Visitors sign in, users get 403, admin-only stays admin-only."""

from __future__ import annotations

import pytest

from tests.accounts import csrf_from, make_user, sign_in

ROLES = ("visitor", "user", "moderator", "admin")


def staff_rules(app):
    """(rule, methods, required role) for every route of the staff area, both languages."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("moderation."):
            view = app.view_functions[rule.endpoint]
            found.append((rule, rule.methods - {"HEAD", "OPTIONS"}, getattr(view, "staff_role", None)))
    return found


def concrete_path(rule, user_id: int = 1) -> str:
    values = {name: (user_id if name == "user_id" else 1) for name in rule.arguments if name != "lang"}
    if "lang" in rule.arguments:
        values["lang"] = "en"
    return rule.build(values, append_unknown=False)[1]


@pytest.fixture
def target(app):
    """The account staff act on in the walk: not one of the walkers, so banning it signs nobody out."""
    return make_user(app, "targetuser", phone="+8613800000010")


@pytest.fixture
def clients(app, catalog, target):
    make_user(app, "plainuser", phone="+8613800000011")
    make_user(app, "moduser", phone="+8613800000012", role="moderator")
    make_user(app, "adminuser", phone="+8613800000013", role="admin")
    result = {"visitor": app.test_client()}
    for role, name in (("user", "plainuser"), ("moderator", "moduser"), ("admin", "adminuser")):
        client = app.test_client()
        sign_in(client, name)
        result[role] = client
    return result


def test_every_staff_route_declares_its_role(app):
    rules = staff_rules(app)
    assert len(rules) >= 10
    for rule, _methods, role in rules:
        assert role in ("moderator", "admin"), f"{rule} has no staff gate"


def test_the_role_walk(app, clients, target):
    # A visitor's token comes from the sign-in form; signed-in pages carry one in the sign-out form.
    token = {role: csrf_from(clients[role].get("/sign-in" if role == "visitor" else "/").text) for role in ROLES}
    for rule, methods, required in staff_rules(app):
        path = concrete_path(rule, target)
        for method in methods:
            for role in ROLES:
                client = clients[role]
                data = {"csrf_token": token[role]}
                response = client.get(path) if method == "GET" else client.post(path, data=data)
                where = f"{method} {path} as {role}"
                if role == "visitor":
                    assert response.status_code in (302, 303), where
                    assert "/sign-in" in response.headers["Location"], where
                elif role == "user" or (role == "moderator" and required == "admin"):
                    assert response.status_code == 403, where
                else:
                    assert response.status_code not in (302, 401, 403, 500), where


def test_the_role_walk_refuses_a_post_without_csrf(app, clients):
    for rule, methods, _required in staff_rules(app):
        if "POST" in methods:
            assert clients["admin"].post(concrete_path(rule)).status_code == 400, rule
