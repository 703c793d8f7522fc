"""The compromised lock holds on every path, and its owner unlocks it with the phone, not the old password.

Security review finding 5: must_change_password was one redirect after password sign-in; the locked account then
browsed on (a locked moderator reached /staff/settings), and SMS and WeChat sign-in ignored the flag.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from extensions import db
from models import ApiToken, AuditEntry, OutboxMessage, SecurityEvent, User
from services import api_tokens, auth_sessions, clock
from services.moderation import users
from tests.accounts import PASSWORD, get_user, last_code, make_user, post_form, sign_in
from tests.fakes.wechat import wechat_config
from tests.test_auth_wechat import _scan

NEW_PASSWORD = "Fresh-Unlock-Pass-77"
PHONE = "+8613800000051"


@pytest.fixture
def app_config(fake_wechat):
    return wechat_config(fake_wechat)


def _lock(app, user_id: int) -> None:
    staff = make_user(app, "lockingadmin", phone="+8613800000059", role="admin")
    with app.app_context():
        users.lock_compromised(user_id, staff_id=staff, reason="reported stolen")
        db.session.commit()


def _held(client, path: str) -> bool:
    response = client.get(path)
    return response.status_code in (302, 303) and response.headers["Location"].endswith("/account/unlock")


def _signed_in_by(app, method: str, fake_wechat):
    client = app.test_client()
    if method == "password":
        sign_in(client, "victim")
    elif method == "sms":
        post_form(client, "/sign-in/sms", {"phone": PHONE, "action": "send_code"})
        assert post_form(client, "/sign-in/sms", {"phone": PHONE, "code": last_code(app, PHONE),
                                                 "action": "sign_in"}).status_code == 303
    elif method == "wechat":
        assert _scan(client, fake_wechat).status_code == 303
    elif method == "remember_me":
        first = app.test_client()
        sign_in(first, "victim", remember="y")
        cookie = first.get_cookie("remember_token")
        client.set_cookie(cookie.key, cookie.value)
    return client


@pytest.mark.parametrize("method", ["password", "sms", "wechat", "remember_me"])
def test_however_a_locked_account_signs_in_it_reaches_only_the_unlock_page(app, fake_wechat, method):
    victim = make_user(app, "victim", phone=PHONE, role="moderator")
    if method == "wechat":  # bind the fake WeChat user to the account first
        binder = app.test_client()
        sign_in(binder, "victim")
        _scan(binder, fake_wechat, start="/auth/wechat/start?purpose=bind")
    _lock(app, victim)  # every session and remember-me token ends here; then the account signs in again
    client = _signed_in_by(app, method, fake_wechat)
    for path in ("/settings/security", "/staff/settings", "/staff", "/favorites", "/settings/api-tokens"):
        assert _held(client, path), path
    htmx = client.get("/settings/profile", headers={"HX-Request": "true"})
    assert htmx.status_code == 204 and htmx.headers["HX-Redirect"].endswith("/account/unlock")
    refused_post = post_form(client, "/account/unlock", {"channel": "sms"}, action="/settings/notifications/channel")
    assert refused_post.status_code in (302, 303) and refused_post.headers["Location"].endswith("/account/unlock")
    for public in ("/", "/c/pr-amazon", "/search?q=alpha", "/privacy", "/healthz", "/account/unlock", "/feedback"):
        assert client.get(public).status_code in (200, 404), public


def test_the_owner_unlocks_with_a_code_to_the_verified_phone_and_a_new_password(app, client):
    victim = make_user(app, "victim", phone=PHONE)
    _lock(app, victim)
    sign_in(client, "victim")
    page = client.get("/en/account/unlock")
    assert page.status_code == 200 and "+86 138****0051" in page.text
    post_form(client, "/en/account/unlock", {"action": "send_code", "phone": "+8613800000099"})
    code = last_code(app, PHONE)  # the account's own number, whatever was posted
    weak = post_form(client, "/en/account/unlock", {"code": code, "password": "short", "action": "unlock"})
    assert weak.status_code == 422
    done = post_form(client, "/en/account/unlock", {"code": code, "password": NEW_PASSWORD, "action": "unlock"})
    assert done.status_code == 303
    assert client.get("/settings/security").status_code == 200  # open again
    assert not get_user(app, victim).must_change_password
    sign_in(app.test_client(), "victim", NEW_PASSWORD)
    refused = post_form(app.test_client(), "/en/sign-in", {"login": "victim", "password": PASSWORD})
    assert refused.status_code == 422  # the old password, which an intruder may know, is gone


def test_the_old_password_does_not_unlock(app, client):
    victim = make_user(app, "victim", phone=PHONE)
    _lock(app, victim)
    sign_in(client, "victim")
    # The settings page that changes a password with the current one is closed to a locked account.
    response = post_form(client, "/account/unlock", {"current_password": PASSWORD, "password": NEW_PASSWORD},
                         action="/settings/password")
    assert response.status_code in (302, 303) and response.headers["Location"].endswith("/account/unlock")
    assert get_user(app, victim).must_change_password


def _locked_after_a_recent_change(app, kind: str = "phone_changed") -> tuple[int, int]:
    """A victim whose phone (WeChat, channel) changed days before the lock, perhaps by the intruder; and the
    locking admin."""
    victim = make_user(app, "victim", phone=PHONE)
    with app.app_context():
        auth_sessions.log_event(victim, kind, ip="203.0.113.5", user_agent="x")
        db.session.commit()
    clock.freeze(clock.now() + timedelta(days=3))
    _lock(app, victim)
    with app.app_context():
        admin = db.session.scalar(select(User.id).where(User.account_name == "lockingadmin"))
    return victim, admin


@pytest.mark.parametrize("kind", ["phone_changed", "wechat_bound", "notice_channel_changed"])
def test_a_recent_change_of_phone_wechat_or_channel_means_only_staff_can_unlock(app, client, kind):
    _locked_after_a_recent_change(app, kind)
    sign_in(client, "victim")
    page = client.get("/en/account/unlock").text
    assert "only our staff can unlock it" in page and "Send code" not in page
    assert post_form(client, "/en/account/unlock", {"action": "send_code"},
                     action="/en/account/unlock").status_code == 200
    assert app.extensions["sms"].sent == []


def test_a_change_long_before_the_lock_does_not_stop_the_sms_unlock(app, client):
    victim = make_user(app, "victim", phone=PHONE)
    with app.app_context():
        auth_sessions.log_event(victim, "phone_changed", ip="203.0.113.5", user_agent="x")
        db.session.commit()
    clock.freeze(clock.now() + timedelta(days=20))
    _lock(app, victim)
    sign_in(client, "victim")
    assert "Send code" in client.get("/en/account/unlock").text


def test_an_account_without_a_verified_phone_unlocks_only_by_appeal(app, client, fake_wechat):
    _scan(client, fake_wechat)
    post_form(client, "/auth/wechat/consent", {"accept_terms": "y"})
    with app.app_context():
        wechat_only = db.session.scalar(select(User.id))
    _lock(app, wechat_only)
    again = app.test_client()
    _scan(again, fake_wechat)
    page = again.get("/en/account/unlock").text
    assert "no verified phone" in page and "/feedback?category=compromised" in page


def test_the_lock_revokes_api_tokens_and_they_stay_revoked_after_the_unlock(app, client):
    victim = make_user(app, "victim", phone=PHONE)
    with app.app_context():
        secret = api_tokens.create_token(victim, "script", max_active=10).secret
    reader = app.test_client()
    assert reader.get("/api/v1/tools", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    _lock(app, victim)
    refused = reader.get("/api/v1/tools", headers={"Authorization": f"Bearer {secret}"})
    assert refused.status_code == 401 and refused.mimetype == "application/problem+json"
    with app.app_context():
        assert db.session.scalar(select(ApiToken.revoked_at)) is not None
        assert db.session.scalar(select(SecurityEvent.kind).where(SecurityEvent.kind == "compromised_lock"))


def test_the_unlock_page_refuses_visitors_and_accounts_that_are_not_locked(app, client):
    visitor = client.get("/en/account/unlock")
    assert visitor.status_code in (302, 303) and "/sign-in" in visitor.headers["Location"]
    victim = make_user(app, "victim", phone=PHONE)
    sign_in(client, "victim")
    assert client.get("/en/account/unlock").headers["Location"].endswith("/")  # nothing to unlock
    response = post_form(client, "/en/settings/security", {"action": "unlock", "code": "123456",
                         "password": NEW_PASSWORD}, action="/en/account/unlock")
    assert response.status_code in (302, 303)
    sign_in(app.test_client(), "victim")  # the password did not change
    assert not get_user(app, victim).must_change_password


def test_an_unlock_without_its_csrf_token_is_refused(app, client):
    victim = make_user(app, "victim", phone=PHONE)
    _lock(app, victim)
    sign_in(client, "victim")
    response = client.post("/en/account/unlock", data={"action": "unlock", "code": "123456",
                                                        "password": NEW_PASSWORD})
    assert response.status_code == 400
    assert get_user(app, victim).must_change_password


OWN_NUMBER = "+8613800000058"  # the number the owner proves in the appeal


def test_staff_restore_the_number_proved_by_appeal_and_the_owner_unlocks_with_a_code_sent_there(app, client):
    victim, _ = _locked_after_a_recent_change(app)
    moderator = app.test_client()
    make_user(app, "helpdesk", phone="+8613800000057", role="moderator")
    sign_in(moderator, "helpdesk")
    page = moderator.get(f"/en/staff/users/{victim}").text
    assert "Restore the phone for unlocking" in page
    done = post_form(moderator, f"/en/staff/users/{victim}", {"phone": "138 0000 0058", "reason": "appeal T1: ID seen"},
                     action=f"/en/staff/users/{victim}/restore-phone")
    assert done.status_code in (200, 303)
    with app.app_context():
        kinds = list(db.session.scalars(select(SecurityEvent.kind).where(SecurityEvent.user_id == victim)))
        audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.phone_restored"))
        told = db.session.scalars(select(OutboxMessage.recipient).where(OutboxMessage.kind == "phone_restored")).all()
    assert "phone_restored" in kinds and audit is not None and audit.reason == "appeal T1: ID seen"
    assert "0058" not in audit.before + audit.after  # the audit log names people by id only
    assert told == [OWN_NUMBER]

    sign_in(client, "victim")
    unlock_page = client.get("/en/account/unlock").text
    assert "Send code" in unlock_page and "+86 138****0058" in unlock_page
    post_form(client, "/en/account/unlock", {"action": "send_code"})
    code = last_code(app, OWN_NUMBER)
    done = post_form(client, "/en/account/unlock", {"code": code, "password": NEW_PASSWORD, "action": "unlock"})
    assert done.status_code == 303 and not get_user(app, victim).must_change_password


@pytest.mark.parametrize(("case", "why"), [
    ("not_locked", "the account is not locked"),
    ("sms_open", "its owner can unlock it with a code"),
    ("no_reason", "a reason is required"),
    ("bad_number", "not a valid mobile number"),
    ("held_number", "another account holds that number"),
    ("staff_target", "Only an admin can act on a staff account"),
    ("self", "Staff cannot act on their own account"),
])
def test_restoring_a_phone_is_refused_unless_the_account_waits_for_it(app, case, why):
    moderator_id = make_user(app, "helpdesk", phone="+8613800000057", role="moderator")
    if case == "not_locked":
        target = make_user(app, "victim", phone=PHONE)
    elif case == "sms_open":
        target = make_user(app, "victim", phone=PHONE)
        _lock(app, target)
    elif case == "staff_target":
        target = make_user(app, "othermod", phone=PHONE, role="moderator")
    elif case == "self":
        target = moderator_id
    else:
        target, _ = _locked_after_a_recent_change(app)
    if case == "held_number":
        make_user(app, "someoneelse", phone=OWN_NUMBER)
    form = {"phone": "abc" if case == "bad_number" else OWN_NUMBER, "reason": "" if case == "no_reason" else "T2"}
    moderator = app.test_client()
    sign_in(moderator, "helpdesk")
    refused = post_form(moderator, "/en/staff/users", form, action=f"/en/staff/users/{target}/restore-phone")
    assert refused.status_code == 422 and why in refused.text
    with app.app_context():
        assert db.session.scalar(select(User.phone).where(User.id == target)) != OWN_NUMBER


def test_only_staff_may_restore_a_phone(app, client):
    victim, _ = _locked_after_a_recent_change(app)
    make_user(app, "plainuser", phone="+8613800000056")
    sign_in(client, "plainuser")
    refused = post_form(client, "/en/", {"phone": OWN_NUMBER, "reason": "x"},
                        action=f"/en/staff/users/{victim}/restore-phone")
    assert refused.status_code == 403
    assert get_user(app, victim).phone == PHONE
