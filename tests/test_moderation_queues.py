"""The certification and deletion queues: listed for staff, decided with a reason, on record."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from extensions import db
from models import (
    AuditEntry,
    DeletionRequest,
    EnterpriseCertification,
    Notification,
    OutboxMessage,
    Ticket,
    User,
    WechatIdentity,
)
from services import appeals, clock, deletion, enterprise, tickets
from tests.accounts import make_user
from tests.test_moderation import token

GOOD_CODE = "91440300708461136T"


def application(app, name="applicant", phone="+8613800000041") -> int:
    user_id = make_user(app, name, phone=phone)
    with app.app_context():
        cert = enterprise.apply_for_certification(
            user_id, enterprise_name="深圳市示例科技有限公司", credit_code=GOOD_CODE,
            contact_person="张三", licence_path="private/licences/x.webp",
        )
        return cert.id


def test_an_application_is_approved_from_the_queue_and_the_applicant_is_certified(app, moderator):
    cert_id = application(app)
    page = moderator.get("/staff/certifications")
    assert "深圳市示例科技有限公司" in page.text and f"/settings/enterprise/licence/{cert_id}" in page.text
    response = moderator.post(f"/staff/certifications/{cert_id}/decide",
                              data={"csrf_token": token(moderator), "decision": "approve"},
                              headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert 'id="queue-count-certifications" hx-swap-oob="true">0<' in response.text
    with app.app_context():
        cert = db.session.get(EnterpriseCertification, cert_id)
        assert cert.state == "approved"
        assert db.session.get(User, cert.user_id).certified_at is not None
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "certification.approve"))
        assert json.loads(entry.after) == {"state": "approved"}


def test_a_rejection_needs_a_reason_and_the_applicant_reads_it(app, moderator):
    cert_id = application(app)
    refused = moderator.post(f"/staff/certifications/{cert_id}/decide",
                             data={"csrf_token": token(moderator), "decision": "reject"})
    assert refused.status_code == 422
    with app.app_context():
        assert db.session.get(EnterpriseCertification, cert_id).state == "submitted"
        assert db.session.scalar(select(AuditEntry.id)) is None  # a refused decision leaves no record
    moderator.post(f"/staff/certifications/{cert_id}/decide",
                   data={"csrf_token": token(moderator), "decision": "reject", "reason": "执照模糊"})
    with app.app_context():
        cert = db.session.get(EnterpriseCertification, cert_id)
        assert cert.state == "rejected" and cert.reject_reason == "执照模糊"
        detail = db.session.scalar(select(Notification.detail).where(Notification.user_id == cert.user_id))
        assert "执照模糊" in detail


def test_a_second_decision_on_the_same_application_is_refused(app, moderator):
    cert_id = application(app)
    data = {"csrf_token": token(moderator), "decision": "approve"}
    assert moderator.post(f"/staff/certifications/{cert_id}/decide", data=data).status_code == 303
    again = moderator.post(f"/staff/certifications/{cert_id}/decide", data=data, headers={"HX-Request": "true"})
    assert again.status_code == 422
    with app.app_context():
        assert len(db.session.scalars(select(AuditEntry)).all()) == 1


def test_staff_see_deletion_requests_and_only_admins_expedite(app, moderator, admin):
    user_id = make_user(app, "leaving", phone="+8613800000051")
    with app.app_context():
        deletion.request_deletion(db.session.get(User, user_id))
        request_id = db.session.scalar(select(DeletionRequest.id))
    page = moderator.get("/staff/deletions")
    assert "Leaving" in page.text
    assert moderator.post(f"/staff/deletions/{request_id}/expedite",
                          data={"csrf_token": token(moderator)}).status_code == 403
    assert admin.post(f"/staff/deletions/{request_id}/expedite",
                      data={"csrf_token": token(admin), "reason": "user asked by phone"}).status_code == 303
    with app.app_context():
        assert db.session.get(DeletionRequest, request_id).purge_after <= clock.now()
        assert deletion.due_requests() == [user_id]
        assert db.session.scalar(select(AuditEntry.action)) == "deletion.expedite"
    twice = admin.post(f"/staff/deletions/{request_id}/expedite", data={"csrf_token": token(admin)},
                       headers={"HX-Request": "true"})
    assert twice.status_code == 200  # still pending (expedited): a second click only moves the date again


def test_an_unbind_wechat_appeal_is_carried_out_from_its_row(app, moderator):
    user_id = make_user(app, "appealer", phone="+8613800000061")
    with app.app_context():
        db.session.add(WechatIdentity(user_id=user_id, app_id="wx-app", openid="o-lost-phone", nickname="Old"))
        db.session.commit()
        ticket = appeals.file_appeal(user_id, "unbind_wechat", "手机丢了，微信被别人登录")
        ticket_id, number = ticket.id, ticket.number
    page = moderator.get("/staff/tickets?kind=appeal")
    assert number in page.text and "手机丢了" in page.text
    response = moderator.post(f"/staff/tickets/{ticket_id}/act",
                              data={"csrf_token": token(moderator), "action": "carry_out"},
                              headers={"HX-Request": "true"})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(WechatIdentity.id).where(WechatIdentity.user_id == user_id)) is None
        assert db.session.get(Ticket, ticket_id).state == "closed"
        assert db.session.scalar(select(AuditEntry.action)) == "ticket.carry_out"


def test_a_visitors_complaint_is_answered_by_the_contact_they_gave(app, moderator):
    with app.app_context():
        ticket = tickets.open_ticket(kind="complaint", body="链接失效", contact="buyer@example.com")
        ticket_id = ticket.id
    empty = moderator.post(f"/staff/tickets/{ticket_id}/act",
                           data={"csrf_token": token(moderator), "action": "reply", "body": "  "},
                           headers={"HX-Request": "true"})
    assert empty.status_code == 422
    moderator.post(f"/staff/tickets/{ticket_id}/act",
                   data={"csrf_token": token(moderator), "action": "reply", "body": "已修复，谢谢"})
    with app.app_context():
        message = db.session.scalar(select(OutboxMessage))
        assert message.channel == "email" and message.recipient == "buyer@example.com"
        assert "已修复" in message.body
        assert db.session.get(Ticket, ticket_id).state == "answered"


def test_overdue_tickets_are_marked_and_filterable(app, moderator):
    clock.freeze(clock.now() - timedelta(days=30))  # sent a month ago
    with app.app_context():
        tickets.open_ticket(kind="question", body="old question")
    clock.unfreeze()
    page = moderator.get("/en/staff/tickets?overdue=1")
    assert "old question" in page.text and "Overdue by" in page.text
