"""The data export: everything the site keeps about one account, as readable JSON files in a zip.

Each file comes from one function below; ``services.personal_data`` names the file that carries each
user column, and the coverage test checks that every named file is produced here. Never included:
password hashes, SMS code hashes, whole session ids, or anyone else's personal data (a helpful vote
shows the review's id, not its author; a ticket's staff replies say "staff", not who).
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import select

from extensions import db
from models import (
    AccessRecord,
    ApiToken,
    Collection,
    CollectionItem,
    ConsentRecord,
    DeletionRequest,
    EditSuggestion,
    EnterpriseCertification,
    Favorite,
    HelpfulVote,
    KnownBrowser,
    Notification,
    OutboxMessage,
    Platform,
    PolicyAcceptance,
    PolicyVersion,
    Rating,
    Report,
    SearchHistory,
    SecurityEvent,
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

CHINA_TIME = timezone(timedelta(hours=8), "Asia/Shanghai")
SESSION_ID_SHOWN = 6  # a prefix is enough to tell sessions apart; the whole id would sign someone in


def _value(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _row(obj, *names: str) -> dict:
    return {name: _value(getattr(obj, name)) for name in names}


def _tools(tool_ids) -> dict[int, dict]:
    ids = set(tool_ids)
    if not ids:
        return {}
    rows = db.session.execute(select(Tool.id, Tool.slug, Tool.name).where(Tool.id.in_(ids))).all()
    return {row.id: {"slug": row.slug, "name": row.name} for row in rows}


def _all(model, column, user_id: int, *order):
    return db.session.scalars(select(model).where(column == user_id).order_by(*order)).all()


def profile(user: User) -> dict:
    data = _row(user, "id", "account_name", "display_name", "phone", "phone_verified_at", "email",
                "email_verified_at", "security_notice_channel", "certified_at", "password_changed_at",
                "must_change_password", "role", "status", "ban_reason", "terms_version", "terms_accepted_at",
                "created_at", "last_seen_at")
    data["has_password"] = user.password_hash is not None  # the hash itself is never exported
    data["avatar_file"] = _avatar_name(user)
    return data


def favorites(user: User) -> list:
    rows = _all(Favorite, Favorite.user_id, user.id, Favorite.created_at)
    tools = _tools(r.tool_id for r in rows)
    return [{"tool": tools.get(r.tool_id), "created_at": _value(r.created_at)} for r in rows]


def collections(user: User) -> list:
    owned = _all(Collection, Collection.user_id, user.id, Collection.id)
    items = db.session.scalars(
        select(CollectionItem).where(CollectionItem.collection_id.in_([c.id for c in owned]))
        .order_by(CollectionItem.collection_id, CollectionItem.position)
    ).all()
    tools = _tools(i.tool_id for i in items)
    result = []
    for collection in owned:
        data = _row(collection, "id", "name", "description", "is_public", "created_at", "updated_at")
        data["items"] = [
            {"tool": tools.get(i.tool_id), "position": i.position, "note": i.note, "added_at": _value(i.added_at)}
            for i in items if i.collection_id == collection.id
        ]
        result.append(data)
    return result


def ratings(user: User) -> list:
    rows = _all(Rating, Rating.user_id, user.id, Rating.id)
    tools = _tools(r.tool_id for r in rows)
    return [{"id": r.id, "tool": tools.get(r.tool_id),
             **_row(r, "stars", "review", "state", "helpful_count", "created_at", "updated_at")} for r in rows]


def helpful_votes(user: User) -> list:
    rows = db.session.execute(
        select(HelpfulVote.rating_id, HelpfulVote.created_at, Rating.tool_id)
        .join(Rating, Rating.id == HelpfulVote.rating_id)
        .where(HelpfulVote.user_id == user.id).order_by(HelpfulVote.created_at)
    ).all()
    tools = _tools(r.tool_id for r in rows)
    # The review's id and tool, never its author: that is someone else's data.
    return [{"review_id": r.rating_id, "tool": tools.get(r.tool_id), "created_at": _value(r.created_at)}
            for r in rows]


def reports(user: User) -> list:
    rows = _all(Report, Report.reporter_id, user.id, Report.id)
    tools = _tools(r.tool_id for r in rows if r.tool_id)
    return [{"tool": tools.get(r.tool_id), "review_id": r.rating_id,
             **_row(r, "id", "target_type", "reason", "note", "state", "created_at", "resolved_at")} for r in rows]


def browsing_history(user: User) -> list:
    rows = _all(ToolView, ToolView.user_id, user.id, ToolView.viewed_at.desc())
    tools = _tools(r.tool_id for r in rows)
    return [{"tool": tools.get(r.tool_id), "viewed_at": _value(r.viewed_at)} for r in rows]


def search_history(user: User) -> list:
    rows = _all(SearchHistory, SearchHistory.user_id, user.id, SearchHistory.created_at.desc())
    return [_row(r, "query", "created_at") for r in rows]


def sessions(user: User) -> list:
    rows = _all(UserSession, UserSession.user_id, user.id, UserSession.created_at.desc())
    return [{"id_prefix": r.id[:SESSION_ID_SHOWN] + "…",
             **_row(r, "method", "ip", "user_agent", "remember", "created_at", "last_seen_at", "expires_at",
                    "revoked_at")} for r in rows]


def security_log(user: User) -> list:
    rows = _all(SecurityEvent, SecurityEvent.user_id, user.id, SecurityEvent.created_at.desc())
    return [_row(r, "kind", "method", "ip", "user_agent", "created_at") for r in rows]


def known_browsers(user: User) -> list:
    rows = _all(KnownBrowser, KnownBrowser.user_id, user.id, KnownBrowser.first_seen_at)
    # A keyed hash of the browser's identification, used only to notice a new browser.
    return [{"fingerprint_prefix": r.browser_hash[:8] + "…", "first_seen_at": _value(r.first_seen_at)}
            for r in rows]


def notifications(user: User) -> list:
    rows = _all(Notification, Notification.user_id, user.id, Notification.created_at.desc())
    return [{"kind": r.kind, "detail": json.loads(r.detail or "{}"), **_row(r, "created_at", "read_at")}
            for r in rows]


def consents(user: User) -> list:
    rows = _all(ConsentRecord, ConsentRecord.user_id, user.id, ConsentRecord.id)
    return [_row(r, "purpose", "granted", "channel", "policy_version", "created_at") for r in rows]


def store_accounts(user: User) -> list:
    rows = db.session.execute(
        select(StoreAccount, Platform.slug).join(Platform, Platform.id == StoreAccount.platform_id)
        .where(StoreAccount.user_id == user.id).order_by(StoreAccount.id)
    ).all()
    return [{"platform": slug, **_row(r, "store_name", "created_at")} for r, slug in rows]


def preferences(user: User) -> list:
    rows = _all(UserPreference, UserPreference.user_id, user.id, UserPreference.name)
    return [_row(r, "name", "value", "updated_at") for r in rows]


def policy_acceptances(user: User) -> list:
    rows = db.session.execute(
        select(PolicyAcceptance.accepted_at, PolicyVersion.kind, PolicyVersion.version)
        .join(PolicyVersion, PolicyVersion.id == PolicyAcceptance.policy_version_id)
        .where(PolicyAcceptance.user_id == user.id).order_by(PolicyAcceptance.accepted_at)
    ).all()
    return [{"policy": r.kind, "version": r.version, "accepted_at": _value(r.accepted_at)} for r in rows]


def tickets(user: User) -> list:
    rows = _all(Ticket, Ticket.user_id, user.id, Ticket.id)
    messages = db.session.scalars(
        select(TicketMessage).where(TicketMessage.ticket_id.in_([t.id for t in rows])).order_by(TicketMessage.id)
    ).all()
    result = []
    for ticket in rows:
        data = _row(ticket, "number", "kind", "contact", "subject", "body", "language", "appeal_action",
                    "appeal_value", "state", "due_on", "identity_verified_at", "reply_due_on", "closed_at",
                    "created_at")
        # Staff replies say "staff", never which member of staff.
        data["messages"] = [{"from": "staff" if m.from_staff else "you", "body": m.body,
                             "created_at": _value(m.created_at)} for m in messages if m.ticket_id == ticket.id]
        result.append(data)
    return result


def certifications(user: User) -> list:
    rows = _all(EnterpriseCertification, EnterpriseCertification.user_id, user.id, EnterpriseCertification.id)
    return [{**_row(r, "id", "enterprise_name", "credit_code", "contact_person", "state", "reject_reason",
                    "decided_at", "created_at"), "licence_file": _licence_name(r)} for r in rows]


def deletion_requests(user: User) -> list:
    rows = _all(DeletionRequest, DeletionRequest.user_id, user.id, DeletionRequest.id)
    return [_row(r, "state", "requested_at", "purge_after", "cancelled_at", "completed_at") for r in rows]


def wechat_identities(user: User) -> list:
    rows = _all(WechatIdentity, WechatIdentity.user_id, user.id, WechatIdentity.id)
    # No tokens are stored, so none can leak here.
    return [_row(r, "app_id", "openid", "unionid", "nickname", "created_at") for r in rows]


def messages_sent(user: User) -> list:
    rows = _all(OutboxMessage, OutboxMessage.user_id, user.id, OutboxMessage.id)
    return [_row(r, "channel", "recipient", "kind", "subject", "body", "state", "created_at", "sent_at")
            for r in rows]


def access_log(user: User) -> list:
    rows = _all(AccessRecord, AccessRecord.user_id, user.id, AccessRecord.created_at.desc())
    return [_row(r, "created_at", "method", "path", "status", "ip", "user_agent", "language") for r in rows]


def submissions(user: User) -> list:
    rows = _all(ToolSubmission, ToolSubmission.user_id, user.id, ToolSubmission.id)
    return [_row(r, "id", "url", "name", "name_en", "pricing", "price_note", "tagline", "description", "language",
                 "platforms", "state", "reason", "created_at", "decided_at") for r in rows]


def vendor(user: User) -> dict:
    claims = _all(ToolClaim, ToolClaim.user_id, user.id, ToolClaim.id)
    vendor_of = db.session.scalars(select(Tool).where(Tool.vendor_id == user.id).order_by(Tool.id)).all()
    replies = _all(VendorReply, VendorReply.author_id, user.id, VendorReply.id)
    tools = _tools([c.tool_id for c in claims])
    return {
        "claims": [{"tool": tools.get(c.tool_id), **_row(c, "id", "evidence", "state", "reason", "created_at",
                                                          "decided_at")} for c in claims],
        "vendor_of": [{"slug": t.slug, "name": t.name, "since": _value(t.vendor_since)} for t in vendor_of],
        "review_replies": [_row(r, "rating_id", "body", "hidden_at", "created_at", "updated_at") for r in replies],
    }


def edit_suggestions(user: User) -> list:
    rows = _all(EditSuggestion, EditSuggestion.user_id, user.id, EditSuggestion.id)
    tools = _tools(r.tool_id for r in rows)
    return [{"tool": tools.get(r.tool_id), "changes": json.loads(r.changes or "{}"),
             "accepted_fields": json.loads(r.accepted_fields or "[]"),
             **_row(r, "id", "from_vendor", "note", "state", "reason", "created_at", "decided_at")} for r in rows]


def api_tokens(user: User) -> list:
    # Name, the visible prefix and dates; the hash is a secret's fingerprint and stays out.
    rows = _all(ApiToken, ApiToken.user_id, user.id, ApiToken.id)
    return [_row(r, "name", "prefix", "created_at", "last_used_at", "revoked_at") for r in rows]


# File name → (builder, Chinese description, English description). The README lists them in this order.
SECTIONS: dict[str, tuple[Callable[[User], object], str, str]] = {
    "profile.json": (profile, "账号资料：账号名、显示名、手机号、邮箱、状态等（不含密码）",
                     "Your account: account name, display name, phone, email, status (never the password)"),
    "consents.json": (consents, "营销同意的授予与撤回记录",
                      "Every consent you gave or withdrew, with its policy version"),
    "favorites.json": (favorites, "收藏的工具", "Tools in your favorites"),
    "collections.json": (collections, "收藏夹及其中的工具和备注", "Your collections with their tools and notes"),
    "ratings.json": (ratings, "评分与评价", "Your ratings and reviews"),
    "helpful_votes.json": (helpful_votes, "你点过“有用”的评价（只有评价编号）",
                           "Reviews you found helpful (the review's id only)"),
    "reports.json": (reports, "你提交的举报", "Reports you sent"),
    "browsing_history.json": (browsing_history, "浏览记录", "Browsing history: tools you opened"),
    "search_history.json": (search_history, "搜索记录", "Search history"),
    "sessions.json": (sessions, "登录的浏览器（会话编号只显示开头）",
                      "Signed-in browsers (only the start of each session id)"),
    "security_log.json": (security_log, "安全日志：登录、失败尝试、验证与绑定",
                          "Security log: sign-ins, failed attempts, verification and binding"),
    "known_browsers.json": (known_browsers, "用于发现新浏览器的浏览器指纹（加密哈希，只显示开头）",
                            "Browser fingerprints used to notice a new browser (keyed hashes, start only)"),
    "notifications.json": (notifications, "站内信", "Your inbox"),
    "tickets.json": (tickets, "反馈、投诉和申诉及其回复", "Feedback, complaints and appeals with their replies"),
    "certifications.json": (certifications, "企业认证申请（营业执照图片在 files/ 下）",
                            "Enterprise certification applications (licence images under files/)"),
    "store_accounts.json": (store_accounts, "关联的店铺账号", "Linked store accounts"),
    "preferences.json": (preferences, "为账号保存的网站偏好", "Site preferences kept for your account"),
    "policy_acceptances.json": (policy_acceptances, "接受的隐私政策和服务条款版本",
                                "Privacy policy and terms versions you accepted"),
    "deletion_requests.json": (deletion_requests, "注销账号申请", "Account deletion requests"),
    "wechat_identities.json": (wechat_identities, "绑定的微信身份（不保存任何令牌）",
                               "Bound WeChat identities (no tokens are stored)"),
    "messages_sent.json": (messages_sent, "发送给你的短信和邮件通知", "SMS and email notices sent to you"),
    "access_log.json": (access_log, "访问日志：你登录时的请求（保留期满后匿名化）",
                        "Access log: your requests while signed in (anonymised after the retention period)"),
    "submissions.json": (submissions, "你提交的工具及审核结果", "Tools you submitted and what staff decided"),
    "edit_suggestions.json": (edit_suggestions, "你提出的工具信息修改建议", "Corrections you suggested to tools"),
    "vendor.json": (vendor, "厂商认领、你作为厂商的工具和对评价的回复",
                    "Vendor claims, the tools you are the vendor of, and your replies to reviews"),
    "api_tokens.json": (api_tokens, "API 令牌（名称、开头字符和时间，不含令牌本身）",
                        "API tokens (name, first characters and dates; never the token)"),
}


def _avatar_name(user: User) -> str | None:
    return f"files/avatar{Path(user.avatar_path).suffix}" if user.avatar_path else None


def _licence_name(certification: EnterpriseCertification) -> str | None:
    if not certification.licence_path:
        return None
    return f"files/licence-{certification.id}{Path(certification.licence_path).suffix}"


def _user_files(user: User, upload_dir: str) -> list[tuple[str, Path]]:
    """(name in the zip, file on disk) for the avatar and licence images that exist."""
    pairs = []
    if user.avatar_path:
        pairs.append((_avatar_name(user), user.avatar_path))
    for certification in _all(EnterpriseCertification, EnterpriseCertification.user_id, user.id,
                              EnterpriseCertification.id):
        if certification.licence_path:
            pairs.append((_licence_name(certification), certification.licence_path))
    root = Path(upload_dir).resolve()
    found = []
    for name, relative in pairs:
        path = (root / relative).resolve()
        if root in path.parents and path.is_file():
            found.append((name, path))
    return found


def readme(generated_at: datetime) -> str:
    lines = [
        "SellerNav 数据导出 / SellerNav data export",
        f"生成时间 / Generated: {generated_at.astimezone(CHINA_TIME).isoformat(timespec='seconds')}",
        "",
        "所有文件为 UTF-8 编码的 JSON；时间为 ISO 8601 格式（UTC）。",
        "Every file is UTF-8 JSON; times are ISO 8601 (UTC).",
        "",
    ]
    for name, (_builder, zh, en) in SECTIONS.items():
        lines += [name, f"  {zh}", f"  {en}"]
    lines += ["files/", "  你上传的头像和营业执照图片", "  Your avatar and licence images as stored", ""]
    return "\n".join(lines)


def export_filename(user: User, today: date) -> str:
    account = re.sub(r"[^A-Za-z0-9_-]", "", user.account_name or "") or f"user{user.id}"
    return f"sellernav-export-{account}-{today.isoformat()}.zip"


def build_export(user: User, upload_dir: str) -> tuple[str, bytes]:
    """The export's file name and the zip's bytes."""
    now = clock.now()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", readme(now))
        for name, (builder, _zh, _en) in SECTIONS.items():
            archive.writestr(name, json.dumps(builder(user), ensure_ascii=False, indent=2))
        for name, path in _user_files(user, upload_dir):
            archive.write(path, name)
    return export_filename(user, now.astimezone(CHINA_TIME).date()), buffer.getvalue()
