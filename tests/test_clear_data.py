"""Clear Data: each button clears its own kind and nothing else, for this user only."""

import pytest
from sqlalchemy import func, select

from extensions import db
from models import (
    Collection,
    Favorite,
    Notification,
    Platform,
    Rating,
    SearchHistory,
    SecurityEvent,
    StoreAccount,
    Tool,
    ToolView,
    User,
    UserPreference,
)
from services import auth_sessions, clear_data, notifications, preferences
from tests.accounts import CHROME, csrf_from, make_user, post_form, sign_in

PAGE = "/settings/clear-data"
KEPT = ("favorites", "collections", "ratings", "notifications", "security_log")
HX = {"HX-Request": "true"}


def _stock(app, user_id: int, extra_sessions: int) -> None:
    """Give the user every kind of data Clear Data handles, and the kinds it must keep."""
    with app.app_context():
        user = db.session.get(User, user_id)
        tools = db.session.scalars(select(Tool.id).order_by(Tool.id).limit(3)).all()
        platform = db.session.scalar(select(Platform.id).order_by(Platform.id))
        for tool_id in tools[:2]:
            db.session.add(ToolView(user_id=user_id, tool_id=tool_id))
        for query in ("erp", "keyword tool"):
            db.session.add(SearchHistory(user_id=user_id, query=query))
        for _ in range(extra_sessions):
            auth_sessions.start_session(user, method="password", remember=True, ip="10.0.0.9", user_agent="Other")
        preferences.set_preference(user_id, preferences.THEME, "dark")
        preferences.dismiss_notice(user_id, "cookies")
        db.session.add_all([StoreAccount(user_id=user_id, platform_id=platform, store_name="Shop A"),
                            StoreAccount(user_id=user_id, platform_id=platform, store_name="Shop B")])
        db.session.add(Favorite(user_id=user_id, tool_id=tools[2]))
        db.session.add(Collection(user_id=user_id, name="Mine"))
        db.session.add(Rating(user_id=user_id, tool_id=tools[2], stars=4, review="Good"))
        notifications.notify(user_id, "new_browser", ip="10.0.0.9", browser="Other")
        db.session.commit()


def _holdings(app, user_id: int) -> dict[str, int]:
    """How much of every kind the user has: the five Clear Data kinds and the ones it keeps."""
    with app.app_context():
        counts = clear_data.data_counts(user_id)
        for name, model in (("favorites", Favorite), ("collections", Collection), ("ratings", Rating),
                            ("notifications", Notification), ("security_log", SecurityEvent)):
            counts[name] = db.session.scalar(select(func.count()).select_from(model).where(model.user_id == user_id))
        return counts


@pytest.fixture
def stocked(app, catalog, client):
    """seller1 signed in on ``client`` with 3 sessions in all; seller2 with the same data, untouched."""
    me = make_user(app)
    other = make_user(app, "seller2", phone="+8613800000002")
    sign_in(client)
    _stock(app, me, extra_sessions=2)
    _stock(app, other, extra_sessions=3)
    before = _holdings(app, me), _holdings(app, other)
    assert all(before[0][kind] > 0 for kind in clear_data.KINDS), before
    assert before[0][clear_data.SESSIONS] == 3
    assert before[0][clear_data.PREFERENCES] == 3  # theme, a dismissed notice, and the language just used
    return me, other, before


def _press(client, kind: str, scope: str | None = None, headers=None):
    data = {"scope": scope} if scope else {}
    return post_form(client, PAGE, data, action=f"{PAGE}/{kind}", headers=headers)


def _security_log_grew_by(counts_after: dict, counts_before: dict, entries: int) -> None:
    assert counts_after.pop("security_log") == counts_before.pop("security_log") + entries


@pytest.mark.parametrize(("kind", "scope", "left"), [
    (clear_data.BROWSING, None, 0),
    (clear_data.SEARCHES, None, 0),
    (clear_data.SESSIONS, "others", 1),  # this browser stays signed in
    (clear_data.PREFERENCES, None, 0),
    (clear_data.STORES, None, 0),
])
def test_each_button_clears_its_own_kind_and_nothing_else(app, client, stocked, kind, scope, left):
    me, other, (mine_before, others_before) = stocked
    assert f'action="{PAGE}/{kind}"' in client.get(PAGE).text
    response = _press(client, kind, scope)
    assert response.status_code == 303
    assert response.headers["Location"] == PAGE
    mine = _holdings(app, me)
    _security_log_grew_by(mine, mine_before, 1)
    assert mine == {**mine_before, kind: left}
    assert _holdings(app, other) == others_before
    assert client.get(PAGE).status_code == 200  # still signed in


def test_signing_out_everywhere_signs_out_this_browser_too_and_goes_home(app, client, stocked):
    me, other, (mine_before, others_before) = stocked
    response = _press(client, clear_data.SESSIONS, "all")
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    # The flash was made on the Chinese page, so it is in Chinese.
    assert "你已在所有地方退出登录" in client.get("/").text
    mine = _holdings(app, me)
    _security_log_grew_by(mine, mine_before, 1)
    assert mine == {**mine_before, clear_data.SESSIONS: 0}
    assert _holdings(app, other) == others_before
    assert client.get(PAGE).headers["Location"].startswith("/sign-in")


