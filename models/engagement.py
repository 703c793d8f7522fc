"""What verified users do with tools: favorites, collections, ratings and reviews, votes, reports."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UtcDateTime
from services import clock


class Favorite(Base):
    """A tool in a user's favorites. The tool's favorite_count moves with these rows, atomically."""

    __tablename__ = "favorite"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    tool_id: Mapped[int] = mapped_column(ForeignKey("tool.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)


class Collection(Base):
    """A named, ordered list of tools; private unless its owner makes it public."""

    __tablename__ = "collection"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    is_public: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now, onupdate=clock.now)


class CollectionItem(Base):
    """A tool in a collection, with the owner's note and its place in the order."""

    __tablename__ = "collection_item"

    collection_id: Mapped[int] = mapped_column(ForeignKey("collection.id", ondelete="CASCADE"), primary_key=True)
    tool_id: Mapped[int] = mapped_column(ForeignKey("tool.id", ondelete="CASCADE"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(default=0)
    note: Mapped[str] = mapped_column(Text, default="")
    added_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)


class ReviewState(enum.StrEnum):
    VISIBLE = "visible"
    HELD = "held"  # waiting for a moderator (new accounts' reviews start here)
    HIDDEN = "hidden"  # hidden by staff


class Rating(Base):
    """One user's 1–5 rating of one tool, with an optional review.

    ``state`` is the review's own moderation state; whether its author is
    banned is separate, so unbanning restores exactly what staff had not hidden.
    """

    __tablename__ = "rating"
    __table_args__ = (
        UniqueConstraint("user_id", "tool_id"),
        CheckConstraint("stars BETWEEN 1 AND 5", name="stars"),
        CheckConstraint("state IN ('visible', 'held', 'hidden')", name="state"),
        Index("ix_rating_tool_state", "tool_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    tool_id: Mapped[int] = mapped_column(ForeignKey("tool.id", ondelete="CASCADE"))
    stars: Mapped[int] = mapped_column(SmallInteger)
    review: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(20), default=ReviewState.VISIBLE.value)
    helpful_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now, onupdate=clock.now)


class HelpfulVote(Base):
    """One user found one review helpful (never their own); withdrawing deletes the row."""

    __tablename__ = "helpful_vote"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("rating.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)


class ReportReason(enum.StrEnum):
    SPAM = "spam"
    WRONG_INFO = "wrong_info"
    DEAD_LINK = "dead_link"
    IP_COMPLAINT = "ip_complaint"
    OTHER = "other"


class Report(Base):
    """A user's report of a tool or a review, waiting in the moderation queue."""

    __tablename__ = "report"
    __table_args__ = (
        CheckConstraint("target_type IN ('tool', 'review')", name="target_type"),
        CheckConstraint("reason IN ('spam', 'wrong_info', 'dead_link', 'ip_complaint', 'other')", name="reason"),
        CheckConstraint("state IN ('open', 'resolved', 'dismissed')", name="state"),
        Index("ix_report_state_created", "state", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    target_type: Mapped[str] = mapped_column(String(20))
    tool_id: Mapped[int | None] = mapped_column(ForeignKey("tool.id", ondelete="CASCADE"), index=True)
    rating_id: Mapped[int | None] = mapped_column(ForeignKey("rating.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    # What staff did: hide_review, mark_dead, edited_tool or dismissed.
    resolution: Mapped[str | None] = mapped_column(String(20))
