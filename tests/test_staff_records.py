"""Staff browse the access log and the security log: filters, pages, anonymised rows, refusals, lookups audited."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from extensions import db
from models import AccessRecord, AuditEntry, SecurityEvent
from services import clock
from services.log_retention import anonymise_logs
from tests.accounts import make_user, sign_in

NOW = datetime(2026, 3, 20, 4, 0, tzinfo=UTC)
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"


@pytest.fixture
def moderator(app, catalog):
    clock.freeze(NOW)
    make_user(app, "moduser", phone="+8613800000012", role="moderator")
    client = app.test_client()
    sign_in(client, "moduser")
    return client


def add_access(app, *, at: datetime = NOW, path: str = "/", status: int = 200, ip: str | None = "203.0.113.7",
               user_id: int | None = None, count: int = 1) -> list[int]:
    """``count`` access records, oldest first; returns their ids."""
    rows = [dict(created_at=at + timedelta(seconds=n), method="GET", path=path, status=status, ip=ip,
                 user_agent=BROWSER, language="zh", user_id=user_id) for n in range(count)]
    with app.app_context():
        ids = list(db.session.scalars(insert(AccessRecord).returning(AccessRecord.id, sort_by_parameter_order=True),
                                      rows))
        db.session.commit()
    return ids


def add_event(app, kind: str, *, at: datetime = NOW, ip: str = "198.51.100.4", user_id: int | None = None,
              method: str | None = "password") -> int:
    with app.app_context():
        event = SecurityEvent(kind=kind, method=method, ip=ip, user_agent=BROWSER, user_id=user_id, created_at=at)
        db.session.add(event)
        db.session.commit()
        return event.id


def row_ids(page: str, prefix: str = "access") -> list[int]:
    return [int(found) for found in re.findall(rf'<tr id="{prefix}-(\d+)"', page)]


def row(page: str, row_id: str) -> str:
    return re.search(rf'<tr id="{row_id}"[^>]*>(.*?)</tr>', page, re.S).group(0)


def link(page: str, rel: str) -> str | None:
    found = re.search(rf'<a rel="{rel}" href="([^"]+)"', page)
    return html.unescape(found.group(1)) if found else None


def lookups(app) -> list[AuditEntry]:
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "records.lookup")
                                     .order_by(AuditEntry.id)).all()
        for entry in entries:
            db.session.expunge(entry)
        return entries


# --- who may look ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/staff/records", "/en/staff/records", "/staff/records/security",
                                  "/en/staff/records/security?user=1"])
def test_visitors_are_sent_to_sign_in_and_users_are_refused(app, catalog, path):
    visitor = app.test_client().get(path)
    assert visitor.status_code in (302, 303)
    assert "/sign-in" in visitor.headers["Location"]
    make_user(app, "plainuser", phone="+8613800000011")
    user = app.test_client()
    sign_in(user, "plainuser")
    assert user.get(path).status_code == 403
    assert lookups(app) == []


def test_both_logs_are_in_the_staff_navigation_and_marked_current(app, moderator):
    for path in ("/en/staff/records", "/en/staff/records/security"):
        page = moderator.get(path)
        assert page.status_code == 200
        assert "no-store" in page.headers["Cache-Control"]
        assert '<a href="/en/staff/records" aria-current="page">Access and sign-in records</a>' in page.text
    assert moderator.get("/staff/records").status_code == 200  # the Chinese page too


# --- the access log ----------------------------------------------------------------------------------------

def test_access_records_are_newest_first_with_ip_and_a_link_to_the_user(app, moderator):
    older = add_access(app, at=NOW - timedelta(hours=2), path="/c/erp")
    newer = add_access(app, path="/t/alpha-scout", user_id=42, ip="2001:db8::1")
    page = moderator.get("/en/staff/records").text
    assert row_ids(page) == newer + older
    shown = row(page, f"access-{newer[0]}")
    assert "2001:db8::1" in shown and "/t/alpha-scout" in shown and "2026-03-20 12:00" in shown
    assert '<a href="/en/staff/users/42">#42</a>' in shown
    assert "Anonymised" not in page


@pytest.mark.parametrize(("args", "expected"), [
    ("path=/t/", ["t_page", "t_under", "t_other"]),
    ("path=/t/a_", ["t_under"]),  # "_" is a character here, not a LIKE wildcard
    ("path=/en/", ["en"]),
    ("ip=198.51.100.9", ["other_ip"]),
    ("user=7", ["user7"]),
    ("status=404", ["missing"]),
    ("since=2026-03-11", ["late", "t_page", "t_under", "t_other", "en", "other_ip", "user7", "missing"]),
    ("until=2026-03-10", ["early"]),
    ("since=2026-03-10&until=2026-03-10", ["early"]),
    ("path=/t/&user=7", []),
    ("path=%25", []),  # "%" is a character here too
])
def test_each_access_filter_narrows_the_records(app, moderator, args, expected):
    made = {
        "early": add_access(app, at=datetime(2026, 3, 10, 15, 59, tzinfo=UTC)),  # 23:59 on 10 March in China
        "late": add_access(app, at=datetime(2026, 3, 10, 16, 0, tzinfo=UTC)),  # midnight: 11 March
        "t_page": add_access(app, path="/t/alpha-scout"),
        "t_under": add_access(app, path="/t/a_b"),
        "t_other": add_access(app, path="/t/axb"),
        "en": add_access(app, path="/en/c/erp"),
        "other_ip": add_access(app, ip="198.51.100.9"),
        "user7": add_access(app, user_id=7),
        "missing": add_access(app, path="/nowhere", status=404),
    }
    page = moderator.get(f"/en/staff/records?{args}")
    assert page.status_code == 200
    assert sorted(row_ids(page.text)) == sorted(made[name][0] for name in expected)


@pytest.mark.parametrize(("args", "field", "message"), [
    ("user=abc", "user", "A user id is a whole number"),
    ("user=999999999999", "user", "No record has a number that large."),  # told, not a database error
    ("status=99", "status", "A status is a three-digit HTTP code"),
    ("status=4xx", "status", "A status is a three-digit HTTP code"),
    ("status=99999999999", "status", "No record has a number that large."),
    ("ip=not-an-address", "ip", "Not an IP address"),
    ("since=2026-13-01", "since", "Type a day as YYYY-MM-DD"),
    ("since=0001-01-01", "since", "Choose a day between 2000-01-01 and 2999-12-31."),
    ("until=9999-12-31", "until", "Choose a day between 2000-01-01 and 2999-12-31."),
    ("since=2026-03-12&until=2026-03-11", "until", "The last day comes before the first."),
])
def test_a_bad_filter_answers_422_with_what_was_typed_and_no_rows(app, moderator, args, field, message):
    add_access(app)
    page = moderator.get(f"/en/staff/records?{args}")
    assert page.status_code == 422
    assert message in page.text
    typed = args.split(f"{field}=")[1].split("&")[0]
    assert f'id="records-{field}" name="{field}" type="' in page.text
    assert f'value="{typed}"' in page.text
    assert 'aria-invalid="true"' in page.text
    assert row_ids(page.text) == []
    assert lookups(app) == []


def test_pages_go_older_and_back_newer_keeping_the_filters(app, moderator):
    ids = add_access(app, at=NOW - timedelta(days=1), count=55)
    add_access(app, status=404, count=3)  # filtered out
    first = moderator.get("/en/staff/records?status=200").text
    assert row_ids(first) == ids[::-1][:50]
    assert link(first, "prev") is None
    older_url = link(first, "next")
    assert "status=200" in older_url
    second = moderator.get(older_url).text
    assert row_ids(second) == ids[::-1][50:]
    assert link(second, "next") is None
    assert "Newest" in second
    back = moderator.get(link(second, "prev")).text
    assert row_ids(back) == ids[::-1][:50]
    assert link(back, "prev") is None  # the newest page again: nothing newer
    for cursor in ("before=99999999999999", "after=99999999999", "before=-1", "after=x"):  # ignored, never a 500
        assert moderator.get(f"/en/staff/records?{cursor}").status_code == 200


def test_rows_the_retention_job_anonymised_are_marked_and_show_no_address(app, moderator, app_config):
    old = add_access(app, at=NOW - timedelta(days=400), user_id=5, ip="203.0.113.50")
    recent = add_access(app, at=NOW - timedelta(days=1), user_id=5, ip="203.0.113.51")
    with app.app_context():
        anonymise_logs(NOW, app.config["LOG_RETENTION_DAYS"])
    page = moderator.get("/en/staff/records").text
    old_row, recent_row = row(page, f"access-{old[0]}"), row(page, f"access-{recent[0]}")
    assert 'class="anonymised"' in old_row and "Anonymised" in old_row
    assert "203.0.113.50" not in page and "/staff/users/5" not in old_row
    assert "Anonymised" not in recent_row and "203.0.113.51" in recent_row


# --- the security log --------------------------------------------------------------------------------------

def test_security_events_show_kind_method_ip_time_and_a_link_to_the_user(app, moderator):
    user_id = make_user(app, "seller9", phone="+8613800000019", password=None)
    failed = add_event(app, "sign_in_failed", user_id=user_id, method="sms")
    page = moderator.get("/en/staff/records/security").text
    shown = row(page, f"event-{failed}")
    assert "Failed sign-in" in shown and "<code>sign_in_failed</code>" in shown
    assert "SMS code" in shown and "198.51.100.4" in shown and "2026-03-20 12:00" in shown
    assert f'<a href="/en/staff/users/{user_id}">#{user_id}</a>' in shown
    assert row_ids(page, "event")[0] == failed  # newest first


@pytest.mark.parametrize(("args", "expected"), [
    ("kind=sign_in_failed", ["failed", "failed_unknown"]),
    ("method=wechat", ["wechat"]),
    ("ip=192.0.2.1", ["failed_unknown"]),
    ("user=USER", ["failed", "wechat"]),
    ("until=2026-03-01", ["old"]),
    ("kind=sign_in_failed&user=USER", ["failed"]),
])
def test_each_security_filter_narrows_the_events(app, moderator, args, expected):
    user_id = make_user(app, "seller9", phone="+8613800000019", password=None)
    made = {
        "failed": add_event(app, "sign_in_failed", user_id=user_id),
        "failed_unknown": add_event(app, "sign_in_failed", ip="192.0.2.1"),  # an account name nobody has
        "wechat": add_event(app, "wechat_bound", user_id=user_id, method="wechat"),
        "old": add_event(app, "registered", at=datetime(2026, 2, 1, tzinfo=UTC), method="sms"),
    }
    page = moderator.get(f"/en/staff/records/security?{args.replace('USER', str(user_id))}")
    assert page.status_code == 200
    assert sorted(row_ids(page.text, "event")) == sorted(made[name] for name in expected)


def test_the_event_filter_offers_every_kind_recorded_and_refuses_an_unknown_method(app, moderator):
    add_event(app, "password_reset")
    assert moderator.get("/en/staff/records/security?kind=%00sign_in").status_code == 400  # input_guard: no NUL
    page = moderator.get("/en/staff/records/security").text
    assert '<option value="password_reset">Password reset</option>' in page
    assert '<option value="sign_in">Signed in</option>' in page  # the moderator's own sign-in
    refused = moderator.get("/en/staff/records/security?method=carrier-pigeon")
    assert refused.status_code == 422
    assert "Choose a method from the list." in refused.text


def test_anonymised_security_events_are_marked(app, moderator):
    user_id = make_user(app, "seller9", phone="+8613800000019", password=None)
    old = add_event(app, "sign_in", at=NOW - timedelta(days=400), user_id=user_id, ip="192.0.2.77")
    with app.app_context():
        anonymise_logs(NOW, app.config["LOG_RETENTION_DAYS"])
    page = moderator.get("/en/staff/records/security").text
    shown = row(page, f"event-{old}")
    assert "Anonymised" in shown and "192.0.2.77" not in page and f"/staff/users/{user_id}" not in shown


# --- looking up one person is audited; browsing is not ----------------------------------------------------

def test_looking_up_a_user_or_an_ip_is_audited_once_browsing_and_paging_are_not(app, moderator):
    add_access(app, user_id=5, count=60)
    moderator.get("/en/staff/records")
    moderator.get("/en/staff/records?path=/t/&status=200&since=2026-03-01")
    moderator.get("/en/staff/records/security?kind=sign_in")
    assert lookups(app) == []

    first = moderator.get("/en/staff/records?user=5").text
    moderator.get(link(first, "next"))  # the next page of the same lookup is not a new lookup
    moderator.get("/en/staff/records/security?ip=203.0.113.7")
    by_user, by_ip = lookups(app)
    assert (by_user.target_type, by_user.target_id, by_user.actor_id is not None) == ("user", "5", True)
    assert '"log": "access"' in by_user.after
    assert (by_ip.target_type, by_ip.target_id) == ("ip", "")
    assert '"log": "security"' in by_ip.after
    # The audit log is never anonymised, so the address itself is not written into it.
    assert "203.0.113.7" not in by_ip.after + by_ip.before + by_ip.reason


def test_a_page_of_the_access_log_is_one_query_without_counting_the_whole_table(app, moderator, count_queries):
    add_access(app, count=120)
    with count_queries() as counter:
        assert moderator.get("/en/staff/records").status_code == 200
    statements = [s for s in counter.statements if "access_record" in s]
    assert len(statements) == 1
    assert "count(" not in statements[0].lower()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AccessRecord)) == 120
