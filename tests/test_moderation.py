"""Moderation decisions: held reviews, reports, bans, the compromised lock, roles, and the audit log."""

from __future__ import annotations

import html
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from extensions import db
from models import AuditEntry, Rating, Report, SecurityEvent, Tool, User, UserSession
from services import reports
from tests.accounts import csrf_from, make_user, sign_in
from tests.test_ratings import rate, seller, tool_id_of


def token(client) -> str:
    return csrf_from(client.get("/staff").text)


def audit_entries(app, action: str) -> list[AuditEntry]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def held_review(app, text_: str = "Great for keyword research, 真的好用") -> Rating:
    newcomer = seller(app, "newcomer", age=timedelta(hours=1))
    rating = rate(app, newcomer, tool_id_of(app), 5, text_)
    assert rating.state == "held"
    return rating


def test_a_held_review_is_listed_oldest_first_and_approved_in_one_click(app, moderator):
    rating = held_review(app)
    page = moderator.get("/staff/reviews")
    assert "真的好用" in page.text
    assert 'id="queue-count-reviews">1<' in page.text
    response = moderator.post(f"/staff/reviews/{rating.id}/decide",
                              data={"csrf_token": token(moderator), "decision": "approve"},
                              headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text
    assert 'id="queue-count-reviews" hx-swap-oob="true">0<' in response.text
    assert "真的好用" in app.test_client().get("/t/alpha-scout").text
    [entry] = audit_entries(app, "review.approve")
    assert json.loads(entry.before) == {"state": "held"}


def test_hiding_a_review_needs_a_reason_and_tells_the_author(app, moderator):
    rating = held_review(app)
    refused = moderator.post(f"/staff/reviews/{rating.id}/decide",
                             data={"csrf_token": token(moderator), "decision": "hide"})
    assert refused.status_code == 422  # without JavaScript: an error page that says why
    assert "给出隐藏" in refused.text or "Give a reason" in refused.text
    with app.app_context():
        assert db.session.get(Rating, rating.id).state == "held"
    done = moderator.post(f"/staff/reviews/{rating.id}/decide",
                          data={"csrf_token": token(moderator), "decision": "hide", "reason": "广告内容"})
    assert done.status_code == 303
    with app.app_context():
        assert db.session.get(Rating, rating.id).state == "hidden"
    [entry] = audit_entries(app, "review.hide")
    assert entry.reason == "广告内容"


def test_a_refused_decision_answers_htmx_with_422(app, moderator):
    rating = held_review(app)
    response = moderator.post(f"/staff/reviews/{rating.id}/decide",
                              data={"csrf_token": token(moderator), "decision": "hide"},
                              headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "reason" in response.text.lower() or "原因" in response.text


def test_resolving_a_review_report_hides_it_and_closes_every_report_of_it(app, moderator):
    author = seller(app, "author")
    rating = rate(app, author, tool_id_of(app), 1, "buy cheap followers at spam.example")
    with app.app_context():
        for name in ("r1", "r2"):
            reporter = db.session.get(User, seller(app, name))
            reports.report_review(reporter, rating.id, "spam", "")
        report_id = db.session.scalar(select(Report.id).order_by(Report.id))
    assert "spam.example" in moderator.get("/staff/reports?target=review").text
    response = moderator.post(f"/staff/reports/{report_id}/resolve",
                              data={"csrf_token": token(moderator), "action": "hide_review", "reason": "spam"})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Rating, rating.id).state == "hidden"
        states = db.session.scalars(select(Report.state)).all()
        assert states == ["resolved", "resolved"]
        assert db.session.scalar(select(Report.resolved_by_id).limit(1)) is not None


def test_marking_a_reported_tool_dead_changes_its_page(app, moderator):
    reporter = seller(app, "reporter")
    tool_id = tool_id_of(app)
    with app.app_context():
        filed = reports.report_tool(db.session.get(User, reporter), tool_id, "dead_link", "404 since May")
        report_id = filed.report.id
    wrong = moderator.post(f"/staff/reports/{report_id}/resolve",
                           data={"csrf_token": token(moderator), "action": "hide_review"})
    assert wrong.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(Report.state)) == "open"
    moderator.post(f"/staff/reports/{report_id}/resolve",
                   data={"csrf_token": token(moderator), "action": "mark_dead", "reason": "confirmed 404"})
    with app.app_context():
        assert db.session.get(Tool, tool_id).status == "dead_link"
    assert [e.action for e in audit_entries(app, "tool.status")] == ["tool.status"]


