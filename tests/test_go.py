"""/go/<slug>: counts honest clicks per day and redirects only to the stored URL."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from extensions import db
from models import RecentClick, Tool, ToolClickDay
from services import clock

CHROME = {"User-Agent": "Mozilla/5.0 (Windows NT 10.0) Chrome/156.0"}


def _clicks(app, slug="alpha-scout"):
    with app.app_context():
        tool = db.session.scalars(select(Tool).where(Tool.slug == slug)).one()
        days = dict(db.session.execute(select(ToolClickDay.day, ToolClickDay.clicks).where(
            ToolClickDay.tool_id == tool.id)).all())
        return tool.click_count, days


def test_go_redirects_to_the_stored_url_and_counts_the_click(app, client, catalog):
    clock.freeze(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    response = client.get("/go/alpha-scout", headers=CHROME)
    assert response.status_code == 302
    assert response.headers["Location"] == "https://alpha-scout.example.com/"
    assert "no-store" in response.headers["Cache-Control"]
    total, days = _clicks(app)
    assert total == 1
    assert days == {datetime(2026, 11, 25).date(): 1}


def test_a_click_counts_on_the_day_in_china_not_the_utc_day(app, client, catalog):
    clock.freeze(datetime(2026, 11, 25, 16, 30, tzinfo=UTC))  # 00:30 on 26 November in China
    client.get("/go/alpha-scout", headers=CHROME)
    assert _clicks(app)[1] == {datetime(2026, 11, 26).date(): 1}


def test_go_ignores_any_destination_in_the_query(client, catalog):
    response = client.get("/go/alpha-scout?url=https://evil.example/&next=//evil.example", headers=CHROME)
    assert response.headers["Location"] == "https://alpha-scout.example.com/"


def test_a_repeat_click_within_the_hour_is_not_counted_but_one_after_is(app, client, catalog):
    clock.freeze(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    client.get("/go/alpha-scout", headers=CHROME)
    clock.advance(timedelta(minutes=59))
    assert client.get("/go/alpha-scout", headers=CHROME).status_code == 302  # still redirected
    assert _clicks(app)[0] == 1
    clock.advance(timedelta(minutes=2))
    client.get("/go/alpha-scout", headers=CHROME)
    assert _clicks(app)[0] == 2


def test_another_browser_or_address_counts_as_another_visitor(app, client, catalog):
    client.get("/go/alpha-scout", headers=CHROME)
    client.get("/go/alpha-scout", headers={"User-Agent": "Mozilla/5.0 Firefox/140.0"})
    client.get("/go/alpha-scout", headers=CHROME, environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert _clicks(app)[0] == 3


def test_bots_and_scripts_are_redirected_but_not_counted(app, client, catalog):
    for agent in ("Googlebot/2.1", "curl/8.5", "python-requests/2.32", "", "HeadlessChrome/156"):
        assert client.get("/go/alpha-scout", headers={"User-Agent": agent}).status_code == 302
    assert _clicks(app)[0] == 0


def test_the_raw_ip_address_is_never_stored(app, client, catalog):
    client.get("/go/alpha-scout", headers=CHROME, environ_base={"REMOTE_ADDR": "198.51.100.23"})
    with app.app_context():
        rows = db.session.scalars(select(RecentClick)).all()
        assert len(rows) == 1
        assert "198.51.100.23" not in rows[0].visitor_hash
        assert len(rows[0].visitor_hash) == 64


def test_clicks_this_week_make_the_hot_list(app, client, catalog):
    clock.freeze(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    for address in ("192.0.2.1", "192.0.2.2"):
        client.get("/go/zulu-ai", headers=CHROME, environ_base={"REMOTE_ADDR": address})
    client.get("/go/delta-pay", headers=CHROME)
    client.application.extensions["page_store"].clear()
    page = client.get("/en/").text
    hot = page.split("Hot this week", 1)[1].split("</ol>", 1)[0]
    assert hot.index("Zulu AI") < hot.index("Delta Pay")
    clock.advance(timedelta(days=8))
    client.application.extensions["page_store"].clear()
    assert "Hot this week" not in client.get("/en/").text


def test_a_shut_down_tool_shows_an_interstitial_instead_of_redirecting(app, client, catalog):
    response = client.get("/en/go/old-tool", headers=CHROME)
    assert response.status_code == 200
    assert "This tool has shut down." in response.text
    assert 'href="/en/t/alpha-scout"' in response.text
    assert 'rel="nofollow noopener noreferrer"' in response.text
    assert _clicks(app, "old-tool")[0] == 0


def test_a_dead_link_shows_an_interstitial(app, client, catalog):
    from sqlalchemy import update

    with app.app_context():
        db.session.execute(update(Tool).where(Tool.slug == "zulu-ai").values(status="dead_link"))
        db.session.commit()
    response = client.get("/en/go/zulu-ai", headers=CHROME)
    assert response.status_code == 200
    assert "unreachable" in response.text


def test_go_for_an_unknown_tool_is_404(client, catalog):
    assert client.get("/go/nope", headers=CHROME).status_code == 404


def test_behind_a_proxy_the_forwarded_client_address_identifies_the_visitor(database_url, catalog):
    from tests.conftest import make_app

    proxied = make_app(database_url, PROXY_FIX_X_FOR=1)
    client = proxied.test_client()
    for address in ("203.0.113.1", "203.0.113.2", "203.0.113.2"):
        client.get("/go/alpha-scout", headers={**CHROME, "X-Forwarded-For": address})
    assert _clicks(proxied)[0] == 2  # two visitors; the third request repeats the second


def test_without_a_configured_proxy_a_forged_forwarded_header_is_ignored(app, client, catalog):
    for address in ("203.0.113.1", "203.0.113.2"):
        client.get("/go/alpha-scout", headers={**CHROME, "X-Forwarded-For": address})
    assert _clicks(app)[0] == 1
