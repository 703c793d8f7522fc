"""The staff dashboard: per-day charts that equal the data, zero-filled days, days in China, fixed query count."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, update

from extensions import db
from models import Rating, Report, SearchKeywordDay, Ticket, TicketMessage, Tool, ToolClickDay, User
from services import clock, svg_chart, tickets
from services.moderation import stats
from tests.accounts import make_user, sign_in

NOW = datetime(2026, 3, 20, 4, 0, tzinfo=UTC)  # 12:00 in China on Friday 20 March
TODAY = date(2026, 3, 20)
FIRST_DAY = date(2026, 2, 19)  # the window: 30 days ending today
LONG_AGO = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.fixture
def frozen(app):
    clock.freeze(NOW)
    return NOW


@pytest.fixture
def moderator(app, catalog, frozen):
    make_user(app, "moduser", phone="+8613800000012", role="moderator")
    backdate_user(app, "moduser", LONG_AGO)  # staff accounts stay out of the sign-up chart
    client = app.test_client()
    sign_in(client, "moduser")
    return client


# --- putting known data in -------------------------------------------------------------------------------

def tool_id(app, slug: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Tool.id).where(Tool.slug == slug))


def add_clicks(app, slug: str, day: date, clicks: int) -> None:
    with app.app_context():
        db.session.add(ToolClickDay(tool_id=tool_id(app, slug), day=day, clicks=clicks))
        db.session.commit()


def add_search(app, query: str, day: date, searches: int, zero: int = 0) -> None:
    with app.app_context():
        db.session.add(SearchKeywordDay(day=day, query=query, searches=searches, results=0 if zero else 5,
                                        zero_result_searches=zero))
        db.session.commit()


_phones = iter(range(1, 10_000))


def backdate_user(app, name: str, at: datetime) -> None:
    with app.app_context():
        db.session.execute(update(User).where(User.account_name == name).values(created_at=at))
        db.session.commit()


def add_user(app, at: datetime) -> int:
    """An account created at ``at`` (no password: never signs in)."""
    number = next(_phones)
    user_id = make_user(app, f"signup{number}", phone=f"+86137{number:08d}", password=None)
    backdate_user(app, f"signup{number}", at)
    return user_id


def add_rating(app, at: datetime, slug: str = "alpha-scout") -> None:
    author = add_user(app, LONG_AGO)  # an old account: only the rating lands in the window
    with app.app_context():
        db.session.add(Rating(user_id=author, tool_id=tool_id(app, slug), stars=4, created_at=at, updated_at=at))
        db.session.commit()


def add_report(app, at: datetime, slug: str = "alpha-scout") -> None:
    with app.app_context():
        db.session.add(Report(target_type="tool", tool_id=tool_id(app, slug), reason="spam", created_at=at))
        db.session.commit()


def in_china(day: date, hour: int = 12) -> datetime:
    """A UTC moment at ``hour`` o'clock in China on ``day``."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC) - timedelta(hours=8)


# --- reading the page --------------------------------------------------------------------------------------

def figure(page: str, key: str) -> str:
    match = re.search(rf'<figure class="staff-chart panel" id="chart-{key}">(.*?)</figure>', page, re.S)
    assert match, f"no chart {key}"
    return match.group(1)


def table_values(page: str, key: str) -> dict[date, int]:
    """The chart's data table: every day with its number."""
    rows = re.findall(r'<time datetime="([\d-]+)">[\d-]+</time></th><td>(\d+)</td>', figure(page, key))
    return {date.fromisoformat(day): int(value) for day, value in rows}


def bar_values(page: str, key: str) -> dict[date, int]:
    """What each bar says when hovered (its <title>)."""
    rows = re.findall(r'<g class="chart-day"><title>([\d-]+): (\d+)</title>', figure(page, key))
    return {date.fromisoformat(day): int(value) for day, value in rows}


def chart_desc(page: str, key: str) -> str:
    return html.unescape(re.search(r'<desc id="chart-[a-z]+-desc">(.*?)</desc>', figure(page, key)).group(1))


def nonzero(values: dict[date, int]) -> dict[date, int]:
    return {day: value for day, value in values.items() if value}


