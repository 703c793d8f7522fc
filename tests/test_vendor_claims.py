"""Claiming a listing: only certified enterprises claim, staff approve or reject with a reason, staff revoke."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, update

from extensions import db
from models import AuditEntry, EnterpriseCertification, Notification, Tool, ToolClaim, User
from services import clock, vendors
from services.catalog_version import current_catalog_version
from tests.accounts import csrf_from, make_user, sign_in
from tests.test_moderation import audit_entries, token

ENTERPRISE = "深圳市示例科技有限公司"
EVIDENCE = "Write to ceo@alpha-scout.example.com; our licence names the product."


def certify(app, user_id: int, enterprise: str = ENTERPRISE) -> None:
    """Give a user the certified badge the way staff approval leaves it: an approved application and certified_at."""
    with app.app_context():
        now = clock.now()
        db.session.add(EnterpriseCertification(user_id=user_id, enterprise_name=enterprise,
                                               credit_code="91440300708461136T", licence_path="private/licences/x",
                                               contact_person="张三", state="approved", decided_at=now))
        db.session.execute(update(User).where(User.id == user_id).values(certified_at=now))
        db.session.commit()


def certified_client(app, name="vendorco", phone="+8613800000051", enterprise=ENTERPRISE):
    user_id = make_user(app, name, phone=phone)
    certify(app, user_id, enterprise)
    client = app.test_client()
    sign_in(client, name)
    client.user_id = user_id
    return client


def tool_row(app, slug="alpha-scout") -> Tool:
    with app.app_context():
        tool = db.session.scalar(select(Tool).where(Tool.slug == slug))
        db.session.expunge(tool)
        return tool


def make_vendor(app, user_id: int, slug="alpha-scout") -> None:
    with app.app_context():
        db.session.execute(update(Tool).where(Tool.slug == slug).values(vendor_id=user_id,
                                                                         vendor_since=clock.now()))
        db.session.commit()


def claims(app) -> list[ToolClaim]:
    with app.app_context():
        rows = db.session.scalars(select(ToolClaim).order_by(ToolClaim.id)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def send_claim(client, slug="alpha-scout", evidence=EVIDENCE, **headers):
    page = client.get(f"/t/{slug}/claim")
    return client.post(f"/t/{slug}/claim", data={"csrf_token": csrf_from(page.text), "evidence": evidence},
                       headers=headers)


def notices(app, user_id: int) -> list[tuple[str, dict]]:
    with app.app_context():
        rows = db.session.scalars(select(Notification).where(Notification.user_id == user_id)
                                  .order_by(Notification.id)).all()
        return [(row.kind, json.loads(row.detail)) for row in rows]


@pytest.fixture
def vendor_client(app, catalog):
    return certified_client(app)


# ---- who may claim ---------------------------------------------------------------------------------

def test_a_visitor_is_sent_to_sign_in(app, catalog):
    client = app.test_client()
    response = client.get("/t/alpha-scout/claim")
    assert response.status_code == 303 and "/sign-in" in response.headers["Location"]
    token_ = csrf_from(client.get("/sign-in").text)
    posted = client.post("/t/alpha-scout/claim", data={"csrf_token": token_, "evidence": EVIDENCE})
    assert posted.status_code == 303 and "/sign-in" in posted.headers["Location"]
    assert claims(app) == []


def test_an_unverified_user_is_sent_to_verify_the_phone(app, catalog):
    make_user(app, "fresh", phone="+8613800000052", verified=False)
    client = app.test_client()
    sign_in(client, "fresh")
    response = client.get("/t/alpha-scout/claim")
    assert response.status_code == 303 and "/verify-phone" in response.headers["Location"]


def test_a_banned_enterprise_cannot_claim(app, catalog):
    client = certified_client(app)
    with app.app_context():
        db.session.execute(update(User).where(User.id == client.user_id).values(status="banned", ban_reason="spam"))
        db.session.commit()
    assert client.get("/t/alpha-scout/claim").status_code == 403
    assert claims(app) == []


def test_a_verified_user_who_is_not_certified_is_told_why_with_403(app, catalog):
    make_user(app, "plain", phone="+8613800000053")
    client = app.test_client()
    sign_in(client, "plain")
    page = client.get("/en/t/alpha-scout/claim")
    assert page.status_code == 403
    assert "certified enterprise" in page.text and "/en/settings/enterprise" in page.text
    token_ = csrf_from(client.get("/").text)
    posted = client.post("/t/alpha-scout/claim", data={"csrf_token": token_, "evidence": EVIDENCE})
    assert posted.status_code == 403
    assert claims(app) == []


def test_a_claim_without_a_csrf_token_is_refused(app, vendor_client):
    response = vendor_client.post("/t/alpha-scout/claim", data={"evidence": EVIDENCE})
    assert response.status_code == 400
    assert claims(app) == []


def test_a_hidden_or_unknown_tool_cannot_be_claimed(app, vendor_client):
    with app.app_context():
        db.session.execute(update(Tool).where(Tool.slug == "alpha-scout").values(status="hidden"))
        db.session.commit()
    assert vendor_client.get("/t/alpha-scout/claim").status_code == 404
    assert vendor_client.get("/t/no-such-tool/claim").status_code == 404


# ---- claiming --------------------------------------------------------------------------------------

def test_a_certified_enterprise_claims_a_tool_and_the_claim_waits_for_staff(app, vendor_client):
    page = vendor_client.get("/en/t/alpha-scout")
    assert "/en/t/alpha-scout/claim" in page.text and "Claim this listing" in page.text
    response = send_claim(vendor_client)
    assert response.status_code == 303 and response.headers["Location"].endswith("/t/alpha-scout")
    [claim] = claims(app)
    assert (claim.state, claim.user_id, claim.evidence) == ("pending", vendor_client.user_id, EVIDENCE)
    assert tool_row(app).vendor_id is None  # nothing public until staff approve
    assert "waiting" in vendor_client.get("/en/t/alpha-scout/claim").text


def test_evidence_is_required_and_limited_and_the_input_is_kept(app, vendor_client):
    empty = send_claim(vendor_client, evidence="   ")
    assert empty.status_code == 422
    too_long = send_claim(vendor_client, evidence="证据<b>" * 500)
    assert too_long.status_code == 422
    assert "证据&lt;b&gt;" in too_long.text  # kept, escaped
    assert claims(app) == []


def test_one_pending_claim_per_user_per_tool(app, vendor_client):
    assert send_claim(vendor_client).status_code == 303
    again = send_claim(vendor_client, evidence="once more")
    assert again.status_code == 409
    assert len(claims(app)) == 1
    assert send_claim(vendor_client, slug="bravo-ads").status_code == 303  # another tool is another claim


def test_a_tool_claimed_by_another_enterprise_is_refused_with_a_way_to_write_to_staff(app, vendor_client):
    other = make_user(app, "otherco", phone="+8613800000054")
    certify(app, other, "别的公司")
    make_vendor(app, other)
    page = vendor_client.get("/en/t/alpha-scout/claim")
    assert page.status_code == 409
    assert "/en/feedback" in page.text
    assert send_claim(vendor_client).status_code == 409
    assert claims(app) == []
    assert "Claim this listing" not in vendor_client.get("/en/t/alpha-scout").text


def test_the_claim_link_shows_only_to_certified_users(app, catalog):
    make_user(app, "plain", phone="+8613800000053")
    client = app.test_client()
    sign_in(client, "plain")
    page = client.get("/en/t/alpha-scout").text
    assert "Claim this listing" not in page and "Suggest an edit" in page
    assert "Claim this listing" not in app.test_client().get("/en/t/alpha-scout").text


# ---- staff decisions -------------------------------------------------------------------------------

def test_staff_approve_a_claim_and_the_tool_page_says_claimed_by_the_vendor(app, vendor_client, moderator):
    anonymous = app.test_client()
    assert ENTERPRISE not in anonymous.get("/t/alpha-scout").text  # now in the page cache
    send_claim(vendor_client)
    [claim] = claims(app)
    queue = moderator.get("/staff/claims")
    assert "ceo@alpha-scout.example.com" in queue.text
    assert ENTERPRISE in queue.text and 'id="queue-count-claims">1<' in queue.text
    version = current_catalog_version_of(app)
    response = moderator.post(f"/staff/claims/{claim.id}/decide",
                              data={"csrf_token": token(moderator), "decision": "approve"},
                              headers={"HX-Request": "true"})
    assert response.status_code == 200 and "<html" not in response.text
    assert 'id="queue-count-claims" hx-swap-oob="true">0<' in response.text
    tool = tool_row(app)
    assert tool.vendor_id == vendor_client.user_id and tool.vendor_since is not None
    assert current_catalog_version_of(app) > version
    page = anonymous.get("/t/alpha-scout").text
    assert ENTERPRISE in page and "badge-vendor" in page
    [entry] = audit_entries(app, "claim.approve")
    assert json.loads(entry.after)["vendor_id"] == vendor_client.user_id
    assert notices(app, vendor_client.user_id) == [("claim_approved", {"tool": "Alpha Scout",
                                                                        "slug": "alpha-scout"})]
    vendor_page = vendor_client.get("/en/t/alpha-scout").text
    assert "Propose an edit" in vendor_page and "Claim this listing" not in vendor_page


def current_catalog_version_of(app) -> int:
    with app.app_context():
        return current_catalog_version()


def test_a_rejection_needs_a_reason_which_the_claimant_reads(app, vendor_client, moderator):
    send_claim(vendor_client)
    [claim] = claims(app)
    refused = moderator.post(f"/staff/claims/{claim.id}/decide",
                             data={"csrf_token": token(moderator), "decision": "reject"})
    assert refused.status_code == 422
    assert claims(app)[0].state == "pending"
    with app.app_context():
        assert db.session.scalar(select(AuditEntry.id)) is None
    done = moderator.post(f"/staff/claims/{claim.id}/decide",
                          data={"csrf_token": token(moderator), "decision": "reject", "reason": "域名<不符>"})
    assert done.status_code == 303
    assert claims(app)[0].state == "rejected" and claims(app)[0].reason == "域名<不符>"
    assert tool_row(app).vendor_id is None
    assert [entry.reason for entry in audit_entries(app, "claim.reject")] == ["域名<不符>"]
    inbox = vendor_client.get("/en/inbox").text
    assert "was not approved" in inbox and "域名&lt;不符&gt;" in inbox
    assert send_claim(vendor_client).status_code == 303  # after a rejection they may claim again


def test_a_second_decision_on_the_same_claim_is_refused(app, vendor_client, moderator):
    send_claim(vendor_client)
    [claim] = claims(app)
    data = {"csrf_token": token(moderator), "decision": "approve"}
    assert moderator.post(f"/staff/claims/{claim.id}/decide", data=data).status_code == 303
    again = moderator.post(f"/staff/claims/{claim.id}/decide", data={**data, "decision": "reject", "reason": "x"},
                           headers={"HX-Request": "true"})
    assert again.status_code == 422 and "刚刚处理了此认领" in again.text  # a Chinese page answers in Chinese
    assert claims(app)[0].state == "approved"
    with app.app_context():
        assert len(db.session.scalars(select(AuditEntry)).all()) == 1


def test_approval_is_refused_when_another_vendor_has_the_tool_meanwhile(app, vendor_client, moderator):
    send_claim(vendor_client)
    [claim] = claims(app)
    other = make_user(app, "otherco", phone="+8613800000054")
    certify(app, other, "别的公司")
    make_vendor(app, other)
    refused = moderator.post(f"/staff/claims/{claim.id}/decide",
                             data={"csrf_token": token(moderator), "decision": "approve"},
                             headers={"HX-Request": "true"})
    assert refused.status_code == 422
    assert tool_row(app).vendor_id == other and claims(app)[0].state == "pending"


def test_approval_is_refused_when_the_claimant_lost_the_certification(app, vendor_client, moderator):
    send_claim(vendor_client)
    [claim] = claims(app)
    with app.app_context():
        db.session.execute(update(User).where(User.id == vendor_client.user_id).values(certified_at=None))
        db.session.commit()
    refused = moderator.post(f"/staff/claims/{claim.id}/decide",
                             data={"csrf_token": token(moderator), "decision": "approve"},
                             headers={"HX-Request": "true"})
    assert refused.status_code == 422
    assert tool_row(app).vendor_id is None


def test_an_unknown_claim_or_decision_is_refused(app, vendor_client, moderator):
    assert moderator.post("/staff/claims/999/decide",
                          data={"csrf_token": token(moderator), "decision": "approve"}).status_code == 404
    send_claim(vendor_client)
    [claim] = claims(app)
    assert moderator.post(f"/staff/claims/{claim.id}/decide",
                          data={"csrf_token": token(moderator), "decision": "maybe"}).status_code == 422
    assert moderator.post(f"/staff/claims/{claim.id}/decide", data={"decision": "approve"}).status_code == 400


def test_a_plain_user_cannot_decide_claims(app, vendor_client):
    send_claim(vendor_client)
    [claim] = claims(app)
    assert vendor_client.get("/staff/claims").status_code == 403
    response = vendor_client.post(f"/staff/claims/{claim.id}/decide",
                                  data={"csrf_token": csrf_from(vendor_client.get("/").text), "decision": "approve"})
    assert response.status_code == 403
    assert claims(app)[0].state == "pending"


# ---- revoking --------------------------------------------------------------------------------------

def test_staff_revoke_a_vendor_with_a_reason_and_the_badge_goes(app, vendor_client, moderator):
    make_vendor(app, vendor_client.user_id)
    tool_id = tool_row(app).id
    assert ENTERPRISE in moderator.get("/staff/claims/vendors").text
    anonymous = app.test_client()
    assert ENTERPRISE in anonymous.get("/t/alpha-scout").text
    refused = moderator.post(f"/staff/tools/{tool_id}/vendor/revoke", data={"csrf_token": token(moderator)})
    assert refused.status_code == 422 and tool_row(app).vendor_id == vendor_client.user_id
    done = moderator.post(f"/staff/tools/{tool_id}/vendor/revoke",
                          data={"csrf_token": token(moderator), "reason": "not the vendor"},
                          headers={"HX-Request": "true"})
    assert done.status_code == 200
    assert tool_row(app).vendor_id is None
    assert ENTERPRISE not in anonymous.get("/t/alpha-scout").text
    [entry] = audit_entries(app, "vendor.revoke")
    assert (json.loads(entry.before), entry.reason) == ({"vendor_id": vendor_client.user_id}, "not the vendor")
    assert notices(app, vendor_client.user_id)[-1][0] == "vendor_revoked"
    assert "not the vendor" in vendor_client.get("/en/inbox").text
    again = moderator.post(f"/staff/tools/{tool_id}/vendor/revoke",
                           data={"csrf_token": token(moderator), "reason": "again"}, headers={"HX-Request": "true"})
    assert again.status_code == 422


def test_the_tool_page_badge_needs_a_still_certified_vendor(app, vendor_client):
    make_vendor(app, vendor_client.user_id)
    with app.app_context():
        tool = db.session.scalar(select(Tool).where(Tool.slug == "alpha-scout"))
        assert vendors.vendor_name(tool) == ENTERPRISE
        db.session.execute(update(User).where(User.id == vendor_client.user_id).values(certified_at=None))
        db.session.commit()
        assert vendors.vendor_name(tool) is None


def test_parallel_claims_by_one_enterprise_leave_one_pending_claim(app, vendor_client):
    from concurrent.futures import ThreadPoolExecutor

    tool_id = tool_row(app).id

    def claim_from_thread(_number: int) -> str:
        with app.app_context():
            try:
                vendors.claim_tool(vendor_client.user_id, tool_id, EVIDENCE)
                return "saved"
            except vendors.ClaimRefused as refused:
                return refused.reason
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(claim_from_thread, range(8)))
    assert outcomes.count("saved") == 1 and set(outcomes) == {"saved", "pending"}
    assert len(claims(app)) == 1
