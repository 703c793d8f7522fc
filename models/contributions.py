"""What users add to the catalog: submitted tools, vendor claims, suggested edits, vendor replies."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UtcDateTime
from services import clock


class ContributionState(enum.StrEnum):
    PENDING = "pending"  # waiting for staff
    APPROVED = "approved"  # submissions and claims; a suggestion accepted in whole or in part
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # by its author, before staff decided


_STATES = "state IN ('pending', 'approved', 'rejected', 'withdrawn')"


class ToolSubmission(Base):
    """A tool a verified user proposes; staff may edit it, then approve (a Tool is created) or reject.

    ``url_normalized`` is ``services.urls.normalize_url(url)``: the duplicate check against
    tools and other pending submissions.
    """

    __tablename__ = "tool_submission"
    __table_args__ = (
        CheckConstraint(_STATES, name="state"),
        Index("ix_tool_submission_state_created", "state", "created_at"),
        Index("ix_tool_submission_user_created", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    url: Mapped[str] = mapped_column(String(500))
    url_normalized: Mapped[str] = mapped_column(String(500), index=True)
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str | None] = mapped_column(String(120))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id", ondelete="SET NULL"))
    platforms: Mapped[str] = mapped_column(Text, default="")  # platform refs as the catalog file writes them
    pricing: Mapped[str | None] = mapped_column(String(20))
    price_note: Mapped[str] = mapped_column(String(200), default="")
    tagline: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(5), default="zh")  # the language tagline and description are in
    state: Mapped[str] = mapped_column(String(20), default=ContributionState.PENDING.value)
    reason: Mapped[str] = mapped_column(Text, default="")  # staff's reason, shown to the submitter
    tool_id: Mapped[int | None] = mapped_column(ForeignKey("tool.id", ondelete="SET NULL"))  # once approved
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)


class ToolClaim(Base):
    """A certified enterprise's claim to be a tool's vendor; approved, it sets ``Tool.vendor_id``."""

    __tablename__ = "tool_claim"
    __table_args__ = (
        CheckConstraint(_STATES, name="state"),
        Index("ix_tool_claim_state_created", "state", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tool_id: Mapped[int] = mapped_column(ForeignKey("tool.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    evidence: Mapped[str] = mapped_column(Text, default="")  # how staff can tell: official email domain, a page
    state: Mapped[str] = mapped_column(String(20), default=ContributionState.PENDING.value)
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)


class EditSuggestion(Base):
    """A proposed correction to a tool: ``changes`` is JSON {field: {"from": value seen, "to": proposed}}.

    "from" is what the author saw, so staff are told when the tool changed since.

    Any verified user may suggest; a tool's vendor proposes edits the same way (``from_vendor``).
    Staff see a field-by-field diff and accept some fields (``accepted_fields``, JSON list).
    """

    __tablename__ = "edit_suggestion"
    __table_args__ = (
        CheckConstraint(_STATES, name="state"),
        Index("ix_edit_suggestion_state_created", "state", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tool_id: Mapped[int] = mapped_column(ForeignKey("tool.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    from_vendor: Mapped[bool] = mapped_column(default=False)
    changes: Mapped[str] = mapped_column(Text, default="{}")
    note: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(20), default=ContributionState.PENDING.value)
    accepted_fields: Mapped[str] = mapped_column(Text, default="[]")
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)


class VendorReply(Base):
    """The vendor's one public reply to a review of its tool, shown under the review."""

    __tablename__ = "vendor_reply"

    id: Mapped[int] = mapped_column(primary_key=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("rating.id", ondelete="CASCADE"), unique=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    body: Mapped[str] = mapped_column(Text)
    hidden_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # hidden by staff
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now, onupdate=clock.now)


class ApiToken(Base):
    """A personal token for the read API: shown once, stored as a SHA-256 hash; revoked, never deleted."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  # the first characters, so the owner can tell tokens apart
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
