"""Appeals: fixed fields change only through staff, one open appeal per change."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from extensions import db
from models import (
    EnterpriseCertification,
    Notification,
    SecurityEvent,
    Ticket,
    TicketMessage,
    User,
    WechatIdentity,
)
from services import appeals, clock, tickets
from services.appeals import AppealRefused
from tests.accounts import csrf_from, make_user, post_form, sign_in

PAGE = "/en/settings/appeals"


def _bind_wechat(app, user_id: int, openid: str = "openid-1") -> None:
    with app.app_context():
        db.session.add(WechatIdentity(user_id=user_id, app_id="wx-app", openid=openid, nickname="Old WeChat"))
        db.session.commit()


def _certify(app, user_id: int) -> None:
    with app.app_context():
        user = db.session.get(User, user_id)
        user.certified_at = clock.now()
        db.session.add(EnterpriseCertification(
            user_id=user_id, enterprise_name="深圳某某贸易有限公司", credit_code="91440300MA5ABCDE1X",
            licence_path="licences/1.png", contact_person="张三", state="approved", decided_at=clock.now()))
        db.session.commit()


def _appeals(app) -> list[Ticket]:
    with app.app_context():
        rows = list(db.session.scalars(select(Ticket).order_by(Ticket.id)))
        for row in rows:
            db.session.expunge(row)
        return rows


@pytest.fixture
def user_id(app):
    return make_user(app)


@pytest.fixture
def staff_id(app):
    return make_user(app, "moderator1", phone="+8613800000009", role="moderator")


@pytest.fixture
def client(app, user_id):
    client = app.test_client()
    sign_in(client)
    return client


# --- the service -------------------------------------------------------------------------------------------

def test_only_changes_that_apply_to_the_account_are_offered(app, user_id):
    with app.app_context():
        user = db.session.get(User, user_id)
        assert appeals.available_actions(user) == ["change_account_name"]
    _bind_wechat(app, user_id)
    _certify(app, user_id)
    with app.app_context():
        user = db.session.get(User, user_id)
        assert appeals.available_actions(user) == [
            "change_account_name", "unbind_wechat", "replace_wechat", "change_enterprise_data"]
        wechat_only = db.session.get(User, make_user(app, "wx", phone=None, password=None, verified=False))
        wechat_only.account_name = None
        assert appeals.available_actions(wechat_only) == []


@pytest.mark.parametrize(("value", "reason"), [
    ("9lives", "name_invalid"), ("ab", "name_invalid"), ("seller1", "same_name"), ("Taken_Name", "name_taken"),
])
def test_a_new_account_name_follows_the_registration_rules_and_is_not_taken(app, user_id, value, reason):
    make_user(app, "taken_name", phone="+8613800000003")
    with app.app_context(), pytest.raises(AppealRefused) as refused:
        appeals.file_appeal(user_id, "change_account_name", "I rebranded", value=value)
    assert refused.value.reason == reason
    assert _appeals(app) == []


def test_an_appeal_is_a_ticket_with_its_action_and_value_and_a_due_date(app, user_id):
    clock.freeze(datetime(2026, 11, 16, 2, 0, tzinfo=UTC))
    with app.app_context():
        ticket = appeals.file_appeal(user_id, "change_account_name", "My shop was renamed.", value="new_shop",
                                     language="en")
        assert (ticket.kind, ticket.appeal_action, ticket.appeal_value, ticket.user_id, ticket.state) == (
            "appeal", "change_account_name", "new_shop", user_id, "open")
        assert ticket.number.startswith("T261116") and str(ticket.due_on) == "2026-11-23"


def test_one_open_appeal_per_change_at_a_time(app, user_id, staff_id):
    _bind_wechat(app, user_id)
    with app.app_context():
        first = appeals.file_appeal(user_id, "unbind_wechat", "I lost that phone.")
        with pytest.raises(AppealRefused) as refused:
            appeals.file_appeal(user_id, "unbind_wechat", "Again, please.")
        assert refused.value.reason == "pending"
        appeals.file_appeal(user_id, "change_account_name", "Another change.", value="other_name")  # allowed
        tickets.reply_to_ticket(first.id, staff_id, "Please confirm by SMS.")
        with pytest.raises(AppealRefused):  # answered is still open
            appeals.file_appeal(user_id, "unbind_wechat", "Again, please.")
        tickets.close_ticket(first.id, staff_id)
        appeals.file_appeal(user_id, "unbind_wechat", "Once more, now that the first is closed.")
    assert len(_appeals(app)) == 3


def test_an_action_the_account_does_not_have_is_refused(app, user_id):
    with app.app_context():
        for action in ("unbind_wechat", "replace_wechat", "change_enterprise_data", "make_me_admin"):
            with pytest.raises(AppealRefused) as refused:
                appeals.file_appeal(user_id, action, "Please")
            assert refused.value.reason == "not_available"


def test_carrying_out_a_name_change_renames_closes_and_tells_the_user(app, user_id, staff_id):
    with app.app_context():
        ticket = appeals.file_appeal(user_id, "change_account_name", "Renamed shop", value="new_shop", language="en")
        appeals.carry_out_appeal(ticket.id, staff_id)
        assert db.session.get(User, user_id).account_name == "new_shop"
        assert ticket.state == "closed" and ticket.closed_at is not None
        message = db.session.scalar(select(TicketMessage).where(TicketMessage.ticket_id == ticket.id))
        assert message.from_staff and "new_shop" in message.body and "seller1" in message.body
        notice = db.session.scalar(select(Notification).where(Notification.user_id == user_id))
        assert notice.kind == "appeal_done" and ticket.number in notice.detail
        assert db.session.scalar(select(SecurityEvent.kind).where(SecurityEvent.user_id == user_id)) == (
            "account_name_changed")


def test_a_name_taken_meanwhile_is_refused_and_the_appeal_stays_open(app, user_id, staff_id):
    with app.app_context():
        ticket_id = appeals.file_appeal(user_id, "change_account_name", "Renamed shop", value="new_shop").id
    make_user(app, "New_Shop", phone="+8613800000004")
    with app.app_context():
        with pytest.raises(AppealRefused) as refused:
            appeals.carry_out_appeal(ticket_id, staff_id)
        assert refused.value.reason == "name_taken"
        assert db.session.get(User, user_id).account_name == "seller1"
        assert db.session.get(Ticket, ticket_id).state == "open"


@pytest.mark.parametrize("action", ["unbind_wechat", "replace_wechat"])
def test_carrying_out_a_wechat_appeal_unbinds_every_identity_and_logs_it(app, user_id, staff_id, action):
    _bind_wechat(app, user_id, "openid-1")
    _bind_wechat(app, user_id, "openid-2")
    with app.app_context():
        ticket = appeals.file_appeal(user_id, action, "Lost the old WeChat account", language="en")
        appeals.carry_out_appeal(ticket.id, staff_id)
        assert db.session.scalar(select(func.count()).select_from(WechatIdentity)) == 0
        kinds = db.session.scalars(select(SecurityEvent.kind).where(SecurityEvent.user_id == user_id)).all()
        assert kinds == ["wechat_unbound"]
        message = db.session.scalar(select(TicketMessage.body).where(TicketMessage.ticket_id == ticket.id))
        assert ("Bind the new one" in message) is (action == "replace_wechat")
        assert ticket.state == "closed"


def test_carrying_out_an_enterprise_appeal_reopens_certification(app, user_id, staff_id):
    _certify(app, user_id)
    with app.app_context():
        ticket = appeals.file_appeal(user_id, "change_enterprise_data", "We moved to a new company.")
        appeals.carry_out_appeal(ticket.id, staff_id)
        assert db.session.get(User, user_id).certified_at is None
        certification = db.session.scalar(select(EnterpriseCertification))
        assert certification.state == "rejected" and ticket.number in certification.reject_reason
        assert certification.decided_by_id == staff_id
        assert ticket.state == "closed"


def test_only_staff_carry_out_and_only_open_appeals(app, user_id, staff_id):
    with app.app_context():
        ticket = appeals.file_appeal(user_id, "change_account_name", "Renamed", value="new_shop")
        with pytest.raises(tickets.NotAllowed):
            appeals.carry_out_appeal(ticket.id, user_id)
        assert db.session.get(User, user_id).account_name == "seller1"
        feedback = tickets.open_ticket(kind="question", body="Not an appeal at all", user_id=user_id)
        with pytest.raises(AppealRefused):
            appeals.carry_out_appeal(feedback.id, staff_id)
        appeals.carry_out_appeal(ticket.id, staff_id)
        with pytest.raises(AppealRefused) as refused:
            appeals.carry_out_appeal(ticket.id, staff_id)
        assert refused.value.reason == "closed"
        with pytest.raises(tickets.NotFound):
            appeals.carry_out_appeal(999999, staff_id)


# --- the page ----------------------------------------------------------------------------------------------

def test_visitors_are_sent_to_sign_in(app):
    response = app.test_client().get(PAGE)
    assert response.status_code in (302, 303) and "/sign-in" in response.headers["Location"]


def test_the_page_shows_the_fixed_details_and_offers_only_what_applies(app, client, user_id):
    page = client.get(PAGE)
    assert page.status_code == 200 and "no-store" in page.headers["Cache-Control"]
    assert "seller1" in page.text and "Not bound" in page.text and "Not certified" in page.text
    assert 'value="change_account_name"' in page.text
    assert 'value="unbind_wechat"' not in page.text and 'value="change_enterprise_data"' not in page.text
    _bind_wechat(app, user_id)
    _certify(app, user_id)
    page = client.get(PAGE).text
    assert "Old WeChat" in page
    for action in ("unbind_wechat", "replace_wechat", "change_enterprise_data"):
        assert f'value="{action}"' in page
    assert client.get("/settings/appeals").status_code == 200


def test_sending_an_appeal_lists_it_with_number_state_and_due_date(app, client):
    clock.freeze(datetime(2026, 11, 16, 2, 0, tzinfo=UTC))
    response = post_form(client, PAGE, {"action": "change_account_name", "new_account_name": "new_shop",
                                        "reason": "My shop was renamed."})
    assert response.status_code == 303
    [ticket] = _appeals(app)
    assert response.headers["Location"].endswith(f"{PAGE}#appeal-{ticket.number}")
    page = client.get(PAGE).text
    assert ticket.number in page and "new_shop" in page and "Waiting for our staff" in page
    assert "November 23, 2026" in page
    assert "2026年11月23日" in client.get("/settings/appeals").text


def test_staff_replies_show_on_the_appeals_page(app, client, user_id, staff_id):
    post_form(client, PAGE, {"action": "change_account_name", "new_account_name": "new_shop", "reason": "Renamed"})
    [ticket] = _appeals(app)
    with app.app_context():
        appeals.carry_out_appeal(ticket.id, staff_id)
    page = client.get(PAGE).text
    assert "Reply from SellerNav staff" in page and "your account name is now new_shop" in page
    assert "Closed" in page


@pytest.mark.parametrize(("data", "message"), [
    ({"action": "change_account_name", "new_account_name": "", "reason": "Renamed"},
     "Enter the account name you want."),
    ({"action": "change_account_name", "new_account_name": "9lives", "reason": "Renamed"},
     "3–32 letters, digits or underscores, starting with a letter."),
    ({"action": "change_account_name", "new_account_name": "taken_name", "reason": "Renamed"},
     "This account name is taken. Choose another."),
    ({"action": "change_account_name", "new_account_name": "good_name", "reason": ""},
     "Tell us why, so staff can decide."),
    ({"action": "unbind_wechat", "reason": "No WeChat is bound, though"}, "Choose one of the changes offered."),
    ({"reason": "No action chosen"}, "Choose one of the changes offered."),
])
def test_a_bad_appeal_comes_back_with_the_reason_and_what_was_typed(app, client, data, message):
    make_user(app, "taken_name", phone="+8613800000003")
    response = post_form(client, PAGE, data)
    assert response.status_code == 422
    assert message in response.text
    if data["reason"]:
        assert data["reason"] in response.text
    assert _appeals(app) == []


def test_a_second_open_appeal_for_the_same_change_is_refused_with_the_first_ones_number(app, client):
    data = {"action": "change_account_name", "new_account_name": "new_shop", "reason": "Renamed"}
    post_form(client, PAGE, data)
    [first] = _appeals(app)
    response = post_form(client, PAGE, {**data, "new_account_name": "newer_shop"})
    assert response.status_code == 422
    assert f"You already have an open appeal for this ({first.number})" in response.text
    assert len(_appeals(app)) == 1


def test_an_appeal_needs_a_csrf_token(app, client):
    response = client.post(PAGE, data={"action": "change_account_name", "new_account_name": "x_shop",
                                       "reason": "Renamed"})
    assert response.status_code == 400
    visitor = app.test_client()
    token = csrf_from(visitor.get("/en/feedback").text)  # a visitor's own valid token
    refused = visitor.post(PAGE, data={"csrf_token": token, "action": "change_account_name", "reason": "x"})
    assert refused.status_code in (302, 303) and "/sign-in" in refused.headers["Location"]
    assert _appeals(app) == []