def test_a_ban_hides_the_users_reviews_and_tells_them_why(app, moderator):
    author = seller(app, "author")
    rate(app, author, tool_id_of(app), 2, "misleading review text")
    assert "misleading review text" in app.test_client().get("/t/alpha-scout").text
    response = moderator.post(f"/staff/users/{author}/ban",
                              data={"csrf_token": token(moderator), "reason": "刷评"})
    assert response.status_code == 303
    assert "misleading review text" not in app.test_client().get("/t/alpha-scout").text
    with app.app_context():
        user = db.session.get(User, author)
        assert user.status == "banned" and user.ban_reason == "刷评"
    moderator.post(f"/staff/users/{author}/unban", data={"csrf_token": token(moderator), "reason": "appeal ok"})
    assert "misleading review text" in app.test_client().get("/t/alpha-scout").text


def test_staff_cannot_ban_staff(app, moderator, admin):
    with app.app_context():
        admin_id = db.session.scalar(select(User.id).where(User.account_name == "adminuser"))
    response = moderator.post(f"/staff/users/{admin_id}/ban",
                              data={"csrf_token": token(moderator), "reason": "x"}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(User, admin_id).status == "active"


def test_compromised_signs_out_everywhere_and_requires_a_new_password(app, moderator):
    victim = make_user(app, "victim", phone="+8613800000021")
    victim_client = app.test_client()
    sign_in(victim_client, "victim")
    moderator.post(f"/staff/users/{victim}/compromised", data={"csrf_token": token(moderator), "reason": "ticket"})
    with app.app_context():
        assert db.session.get(User, victim).must_change_password
        live = db.session.scalar(select(func.count()).select_from(UserSession).where(
            UserSession.user_id == victim, UserSession.revoked_at.is_(None)))
        assert live == 0
    assert victim_client.get("/settings/security").status_code in (302, 303)


def test_only_an_admin_changes_roles_and_it_is_on_record(app, moderator, admin):
    target = make_user(app, "helper", phone="+8613800000031")
    refused = moderator.post(f"/staff/users/{target}/role", data={"csrf_token": token(moderator), "role": "admin"})
    assert refused.status_code == 403
    admin.post(f"/staff/users/{target}/role", data={"csrf_token": token(admin), "role": "moderator", "reason": "new"})
    with app.app_context():
        assert db.session.get(User, target).role == "moderator"
        assert db.session.scalar(select(SecurityEvent.kind).where(SecurityEvent.user_id == target)) == "role_changed"
    [entry] = audit_entries(app, "user.role")
    assert (json.loads(entry.before), json.loads(entry.after)) == ({"role": "user"}, {"role": "moderator"})


def test_user_search_masks_phone_numbers(app, moderator):
    make_user(app, "findme", phone="+8613912345678")
    page = moderator.get("/staff/users?q=13912345678")
    assert "findme" in page.text
    assert "139****5678" in page.text
    assert "13912345678" not in page.text.replace("q=13912345678", "").replace('value="13912345678"', "")


def test_the_audit_log_page_filters_by_action(app, moderator):
    rating = held_review(app)
    moderator.post(f"/staff/reviews/{rating.id}/decide", data={"csrf_token": token(moderator), "decision": "approve"})
    page = moderator.get("/staff/audit?action=review.approve")
    assert "review.approve" in page.text and f"review #{rating.id}" in page.text
    assert "review #" not in moderator.get("/staff/audit?action=user.ban").text


def test_create_admin_and_set_role_commands(app, runner):
    result = runner.invoke(args=["create-admin", "--account-name", "boss", "--phone", "13800000099",
                                 "--password", "Sturdy-Admin-Pass-9"])
    assert result.exit_code == 0, result.output
    make_user(app, "someone", phone="+8613800000098")
    result = runner.invoke(args=["set-role", "someone", "moderator", "--reason", "hired"])
    assert result.exit_code == 0, result.output
    missing = runner.invoke(args=["set-role", "nobody", "admin"])
    assert missing.exit_code != 0 and "no account" in missing.output
    weak = runner.invoke(args=["create-admin", "--account-name", "boss2", "--phone", "13800000097", "--password", "x"])
    assert weak.exit_code != 0
    with app.app_context():
        roles = dict(db.session.execute(select(User.account_name, User.role)).all())
        assert roles["boss"] == "admin" and roles["someone"] == "moderator"
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 2


def test_the_database_refuses_to_update_or_delete_an_audit_entry(app):
    with app.app_context():
        db.session.add(AuditEntry(actor_id=None, action="test", target_type="x", target_id="1"))
        db.session.commit()
        for statement in ("UPDATE audit_entry SET reason = 'rewritten'", "DELETE FROM audit_entry"):
            with pytest.raises(Exception, match="append-only"):
                db.session.execute(text(statement))
            db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 1


def test_no_route_writes_the_audit_log_except_by_appending(app):
    """No view module updates or deletes an AuditEntry: the only writer is services.audit.record."""
    import pathlib
    for path in pathlib.Path("blueprints").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert "AuditEntry" not in source or "update(AuditEntry" not in source, path
    service = pathlib.Path("services/audit.py").read_text(encoding="utf-8")
    assert "update(" not in service and "delete(" not in service


# --- who may act on whose account (services/moderation/authority.py) ------------------------------------------


def _account(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.account_name == name))


