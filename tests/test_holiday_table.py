"""The holiday table admins keep: listed by year, days added and removed with audit entries, and every
working-day deadline computed afterwards follows it."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from extensions import db
from models import HolidayOverride
from services import clock, holiday_table, tickets
from tests.accounts import csrf_from, make_user, sign_in
from tests.test_site_settings import audit_entries

HOLIDAYS = "/staff/settings/holidays"
# Monday 23 November 2026, 10:00 in Beijing: five working days on is Monday 30 November.
MONDAY = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


@pytest.fixture
def admin(app):
    make_user(app, "adminuser", phone="+8613800000013", role="admin")
    client = app.test_client()
    sign_in(client, "adminuser")
    return client


def add(client, day: str, name: str = "国庆节", kind: str = "holiday", path: str = HOLIDAYS, **extra):
    token = csrf_from(client.get(HOLIDAYS).text)
    return client.post(path, data={"csrf_token": token, "day": day, "name": name, "kind": kind, **extra})


def remove(client, day: str, headers=None):
    """What the row's form sends: the day, a reason, and the page to come back to."""
    token = csrf_from(client.get(HOLIDAYS).text)
    return client.post(HOLIDAYS + "/remove", headers=headers or {}, data={
        "csrf_token": token, "day": day, "reason": "typo", "next": f"{HOLIDAYS}?year={day[:4]}"})


def table(app) -> dict[date, tuple[bool, str]]:
    with app.app_context():
        return {row.day: (row.is_working_day, row.name) for row in db.session.scalars(select(HolidayOverride))}


def new_ticket_due(app) -> date:
    with app.app_context():
        ticket = tickets.open_ticket(kind="question", subject="When?", body="When do you answer?")
        assert not ticket.due_provisional
        return ticket.due_on


# --- who may use it ----------------------------------------------------------------------------

def test_a_visitor_signs_in_and_users_and_moderators_are_refused(app):
    visitor = app.test_client()
    assert "/sign-in" in visitor.get(HOLIDAYS).headers["Location"]
    make_user(app, "plainuser", phone="+8613800000011")
    make_user(app, "moduser", phone="+8613800000012", role="moderator")
    for name in ("plainuser", "moduser"):
        client = app.test_client()
        sign_in(client, name)
        token = csrf_from(client.get("/").text)
        assert client.get(HOLIDAYS).status_code == 403
        assert client.post(HOLIDAYS, data={"csrf_token": token, "day": "2027-10-01", "name": "国庆节",
                                           "kind": "holiday"}).status_code == 403
        assert client.post(HOLIDAYS + "/remove", data={"csrf_token": token, "day": "2027-10-01"}).status_code == 403
    assert table(app) == {}


def test_a_post_without_the_csrf_token_is_refused(app, admin):
    assert admin.post(HOLIDAYS, data={"day": "2027-10-01", "name": "国庆节", "kind": "holiday"}).status_code == 400
    add(admin, "2027-10-01")
    assert admin.post(HOLIDAYS + "/remove", data={"day": "2027-10-01"}).status_code == 400
    assert date(2027, 10, 1) in table(app)


# --- deadlines follow the table ------------------------------------------------------------------

def test_a_holiday_added_ahead_moves_a_new_tickets_due_date_by_one_working_day(app, admin):
    clock.freeze(MONDAY)
    assert new_ticket_due(app) == date(2026, 11, 30)
    response = add(admin, "2026-11-25", name="临时休息日", reason="State Council notice")
    assert response.status_code == 303
    assert new_ticket_due(app) == date(2026, 12, 1)  # Wednesday no longer counts
    [entry] = audit_entries(app, "holiday.set")
    assert (entry.target_type, entry.target_id, entry.reason) == ("holiday", "2026-11-25", "State Council notice")
    assert json.loads(entry.before) == {} and json.loads(entry.after) == {"is_working_day": False, "name": "临时休息日"}

    assert remove(admin, "2026-11-25").status_code == 303
    assert new_ticket_due(app) == date(2026, 11, 30)
    [removed] = audit_entries(app, "holiday.remove")
    assert json.loads(removed.before) == {"is_working_day": False, "name": "临时休息日"}


def test_a_make_up_working_day_on_a_weekend_brings_a_due_date_forward(app, admin):
    clock.freeze(MONDAY)
    add(admin, "2026-11-28", name="调休", kind="working")  # a Saturday
    assert new_ticket_due(app) == date(2026, 11, 28)


