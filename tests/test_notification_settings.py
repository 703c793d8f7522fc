"""The notifications page: email and its verification link, the security-notice channel, security notices."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from extensions import db
from models import Notification, OutboxMessage, SecurityEvent, User
from services import clock, email_verification, outbox, security_notices
from tests.accounts import CHROME, PASSWORD, csrf_from, find_user, make_user, post_form, sign_in

PAGE = "/en/settings/notifications"
T0 = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)


def _emails(app) -> list[dict]:
    return app.extensions["email"].sent


def _link(app) -> str:
    match = re.search(r"http://localhost(/\S*/settings/email/verify/\S+)", _emails(app)[-1]["body"])
    assert match, _emails(app)[-1]["body"]
    return match.group(1)


def _set_email(client, address="ann@example.com"):
    return post_form(client, PAGE, {"email": address}, action="/en/settings/email")


def _verified_email_user(app, client, address="ann@example.com") -> int:
    user_id = make_user(app)
    sign_in(client)
    _set_email(client, address)
    client.get(_link(app))
    assert find_user(app, id=user_id).is_email_verified
    return user_id


def test_the_page_needs_sign_in(client):
    response = client.get(PAGE)
    assert response.status_code == 303 and "/sign-in" in response.headers["Location"]


@pytest.mark.parametrize("action", ["/en/settings/email", "/en/settings/email/resend",
                                    "/en/settings/notifications/channel", "/en/settings/consents"])
def test_every_form_sends_visitors_to_sign_in(app, client, action):
    response = post_form(client, "/en/sign-in", {"email": "a@example.com", "channel": "sms"}, action=action)
    assert response.status_code == 303 and "/sign-in" in response.headers["Location"]
    assert app.extensions["email"].sent == []


@pytest.mark.parametrize("action", ["/en/settings/email", "/en/settings/email/resend",
                                    "/en/settings/notifications/channel", "/en/settings/consents"])
def test_every_form_refuses_a_missing_csrf_token(app, client, action):
    make_user(app)
    sign_in(client)
    assert client.post(action, data={"email": "a@example.com"}).status_code == 400


def test_the_page_shows_email_channel_consents_and_the_inbox_link(app, client):
    make_user(app)
    sign_in(client)
    page = client.get(PAGE, headers={"User-Agent": CHROME})
    assert page.status_code == 200 and "no-store" in page.headers["Cache-Control"]
    for text in ("Email address", "Security notices", "Marketing messages", "Open your inbox", "Not set"):
        assert text in page.text
    assert "/en/inbox" in page.text


def test_setting_an_email_leaves_it_unverified_and_sends_a_link_at_once(app, client):
    user_id = make_user(app)
    sign_in(client)
    response = _set_email(client, " Ann@Example.COM ")
    assert response.status_code == 303
    user = find_user(app, id=user_id)
    assert user.email == "Ann@example.com" and user.email_verified_at is None
    [sent] = _emails(app)
    assert sent["to"] == "Ann@example.com" and "/en/settings/email/verify/" in sent["body"]
    with app.app_context():  # a link is a credential: never stored in the outbox
        assert db.session.scalars(select(OutboxMessage)).all() == []
    page = client.get(PAGE)
    assert "Not verified" in page.text and "Send the link again" in page.text


@pytest.mark.parametrize("address", ["", "not-an-address", "a@b", "two@@example.com", "sp ace@example.com",
                                     "x" * 250 + "@example.com"])
def test_a_bad_address_is_refused_with_422_keeping_the_input(app, client, address):
    user_id = make_user(app)
    sign_in(client)
    response = _set_email(client, address)
    assert response.status_code == 422
    assert "Enter" in response.text and 'aria-invalid="true"' in response.text
    if address.strip():
        assert f'value="{address[:60]}' in response.text
    assert find_user(app, id=user_id).email is None and _emails(app) == []


def test_the_link_verifies_the_address_signed_in(app, client):
    user_id = make_user(app)
    sign_in(client)
    _set_email(client)
    response = client.get(_link(app))
    assert response.status_code == 303 and response.headers["Location"].endswith("/settings/notifications#email")
    assert find_user(app, id=user_id).email_verified_at is not None
    assert "Verified" in client.get(PAGE).text


def test_the_link_works_signed_out_too(app, client):
    user_id = make_user(app)
    sign_in(client)
    _set_email(client)
    other_browser = app.test_client()
    response = other_browser.get(_link(app))
    assert response.status_code == 200 and "Email address verified" in response.text
    assert find_user(app, id=user_id).is_email_verified


def test_an_expired_link_is_refused(app, client):
    clock.freeze(T0)
    user_id = make_user(app)
    sign_in(client)
    _set_email(client)
    clock.advance(timedelta(hours=app.config["EMAIL_VERIFY_HOURS"], seconds=1))
    response = client.get(_link(app))
    assert response.status_code == 400 and "expired" in response.text
    assert not find_user(app, id=user_id).is_email_verified


def test_a_tampered_link_is_refused(app, client):
    user_id = make_user(app)
    sign_in(client)
    _set_email(client)
    link = _link(app)
    response = client.get(link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb"))
    assert response.status_code == 400 and "not valid" in response.text
    assert not find_user(app, id=user_id).is_email_verified


def test_a_link_for_an_address_no_longer_the_accounts_is_refused(app, client):
    clock.freeze(T0)
    user_id = make_user(app)
    sign_in(client)
    _set_email(client, "old@example.com")
    old_link = _link(app)
    clock.advance(timedelta(minutes=2))
    _set_email(client, "new@example.com")
    response = client.get(old_link)
    assert response.status_code == 400 and "no longer" in response.text
    assert not find_user(app, id=user_id).is_email_verified


def test_changing_the_address_clears_the_verification_and_the_email_channel(app, client):
    clock.freeze(T0)
    user_id = _verified_email_user(app, client)
    post_form(client, PAGE, {"channel": "email"}, action="/en/settings/notifications/channel")
    assert find_user(app, id=user_id).security_notice_channel == "email"
    clock.advance(timedelta(minutes=2))
    _set_email(client, "second@example.com")
    user = find_user(app, id=user_id)
    assert (user.email, user.email_verified_at, user.security_notice_channel) == ("second@example.com", None, "sms")
    with app.app_context():  # the change is itself a security notice, sent by SMS now
        assert db.session.scalar(select(Notification.kind).where(Notification.user_id == user_id)) == "email_changed"


def test_resending_is_limited_to_once_a_minute(app, client):
    clock.freeze(T0)
    make_user(app)
    sign_in(client)
    _set_email(client)
    response = post_form(client, PAGE, {}, action="/en/settings/email/resend")
    assert response.status_code == 429 and int(response.headers["Retry-After"]) == 60
    assert "another link in 60 seconds" in response.text
    clock.advance(timedelta(seconds=61))
    assert post_form(client, PAGE, {}, action="/en/settings/email/resend").status_code == 303
    assert len(_emails(app)) == 2


def test_resending_is_limited_to_five_links_a_day(app, client):
    clock.freeze(T0)
    user_id = make_user(app)
    sign_in(client)
    _set_email(client)
    for _ in range(4):
        clock.advance(timedelta(minutes=2))
        assert post_form(client, PAGE, {}, action="/en/settings/email/resend").status_code == 303
    clock.advance(timedelta(minutes=2))
    assert post_form(client, PAGE, {}, action="/en/settings/email/resend").status_code == 429
    assert len(_emails(app)) == 5
    clock.advance(timedelta(days=1) - timedelta(minutes=9))  # the first link is a day old
    with app.app_context():
        email_verification.check_resend(user_id)  # no refusal


def test_resending_with_nothing_to_verify_sends_nothing(app, client):
    make_user(app)
    sign_in(client)
    response = post_form(client, PAGE, {}, action="/en/settings/email/resend")
    assert response.status_code == 303 and _emails(app) == []


def test_the_email_channel_needs_a_verified_address(app, client):
    user_id = make_user(app)
    sign_in(client)
    _set_email(client)
    response = post_form(client, PAGE, {"channel": "email"}, action="/en/settings/notifications/channel")
    assert response.status_code == 422 and "Verify your email address first." in response.text
    assert find_user(app, id=user_id).security_notice_channel == "sms"


def test_the_sms_channel_needs_a_verified_phone(app, client):
    user_id = make_user(app, verified=False)
    sign_in(client)
    with app.app_context():
        user = db.session.get(User, user_id)
        user.email, user.email_verified_at, user.security_notice_channel = "a@example.com", clock.now(), "email"
        db.session.commit()
    response = post_form(client, PAGE, {"channel": "sms"}, action="/en/settings/notifications/channel")
    assert response.status_code == 422 and "Verify your mobile phone first." in response.text
    assert find_user(app, id=user_id).security_notice_channel == "email"


def test_an_unknown_channel_is_refused_with_422(app, client):
    make_user(app)
    sign_in(client)
    response = post_form(client, PAGE, {"channel": "fax"}, action="/en/settings/notifications/channel")
    assert response.status_code == 422


def test_a_password_change_writes_the_inbox_and_queues_an_sms_without_secrets(app, client):
    user_id = make_user(app)
    sign_in(client)
    post_form(client, "/en/settings/security", {"current_password": PASSWORD, "password": "Brand-New-Pass-77"},
              action="/en/settings/password")
    with app.app_context():
        kinds = db.session.scalars(select(Notification.kind).where(Notification.user_id == user_id)).all()
        [message] = db.session.scalars(select(OutboxMessage)).all()
        assert "password_changed" in kinds
        assert (message.channel, message.recipient, message.kind) == ("sms", "+8613800000001", "password_changed")
        assert "13800000001" not in message.body
        outbox.send_due()
    assert app.extensions["sms"].notices[-1]["phone"] == "+8613800000001"


def test_security_notices_go_by_email_when_the_user_chose_email(app, client):
    user_id = _verified_email_user(app, client)
    post_form(client, PAGE, {"channel": "email"}, action="/en/settings/notifications/channel")
    post_form(client, "/en/settings/security", {}, action="/en/settings/sessions/revoke-others")
    with app.app_context():
        [message] = db.session.scalars(select(OutboxMessage)).all()
        assert (message.channel, message.recipient, message.kind) == ("email", "ann@example.com", "sessions_revoked")
        outbox.send_due()
    sent = _emails(app)[-1]
    assert sent["to"] == "ann@example.com" and "signed out" in sent["body"]
    assert find_user(app, id=user_id).security_notice_channel == "email"


def test_a_sign_in_from_a_new_browser_is_a_security_notice(app, client):
    user_id = make_user(app)
    sign_in(client)
    other = app.test_client()
    token = csrf_from(other.get("/sign-in").text)
    other.post("/sign-in", data={"csrf_token": token, "login": "seller1", "password": PASSWORD},
               headers={"User-Agent": "Firefox/140.0"})
    with app.app_context():
        [message] = db.session.scalars(select(OutboxMessage)).all()
        assert message.kind == "new_browser" and message.channel == "sms"
        assert db.session.scalar(select(Notification.kind).where(Notification.user_id == user_id)) == "new_browser"


def test_without_any_verified_channel_a_notice_stays_in_the_inbox(app):
    user_id = make_user(app, verified=False)
    with app.app_context():
        security_notices.notify_security(db.session.get(User, user_id), "wechat_bound")
        db.session.commit()
        assert db.session.scalars(select(OutboxMessage)).all() == []
        assert db.session.scalar(select(Notification.kind)) == "wechat_bound"


def test_a_phone_change_warns_the_old_number_and_shows_only_a_masked_one(app):
    user_id = make_user(app)
    with app.app_context():
        user = db.session.get(User, user_id)
        security_notices.notify_security(user, "phone_changed", sms_to="+8613800000001", phone="+86 139****0002")
        db.session.commit()
        [message] = db.session.scalars(select(OutboxMessage)).all()
        assert message.recipient == "+8613800000001" and "139" not in message.body
        assert "139****0002" in security_notices.describe("phone_changed", {"phone": "+86 139****0002"})


def test_verifying_is_logged_in_the_security_log(app, client):
    user_id = _verified_email_user(app, client)
    with app.app_context():
        kinds = set(db.session.scalars(select(SecurityEvent.kind).where(SecurityEvent.user_id == user_id)))
    assert {"email_verification_sent", "email_verified"} <= kinds
