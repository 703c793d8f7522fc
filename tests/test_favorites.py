"""Collecting tools: one click anywhere, exact counts, the favorites page, and every refusal."""

import re
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from extensions import db
from models import Favorite, Tool
from services import favorites
from tests.accounts import CHROME, csrf_from, make_user, post_form, sign_in


def _count(app, slug="alpha-scout") -> int:
    with app.app_context():
        return db.session.scalar(select(Tool.favorite_count).where(Tool.slug == slug))


def _signed_in(app, name="seller1", phone="+8613800000001", **kwargs):
    make_user(app, name, phone=phone, **kwargs)
    client = app.test_client()
    sign_in(client, name)
    return client


def test_collecting_without_javascript_redirects_back_to_the_card(app, catalog):
    client = _signed_in(app)
    response = post_form(client, "/en/c/pr-amazon", {"next": "/en/c/pr-amazon#tool-alpha-scout"},
                         action="/en/t/alpha-scout/collect")
    assert response.status_code == 303
    assert response.headers["Location"] == "/en/c/pr-amazon#tool-alpha-scout"
    assert _count(app) == 1
    page = client.get("/en/c/pr-amazon").text
    assert "Added Alpha Scout to your favorites." in page
    collected = r'formaction="/en/t/alpha-scout/uncollect"[^>]*class="collect-btn collect-alpha-scout is-on"'
    assert re.search(collected, page)


def test_collecting_with_htmx_answers_out_of_band_swaps_for_every_copy(app, catalog):
    client = _signed_in(app)
    response = post_form(client, "/en/t/alpha-scout", {"next": "/en/t/alpha-scout"},
                         action="/en/t/alpha-scout/collect", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text
    assert 'hx-swap-oob="outerHTML:.collect-alpha-scout"' in response.text
    assert 'hx-swap-oob="outerHTML:.favcount-alpha-scout"' in response.text
    assert "1 collected" in response.text and 'formaction="/en/t/alpha-scout/uncollect"' in response.text
    assert "HX-Request" in response.headers["Vary"]
    assert "no-store" in response.headers["Cache-Control"]


def test_collecting_twice_and_uncollecting_twice_keep_the_count_exact(app, catalog):
    client = _signed_in(app)
    for _ in range(2):
        post_form(client, "/t/alpha-scout", {}, action="/t/alpha-scout/collect")
    assert _count(app) == 1
    for _ in range(2):
        post_form(client, "/t/alpha-scout", {}, action="/t/alpha-scout/uncollect")
    assert _count(app) == 0


def test_twenty_parallel_collectors_leave_an_exact_count(app, catalog):
    user_ids = [make_user(app, f"seller{n}", phone=f"+86138000001{n:02d}") for n in range(20)]
    with app.app_context():
        tool_id = db.session.scalar(select(Tool.id).where(Tool.slug == "alpha-scout"))

    def collect_twice(user_id):
        with app.app_context():
            try:
                favorites.collect(user_id, tool_id)
                favorites.collect(user_id, tool_id)
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(collect_twice, user_ids))
    assert _count(app) == 20
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Favorite)) == 20

    def uncollect(user_id):
        with app.app_context():
            try:
                favorites.uncollect(user_id, tool_id)
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(uncollect, user_ids[:7]))
    assert _count(app) == 13


def test_visitors_see_a_sign_in_link_and_are_sent_to_sign_in(app, client, catalog):
    page = client.get("/en/c/pr-amazon").text
    assert 'href="/en/sign-in?next=/en/c/pr-amazon%23tool-alpha-scout"' in page
    token = csrf_from(client.get("/en/sign-in").text)
    response = client.post("/en/t/alpha-scout/collect", data={"csrf_token": token, "next": "/en/c/pr-amazon"})
    assert response.status_code == 303 and response.headers["Location"].startswith("/en/sign-in?next=")
    assert _count(app) == 0


def test_unverified_and_banned_users_cannot_collect(app, catalog):
    unverified = _signed_in(app, "wxuser", phone="+8613900000001", verified=False)
    response = post_form(unverified, "/en/t/alpha-scout", {"next": "/en/t/alpha-scout"},
                         action="/en/t/alpha-scout/collect")
    assert response.status_code == 303 and "/verify-phone?next=/en/t/alpha-scout" in response.headers["Location"]
    banned = _signed_in(app, "banned1", phone="+8613900000002", status="banned", ban_reason="Spam")
    response = post_form(banned, "/en/t/alpha-scout", {}, action="/en/t/alpha-scout/collect")
    assert response.status_code == 403 and "Spam" in response.text
    assert _count(app) == 0


