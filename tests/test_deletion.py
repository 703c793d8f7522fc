"""Deleting an account: confirm, the grace period, cancelling by signing in, the purge, the ledger, banned phones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from extensions import db
from models import (
    BannedPhone,
    DeletionRequest,
    ErasureRecord,
    Notification,
    Rating,
    SecurityEvent,
    Tool,
    User,
    WechatIdentity,
)
from services import clock, deletion, ratings
from services.phones import banned_phone_hash
from tests.accounts import CHROME, PASSWORD, csrf_from, find_user, last_code, make_user, post_form, sign_in
from tests.fakes.wechat import wechat_config
from tests.test_auth_wechat import _scan

START = datetime(2030, 3, 1, 4, 0, tzinfo=UTC)
PHONE = "+8613800000001"


@pytest.fixture
def app_config(fake_wechat, tmp_path):
    return {**wechat_config(fake_wechat), "UPLOAD_DIR": str(tmp_path / "uploads")}


@pytest.fixture(autouse=True)
def frozen_clock():
    clock.freeze(START)
    yield
    clock.unfreeze()


def _request_deletion(client, password=PASSWORD):
    return post_form(client, "/en/settings/delete-account", {"password": password, "action": "delete"})


def _pending(app, user_id) -> DeletionRequest | None:
    with app.app_context():
        row = deletion.pending_request(user_id)
        if row is not None:
            db.session.expunge(row)
        return row


def test_the_page_explains_the_grace_period_and_what_is_erased_and_kept(app, client):
    make_user(app)
    sign_in(client)
    page = client.get("/en/settings/delete-account")
    assert page.status_code == 200 and "no-store" in page.headers["Cache-Control"]
    for text in ("waits 15 days", "Deleted user", "Backups are kept for 30 days", "Your password"):
        assert text in page.text


def test_visitors_are_sent_to_sign_in(client):
    response = client.get("/en/settings/delete-account")
    assert response.status_code == 303 and "/sign-in" in response.headers["Location"]


def test_a_wrong_password_is_refused_with_a_message_and_nothing_is_deleted(app, client):
    user_id = make_user(app)
    sign_in(client)
    response = _request_deletion(client, password="Wrong-password-1")
    assert response.status_code == 422
    assert "That password is not right." in response.text
    assert _pending(app, user_id) is None
    assert find_user(app, id=user_id).status == "active"
    with app.app_context():
        assert db.session.scalar(select(SecurityEvent.kind).where(SecurityEvent.kind == "deletion_confirm_failed"))


def test_confirming_starts_the_grace_period_and_signs_out_every_browser(app, client):
    user_id = make_user(app)
    sign_in(client)
    elsewhere = app.test_client()
    sign_in(elsewhere)
    response = _request_deletion(client)
    assert response.status_code == 303 and response.headers["Location"] == "/en/"
    home = client.get("/en/")
    assert "Your account will be deleted on" in home.text and "2030" in home.text
    pending = _pending(app, user_id)
    assert pending.purge_after == START + timedelta(days=15)
    assert find_user(app, id=user_id).status == "pending_deletion"
    for browser in (client, elsewhere):
        assert browser.get("/en/settings/security").status_code == 303  # signed out


def test_signing_in_during_the_grace_period_offers_to_cancel_and_cancelling_restores_the_account(app, client):
    user_id = make_user(app)
    sign_in(client)
    _request_deletion(client)
    clock.advance(timedelta(days=3))
    sign_in(client)
    held = client.get("/en/t/alpha-scout")
    assert held.status_code == 303 and held.headers["Location"] == "/en/settings/deletion-pending"
    offer = client.get("/en/settings/deletion-pending")
    assert "Keep my account" in offer.text and "2030-03-16" in offer.text
    response = client.post("/en/settings/deletion-pending/cancel", data={"csrf_token": csrf_from(offer.text)})
    assert response.status_code == 303
    assert find_user(app, id=user_id).status == "active"
    assert _pending(app, user_id) is None
    assert client.get("/en/settings/security").status_code == 200
    with app.app_context():
        request = db.session.scalar(select(DeletionRequest))
        assert request.state == "cancelled" and request.cancelled_at is not None
        assert db.session.scalar(select(Notification.kind).where(Notification.kind == "deletion_cancelled"))


def test_signing_out_from_the_offer_lets_the_deletion_go_ahead(app, client):
    user_id = make_user(app)
    sign_in(client)
    _request_deletion(client)
    sign_in(client)
    offer = client.get("/en/settings/deletion-pending")
    client.post("/en/sign-out", data={"csrf_token": csrf_from(offer.text)})
    assert _pending(app, user_id) is not None
    assert find_user(app, id=user_id).status == "pending_deletion"


def test_an_sms_sign_in_during_the_grace_period_lands_on_the_offer_too(app, client):
    user_id = make_user(app)
    sign_in(client)
    _request_deletion(client)
    clock.advance(timedelta(minutes=2))
    post_form(client, "/sign-in/sms", {"phone": "13800000001", "action": "send_code"})
    post_form(client, "/sign-in/sms", {"phone": "13800000001", "code": last_code(app, PHONE), "action": "sign_in"})
    assert client.get("/settings/security").headers["Location"] == "/settings/deletion-pending"
    assert _pending(app, user_id) is not None


def test_a_wechat_sign_in_during_the_grace_period_lands_on_the_offer_and_the_purge_frees_the_identity(
        app, client, fake_wechat, runner):
    _scan(client, fake_wechat)
    post_form(client, "/auth/wechat/consent", {"accept_terms": "y"})
    with app.app_context():
        user = db.session.scalar(select(User))
        deletion.request_deletion(user)
        user_id = user.id
    again = app.test_client()
    _scan(again, fake_wechat, start="/auth/wechat/start?next=/t/x")
    assert again.get("/t/x").headers["Location"] == "/settings/deletion-pending"
    clock.advance(timedelta(days=15))
    runner.invoke(args=["purge-deleted"])
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(WechatIdentity)) == 0
        assert db.session.get(User, user_id).is_deleted
    fresh = app.test_client()
    response = _scan(fresh, fake_wechat)
    assert response.headers["Location"].endswith("/auth/wechat/consent")  # a new account may be made


def test_an_account_without_a_password_confirms_with_an_sms_code(app, client):
    user_id = make_user(app, password=None)
    post_form(client, "/sign-in/sms", {"phone": "13800000001", "action": "send_code"})
    post_form(client, "/sign-in/sms", {"phone": "13800000001", "code": last_code(app, PHONE), "action": "sign_in"})
    clock.advance(timedelta(minutes=2))
    page = client.get("/en/settings/delete-account")
    assert "code sent to +86 138****0001" in page.text
    sent = client.post("/en/settings/delete-account", data={"csrf_token": csrf_from(page.text),
                                                            "action": "send_code"})
    assert sent.status_code == 200 and "We sent a 6-digit code" in sent.text
    wrong = client.post("/en/settings/delete-account", data={"csrf_token": csrf_from(page.text), "code": "000000",
                                                             "action": "delete"})
    assert wrong.status_code == 422 and _pending(app, user_id) is None
    response = client.post("/en/settings/delete-account", data={
        "csrf_token": csrf_from(page.text), "code": last_code(app, PHONE), "action": "delete"})
    assert response.status_code == 303
    assert _pending(app, user_id) is not None


def test_the_purge_waits_for_the_grace_period_then_erases_and_frees_the_phone(app, client, runner):
    user_id = make_user(app)
    sign_in(client)
    _request_deletion(client)
    clock.advance(timedelta(days=15) - timedelta(minutes=1))
    assert "Erased 0 account(s)." in runner.invoke(args=["purge-deleted"]).output
    clock.advance(timedelta(minutes=1))
    assert "Erased 1 account(s)." in runner.invoke(args=["purge-deleted"]).output
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user.is_deleted and user.phone is None and user.account_name is None
        assert db.session.scalar(select(DeletionRequest.state)) == "completed"
        assert db.session.scalars(select(ErasureRecord.user_id)).all() == [user_id]
        assert db.session.scalar(select(func.count()).select_from(BannedPhone)) == 0
    newcomer = app.test_client()
    response = post_form(newcomer, "/en/register", {"phone": "13800000001", "action": "send_code"})
    assert "We sent a 6-digit code" in response.text
    assert "Erased 0 account(s)." in runner.invoke(args=["purge-deleted"]).output  # done once only


def test_a_banned_account_stays_banned_while_pending_and_its_phone_cannot_register_again(app, client, runner):
    user_id = make_user(app, status="banned", ban_reason="Spam")
    sign_in(client)
    _request_deletion(client)
    assert find_user(app, id=user_id).status == "banned"  # the ban stays visible; the request says "pending"
    sign_in(client)
    assert client.get("/en/").headers["Location"] == "/en/settings/deletion-pending"
    clock.advance(timedelta(days=15))
    runner.invoke(args=["purge-deleted"])
    with app.app_context():
        assert db.session.get(BannedPhone, banned_phone_hash(PHONE)) is not None
        assert db.session.get(User, user_id).is_deleted
    newcomer = app.test_client()
    response = post_form(newcomer, "/en/register", {"phone": "138 0000 0001", "action": "send_code"})
    assert response.status_code == 422
    assert "cannot be used for a new account" in response.text
    assert not [m for m in app.extensions["sms"].sent if m["purpose"] == "register"]
    # Verifying the number on another account is refused the same way.
    make_user(app, "other1", phone=None, verified=False)
    sign_in(newcomer, "other1")
    refused = post_form(newcomer, "/en/verify-phone", {"phone": "13800000001", "action": "send_code"})
    assert "cannot be used for a new account" in refused.text


def test_a_banned_authors_ratings_stay_out_of_the_aggregates_after_the_purge(catalog):
    author = make_user(catalog, "spammer", phone="+8613800000009")
    fan = make_user(catalog, "fan1", phone="+8613800000008")
    with catalog.app_context():
        tool_id = db.session.scalar(select(Tool.id).where(Tool.slug == "alpha-scout"))
        clock.advance(timedelta(days=10))  # old enough that reviews are visible at once
        ratings.rate_tool(db.session.get(User, author), tool_id, 1, "Terrible!")
        ratings.rate_tool(db.session.get(User, fan), tool_id, 5, "")
        ratings.set_author_banned(author, True, "Spam")
        deletion.request_deletion(db.session.get(User, author))
        before = ratings.tool_rating_summary(tool_id)
        assert before["count"] == 1
        clock.advance(timedelta(days=15))
        assert deletion.purge_due() == [author]
        tool = db.session.get(Tool, tool_id)
        assert ratings.tool_rating_summary(tool_id) == before
        assert (tool.rating_count, tool.rating_avg) == (1, 5.0)
        assert db.session.scalar(select(Rating.state).where(Rating.user_id == author)) == "hidden"


def test_reviews_of_an_erased_account_stay_under_deleted_user(catalog, client):
    author = make_user(catalog, "reviewer", phone="+8613800000007")
    with catalog.app_context():
        tool_id = db.session.scalar(select(Tool.id).where(Tool.slug == "alpha-scout"))
        clock.advance(timedelta(days=10))
        ratings.rate_tool(db.session.get(User, author), tool_id, 4, "Kept after my account is gone.")
    page = client.get("/en/t/alpha-scout")
    assert "Reviewer" in page.text
    with catalog.app_context():
        assert deletion.erase_account(author)
    page = client.get("/en/t/alpha-scout")
    assert "Kept after my account is gone." in page.text
    assert "Deleted user" in page.text and "Reviewer" not in page.text
    with catalog.app_context():
        tool = db.session.get(Tool, tool_id)
        assert (tool.rating_count, tool.rating_avg) == (1, 4.0)


def test_staff_can_expedite_a_pending_deletion_for_the_next_purge(app):
    user_id = make_user(app)
    staff_id = make_user(app, "staff1", phone="+8613800000002", role="admin")
    with app.app_context():
        request = deletion.request_deletion(db.session.get(User, user_id))
        assert deletion.due_requests() == []
        assert deletion.expedite_deletion(request.id, staff_id)
        assert db.session.get(DeletionRequest, request.id).expedited_by_id == staff_id
        assert deletion.purge_due() == [user_id]
        assert not deletion.expedite_deletion(request.id, staff_id)  # completed: nothing to expedite


def test_reapplying_the_ledger_erases_again_an_account_restored_from_a_backup(app):
    user_id = make_user(app)
    with app.app_context():
        assert deletion.erase_account(user_id)
        assert deletion.reapply_erasures() == []  # nothing to do: still erased
        # A restore brings the old row back, personal data and all.
        user = db.session.get(User, user_id)
        user.account_name, user.phone, user.display_name, user.status = "seller1", PHONE, "Seller1", "active"
        db.session.commit()
        assert deletion.reapply_erasures() == [user_id]
        user = db.session.get(User, user_id)
        assert user.is_deleted and user.phone is None and user.account_name is None
        assert db.session.scalar(select(func.count()).select_from(ErasureRecord)) == 1


def test_cancelling_with_nothing_pending_changes_nothing(app, client):
    user_id = make_user(app)
    sign_in(client)
    page = client.get("/en/settings/security", headers={"User-Agent": CHROME})
    response = client.post("/en/settings/deletion-pending/cancel", data={"csrf_token": csrf_from(page.text)})
    assert response.status_code == 303
    assert find_user(app, id=user_id).status == "active"
    assert client.get("/en/settings/deletion-pending").status_code == 302
