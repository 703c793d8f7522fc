"""A tool's vendor replies once, publicly, to each review of its tool; staff can hide a reply.

A reply shows under its review only while its author is still the tool's vendor, so revoking a
vendor also stops its replies from being labelled as the vendor's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from extensions import db
from models import CertificationState, EnterpriseCertification, Rating, ReviewState, Tool, VendorReply
from services import audit, clock, notifications
from services.catalog_version import bump_catalog_version
from services.vendors import is_vendor_of
from services.write_locks import lock_row

REPLY_MAX_LENGTH = 1000


class ReplyRefused(ValueError):
    """``not_vendor``, ``missing`` (no such published review of this tool), ``exists``, ``no_reply``,
    ``hidden`` (staff hid it: not editable), ``body``, ``reason``."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ReplyView:
    """A reply as the review list shows it."""

    id: int
    body: str
    enterprise: str | None
    hidden: bool
    created_at: datetime
    updated_at: datetime


def published_review(tool: Tool, rating_id: int) -> Rating | None:
    """A review of ``tool`` that the public sees, the only kind a vendor may answer."""
    return db.session.scalar(select(Rating).where(
        Rating.id == rating_id, Rating.tool_id == tool.id, Rating.state == ReviewState.VISIBLE.value,
        Rating.review != ""))


def reply_of(rating_id: int) -> VendorReply | None:
    return db.session.scalar(select(VendorReply).where(VendorReply.rating_id == rating_id))


def _checked_body(body: str) -> str:
    body = (body or "").strip()
    if not body or len(body) > REPLY_MAX_LENGTH:
        raise ReplyRefused("body")
    return body


def _check_vendor(user, tool: Tool, rating_id: int) -> None:
    if not is_vendor_of(user, tool):
        raise ReplyRefused("not_vendor")
    if published_review(tool, rating_id) is None:
        raise ReplyRefused("missing")


def reply_to_review(user, tool: Tool, rating_id: int, body: str) -> VendorReply:
    """The vendor's one reply to a review; a second is refused (the unique rating_id decides a race). Commits."""
    _check_vendor(user, tool, rating_id)
    body = _checked_body(body)
    if reply_of(rating_id) is not None:
        raise ReplyRefused("exists")
    now = clock.now()
    reply = VendorReply(rating_id=rating_id, author_id=user.id, body=body, created_at=now, updated_at=now)
    db.session.add(reply)
    try:
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()
        raise ReplyRefused("exists") from error
    bump_catalog_version()  # the tool page shows the reply
    db.session.commit()
    return reply


def edit_reply(user, tool: Tool, rating_id: int, body: str) -> VendorReply:
    """The vendor rewrites its own reply; a reply staff hid stays hidden and cannot be edited. Commits."""
    _check_vendor(user, tool, rating_id)
    body = _checked_body(body)
    reply = reply_of(rating_id)
    if reply is None or reply.author_id != user.id:
        raise ReplyRefused("no_reply")
    if reply.hidden_at is not None:
        raise ReplyRefused("hidden")
    if reply.body != body:
        reply.body = body
        reply.updated_at = clock.now()
        bump_catalog_version()
    db.session.commit()
    return reply


def replies_for_reviews(tool: Tool, rating_ids: list[int], viewer_id: int | None = None) -> dict[int, ReplyView]:
    """The vendor's replies to these reviews, with its enterprise name: one query, none without a vendor.

    Hidden replies are left out, except for their own author, who sees that staff hid them.
    """
    if tool.vendor_id is None or not rating_ids:
        return {}
    enterprise = (
        select(EnterpriseCertification.enterprise_name)
        .where(EnterpriseCertification.user_id == VendorReply.author_id,
               EnterpriseCertification.state == CertificationState.APPROVED.value)
        .order_by(EnterpriseCertification.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    shown = VendorReply.hidden_at.is_(None)
    if viewer_id is not None:
        shown = or_(shown, VendorReply.author_id == viewer_id)
    rows = db.session.execute(
        select(VendorReply, enterprise.label("enterprise"))
        .where(VendorReply.rating_id.in_(rating_ids), VendorReply.author_id == tool.vendor_id, shown)
    ).all()
    return {
        row.VendorReply.rating_id: ReplyView(
            id=row.VendorReply.id, body=row.VendorReply.body, enterprise=row.enterprise,
            hidden=row.VendorReply.hidden_at is not None, created_at=row.VendorReply.created_at,
            updated_at=row.VendorReply.updated_at)
        for row in rows
    }


# ---- staff ---------------------------------------------------------------------------------------

def recent_replies(limit: int = 100) -> list[tuple[VendorReply, Rating, Tool]]:
    """The newest replies, hidden ones too, with the review and tool each answers."""
    return list(db.session.execute(
        select(VendorReply, Rating, Tool)
        .join(Rating, Rating.id == VendorReply.rating_id)
        .join(Tool, Tool.id == Rating.tool_id)
        .order_by(VendorReply.created_at.desc(), VendorReply.id.desc())
        .limit(limit)
    ).all())


def hide_reply(reply_id: int, *, staff_id: int, reason: str) -> VendorReply:
    """Staff hide a reply from the public, with a reason the vendor reads; audited. Commits."""
    reason = (reason or "").strip()
    if not reason:
        raise ReplyRefused("reason")
    lock_row(VendorReply, reply_id)
    reply = db.session.get(VendorReply, reply_id, populate_existing=True)
    if reply is None:
        raise LookupError(reply_id)
    if reply.hidden_at is not None:
        db.session.rollback()
        raise ReplyRefused("hidden")
    tool = db.session.scalar(select(Tool).join(Rating, Rating.tool_id == Tool.id).where(Rating.id == reply.rating_id))
    audit.record(actor_id=staff_id, action="vendor_reply.hide", target_type="vendor_reply", target_id=reply.id,
                 before={"hidden": False, "rating_id": reply.rating_id},
                 after={"hidden": True, "rating_id": reply.rating_id}, reason=reason)
    reply.hidden_at = clock.now()
    if reply.author_id is not None:
        notifications.notify(reply.author_id, "vendor_reply_hidden", tool=tool.name, slug=tool.slug, reason=reason)
    bump_catalog_version()
    db.session.commit()
    return reply
