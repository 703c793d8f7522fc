"""What the privacy policy promises, as tables: certification, store accounts, consents,
the outbox, browsing history, preferences, deletion and its ledger, policies, tickets,
access records and the working-day holiday table."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UtcDateTime
from services import clock


class CertificationState(enum.StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"


class EnterpriseCertification(Base):
    """One application for enterprise certification; the newest approved one is the user's badge."""

    __tablename__ = "enterprise_certification"
    __table_args__ = (
        CheckConstraint("state IN ('submitted', 'approved', 'rejected')", name="state"),
        Index("ix_enterprise_certification_state_created", "state", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    enterprise_name: Mapped[str] = mapped_column(String(100))
    credit_code: Mapped[str] = mapped_column(String(18))  # 统一社会信用代码, check digit verified
    licence_path: Mapped[str] = mapped_column(String(200))  # under UPLOAD_DIR; served to owner and staff only
    contact_person: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(20), default=CertificationState.SUBMITTED.value)
    reject_reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)


class StoreAccount(Base):
    """A store the user says they sell on: platform and store name or ID. Never a password."""

    __tablename__ = "store_account"
    __table_args__ = (UniqueConstraint("user_id", "platform_id", "store_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id", ondelete="CASCADE"))
    store_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)


class ConsentPurpose(enum.StrEnum):
    PRODUCT_NEWS = "product_news"
    PARTNER_OFFERS = "partner_offers"


class ConsentRecord(Base):
    """One grant or withdrawal, appended, never updated: the newest row per purpose is the state."""

    __tablename__ = "consent_record"
    __table_args__ = (Index("ix_consent_record_user_purpose", "user_id", "purpose", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(40))
    granted: Mapped[bool] = mapped_column(Boolean)
    channel: Mapped[str] = mapped_column(String(20))  # the channel the consent covers: email or sms
    policy_version: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)


class OutboxState(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after the last retry


class OutboxMessage(Base):
    """An SMS or email waiting for `flask send-outbox`, and afterwards the record of what was sent.

    Verification codes do not pass through here: they are sent at once and kept only as an HMAC.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (
        CheckConstraint("channel IN ('sms', 'email')", name="channel"),
        CheckConstraint("state IN ('pending', 'sent', 'failed')", name="state"),
        Index("ix_outbox_message_state_next", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(10))
    recipient: Mapped[str] = mapped_column(String(254))
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), default=OutboxState.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    last_error: Mapped[str | None] = mapped_column(String(400))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ToolView(Base):
    """Browsing history: the last time a signed-in user opened a tool's page ("recently viewed")."""

    __tablename__ = "tool_view"
    __table_args__ = (Index("ix_tool_view_user_viewed", "user_id", "viewed_at"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    tool_id: Mapped[int] = mapped_column(ForeignKey("tool.id", ondelete="CASCADE"), primary_key=True)
    viewed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)


class UserPreference(Base):
    """Site preferences kept for the account: language, theme, dismissed notices."""

    __tablename__ = "user_preference"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now, onupdate=clock.now)


class DeletionState(enum.StrEnum):
    PENDING = "pending"
    CANCELLED = "cancelled"
    COMPLETED = "completed"


class DeletionRequest(Base):
    """An account deletion: pending through the grace period, then completed by `flask purge-deleted`.

    After the purge the row keeps only the (erased) account id and dates, for staff.
    """

    __tablename__ = "deletion_request"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'cancelled', 'completed')", name="state"),
        Index("ix_deletion_request_state_purge", "state", "purge_after"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(20), default=DeletionState.PENDING.value)
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    purge_after: Mapped[datetime] = mapped_column(UtcDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    expedited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


class ErasureRecord(Base):
    """The erasure ledger: account id and time only. A restore from backup re-applies it."""

    __tablename__ = "erasure_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)  # no foreign key: the ledger outlives the row
    erased_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)


class BannedPhone(Base):
    """A banned account's phone, as a keyed hash, kept after deletion so a ban cannot be escaped."""

    __tablename__ = "banned_phone"

    phone_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)


class PolicyKind(enum.StrEnum):
    PRIVACY = "privacy"
    TERMS = "terms"


class PolicyVersion(Base):
    """One published version of the privacy policy or the terms, written in Markdown by staff."""

    __tablename__ = "policy_version"
    __table_args__ = (
        CheckConstraint("kind IN ('privacy', 'terms')", name="kind"),
        UniqueConstraint("kind", "version"),
        Index("ix_policy_version_kind_effective", "kind", "effective_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    version: Mapped[str] = mapped_column(String(40))
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    body_zh: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str] = mapped_column(Text)
    summary_zh: Mapped[str] = mapped_column(Text, default="")  # what changed, shown in the banner and notices
    summary_en: Mapped[str] = mapped_column(Text, default="")
    is_major: Mapped[bool] = mapped_column(Boolean, default=False)
    announced_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    effective_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


class PolicyAcceptance(Base):
    """A signed-in user's acceptance of one policy version."""

    __tablename__ = "policy_acceptance"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    policy_version_id: Mapped[int] = mapped_column(
        ForeignKey("policy_version.id", ondelete="CASCADE"), primary_key=True
    )
    accepted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)


class TicketKind(enum.StrEnum):
    COMPLAINT = "complaint"
    SUGGESTION = "suggestion"
    QUESTION = "question"
    PRIVACY = "privacy"
    IP_COMPLAINT = "ip_complaint"
    COMPROMISED = "compromised"
    APPEAL = "appeal"  # a change to a fixed field, asked of staff from settings


class TicketState(enum.StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    CLOSED = "closed"


class Ticket(Base):
    """Feedback, a complaint or an appeal, with its ticket number and working-day deadlines."""

    __tablename__ = "ticket"
    __table_args__ = (
        CheckConstraint("state IN ('open', 'answered', 'closed')", name="state"),
        Index("ix_ticket_state_due", "state", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    contact: Mapped[str] = mapped_column(String(200), default="")  # optional: phone or email for the reply
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(5), default="zh")
    # For an appeal: what it asks staff to do (unbind_wechat, change_account_name, ...) and the new value.
    appeal_action: Mapped[str | None] = mapped_column(String(40))
    appeal_value: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(20), default=TicketState.OPEN.value)
    due_on: Mapped[date] = mapped_column(Date)  # first response: 5 working days
    due_provisional: Mapped[bool] = mapped_column(Boolean, default=False)  # beyond every holiday table
    identity_verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reply_due_on: Mapped[date | None] = mapped_column(Date)  # 15 working days after identity is verified
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)


class TicketMessage(Base):
    """A reply on a ticket, from staff or from the sender."""

    __tablename__ = "ticket_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    from_staff: Mapped[bool] = mapped_column(Boolean)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)


class AccessRecord(Base):
    """One request: path without its query, method, status, IP, browser, language, time, user.

    IPs and user ids are removed by `flask anonymise-logs` after the retention period.
    """

    __tablename__ = "access_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(500))
    status: Mapped[int] = mapped_column(Integer)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str] = mapped_column(String(400), default="")
    language: Mapped[str] = mapped_column(String(40), default="")
    user_id: Mapped[int | None] = mapped_column(Integer, index=True)  # no foreign key: logs outlive accounts


class HolidayOverride(Base):
    """A day whose working status staff set by hand, for years the chinese-calendar package lacks."""

    __tablename__ = "holiday_override"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_working_day: Mapped[bool] = mapped_column(Boolean)  # False: a holiday; True: a make-up working day
    name: Mapped[str] = mapped_column(String(80), default="")
