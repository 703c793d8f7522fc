"""Recent authentication: a session that has not proved the holder in 10 minutes cannot move the account's
recovery channels (security review, finding 3: a stolen cookie alone gave a permanent takeover)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from extensions import db
from models import ApiToken, SecurityEvent, User, UserSession, WechatIdentity
from services import clock
from tests.accounts import (
    CHROME,
    PASSWORD,
    csrf_from,
    find_user,
    last_code,
    make_user,
    post_form,
    session_id_of,
    sign_in,
)
from tests.fakes.wechat import wechat_config
from tests.test_auth_wechat import _scan

CONFIRM = "/en/settings/confirm-identity"


@pytest.fixture
def app_config(fake_wechat):
    return wechat_config(fake_wechat)


def _stale(app, client) -> None:
    """The session last proved the holder 11 minutes ago, as a cookie stolen later would be."""
    with app.app_context():
        row = db.session.get(UserSession, session_id_of(client))
        row.proved_at = clock.now() - timedelta(minutes=11)
        db.session.commit()


def _events(app, user_id: int) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(SecurityEvent.kind).where(SecurityEvent.user_id == user_id)
                                       .order_by(SecurityEvent.id)))


def _signed_in_without_a_password(app, client) -> int:
    """An account with a verified phone and no password, signed in by an SMS code."""
    user_id = make_user(app, "smsonly", phone="+8613922223333", password=None)
    post_form(client, "/en/sign-in/sms", {"phone": "13922223333", "action": "send_code"})
    post_form(client, "/en/sign-in/sms", {"phone": "13922223333", "code": last_code(app, "+8613922223333"),
                                          "action": "sign_in"})
    return user_id


@pytest.fixture
def owner(app, client):
    user_id = make_user(app)
    sign_in(client)
    return user_id


def test_a_fresh_sign_in_may_change_the_phone_a_stale_session_must_confirm_first(app, client, owner):
    assert client.get("/en/verify-phone").status_code == 200  # signed in just now: that is the proof
    _stale(app, client)
    answer = client.get("/en/verify-phone")
    assert answer.status_code == 303
    assert answer.headers["Location"].startswith(f"{CONFIRM}?next=/en/verify-phone")
    # Sending a code to a new number is refused too: nothing reaches the thief's phone.
    token = csrf_from(client.get("/en/settings/security").text)
    answer = client.post("/en/verify-phone", data={"csrf_token": token, "phone": "13911112222", "action": "send_code"})
    assert answer.status_code == 303 and "confirm-identity" in answer.headers["Location"]
    assert not [m for m in app.extensions["sms"].sent if m["phone"] == "+8613911112222"]


def test_confirming_with_the_password_renews_the_proof_and_goes_back(app, client, owner):
    _stale(app, client)
    refused = post_form(client, f"{CONFIRM}?next=/en/verify-phone", {"password": "wrong-one", "action": "confirm",
                                                                      "next": "/en/verify-phone"})
    assert refused.status_code == 422
    assert client.get("/en/verify-phone").status_code == 303  # still not proved
    assert "reauth_confirm_failed" in _events(app, owner)
    answer = post_form(client, f"{CONFIRM}?next=/en/verify-phone", {"password": PASSWORD, "action": "confirm",
                                                                     "next": "/en/verify-phone"})
    assert answer.status_code == 303 and answer.headers["Location"] == "/en/verify-phone"
    assert client.get("/en/verify-phone").status_code == 200
    assert "reauthenticated" in _events(app, owner)
    clock.freeze(clock.now() + timedelta(minutes=11))  # and it lapses again
    assert client.get("/en/verify-phone").status_code == 303


def test_a_stale_session_cannot_change_the_email_the_notice_channel_or_create_a_token(app, client, owner):
    _stale(app, client)
    page = "/en/settings/notifications"
    answer = post_form(client, page, {"email": "thief@example.com"}, action="/en/settings/email")
    assert answer.status_code == 303 and answer.headers["Location"].startswith(f"{CONFIRM}?next=/en/settings/")
    answer = post_form(client, page, {"channel": "email"}, action="/en/settings/notifications/channel")
    assert answer.status_code == 303 and "confirm-identity" in answer.headers["Location"]
    answer = post_form(client, "/en/settings/api-tokens", {"name": "x"}, action="/en/settings/api-tokens/create")
    assert answer.status_code == 303 and "confirm-identity" in answer.headers["Location"]
    user = find_user(app, id=owner)
    assert user.email is None
    with app.app_context():
        assert db.session.scalar(select(ApiToken.id).limit(1)) is None
    htmx = post_form(client, page, {"email": "thief@example.com"}, action="/en/settings/email",
                     headers={"HX-Request": "true"})
    assert htmx.status_code == 204 and "confirm-identity" in htmx.headers["HX-Redirect"]


def test_a_stale_session_cannot_start_binding_wechat(app, client, owner, fake_wechat):
    _stale(app, client)
    answer = client.get("/en/auth/wechat/start?purpose=bind")
    assert answer.status_code == 302 and "confirm-identity" in answer.headers["Location"]
    with app.app_context():
        assert db.session.scalar(select(WechatIdentity.id).limit(1)) is None


def test_an_account_without_a_password_confirms_with_a_code_to_its_phone(app, client):
    user_id = _signed_in_without_a_password(app, client)
    _stale(app, client)
    post_form(client, CONFIRM, {"action": "send_code"})
    answer = post_form(client, CONFIRM, {"code": last_code(app, "+8613922223333"), "action": "confirm",
                                         "next": "/en/verify-phone"})
    assert answer.status_code == 303 and answer.headers["Location"] == "/en/verify-phone"
    assert "reauthenticated" in _events(app, user_id)


def test_a_wechat_only_account_confirms_with_a_fresh_wechat_round_trip_of_its_own(app, client, fake_wechat):
    _scan(client, fake_wechat)
    post_form(client, "/auth/wechat/consent", {"accept_terms": "y"})
    _stale(app, client)
    page = client.get(f"{CONFIRM}?next=/en/verify-phone")
    assert "purpose=reauth" in page.text
    answer = _scan(client, fake_wechat, start="/en/auth/wechat/start?purpose=reauth&next=/en/verify-phone")
    assert answer.status_code == 303 and answer.headers["Location"] == "/en/verify-phone"
    assert client.get("/en/verify-phone").status_code == 200  # a first phone: the new number's code next


def test_a_remember_me_restore_is_not_a_fresh_proof(app, owner):
    browser = app.test_client()
    sign_in(browser, remember="y")
    remember = browser.get_cookie(app.config.get("REMEMBER_COOKIE_NAME", "remember_token"))
    assert remember is not None
    _stale(app, browser)
    restored = app.test_client()  # the browser was closed: only the remember-me cookie is left
    restored.set_cookie(remember.key, remember.value)
    assert restored.get("/en/settings/security", headers={"User-Agent": CHROME}).status_code == 200
    assert restored.get("/en/verify-phone").status_code == 303


def test_the_confirm_page_never_sends_the_reader_off_the_site(app, client, owner):
    _stale(app, client)
    answer = post_form(client, CONFIRM, {"password": PASSWORD, "action": "confirm", "next": "//evil.example/x"})
    assert answer.status_code == 303 and answer.headers["Location"].startswith("/")
    assert "evil" not in answer.headers["Location"]
    with app.app_context():
        assert db.session.get(User, owner) is not None


def _bind_wechat(app, user_id: int, days_ago: int) -> None:
    with app.app_context():
        db.session.add(WechatIdentity(user_id=user_id, app_id="wx-test", openid=f"openid-{user_id}",
                                      created_at=clock.now() - timedelta(days=days_ago)))
        db.session.commit()


def _bound(app, user_id: int) -> bool:
    with app.app_context():
        return db.session.scalar(select(WechatIdentity.id).where(WechatIdentity.user_id == user_id)) is not None


def test_the_owner_removes_a_wechat_bound_two_days_ago_after_the_proof(app, client, owner):
    _bind_wechat(app, owner, days_ago=2)
    page = client.get("/en/settings/security")
    assert 'action="/en/settings/wechat/unbind"' in page.text
    _stale(app, client)
    answer = post_form(client, "/en/settings/security", {}, action="/en/settings/wechat/unbind")
    assert answer.status_code == 303 and "confirm-identity" in answer.headers["Location"] and _bound(app, owner)
    post_form(client, CONFIRM, {"password": PASSWORD, "action": "confirm", "next": "/en/settings/security"})
    answer = post_form(client, "/en/settings/security", {}, action="/en/settings/wechat/unbind")
    assert answer.status_code == 303 and not _bound(app, owner)
    assert "wechat_unbound_self" in _events(app, owner)
    with app.app_context():
        from models import Notification
        assert db.session.scalar(select(Notification.id).where(Notification.user_id == owner).limit(1))


def test_an_older_wechat_or_the_only_way_in_is_not_unbound_by_the_account_itself(app, client, owner):
    _bind_wechat(app, owner, days_ago=8)
    assert 'action="/en/settings/wechat/unbind"' not in client.get("/en/settings/security").text
    post_form(client, "/en/settings/security", {}, action="/en/settings/wechat/unbind")
    assert _bound(app, owner)  # an appeal to staff is the way


def test_wechat_is_not_unbound_while_it_is_the_only_way_to_sign_in(app, client, fake_wechat):
    _scan(client, fake_wechat)
    post_form(client, "/auth/wechat/consent", {"accept_terms": "y"})
    user = find_user(app, display_name="跨境小王")
    assert 'action="/en/settings/wechat/unbind"' not in client.get("/en/settings/security").text
    post_form(client, "/en/settings/security", {}, action="/en/settings/wechat/unbind")
    assert _bound(app, user.id)


def test_a_stale_session_cannot_give_a_passwordless_account_a_password(app, client):
    user_id = _signed_in_without_a_password(app, client)
    _stale(app, client)
    answer = post_form(client, "/en/settings/security", {"account_name": "thief1", "password": "Thief-Pass-99",
                                                         "confirm": "Thief-Pass-99"},
                       action="/en/settings/set-password")
    assert answer.status_code == 303 and "confirm-identity" in answer.headers["Location"]
    assert find_user(app, id=user_id).password_hash is None


def test_a_wechat_only_account_verifies_a_first_phone_then_exports_and_asks_for_deletion(app, client, fake_wechat):
    # The legitimate flow the review's acceptance names: nothing here may lock a WeChat-only owner out.
    _scan(client, fake_wechat)
    post_form(client, "/auth/wechat/consent", {"accept_terms": "y"})
    with app.app_context():
        user_id = db.session.scalar(select(User.id))
    post_form(client, "/en/verify-phone", {"phone": "13955556666", "action": "send_code"})
    verified = post_form(client, "/en/verify-phone", {"phone": "13955556666", "action": "verify",
                                                      "code": last_code(app, "+8613955556666")})
    assert verified.status_code == 303
    assert find_user(app, id=user_id).phone_verified_at is not None
    token = csrf_from(client.get("/en/settings/export").text)
    client.post("/en/settings/export", data={"csrf_token": token, "action": "send_code"})
    exported = client.post("/en/settings/export", data={"csrf_token": token, "action": "export",
                                                        "code": last_code(app, "+8613955556666")})
    assert exported.mimetype == "application/zip"
    clock.freeze(clock.now() + timedelta(seconds=61))  # past the resend gap: deletion asks its own code
    token = csrf_from(client.get("/en/settings/delete-account").text)
    client.post("/en/settings/delete-account", data={"csrf_token": token, "action": "send_code"})
    asked = client.post("/en/settings/delete-account", data={"csrf_token": token, "action": "delete",
                                                             "code": last_code(app, "+8613955556666")})
    assert asked.status_code == 303
    assert find_user(app, id=user_id).status == "pending_deletion"


def test_an_owner_who_lost_the_old_phone_changes_it_with_the_password(app, client, owner):
    _stale(app, client)  # no fresh proof, and no old phone to get a code on
    post_form(client, CONFIRM, {"password": PASSWORD, "action": "confirm", "next": "/en/verify-phone"})
    post_form(client, "/en/verify-phone", {"phone": "13977778888", "action": "send_code"})
    changed = post_form(client, "/en/verify-phone", {"phone": "13977778888", "action": "verify",
                                                     "code": last_code(app, "+8613977778888")})
    assert changed.status_code == 303
    assert find_user(app, id=owner).phone == "+8613977778888"
    assert "phone_changed" in _events(app, owner)