# --- tests -------------------------------------------------------------------------------------------------

def test_each_chart_shows_exactly_what_happened_on_each_day(app, moderator):
    add_clicks(app, "alpha-scout", date(2026, 3, 20), 5)
    add_clicks(app, "mai-jia", date(2026, 3, 20), 2)
    add_clicks(app, "alpha-scout", date(2026, 3, 1), 9)
    add_search(app, "选品", date(2026, 3, 19), 6)
    add_search(app, "shopify erp", date(2026, 3, 19), 3, zero=3)
    add_search(app, "erp", date(2026, 2, 19), 1)
    for at in (in_china(date(2026, 3, 2)), in_china(date(2026, 3, 2), 20), in_china(date(2026, 3, 10))):
        add_user(app, at)
    add_rating(app, in_china(date(2026, 3, 5)))
    add_rating(app, in_china(date(2026, 3, 20), 1))
    add_report(app, in_china(date(2026, 2, 25)))
    add_report(app, in_china(date(2026, 2, 25), 23))
    add_report(app, in_china(date(2026, 2, 25), 0))
    page = moderator.get("/en/staff")
    assert page.status_code == 200
    expected = {
        "clicks": {date(2026, 3, 20): 7, date(2026, 3, 1): 9},
        "searches": {date(2026, 3, 19): 9, date(2026, 2, 19): 1},
        "signups": {date(2026, 3, 2): 2, date(2026, 3, 10): 1},
        "ratings": {date(2026, 3, 5): 1, date(2026, 3, 20): 1},
        "reports": {date(2026, 2, 25): 3},
    }
    for key, days in expected.items():
        assert nonzero(table_values(page.text, key)) == days, key
        assert nonzero(bar_values(page.text, key)) == days, key
    assert chart_desc(page.text, "clicks") == "Total 16 in 30 days; peak 9 on 2026-03-01."
    assert chart_desc(page.text, "reports") == "Total 3 in 30 days; peak 3 on 2026-02-25."
    assert chart_desc(page.text, "signups") == "Total 3 in 30 days; peak 2 on 2026-03-02."


def test_every_day_of_the_window_is_listed_and_days_with_nothing_are_zero(app, moderator):
    add_clicks(app, "alpha-scout", FIRST_DAY - timedelta(days=1), 50)  # the day before the window
    add_clicks(app, "alpha-scout", FIRST_DAY, 4)
    add_user(app, in_china(FIRST_DAY - timedelta(days=1), 23))
    page = moderator.get("/en/staff").text
    for key in ("clicks", "searches", "signups", "ratings", "reports"):
        values = table_values(page, key)
        assert list(values) == [FIRST_DAY + timedelta(days=n) for n in range(30)], key
        assert list(bar_values(page, key)) == list(values), key
    assert nonzero(table_values(page, "clicks")) == {FIRST_DAY: 4}
    assert set(table_values(page, "searches").values()) == {0}
    assert set(table_values(page, "signups").values()) == {0}
    assert chart_desc(page, "signups") == "Total 0 in 30 days: nothing recorded."


def test_a_sign_up_at_2330_utc_counts_on_the_next_day_in_china(app, moderator):
    add_user(app, datetime(2026, 3, 15, 23, 30, tzinfo=UTC))  # 07:30 on 16 March in China
    add_user(app, datetime(2026, 3, 15, 15, 59, tzinfo=UTC))  # 23:59 on 15 March in China
    add_user(app, datetime(2026, 3, 15, 16, 0, tzinfo=UTC))  # midnight: 16 March
    add_rating(app, datetime(2026, 3, 19, 16, 0, tzinfo=UTC))  # midnight starting today in China
    add_report(app, datetime(2026, 2, 18, 15, 59, tzinfo=UTC))  # 23:59 the day before the window: not counted
    add_report(app, datetime(2026, 2, 18, 16, 0, tzinfo=UTC))  # the window's first moment
    page = moderator.get("/en/staff").text
    assert nonzero(table_values(page, "signups")) == {date(2026, 3, 15): 1, date(2026, 3, 16): 2}
    assert nonzero(table_values(page, "ratings")) == {TODAY: 1}
    assert nonzero(table_values(page, "reports")) == {FIRST_DAY: 1}