# --- the page --------------------------------------------------------------------------------------

def test_the_page_says_which_years_the_package_lacks_and_what_the_calendar_makes_of_a_year(app, admin):
    clock.freeze(MONDAY)
    assert holiday_table.PACKAGE_YEARS.stop - 1 == 2026  # chinesecalendar 1.11.0; update this test with the package
    page = admin.get("/en" + HOLIDAYS).text
    assert 'id="missing-years"' in page and "no schedule for 2027" in page
    assert "2026 in the working-day calendar" in page
    assert "National Day" in page and "chinese-calendar package" in page  # 1–7 Oct 2026, from the package
    assert "2026-10-10</time> Sat" in page  # the make-up Saturday
    assert "国庆节" in admin.get(HOLIDAYS).text
    later = admin.get("/en" + HOLIDAYS + "?year=2027").text
    assert "The package does not know this year: 365 days are guessed" in later
    add(admin, "2027-01-01", name="元旦")
    later = admin.get("/en" + HOLIDAYS + "?year=2027").text
    assert "364 days are guessed" in later and "2027-01-01</time> Fri" in later and "Holiday table</td>" in later


def test_the_table_is_listed_by_year(app, admin):
    clock.freeze(MONDAY)
    add(admin, "2027-10-01", name="国庆节")
    add(admin, "2028-10-01", name="国庆节 2028")
    page = admin.get(HOLIDAYS + "?year=2027").text.split('id="table-rows"')[1].split("</section>")[0]
    assert 'id="holiday-2027-10-01"' in page and "2028-10-01" not in page
    assert 'id="holiday-2027-10-01"' not in admin.get(HOLIDAYS).text  # this year (2026) by default
    assert admin.get(HOLIDAYS + "?year=99999").status_code == 200  # a year out of range shows this year


def test_adding_a_day_already_in_the_table_replaces_it_and_the_audit_keeps_both(app, admin):
    add(admin, "2027-10-08", name="国庆节")
    add(admin, "2027-10-08", name="国庆节调休", kind="working")
    assert table(app) == {date(2027, 10, 8): (True, "国庆节调休")}
    first, second = audit_entries(app, "holiday.set")
    assert json.loads(first.before) == {}
    assert json.loads(second.before) == {"is_working_day": False, "name": "国庆节"}
    assert json.loads(second.after) == {"is_working_day": True, "name": "国庆节调休"}


@pytest.mark.parametrize(("day", "name", "kind", "message"), [
    ("2027-13-01", "国庆节", "holiday", "Enter a date such as"),
    ("", "国庆节", "holiday", "Enter a date such as"),
    ("1999-10-01", "国庆节", "holiday", "from 2000 to 2100"),
    ("2027-10-01", "", "holiday", "Give the day a name"),
    ("2027-10-01", "<b>国庆</b>", "holiday", "without &lt; or &gt;"),
    ("2027-10-01", "国庆" * 41, "holiday", "at most 80 characters"),
    ("2027-10-01", "国庆节", "weekend", "Choose a holiday or a make-up working day"),
])
def test_bad_input_is_refused_with_422_the_input_kept_and_nothing_saved(app, admin, day, name, kind, message):
    response = add(admin, day, name=name, kind=kind, path="/en" + HOLIDAYS)
    assert response.status_code == 422
    assert message in response.text and "Not added" in response.text
    assert 'aria-invalid="true"' in response.text or kind == "weekend"
    if "<" not in name:
        assert f'name="name" value="{name}"' in response.text
    assert f'name="day" value="{day}"' in response.text
    assert table(app) == {}
    assert audit_entries(app, "holiday.set") == []


def test_removing_a_day_with_htmx_replaces_the_row_and_without_javascript_redirects_back(app, admin):
    add(admin, "2027-10-01")
    add(admin, "2027-10-02")
    fragment = remove(admin, "2027-10-01", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and "2027-10-01" in fragment.text
    assert "HX-Request" in fragment.headers["Vary"]
    page = remove(admin, "2027-10-02")
    assert page.status_code == 303
    assert page.headers["Location"].endswith(HOLIDAYS + "?year=2027")
    assert table(app) == {}
    assert len(audit_entries(app, "holiday.remove")) == 2


def test_removing_a_day_not_in_the_table_or_no_day_at_all_is_refused(app, admin):
    assert remove(admin, "2027-10-01").status_code == 404
    assert remove(admin, "someday").status_code == 422
    assert audit_entries(app, "holiday.remove") == []