def _live_sessions(app, user_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(UserSession).where(
            UserSession.user_id == user_id, UserSession.revoked_at.is_(None)))


@pytest.mark.parametrize("target_role", ["admin", "moderator"])
def test_a_moderator_cannot_lock_staff_as_compromised(app, moderator, target_role):
    target = make_user(app, "stafftarget", phone="+8613800000041", role=target_role)
    sign_in(app.test_client(), "stafftarget")
    response = moderator.post(f"/en/staff/users/{target}/compromised", data={"csrf_token": token(moderator),
                              "reason": "x"}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "Only an admin can act on a staff account." in response.text
    with app.app_context():
        assert not db.session.get(User, target).must_change_password
    assert _live_sessions(app, target) == 1
    assert audit_entries(app, "user.compromised") == []
    page = moderator.get(f"/en/staff/users/{target}").text
    assert f"/staff/users/{target}/compromised" not in page and f"/staff/users/{target}/ban" not in page
    assert "No action on this account is yours to take." in page


def test_a_moderator_still_locks_a_user_and_an_admin_locks_a_moderator(app, moderator, admin):
    user = make_user(app, "plainvictim", phone="+8613800000042")
    assert f"/staff/users/{user}/compromised" in moderator.get(f"/staff/users/{user}").text
    moderator.post(f"/staff/users/{user}/compromised", data={"csrf_token": token(moderator), "reason": "ticket"})
    helper = _account(app, "moduser")
    response = admin.post(f"/staff/users/{helper}/compromised", data={"csrf_token": token(admin), "reason": "leak"})
    assert response.status_code in (200, 303)
    with app.app_context():
        assert db.session.get(User, user).must_change_password
        assert db.session.get(User, helper).must_change_password
    assert len(audit_entries(app, "user.compromised")) == 2


def test_an_admin_locks_another_admin_on_record_and_every_other_admin_is_told(app, admin):
    from models import Notification

    other = make_user(app, "secondadmin", phone="+8613800000043", role="admin")
    third = make_user(app, "thirdadmin", phone="+8613800000044", role="admin")
    sign_in(app.test_client(), "secondadmin")
    response = admin.post(f"/staff/users/{other}/compromised", data={"csrf_token": token(admin), "reason": "phished"})
    assert response.status_code in (200, 303)
    assert _live_sessions(app, other) == 0
    [entry] = audit_entries(app, "user.compromised")
    assert entry.target_id == str(other) and entry.actor_id == _account(app, "adminuser")
    with app.app_context():
        told = dict(db.session.execute(select(Notification.user_id, Notification.kind)).all())
    assert told == {other: "compromised_lock", third: "admin_locked"}  # the acting admin knows already
    third_client = app.test_client()
    sign_in(third_client, "thirdadmin")
    assert "Another admin locked the admin account Secondadmin as compromised" in third_client.get("/en/inbox").text


@pytest.mark.parametrize("action", ["ban", "role"])
def test_an_admin_cannot_ban_demote_or_edit_another_admin(app, admin, action):
    other = make_user(app, "secondadmin", phone="+8613800000043", role="admin")
    response = admin.post(f"/en/staff/users/{other}/{action}", data={
        "csrf_token": token(admin), "reason": "x", "role": "user"}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "Another admin's account can only be locked as compromised." in html.unescape(response.text)
    with app.app_context():
        assert db.session.get(User, other).role == "admin" and db.session.get(User, other).status == "active"
    page = admin.get(f"/en/staff/users/{other}").text
    assert f"/staff/users/{other}/compromised" in page
    assert f"/staff/users/{other}/ban" not in page and f"/staff/users/{other}/role" not in page


def test_the_admin_role_is_not_given_on_the_site(app, admin):
    target = make_user(app, "helper", phone="+8613800000031")
    response = admin.post(f"/en/staff/users/{target}/role", data={"csrf_token": token(admin), "role": "admin"},
                          headers={"HX-Request": "true"})
    assert response.status_code == 422 and "flask set-role" in response.text
    with app.app_context():
        assert db.session.get(User, target).role == "user"
    assert '<option value="admin"' not in admin.get(f"/staff/users/{target}").text


@pytest.mark.parametrize("action", ["compromised", "ban", "role"])
def test_nobody_acts_on_their_own_account(app, admin, action):
    me = _account(app, "adminuser")
    response = admin.post(f"/en/staff/users/{me}/{action}", data={
        "csrf_token": token(admin), "reason": "x", "role": "moderator"}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "Staff cannot act on their own account." in response.text
    with app.app_context():
        me_now = db.session.get(User, me)
        assert me_now.role == "admin" and not me_now.must_change_password and me_now.status == "active"
