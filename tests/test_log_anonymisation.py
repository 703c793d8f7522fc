"""flask anonymise-logs: after LOG_RETENTION_DAYS, access records and security events lose IPs and user ids."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from extensions import db
from models import AccessRecord, SecurityEvent
from services import access_log, auth_sessions, clock
from tests.accounts import CHROME, make_user, sign_in

START = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)


def _visit_and_sign_in(app, path: str) -> None:
    """One page visit and one sign-in, recorded at the clock's current time."""
    client = app.test_client()
    client.get(path, headers={"User-Agent": CHROME})
    sign_in(client)
    with app.app_context():
        access_log.flush()


def _access(app, path: str) -> list[AccessRecord]:
    with app.app_context():
        rows = list(db.session.scalars(select(AccessRecord).where(AccessRecord.path == path)))
        db.session.expunge_all()
        return rows


def _sign_ins(app) -> list[SecurityEvent]:
    with app.app_context():
        rows = list(db.session.scalars(select(SecurityEvent).where(SecurityEvent.kind == "sign_in")
                                       .order_by(SecurityEvent.created_at)))
        db.session.expunge_all()
        return rows


def test_records_one_day_outside_the_retention_lose_ip_and_user_and_one_day_inside_keep_them(app, runner):
    user_id = make_user(app)
    clock.freeze(START)
    _visit_and_sign_in(app, "/robots.txt")  # will be 181 days old
    clock.advance(timedelta(days=2))
    _visit_and_sign_in(app, "/en/")  # will be 179 days old
    clock.advance(timedelta(days=179))

    result = runner.invoke(args=["anonymise-logs"])

    assert result.exit_code == 0, result.output
    # The visit, the sign-in page and the sign-in POST; then the sign-in event.
    assert "older than 180 days: 3 access records anonymised, 1 security events anonymised" in result.output
    old_pages = _access(app, "/robots.txt") + [r for r in _access(app, "/sign-in") if r.created_at == START]
    assert len(old_pages) == 3 and all(r.ip is None and r.user_id is None for r in old_pages)
    assert all(r.status and r.method and r.created_at for r in old_pages)  # what happened and when stay
    (recent_page,) = _access(app, "/en/")
    assert recent_page.ip == "127.0.0.1"
    recent_sign_in = [r for r in _access(app, "/sign-in") if r.created_at > START and r.method == "POST"]
    assert [r.user_id for r in recent_sign_in] == [user_id]
    old_event, recent_event = _sign_ins(app)
    assert (old_event.ip, old_event.user_agent, old_event.user_id) == ("", "", None)
    assert old_event.kind == "sign_in" and old_event.method == "password"
    assert (recent_event.ip, recent_event.user_agent, recent_event.user_id) == ("127.0.0.1", CHROME, user_id)


def test_the_users_own_history_then_shows_only_the_retention_period(app, runner):
    user_id = make_user(app)
    clock.freeze(START)
    _visit_and_sign_in(app, "/robots.txt")
    clock.advance(timedelta(days=100))
    _visit_and_sign_in(app, "/robots.txt")
    clock.advance(timedelta(days=100))
    runner.invoke(args=["anonymise-logs"])
    with app.app_context():
        history = auth_sessions.sign_in_history(user_id)
        assert [e.created_at for e in history] == [START + timedelta(days=100)]


def test_it_works_in_batches_and_a_second_run_finds_nothing(app, runner):
    make_user(app)
    clock.freeze(START)
    for _ in range(3):
        _visit_and_sign_in(app, "/robots.txt")
    clock.advance(timedelta(days=181))

    first = runner.invoke(args=["anonymise-logs", "--batch-size", "2"])
    again = runner.invoke(args=["anonymise-logs"])

    assert "3 security events anonymised" in first.output
    with app.app_context():
        assert db.session.scalar(select(AccessRecord).where(AccessRecord.ip.is_not(None))) is None
    assert "0 access records anonymised, 0 security events anonymised" in again.output


@pytest.mark.parametrize("app_config", [{"LOG_RETENTION_DAYS": 30}])
def test_the_retention_comes_from_log_retention_days(app, runner, app_config):
    make_user(app)
    clock.freeze(START)
    _visit_and_sign_in(app, "/robots.txt")
    clock.advance(timedelta(days=29))
    assert "0 access records anonymised" in runner.invoke(args=["anonymise-logs"]).output
    clock.advance(timedelta(days=2))
    assert "older than 30 days: " in runner.invoke(args=["anonymise-logs"]).output
    assert _access(app, "/robots.txt")[0].ip is None


def test_the_security_page_shows_the_users_own_history_and_after_the_retention_not_even_that(app, runner):
    make_user(app)
    make_user(app, "seller2", phone="+8613800000002")
    clock.freeze(START)
    mine, theirs = app.test_client(), app.test_client()
    sign_in(mine)
    theirs.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    sign_in(theirs, "seller2")
    page = mine.get("/en/settings/security", headers={"User-Agent": CHROME}).text
    assert "Signed in" in page and "127.0.0.1" in page
    assert "198.51.100.7" not in page  # the other user's sign-in

    clock.advance(timedelta(days=181))
    runner.invoke(args=["anonymise-logs"])
    sign_in(mine)  # a fresh sign-in: the old session is past its lifetime
    history = mine.get("/en/settings/security", headers={"User-Agent": CHROME}).text.split('id="history"')[1]
    assert history.count("Signed in") == 1