@pytest.mark.parametrize(("scope", "sessions_left"), [("others", 1), ("all", 0)])
def test_clear_all_clears_all_five_kinds_and_keeps_the_rest(app, client, stocked, scope, sessions_left):
    me, other, (mine_before, others_before) = stocked
    response = _press(client, clear_data.ALL, scope)
    assert response.status_code == 303
    mine = _holdings(app, me)
    _security_log_grew_by(mine, mine_before, 1)
    assert mine == {**mine_before, **dict.fromkeys(clear_data.KINDS, 0), clear_data.SESSIONS: sessions_left}
    assert all(mine[kind] == mine_before[kind] > 0 for kind in KEPT if kind != "security_log")
    assert _holdings(app, other) == others_before


def test_with_htmx_the_panel_comes_back_with_zero_counts_and_a_confirmation(app, client, stocked):
    response = _press(client, clear_data.SEARCHES, headers=HX)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "HX-Request" in response.headers["Vary"]
    assert "no-store" in response.headers["Cache-Control"]
    assert 'id="clear-data"' in response.text
    assert '<span data-count="search_history">0</span>' in response.text
    assert '<span data-count="browsing_history">2</span>' in response.text
    assert "role=\"status\"" in response.text
    page = client.get(PAGE)
    assert "<html" in page.text and "HX-Request" in page.headers["Vary"]


def test_with_htmx_signing_out_everywhere_redirects_the_whole_page(client, stocked):
    response = _press(client, clear_data.ALL, "all", headers=HX)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/"


def test_without_javascript_the_flash_says_what_was_cleared(client, stocked):
    response = _press(client, clear_data.STORES)
    page = client.get(response.headers["Location"]).text
    assert "你关联的店铺账号已移除。" in page
    assert '<span data-count="store_accounts">0</span>' in page


def test_the_page_says_what_each_kind_clears_and_what_is_kept(app, client, stocked):
    page = client.get("/en" + PAGE)
    assert page.status_code == 200
    assert "no-store" in page.headers["Cache-Control"]
    text = page.text
    for kind, count in ((clear_data.BROWSING, 2), (clear_data.SEARCHES, 2), (clear_data.SESSIONS, 3),
                        (clear_data.PREFERENCES, 3), (clear_data.STORES, 2)):
        assert f'<span data-count="{kind}">{count}</span>' in text
    for promise in ("Your favorites and collections.", "Your ratings and reviews.", "Your account itself.",
                    "Your notifications in the inbox.", "It is kept for 180 days"):
        assert promise in text
    assert text.count('name="scope" value="all"') == 2  # sign out here too: sessions and clear all


def test_each_clearing_is_logged_by_kind_only(app, client, stocked):
    me = stocked[0]
    _press(client, clear_data.SEARCHES)
    _press(client, clear_data.STORES)
    with app.app_context():
        events = db.session.execute(
            select(SecurityEvent.kind, SecurityEvent.method)
            .where(SecurityEvent.user_id == me, SecurityEvent.kind == clear_data.EVENT).order_by(SecurityEvent.id)
        ).all()
    assert [tuple(event) for event in events] == [(clear_data.EVENT, clear_data.SEARCHES),
                                                  (clear_data.EVENT, clear_data.STORES)]


def test_a_post_without_a_csrf_token_is_refused(app, client, stocked):
    me, _other, (mine_before, _) = stocked
    assert client.post(f"{PAGE}/{clear_data.SEARCHES}").status_code == 400
    assert _holdings(app, me) == mine_before


def test_visitors_are_sent_to_sign_in(client, catalog):
    response = client.get(PAGE)
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/sign-in?next=")
    token = csrf_from(client.get("/sign-in").text)
    response = client.post(f"{PAGE}/{clear_data.SEARCHES}", data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/sign-in")


def test_an_unknown_kind_is_404_and_an_unknown_scope_is_explained(client, stocked):
    assert _press(client, "favorites").status_code == 404
    response = _press(client, clear_data.SESSIONS, "everyone")
    assert response.status_code == 422
    assert 'role="alert"' in response.text


@pytest.mark.parametrize("account", [{"status": "banned", "ban_reason": "spam"}, {"verified": False}])
def test_banned_and_unverified_users_may_clear_their_data(app, client, catalog, account):
    me = make_user(app, **account)
    sign_in(client)
    _stock(app, me, extra_sessions=0)
    assert client.get(PAGE).status_code == 200
    assert _press(client, clear_data.BROWSING).status_code == 303
    assert _holdings(app, me)[clear_data.BROWSING] == 0


def test_a_signed_in_users_language_is_kept_and_written_only_when_it_changes(app, client, catalog, count_queries):
    me = make_user(app)
    sign_in(client)
    with app.app_context():
        assert preferences.get_preference(me, preferences.LANGUAGE) == "zh"
    client.get("/en/")
    with app.app_context():
        assert preferences.get_preference(me, preferences.LANGUAGE) == "en"
    with count_queries() as counter:
        client.get("/en/c/product-research")
    writes = [s for s in counter.statements if s.lstrip().upper().startswith(("INSERT", "UPDATE"))]
    assert not [s for s in writes if "user_preference" in s]


def test_cleared_preferences_are_not_written_straight_back(app, client, stocked):
    me = stocked[0]
    _press(client, clear_data.PREFERENCES)
    client.get(PAGE)
    client.get("/")
    assert _holdings(app, me)[clear_data.PREFERENCES] == 0
    client.get("/en/")  # a new choice of language is kept again
    with app.app_context():
        assert preferences.all_preferences(me) == {preferences.LANGUAGE: "en"}


def test_visitors_get_no_language_preference_and_no_cookie(app, client, catalog):
    response = client.get("/en/", headers={"User-Agent": CHROME})
    assert "Set-Cookie" not in response.headers
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(UserPreference)) == 0
