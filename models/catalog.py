"""The catalog: categories, tools, tags, platforms and markets."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Numeric,
    String,
    Table,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamped, UtcDateTime


class Pricing(enum.StrEnum):
    FREE = "free"
    FREEMIUM = "freemium"
    FREE_TRIAL = "free_trial"
    PAID = "paid"


class ToolStatus(enum.StrEnum):
    PUBLISHED = "published"
    PENDING = "pending"
    HIDDEN = "hidden"
    DEAD_LINK = "dead_link"


class Lifecycle(enum.StrEnum):
    ACTIVE = "active"
    RENAMED = "renamed"
    ACQUIRED = "acquired"
    SHUT_DOWN = "shut_down"


# Statuses a visitor may see; pending and hidden tools answer 404.
PUBLIC_STATUSES = (ToolStatus.PUBLISHED.value, ToolStatus.DEAD_LINK.value)


class Category(Timestamped, Base):
    __tablename__ = "category"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"), index=True)
    icon: Mapped[str] = mapped_column(String(16), default="")
    position: Mapped[int] = mapped_column(default=0)
    name_zh: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))
    description_zh: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")

    parent: Mapped[Category | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Category]] = relationship(
        back_populates="parent", order_by="Category.position"
    )

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_zh

    def description(self, lang: str) -> str:
        return self.description_en if lang == "en" else self.description_zh


tool_tag = Table(
    "tool_tag",
    Base.metadata,
    Column("tool_id", ForeignKey("tool.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Tag(Base):
    __tablename__ = "tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name_zh: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_zh


class Platform(Base):
    """A marketplace or site; a mode (Temu fully-managed) is a platform in a family."""

    __tablename__ = "platform"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name_zh: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))
    family_id: Mapped[int | None] = mapped_column(ForeignKey("platform.id"), index=True)
    mode: Mapped[str | None] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(default=0)

    family: Mapped[Platform | None] = relationship(remote_side=[id])

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_zh


class Market(Base):
    __tablename__ = "market"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(default=0)

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_zh


class ToolPlatform(Base):
    """A tool serves a platform, in one market or (market empty) in all of them."""

    __tablename__ = "tool_platform"

    id: Mapped[int] = mapped_column(primary_key=True)
    tool_id: Mapped[int] = mapped_column(ForeignKey("tool.id", ondelete="CASCADE"))
    platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id"), index=True)
    market_id: Mapped[int | None] = mapped_column(ForeignKey("market.id"), index=True)

    platform: Mapped[Platform] = relationship()
    market: Mapped[Market | None] = relationship()


# NULL never equals NULL in a unique constraint, so "all markets" is folded to 0
# for uniqueness; an expression index works on both SQLite and PostgreSQL.
Index(
    "uq_tool_platform_tool_platform_market",
    ToolPlatform.tool_id,
    ToolPlatform.platform_id,
    func.coalesce(ToolPlatform.market_id, 0),
    unique=True,
)


class Tool(Timestamped, Base):
    __tablename__ = "tool"
    __table_args__ = (
        CheckConstraint("pricing IN ('free', 'freemium', 'free_trial', 'paid')", name="pricing"),
        CheckConstraint("status IN ('published', 'pending', 'hidden', 'dead_link')", name="status"),
        CheckConstraint(
            "lifecycle IN ('active', 'renamed', 'acquired', 'shut_down')", name="lifecycle"
        ),
        CheckConstraint("url LIKE 'http://%' OR url LIKE 'https://%'", name="url_scheme"),
        Index("ix_tool_status_category", "status", "category_id"),
        Index("ix_tool_status_clicks", "status", "click_count"),
        Index("ix_tool_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str | None] = mapped_column(String(120))
    # Other names sellers use, searched like the name: [{"name": ..., "source": URL or None}].
    # A spelling variant needs no source; an old name, another brand or a translation carries one.
    aliases: Mapped[list] = mapped_column(JSON, default=list)
    # Sort keys for the name each language shows: pinyin for Chinese, lower-case otherwise.
    name_sort: Mapped[str] = mapped_column(String(400), index=True)
    name_sort_en: Mapped[str] = mapped_column(String(400), index=True)
    url: Mapped[str] = mapped_column(String(500))
    url_normalized: Mapped[str] = mapped_column(String(500), unique=True)
    logo_path: Mapped[str | None] = mapped_column(String(200))
    tagline_zh: Mapped[str] = mapped_column(String(200))
    tagline_en: Mapped[str] = mapped_column(String(200))
    description_zh: Mapped[str] = mapped_column(Text)
    description_en: Mapped[str] = mapped_column(Text)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"))

    pricing: Mapped[str] = mapped_column(String(20), default=Pricing.PAID.value)
    price_note_zh: Mapped[str | None] = mapped_column(String(200))
    price_note_en: Mapped[str | None] = mapped_column(String(200))
    price_from_cny: Mapped[float | None] = mapped_column(Numeric(10, 2))
    price_from_usd: Mapped[float | None] = mapped_column(Numeric(10, 2))
    trial_days: Mapped[int | None]
    # Empty until staff check the pricing facts; stale facts are flagged from this.
    pricing_verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The staff member who last checked them (kept pointing at the stub after erasure).
    pricing_verified_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    # Facts Chinese sellers filter on; None means "not known", which is not "no".
    china_direct: Mapped[bool | None] = mapped_column(Boolean)
    cn_payment: Mapped[bool | None] = mapped_column(Boolean)
    cn_invoice: Mapped[bool | None] = mapped_column(Boolean)
    chinese_support: Mapped[bool | None] = mapped_column(Boolean)
    free_plan: Mapped[bool | None] = mapped_column(Boolean)

    status: Mapped[str] = mapped_column(String(20), default=ToolStatus.PUBLISHED.value)
    lifecycle: Mapped[str] = mapped_column(String(20), default=Lifecycle.ACTIVE.value)
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("tool.id"))

    # The certified enterprise account whose claim staff approved: the tool shows "claimed by the vendor".
    vendor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    vendor_since: Mapped[datetime | None] = mapped_column(UtcDateTime)

    click_count: Mapped[int] = mapped_column(default=0)
    favorite_count: Mapped[int] = mapped_column(default=0)
    rating_count: Mapped[int] = mapped_column(default=0)
    rating_avg: Mapped[float] = mapped_column(Float, default=0.0)
    is_synthetic: Mapped[bool] = mapped_column(default=False, index=True)

    # Lazy loads raise: a page says what it loads, so an N+1 cannot slip into a list.
    category: Mapped[Category] = relationship(lazy="raise")
    successor: Mapped[Tool | None] = relationship(remote_side=[id], lazy="raise")
    tags: Mapped[list[Tag]] = relationship(secondary=tool_tag, order_by=Tag.slug, lazy="raise")
    platform_links: Mapped[list[ToolPlatform]] = relationship(
        cascade="all, delete-orphan", order_by=ToolPlatform.id, lazy="raise"
    )

    def display_name(self, lang: str) -> str:
        return self.name_en if lang == "en" and self.name_en else self.name

    def tagline(self, lang: str) -> str:
        return self.tagline_en if lang == "en" else self.tagline_zh

    def description(self, lang: str) -> str:
        return self.description_en if lang == "en" else self.description_zh

    def price_note(self, lang: str) -> str | None:
        return self.price_note_en if lang == "en" else self.price_note_zh

    @property
    def is_gone(self) -> bool:
        """A tool whose link should not be followed blindly."""
        return self.status == ToolStatus.DEAD_LINK.value or self.lifecycle == Lifecycle.SHUT_DOWN.value


class ToolClickDay(Base):
    """Outbound clicks per tool per day (UTC), for "hot this week" and staff charts."""

    __tablename__ = "tool_click_day"

    tool_id: Mapped[int] = mapped_column(ForeignKey("tool.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    clicks: Mapped[int] = mapped_column(default=0)


class RecentClick(Base):
    """Who clicked a tool lately, as a keyed hash of IP and browser, to drop repeats.

    The raw IP is never stored here; rows older than the repeat window are pruned.
    """

    __tablename__ = "recent_click"

    visitor_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    tool_id: Mapped[int] = mapped_column(ForeignKey("tool.id", ondelete="CASCADE"), primary_key=True)
    clicked_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class ToolSlugRedirect(Base):
    """An old tool address that still works: after a merge or a slug change it redirects (301)."""

    __tablename__ = "tool_slug_redirect"

    old_slug: Mapped[str] = mapped_column(String(120), primary_key=True)
    tool_id: Mapped[int] = mapped_column(ForeignKey("tool.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class LinkOutcome(enum.StrEnum):
    LIVE = "live"
    DEAD = "dead"  # failed every retry: connection refused, DNS gone, 404/410/5xx
    CHANGED = "changed"  # answers, but at a different final address than the stored URL
    UNKNOWN = "unknown"  # an anti-bot wall (403/503 from a Cloudflare-like server), a refused address


class LinkCheck(Base):
    """One check of a tool's URL by `flask check-links`; the history of a link is its rows.

    Dead and changed results wait in the staff queue until someone decides; the checker
    itself never changes a tool's published state.
    """

    __tablename__ = "link_check"
    __table_args__ = (
        CheckConstraint("outcome IN ('live', 'dead', 'changed', 'unknown')", name="outcome"),
        Index("ix_link_check_tool_checked", "tool_id", "checked_at"),
        Index("ix_link_check_open", "outcome", "reviewed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tool_id: Mapped[int] = mapped_column(ForeignKey("tool.id", ondelete="CASCADE"))
    checked_at: Mapped[datetime] = mapped_column(UtcDateTime)
    outcome: Mapped[str] = mapped_column(String(10))
    status_code: Mapped[int | None]
    final_url: Mapped[str | None] = mapped_column(String(500))
    detail: Mapped[str] = mapped_column(String(200), default="")  # why: "timeout", "HTTP 404", "cloudflare"
    attempts: Mapped[int] = mapped_column(default=1)
    elapsed_ms: Mapped[int | None]
    # Staff decision on a dead or changed result: mark_dead, update_url, keep (a false alarm).
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    decision: Mapped[str | None] = mapped_column(String(20))
