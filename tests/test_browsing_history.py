"""Browsing history: recorded for signed-in users' tool pages only, listed newest first, trimmed, cleared."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from extensions import db
from models import Tool, ToolView
from services import browsing_history, clock
from tests.accounts import CHROME, make_user, post_form, sign_in

HX = {"HX-Request": "true"}


def _tool_id(app, slug: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Tool.id).where(Tool.slug == slug))


def _viewed(app, user_id: int) -> list[str]:
    with app.app_context():
        return [tool.slug for tool, _at in browsing_history.recently_viewed(user_id, 100)]


def _view_rows(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ToolView))


def test_a_signed_in_users_tool_pages_are_listed_newest_first(app, client, catalog):
    me = make_user(app)
    sign_in(client)
    clock.freeze(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    for slug in ("alpha-scout", "mai-jia", "alpha-scout"):
        assert client.get("/t/" + slug).status_code == 200
        clock.advance(timedelta(minutes=1))
    assert _viewed(app, me) == ["alpha-scout", "mai-jia"]
    page = client.get("/en/history")
    assert page.status_code == 200
    assert "no-store" in page.headers["Cache-Control"]
    assert page.text.index('id="tool-alpha-scout"') < page.text.index('id="tool-mai-jia"')


def test_visitors_views_are_not_recorded_and_their_page_stays_cached(app, client, catalog):
    first = client.get("/t/alpha-scout", headers={"User-Agent": CHROME})
    second = client.get("/t/alpha-scout", headers={"User-Agent": CHROME})
    assert second.headers.get("X-Cache") == "HIT"
    assert "Set-Cookie" not in first.headers and "Set-Cookie" not in second.headers
    assert _view_rows(app) == 0


def test_htmx_fragment_requests_are_not_recorded(app, client, catalog):
    make_user(app)
    sign_in(client)
    client.get("/t/alpha-scout", headers=HX)
    assert _view_rows(app) == 0


def test_a_repeat_view_costs_one_statement(app, client, catalog, count_queries):
    me = make_user(app)
    tool_id = _tool_id(app, "alpha-scout")
    with app.app_context():
        browsing_history.record_view(me, tool_id, limit=10)
    with app.app_context(), count_queries() as counter:
        browsing_history.record_view(me, tool_id, limit=10)
    assert len(counter.statements) == 1
    assert counter.statements[0].lstrip().upper().startswith("UPDATE")


def test_history_is_trimmed_to_the_limit_keeping_the_newest(app, catalog):
    me = make_user(app)
    clock.freeze(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    with app.app_context():
        for slug in ("alpha-scout", "mai-jia", "temu-full-helper", "alpha-scout"):
            browsing_history.record_view(me, _tool_id(app, slug), limit=2)
            clock.advance(timedelta(seconds=1))
    assert _viewed(app, me) == ["alpha-scout", "temu-full-helper"]
    assert _view_rows(app) == 2


def test_tools_no_longer_public_are_not_listed(app, client, catalog):
    me = make_user(app)
    sign_in(client)
    client.get("/t/alpha-scout")
    client.get("/t/mai-jia")
    with app.app_context():
        db.session.execute(update(Tool).where(Tool.slug == "mai-jia").values(status="hidden"))
        db.session.commit()
    assert _viewed(app, me) == ["alpha-scout"]


def test_each_user_sees_only_their_own_history(app, catalog):
    me = make_user(app)
    other = make_user(app, "seller2", phone="+8613800000002")
    mine, theirs = app.test_client(), app.test_client()
    sign_in(mine)
    sign_in(theirs, login="seller2")
    mine.get("/t/alpha-scout")
    theirs.get("/t/mai-jia")
    assert _viewed(app, me) == ["alpha-scout"]
    assert _viewed(app, other) == ["mai-jia"]
    assert 'id="tool-mai-jia"' not in mine.get("/history").text


def test_the_history_page_needs_sign_in(client, catalog):
    response = client.get("/history")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/sign-in?next=")


def test_the_clear_button_forgets_my_history_with_and_without_htmx(app, client, catalog):
    me = make_user(app)
    other = make_user(app, "seller2", phone="+8613800000002")
    with app.app_context():
        browsing_history.record_view(other, _tool_id(app, "mai-jia"), limit=10)
    sign_in(client)
    client.get("/t/alpha-scout")
    response = post_form(client, "/history", {}, action="/history/clear")
    assert response.status_code == 303 and response.headers["Location"] == "/history"
    assert _viewed(app, me) == []
    client.get("/t/alpha-scout")
    fragment = post_form(client, "/history", {}, action="/history/clear", headers=HX)
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and 'id="recently-viewed"' in fragment.text
    assert "HX-Request" in fragment.headers["Vary"]
    assert _viewed(app, me) == []
    assert _viewed(app, other) == ["mai-jia"]
    assert client.post("/history/clear").status_code == 400  # no CSRF token