def test_after_4pm_utc_today_is_already_the_next_day_in_china(app, moderator):
    clock.freeze(datetime(2026, 3, 20, 16, 30, tzinfo=UTC))  # 00:30 on 21 March in China
    add_user(app, datetime(2026, 3, 20, 16, 10, tzinfo=UTC))
    page = moderator.get("/en/staff").text
    values = table_values(page, "signups")
    assert list(values)[-1] == date(2026, 3, 21)
    assert nonzero(values) == {date(2026, 3, 21): 1}


def test_the_dashboard_costs_the_same_queries_with_ten_times_the_data(app, moderator, count_queries):
    def spread(numbers: range) -> None:
        for n in numbers:  # every (tool, day) once: 3 tools × 30 days
            day = TODAY - timedelta(days=n % 30)
            add_clicks(app, ["alpha-scout", "mai-jia", "jp-keywords"][n // 30], day, 1 + n)
            add_search(app, f"query {n}", day, 2, zero=n % 2)
            add_user(app, in_china(day, n % 24))
            add_report(app, in_china(day, 3))

    spread(range(3))
    with count_queries() as small:
        assert moderator.get("/staff").status_code == 200
    spread(range(3, 43))
    with count_queries() as large:
        assert moderator.get("/staff").status_code == 200
    assert large.count == small.count
    # Sign-in and the navigation's queue badges, then one query per series and per panel: never per day.
    assert small.count <= 25, small.statements


def test_each_series_is_one_grouped_query(app, catalog, frozen, count_queries):
    with app.app_context(), count_queries() as counter:
        series = stats.daily_series(TODAY)
    assert [s.key for s in series] == ["clicks", "searches", "signups", "ratings", "reports"]
    assert counter.count == 5
    assert all("GROUP BY" in statement for statement in counter.statements)


def test_top_tools_this_week_are_the_most_clicked_in_the_last_seven_days_and_link_to_their_page(app, moderator):
    add_clicks(app, "mai-jia", TODAY, 3)
    add_clicks(app, "mai-jia", TODAY - timedelta(days=6), 4)
    add_clicks(app, "alpha-scout", TODAY - timedelta(days=1), 5)
    add_clicks(app, "alpha-scout", TODAY - timedelta(days=7), 100)  # eight days ago: not this week
    add_clicks(app, "jp-keywords", TODAY - timedelta(days=2), 5)
    page = moderator.get("/en/staff").text
    listed = re.search(r'<ol id="top-tools">(.*?)</ol>', page, re.S).group(1)
    assert re.findall(r'<a href="([^"]+)">([^<]+)</a>: (\d+) clicks', listed) == [
        ("/en/t/mai-jia", "Seller Helper", "7"),
        ("/en/t/alpha-scout", "Alpha Scout", "5"),  # ties: the older tool first
        ("/en/t/jp-keywords", "JP Keywords", "5"),
    ]


def test_top_tools_are_named_in_the_pages_language(app, moderator):
    add_clicks(app, "mai-jia", TODAY, 3)
    assert '<a href="/t/mai-jia">卖家助手</a>' in moderator.get("/staff").text


def test_searches_with_no_results_are_listed_most_often_first(app, moderator):
    add_search(app, "tiktok 达人", TODAY, 4, zero=4)
    add_search(app, "tiktok 达人", TODAY - timedelta(days=10), 3, zero=3)
    add_search(app, "ozon erp", TODAY - timedelta(days=29), 7, zero=7)
    add_search(app, "aliexpress", TODAY - timedelta(days=2), 7, zero=7)  # a tie: alphabetical
    add_search(app, "rakuten", TODAY - timedelta(days=1), 2, zero=2)
    add_search(app, "amazon", TODAY, 50)  # found things: not listed
    add_search(app, "mercado", TODAY - timedelta(days=30), 90, zero=90)  # before the window
    page = moderator.get("/en/staff").text
    listed = re.search(r'<table class="table" id="fruitless-searches">(.*?)</table>', page, re.S).group(1)
    assert re.findall(r"<tr><td>([^<]+)</td><td>(\d+)</td>", listed) == [
        ("aliexpress", "7"), ("ozon erp", "7"), ("tiktok 达人", "7"), ("rakuten", "2"),
    ]


def test_an_empty_dashboard_says_there_is_nothing_yet(app, moderator):
    page = moderator.get("/en/staff").text
    assert "No outbound clicks in these days." in page
    assert "Every search found something." in page
    assert "Total 0 in 30 days: nothing recorded." in page


def test_each_chart_is_an_accessible_image_with_axis_labels(app, moderator):
    add_clicks(app, "alpha-scout", date(2026, 3, 3), 12)
    chart = figure(moderator.get("/en/staff").text, "clicks")
    assert 'role="img"' in chart
    assert 'aria-labelledby="chart-clicks-title chart-clicks-desc"' in chart
    assert '<title id="chart-clicks-title">Outbound clicks per day</title>' in chart
    labels = re.findall(r"<text [^>]*>([^<]+)</text>", chart)
    assert labels == ["12", "0", "02-19", "03-20"]  # the scale, then the first and last day
    assert "<details>" in chart and "Numbers per day" in chart
    assert "<script" not in chart


def test_overdue_feedback_is_counted_as_the_ticket_queue_counts_it(app, moderator):
    staff_id = make_user(app, "helper", phone="+8613800000099", role="moderator", password=None)
    late_day = TODAY - timedelta(days=3)
    with app.app_context():
        def ticket(number: str, **fields) -> Ticket:
            fields.setdefault("due_on", late_day)
            row = Ticket(number=number, kind="question", body="Where is my invoice?", created_at=LONG_AGO, **fields)
            db.session.add(row)
            return row

        ticket("T1", state="open")  # no response, past the first-response day: overdue
        replied = ticket("T2", state="open")  # a staff message keeps the first promise
        ticket("T3", state="closed")
        ticket("T4", state="open", due_on=TODAY)  # due today: not yet late
        ticket("T5", state="open", identity_verified_at=LONG_AGO, reply_due_on=late_day)  # reply late: overdue
        ticket("T6", state="answered", identity_verified_at=LONG_AGO, reply_due_on=late_day)
        db.session.flush()
        db.session.add(TicketMessage(ticket_id=replied.id, from_staff=True, author_id=staff_id, body="Looking"))
        db.session.commit()
        by_queue = sum(item.overdue for item in tickets.open_tickets(today=TODAY))
        assert stats.overdue_ticket_count(TODAY) == by_queue == 2
    page = moderator.get("/en/staff").text
    overdue = re.search(r'<p id="overdue-tickets">(.*?)</p>', page, re.S).group(1)
    assert 'href="/en/staff/tickets?overdue=1"' in overdue
    assert overdue.rstrip().endswith("<strong>2</strong>")


def test_the_dashboard_still_lists_every_queue(app, moderator):
    add_report(app, in_china(TODAY))
    page = moderator.get("/en/staff").text
    assert re.search(r'<a href="/en/staff/reports">Reports</a>: <strong>1</strong>', page)
    assert 'id="queue-count-reports">1<' in page  # the navigation shows the same counts


@pytest.mark.parametrize("path", ["/staff", "/en/staff"])
def test_visitors_sign_in_and_users_are_refused(app, catalog, path):
    visitor = app.test_client().get(path)
    assert visitor.status_code in (302, 303) and "/sign-in" in visitor.headers["Location"]
    make_user(app, "plainuser", phone="+8613800000011")
    user = app.test_client()
    sign_in(user, "plainuser")
    assert user.get(path).status_code == 403


def test_bars_are_scaled_to_the_largest_value_and_a_zero_day_keeps_its_place():
    days = [date(2026, 3, 1) + timedelta(days=n) for n in range(3)]
    chart = svg_chart.bar_chart(days, [4, 0, 2])
    tall, empty, half = chart.bars
    assert tall.height == chart.baseline_y - chart.plot_top
    assert empty.height == 0 and empty.y == chart.baseline_y
    assert half.height == pytest.approx(tall.height / 2)
    assert tall.x < empty.x < half.x
    assert svg_chart.bar_chart(days, [0, 0, 0]).bars[0].height == 0
    with pytest.raises(ValueError):
        svg_chart.bar_chart(days, [1])
