"""Every page answers odd query values with its page or a 4xx, never a 500.

A 25-digit number overflows every database integer, "²" is a digit to ``str.isdigit`` but not to
``int``, a NUL byte is refused by PostgreSQL. The walk signs in as an admin, so staff pages are
included, and tries each parameter any page reads with each hostile value.
"""

from __future__ import annotations

import pytest

from app import create_app
from services.numbers import whole_number
from tests.accounts import make_user, sign_in

HOSTILE_VALUES = ("9" * 25, "²", "\x00")
# Every parameter a page reads as a number, a date or a choice.
PARAMETERS = ("page", "category", "actor", "parent", "year", "kind", "user", "tool", "status", "sort", "before",
              "after", "from", "to")


def simple_get_paths(app) -> list[str]:
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments - {"lang"} and rule.endpoint != "static":
            paths.append(rule.build({"lang": "en"} if "lang" in rule.arguments else {}, append_unknown=False)[1])
    return sorted(paths)


# One case per page, so the walk spreads over the test workers; the rules come from an app built only to list them.
PAGES = simple_get_paths(create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True}))


@pytest.mark.parametrize("path", PAGES)
def test_no_page_fails_on_a_hostile_query_value(app, catalog, path):
    make_user(app, "adminuser", phone="+8613800000013", role="admin")
    admin = app.test_client()
    sign_in(admin, "adminuser")
    failures = []
    for value in HOSTILE_VALUES:
        for name in PARAMETERS:
            try:
                status = admin.get(path, query_string={name: value}).status_code
            except Exception as error:  # the test reports every failing value at once
                status = type(error).__name__
            if status == 500 or isinstance(status, str):
                failures.append(f"{path}?{name}={value!r}: {status}")
    assert not failures, "\n".join(failures)


def test_the_walk_covers_the_pages_staff_and_visitors_read():
    assert {"/", "/en/search", "/staff", "/en/settings/profile"} <= set(PAGES), PAGES
    assert len(PAGES) > 40


@pytest.mark.parametrize(("text", "expected"), [
    ("42", 42), (" 42 ", 42), ("0", 0), ("", None), (None, None), ("²", None), ("٣", None), ("-1", None),
    ("1.5", None), ("9" * 25, None), (str(2**31 - 1), 2**31 - 1), (str(2**31), None),
])
def test_whole_numbers_are_ascii_digits_within_range(text, expected):
    assert whole_number(text) == expected


def test_a_whole_number_respects_its_bounds():
    assert whole_number("0", minimum=1) is None
    assert whole_number("10001", maximum=10_000) is None
    assert whole_number("10000", maximum=10_000) == 10_000


def test_a_nul_character_in_a_form_is_refused_with_a_400_before_any_view(app, client, catalog):
    from tests.accounts import csrf_from

    token = csrf_from(client.get("/sign-in").text)
    response = client.post("/sign-in", data={"csrf_token": token, "login": "a\x00b", "password": "x"})
    assert response.status_code == 400
    assert "NUL" in client.get("/en/search", query_string={"q": "a\x00"}).text
