"""Marketing consents: off by default, one click each way, every change recorded with the policy version."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from extensions import db
from models import ConsentRecord, User
from services import clock, consents
from tests.accounts import make_user, post_form, sign_in

PAGE = "/en/settings/notifications"
ACTION = "/en/settings/consents"
T0 = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)


def _click(client, purpose="product_news", channel="sms", granted="1"):
    return post_form(client, PAGE, {"purpose": purpose, "channel": channel, "granted": granted}, action=ACTION)


def _records(app, user_id) -> list[tuple]:
    with app.app_context():
        return [(r.purpose, r.channel, r.granted, r.policy_version, r.created_at) for r in db.session.scalars(
            select(ConsentRecord).where(ConsentRecord.user_id == user_id).order_by(ConsentRecord.id))]


def test_every_consent_is_off_until_granted(app):
    user_id = make_user(app)
    with app.app_context():
        assert set(consents.current_state(user_id).values()) == {False}
        assert not consents.has_consent(user_id, "partner_offers", "email")


def test_granting_and_withdrawing_each_append_a_record_with_time_version_and_channel(app, client):
    clock.freeze(T0)
    user_id = make_user(app)
    sign_in(client)
    assert _click(client, granted="1").status_code == 303
    clock.advance(timedelta(hours=2))
    assert _click(client, granted="0").status_code == 303
    version = app.config["TERMS_VERSION"]
    assert _records(app, user_id) == [
        ("product_news", "sms", True, version, T0),
        ("product_news", "sms", False, version, T0 + timedelta(hours=2)),
    ]
    with app.app_context():
        assert not consents.has_consent(user_id, "product_news", "sms")


def test_consents_are_separate_per_purpose_and_channel(app, client):
    user_id = make_user(app)
    sign_in(client)
    _click(client, purpose="partner_offers", channel="sms")
    with app.app_context():
        state = consents.current_state(user_id)
    assert state[("partner_offers", "sms")] is True
    assert [key for key, on in state.items() if on] == [("partner_offers", "sms")]


def test_the_page_shows_the_state_and_the_history(app, client):
    user_id = make_user(app)
    sign_in(client)
    _click(client, purpose="partner_offers", channel="sms")
    page = client.get(PAGE).text
    assert "Offers from our partners" in page and "Granted" in page and app.config["TERMS_VERSION"] in page
    assert "Withdraw" in page  # the granted one offers a one-click withdrawal
    _click(client, purpose="partner_offers", channel="sms", granted="0")
    assert "Withdrawn" in client.get(PAGE).text
    assert len(_records(app, user_id)) == 2


def test_the_record_uses_the_current_policy_version(app):
    user_id = make_user(app)
    app.config["TERMS_VERSION"] = "2027-01-01"
    with app.app_context():
        assert consents.current_policy_version() == "2027-01-01"
        consents.set_consent(user_id, "product_news", "email", True)
        db.session.commit()
    assert _records(app, user_id)[0][3] == "2027-01-01"


def test_repeating_the_same_choice_adds_no_record(app, client):
    user_id = make_user(app)
    sign_in(client)
    _click(client)
    _click(client)
    assert len(_records(app, user_id)) == 1


def test_email_consent_needs_a_verified_email_but_withdrawal_never_does(app, client):
    user_id = make_user(app)
    sign_in(client)
    response = _click(client, channel="email")
    assert response.status_code == 422 and "Verify your email address first." in response.text
    assert _records(app, user_id) == []
    with app.app_context():  # granted while verified, then the address changed
        consents.set_consent(user_id, "product_news", "email", True)
        user = db.session.get(User, user_id)
        user.email = "new@example.com"
        db.session.commit()
    assert _click(client, channel="email", granted="0").status_code == 303
    assert [r[2] for r in _records(app, user_id)] == [True, False]


@pytest.mark.parametrize("data", [
    {"purpose": "spam", "channel": "sms", "granted": "1"},
    {"purpose": "product_news", "channel": "fax", "granted": "1"},
    {"purpose": "product_news", "channel": "sms", "granted": "maybe"},
    {},
])
def test_a_consent_that_does_not_exist_is_refused_with_422(app, client, data):
    user_id = make_user(app)
    sign_in(client)
    response = post_form(client, PAGE, data, action=ACTION)
    assert response.status_code == 422 and "not one we offer" in response.text
    assert _records(app, user_id) == []


def test_visitors_cannot_change_consents(app, client):
    user_id = make_user(app)
    response = post_form(client, "/en/sign-in", {"purpose": "product_news", "channel": "sms", "granted": "1"},
                         action=ACTION)
    assert response.status_code == 303 and "/sign-in" in response.headers["Location"]
    assert _records(app, user_id) == []


def test_one_users_records_are_not_shown_to_another(app, client):
    first = make_user(app)
    make_user(app, "seller2", phone="+8613800000002")
    with app.app_context():
        consents.set_consent(first, "partner_offers", "sms", True)
        db.session.commit()
    sign_in(client, "seller2")
    assert "Granted" not in client.get(PAGE).text
