"""The cookie notice, the /cookies page, and proof that every cookie the app sets is listed."""

import pytest
from flask_login.config import COOKIE_NAME as FLASK_LOGIN_DEFAULT
from markupsafe import escape

from services import preferences
from services.cookies import NOTICE_COOKIE, cookie_registry, remember_cookie_name
from services.devices import COOKIE_NAME as DEVICE_COOKIE
from tests.accounts import CHROME, last_code, make_user, post_form, sign_in

NOTICE = 'id="cookie-notice"'


def test_a_first_visit_shows_the_notice_and_closing_it_hides_it_on_cached_pages_too(app, catalog):
    stranger, visitor = app.test_client(), app.test_client()
    assert NOTICE in stranger.get("/en/").text  # fills the page cache
    first = visitor.get("/en/")
    assert NOTICE in first.text and "csrf" not in first.text.lower() and "Set-Cookie" not in first.headers
    closed = visitor.get("/en/cookies/ok?next=/en/c/ads")
    assert closed.status_code == 303 and closed.headers["Location"] == "/en/c/ads"
    assert visitor.get_cookie(NOTICE_COOKIE).value == "1"
    again = visitor.get("/en/")
    assert again.headers.get("X-Cache") == "HIT" and NOTICE not in again.text
    assert NOTICE in stranger.get("/en/").text  # the shared cached page still has it for others


def test_closing_the_notice_goes_back_only_within_the_site(client):
    response = client.get("/cookies/ok?next=https://evil.example/")
    assert response.status_code == 303 and response.headers["Location"] == "/"


def test_closing_the_notice_with_htmx_answers_with_nothing(client):
    response = client.get("/en/cookies/ok", headers={"HX-Request": "true"})
    assert response.status_code == 200 and response.text == ""
    assert client.get_cookie(NOTICE_COOKIE) is not None


def test_a_signed_in_user_closes_the_notice_for_the_account(app, client, catalog):
    user_id = make_user(app)
    sign_in(client)
    page = client.get("/en/", headers={"User-Agent": CHROME}).text
    assert NOTICE in page and 'action="/en/cookies/dismiss"' in page
    response = post_form(client, "/en/", {"next": "/en/c/ads"}, action="/en/cookies/dismiss")
    assert response.status_code == 303 and response.headers["Location"] == "/en/c/ads"
    assert NOTICE not in client.get("/en/", headers={"User-Agent": CHROME}).text
    with app.app_context():
        assert preferences.has_dismissed(user_id, "cookies")


def test_dismissing_for_the_account_refuses_visitors_and_missing_tokens(app, client):
    visitor = post_form(client, "/en/sign-in", {}, action="/en/cookies/dismiss")
    assert visitor.status_code == 303 and "/sign-in" in visitor.headers["Location"]
    make_user(app)
    sign_in(client)
    assert client.post("/en/cookies/dismiss").status_code == 400


def test_the_cookies_page_lists_every_registered_cookie(app, client):
    page = client.get("/en/cookies").text
    with app.app_context():
        for cookie in cookie_registry(app.config):
            assert f"<code>{cookie.name}</code>" in page
            assert str(escape(cookie.purpose("en"))) in page
    assert "会话" in client.get("/cookies").text


def test_the_footer_links_the_policies_and_the_cookie_page(client, catalog):
    page = client.get("/en/").text
    for href in ("/en/privacy", "/en/terms", "/en/cookies"):
        assert f'href="{href}"' in page


def _set_cookie_names(response) -> set[str]:
    return {header.split("=", 1)[0].strip() for header in response.headers.getlist("Set-Cookie")}


def _every_cookie_set(app) -> set[str]:
    """Drive each flow that can set a cookie and collect the names of all cookies set."""
    names: set[str] = set()
    client = app.test_client()
    hits = [client.get("/"), client.get("/en/"), client.get("/en/c/ads"), client.get("/cookies/ok?next=/")]
    hits.append(client.get("/en/sign-in"))
    hits.append(post_form(client, "/en/register", {"phone": "13812345678", "action": "send_code"}))
    hits.append(post_form(client, "/en/register", {
        "account_name": "newseller", "password": "Correct-Horse-42", "phone": "13812345678",
        "code": last_code(app, "+8613812345678"), "accept_terms": "y", "action": "register", "next": "/en/"}))
    hits.append(post_form(client, "/en/", {}, action="/en/cookies/dismiss"))
    hits.append(post_form(client, "/en/", {}, action="/en/sign-out"))
    make_user(app)
    remembered = app.test_client()
    hits.append(sign_in(remembered, remember="y"))
    hits.append(remembered.get("/en/", headers={"User-Agent": CHROME}))
    hits.append(post_form(remembered, "/en/", {}, action="/en/sign-out"))
    for response in hits:
        names |= _set_cookie_names(response)
    return names


@pytest.mark.parametrize("app_config", [{}, {"SESSION_COOKIE_NAME": "sn_session", "REMEMBER_COOKIE_NAME": "sn_keep"}])
def test_every_cookie_the_app_sets_is_in_the_registry(app, catalog, app_config):
    names = _every_cookie_set(app)
    registered = {cookie.name for cookie in cookie_registry(app.config)}
    assert names, "the flows set no cookie at all"
    assert names <= registered, names - registered
    assert {app.config["SESSION_COOKIE_NAME"], remember_cookie_name(app.config), DEVICE_COOKIE, NOTICE_COOKIE} <= names


@pytest.mark.parametrize("app_config", [{}, {"SESSION_COOKIE_NAME": "sn_session", "REMEMBER_COOKIE_NAME": "sn_keep"}])
def test_each_registry_entry_is_named_as_configured(app, app_config):
    session, remember, device, notice = cookie_registry(app.config)
    assert session.name == app.config["SESSION_COOKIE_NAME"]
    assert remember.name == app.config.get("REMEMBER_COOKIE_NAME", FLASK_LOGIN_DEFAULT)
    assert device.name == DEVICE_COOKIE
    assert notice.name == NOTICE_COOKIE
    assert session.essential and remember.essential and device.essential and not notice.essential

