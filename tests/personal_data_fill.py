"""One account with a row in every table that refers to a user, and the personal values it holds.

Shared by the export and deletion tests: whatever a new table adds, the coverage test demands a row
here, so the export and the purge are always tried on everything.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from extensions import db
from models import (
    AccessRecord,
    ApiToken,
    AuditEntry,
    Collection,
    CollectionItem,
    ConsentRecord,
    DeletionRequest,
    EditSuggestion,
    EnterpriseCertification,
    Favorite,
    HelpfulVote,
    KnownBrowser,
    LinkCheck,
    Notification,
    OutboxMessage,
    Platform,
    PolicyAcceptance,
    PolicyVersion,
    Rating,
    Report,
    SearchHistory,
    SearchWordProposal,
    SecurityEvent,
    SiteSetting,
    SmsCode,
    StoreAccount,
    Ticket,
    TicketMessage,
    Tool,
    ToolClaim,
    ToolSubmission,
    ToolView,
    User,
    UserPreference,
    UserSession,
    VendorReply,
    WechatIdentity,
)
from services import clock
from services.passwords import hash_password
from tests.accounts import PASSWORD

# Every value here is personal to the account and must be gone from every text column after the purge.
PERSONAL = {
    "account_name": "erasable1",
    "display_name": "Erasable Person",
    "phone": "+8613811112222",
    "email": "erasable@example.com",
    "openid": "openid-erasable-xyz",
    "unionid": "unionid-erasable-xyz",
    "nickname": "微信昵称小明",
    "ip": "203.0.113.77",
    "user_agent": "ErasableBrowser/9.9",
    "query": "秘密搜索词",
    "store": "小明的店铺",
    "collection": "小明的收藏夹",
    "collection_note": "小明的备注",
    "enterprise": "小明贸易有限公司",
    "credit_code": "91350100M000100Y43",
    "contact_person": "王小明",
    "ticket_subject": "小明的投诉标题",
    "ticket_body": "小明的投诉内容",
    "ticket_reply": "小明补充的说明",
    "appeal_value": "new-name-xiaoming",
    "report_note": "小明的举报说明",
    "preference": "xiaoming-theme",
    "session_id": "sessionid-erasable-0123456789abcdef",
}
REVIEW_TEXT = "A useful tool, rated before deletion."


def _upload(upload_dir: str, relative: str) -> str:
    path = Path(upload_dir) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"RIFF0000WEBPVP8 fake image bytes")
    return relative


def fill_everything(app) -> dict:
    """Make the account (and a neighbour) with data everywhere; the ids the tests need."""
    p = PERSONAL
    upload_dir = app.config["UPLOAD_DIR"]
    with app.app_context():
        now = clock.now()
        tools = db.session.scalars(select(Tool).order_by(Tool.id).limit(3)).all()
        platform = db.session.scalars(select(Platform).order_by(Platform.id).limit(1)).one()
        user = User(account_name=p["account_name"], display_name=p["display_name"], phone=p["phone"],
                    phone_verified_at=now, email=p["email"], email_verified_at=now,
                    password_hash=hash_password(PASSWORD), avatar_path=_upload(upload_dir, "avatars/erasable.webp"),
                    terms_version="2025-01", terms_accepted_at=now, certified_at=now, last_seen_at=now)
        other = User(account_name="neighbour", display_name="Neighbour", phone="+8613899990000",
                     phone_verified_at=now, password_hash=hash_password(PASSWORD))
        db.session.add_all([user, other])
        db.session.flush()
        uid, oid = user.id, other.id

        db.session.add(Favorite(user_id=uid, tool_id=tools[0].id))
        db.session.add(Favorite(user_id=oid, tool_id=tools[0].id))
        tools[0].favorite_count = 2
        collection = Collection(user_id=uid, name=p["collection"], description=p["collection"], is_public=True)
        db.session.add(collection)
        db.session.flush()
        db.session.add(CollectionItem(collection_id=collection.id, tool_id=tools[1].id, note=p["collection_note"]))
        own_rating = Rating(user_id=uid, tool_id=tools[0].id, stars=4, review=REVIEW_TEXT)
        other_rating = Rating(user_id=oid, tool_id=tools[1].id, stars=5, review="Neighbour's review.",
                              helpful_count=1)
        db.session.add_all([own_rating, other_rating])
        db.session.flush()
        db.session.add(HelpfulVote(user_id=uid, rating_id=other_rating.id))
        db.session.add(VendorReply(rating_id=other_rating.id, author_id=uid, body="Thanks from the vendor."))
        db.session.add(Report(reporter_id=uid, target_type="tool", tool_id=tools[2].id, reason="other",
                              note=p["report_note"]))
        # As staff, the account resolved the neighbour's report, was audited, and changed a site setting.
        db.session.add(Report(reporter_id=oid, target_type="tool", tool_id=tools[2].id, reason="dead_link",
                              state="resolved", resolved_by_id=uid, resolved_at=now))
        db.session.add(AuditEntry(actor_id=uid, action="user.ban", target_type="user", target_id=str(oid)))
        db.session.add(AuditEntry(actor_id=oid, action="user.role", target_type="user", target_id=str(uid)))
        db.session.add(SiteSetting(key="site_name", value="SellerNav", updated_by_id=uid))
        # As staff, the account verified a tool's pricing and decided a dead-link check.
        tools[2].pricing_verified_at, tools[2].pricing_verified_by_id = now, uid
        db.session.add(LinkCheck(tool_id=tools[2].id, checked_at=now, outcome="dead", detail="HTTP 404",
                                 reviewed_at=now, reviewed_by_id=uid, decision="keep"))
        # Contributions: a submission and a suggestion (one decided by the account as staff), a vendor
        # claim with its tool and a reply to the neighbour's review, an API token.
        db.session.add(ToolSubmission(user_id=uid, url="https://submitted.example/", url_normalized="submitted.example",
                                      name="Submitted Tool", tagline="A tool for sellers"))
        db.session.add(ToolSubmission(user_id=oid, url="https://other.example/", url_normalized="other.example",
                                      name="Other Tool", state="rejected", decided_by_id=uid, decided_at=now))
        db.session.add(EditSuggestion(tool_id=tools[1].id, user_id=uid, changes='{"pricing": "free"}'))
        db.session.add(EditSuggestion(tool_id=tools[1].id, user_id=oid, changes='{"pricing": "paid"}',
                                      state="rejected", decided_by_id=uid, decided_at=now))
        db.session.add(SearchWordProposal(kind="synonym", terms="甲\n乙", proposed_by_id=uid, state="declined",
                                          decided_by_id=uid, decided_at=now))
        db.session.add(ToolClaim(tool_id=tools[1].id, user_id=uid, evidence="official site", state="approved",
                                 decided_by_id=uid, decided_at=now))
        tools[1].vendor_id, tools[1].vendor_since = uid, now
        db.session.add(ApiToken(user_id=uid, name="my script", token_hash="a" * 64, prefix="sn_aaaa"))
        db.session.add(ToolView(user_id=uid, tool_id=tools[1].id))
        db.session.add(SearchHistory(user_id=uid, query=p["query"]))
        db.session.add(UserSession(id=p["session_id"], user_id=uid, expires_at=now + timedelta(days=1),
                                   ip=p["ip"], user_agent=p["user_agent"], method="password"))
        db.session.add(SecurityEvent(user_id=uid, kind="sign_in", method="password", ip=p["ip"],
                                     user_agent=p["user_agent"]))
        db.session.add(KnownBrowser(user_id=uid, browser_hash="f" * 64))
        db.session.add(Notification(user_id=uid, kind="new_browser",
                                    detail=json.dumps({"ip": p["ip"], "browser": p["user_agent"]})))
        db.session.add(ConsentRecord(user_id=uid, purpose="product_news", granted=True, channel="email",
                                     policy_version="2025-01"))
        db.session.add(StoreAccount(user_id=uid, platform_id=platform.id, store_name=p["store"]))
        db.session.add(UserPreference(user_id=uid, name="theme", value=p["preference"]))
        policy = PolicyVersion(kind="privacy", version="2025-01", title_zh="隐私政策", title_en="Privacy policy",
                               body_zh="正文", body_en="Body", effective_at=now, created_by_id=uid)
        db.session.add(policy)
        db.session.flush()
        db.session.add(PolicyAcceptance(user_id=uid, policy_version_id=policy.id))
        ticket = Ticket(number="T-0001", kind="appeal", user_id=uid, contact=p["email"],
                        subject=p["ticket_subject"], body=p["ticket_body"], appeal_action="change_account_name",
                        appeal_value=p["appeal_value"], due_on=date(2030, 1, 7))
        other_ticket = Ticket(number="T-0002", kind="question", user_id=oid, body="Neighbour asks.",
                              due_on=date(2030, 1, 7))
        db.session.add_all([ticket, other_ticket])
        db.session.flush()
        db.session.add(TicketMessage(ticket_id=ticket.id, from_staff=False, author_id=uid, body=p["ticket_reply"]))
        # As staff, the account answered the neighbour: the reply stays, the author becomes the stub.
        db.session.add(TicketMessage(ticket_id=other_ticket.id, from_staff=True, author_id=uid, body="Answered."))
        db.session.add(EnterpriseCertification(
            user_id=uid, enterprise_name=p["enterprise"], credit_code=p["credit_code"],
            licence_path=_upload(upload_dir, "licences/erasable.webp"), contact_person=p["contact_person"],
            state="approved"))
        db.session.add(EnterpriseCertification(
            user_id=oid, enterprise_name="Neighbour Ltd", credit_code="91350100M000100Y43"[::-1],
            licence_path="licences/neighbour.webp", contact_person="Neighbour", state="approved",
            decided_by_id=uid, decided_at=now))
        db.session.add(DeletionRequest(user_id=oid, purge_after=now + timedelta(days=15), expedited_by_id=uid))
        db.session.add(DeletionRequest(user_id=uid, purge_after=now - timedelta(seconds=1)))
        db.session.add(WechatIdentity(user_id=uid, app_id="wxapp", openid=p["openid"], unionid=p["unionid"],
                                      nickname=p["nickname"]))
        db.session.add(OutboxMessage(user_id=uid, channel="email", recipient=p["email"], kind="security",
                                     body="Hello " + p["display_name"]))
        db.session.add(OutboxMessage(user_id=None, channel="sms", recipient=p["phone"], kind="notice", body="Hi"))
        db.session.add(SmsCode(phone=p["phone"], purpose="sign_in", code_hmac="0" * 64, ip=p["ip"],
                               expires_at=now, user_id=None))
        db.session.add(SmsCode(phone=p["phone"], purpose="verify", code_hmac="1" * 64, ip=p["ip"],
                               expires_at=now, user_id=uid))
        db.session.add(AccessRecord(created_at=now, method="GET", path="/settings/security", status=200,
                                    ip=p["ip"], user_agent=p["user_agent"], language="zh", user_id=uid))
        user.status = "pending_deletion"
        db.session.commit()
        return {"user_id": uid, "other_id": oid, "own_rating_id": own_rating.id,
                "other_rating_id": other_rating.id, "tool_ids": [t.id for t in tools],
                "tool_slugs": [t.slug for t in tools]}