def test_collecting_needs_a_csrf_token_and_a_public_tool(app, catalog):
    client = _signed_in(app)
    assert client.post("/t/alpha-scout/collect", headers={"User-Agent": CHROME}).status_code == 400
    assert post_form(client, "/t/alpha-scout", {}, action="/t/no-such-tool/collect").status_code == 404
    assert _count(app) == 0


def test_collecting_is_rate_limited(app, catalog):
    app.config["RATELIMIT_ENABLED"] = True
    client = _signed_in(app)
    token = csrf_from(client.get("/t/alpha-scout", headers={"User-Agent": CHROME}).text)
    statuses = [client.post("/t/alpha-scout/collect", data={"csrf_token": token}).status_code for _ in range(121)]
    assert statuses[-1] == 429


def test_the_favorites_page_lists_sorts_and_filters_my_tools(app, catalog):
    client = _signed_in(app)
    for slug in ("alpha-scout", "mai-jia", "delta-pay"):
        post_form(client, f"/t/{slug}", {}, action=f"/t/{slug}/collect")
    page = client.get("/en/favorites")
    assert page.status_code == 200 and "no-store" in page.headers["Cache-Control"]
    slugs = re.findall(r'<article class="card" id="tool-([^"]+)"', page.text)
    assert slugs == ["delta-pay", "mai-jia", "alpha-scout"]  # most recently collected first
    by_name = re.findall(r'<article class="card" id="tool-([^"]+)"', client.get("/en/favorites?sort=name").text)
    assert by_name == ["alpha-scout", "delta-pay", "mai-jia"]
    chinese = re.findall(r'<article class="card" id="tool-([^"]+)"', client.get("/en/favorites?zh=1").text)
    assert set(chinese) == {"mai-jia", "delta-pay"}
    fragment = client.get("/en/favorites", headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and "HX-Request" in fragment.headers["Vary"]
    assert client.get("/en/favorites?sort=cheapest").status_code == 400


def test_the_favorites_page_is_for_signed_in_users(client):
    response = client.get("/favorites")
    assert response.status_code == 303 and response.headers["Location"].startswith("/sign-in?next=/favorites")


def test_someone_elses_favorites_are_not_shown(app, catalog):
    first = _signed_in(app)
    post_form(first, "/t/alpha-scout", {}, action="/t/alpha-scout/collect")
    second = _signed_in(app, "seller2", phone="+8613800000002")
    assert "tool-alpha-scout" not in second.get("/en/favorites").text


def _home_collect_state(client, slug: str) -> str:
    """"on" or "off": the collect button of ``slug``'s card on the English home page."""
    page = client.get("/en/").text
    button = re.search(rf'<button[^>]*class="collect-btn collect-{slug}( is-on)?"', page)
    assert button, f"no collect button for {slug} on the home page"
    return "on" if button[1] else "off"


def test_signed_in_viewers_share_one_home_rendering_but_each_sees_their_own_collect_states(app, catalog):
    first = _signed_in(app)
    post_form(first, "/en/", {}, action="/en/t/alpha-scout/collect")
    second = _signed_in(app, "seller2", phone="+8613800000002")
    assert _home_collect_state(first, "alpha-scout") == "on"
    assert _home_collect_state(second, "alpha-scout") == "off"  # the same shared rendering, filled in for them
    post_form(second, "/en/", {}, action="/en/t/alpha-scout/collect")
    post_form(first, "/en/", {}, action="/en/t/alpha-scout/uncollect")
    assert _home_collect_state(first, "alpha-scout") == "off"
    assert _home_collect_state(second, "alpha-scout") == "on"


def test_a_catalog_edit_shows_on_the_signed_in_home_at_once(app, catalog):
    from services.catalog_version import bump_catalog_version

    client = _signed_in(app)
    assert "Alpha Scout" in client.get("/en/").text
    with app.app_context():
        db.session.execute(Tool.__table__.update().where(Tool.slug == "alpha-scout").values(name_en="Alpha Scout Pro"))
        bump_catalog_version()
        db.session.commit()
    assert "Alpha Scout Pro" in client.get("/en/").text
