"""Users, their signed-in sessions, WeChat identities, and the security log."""

from __future__ import annotations

import enum
import unicodedata
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from models.base import Base, UtcDateTime
from services import clock


class Role(enum.StrEnum):
    USER = "user"
    MODERATOR = "moderator"
    ADMIN = "admin"


class UserStatus(enum.StrEnum):
    ACTIVE = "active"
    BANNED = "banned"
    PENDING_DELETION = "pending_deletion"
    DELETED = "deleted"  # erased: the row stays only so reviews can say "deleted user"


def account_name_key(name: str | None) -> str | None:
    """The key an account name is unique as: NFKC-normalised and case-folded (None for no name).

    SQLite's NOCASE folds only ASCII and PostgreSQL folds nothing, so the key is stored and constrained.
    """
    if name is None:
        return None
    return unicodedata.normalize("NFKC", name).strip().casefold() or None


class User(UserMixin, Base):
    """An account. Public pages show only ``display_name``.

    Flask-Login's id for a signed-in user is the id of the session row they
    signed in with (``current_session_id``), not the account id.
    """

    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint("role IN ('user', 'moderator', 'admin')", name="role"),
        CheckConstraint("status IN ('active', 'banned', 'pending_deletion', 'deleted')", name="status"),
        CheckConstraint("security_notice_channel IN ('sms', 'email')", name="security_notice_channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Fixed once set; a WeChat-created account has none until it sets a password. Never shown to others.
    account_name: Mapped[str | None] = mapped_column(String(32), unique=True)
    # The name NFKC-normalised and case-folded, kept by ``_keep_account_name_key``: what is unique.
    account_name_key: Mapped[str | None] = mapped_column(String(32), unique=True, index=True)
    display_name: Mapped[str] = mapped_column(String(40))
    avatar_path: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)  # E.164
    phone_verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    email: Mapped[str | None] = mapped_column(String(254))
    email_verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Where security notices go besides the inbox; email only once the address is verified.
    security_notice_channel: Mapped[str] = mapped_column(String(10), default="sms", server_default="sms")
    # Set when staff approve an enterprise certification: the badge beside the display name.
    certified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    password_changed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Set by staff for a compromised account: the next sign-in must choose a new password.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    role: Mapped[str] = mapped_column(String(20), default=Role.USER.value)
    status: Mapped[str] = mapped_column(String(20), default=UserStatus.ACTIVE.value)
    ban_reason: Mapped[str | None] = mapped_column(Text)
    terms_version: Mapped[str | None] = mapped_column(String(20))
    terms_accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    last_seen_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    wechat_identities: Mapped[list[WechatIdentity]] = relationship(back_populates="user", lazy="raise")

    @validates("account_name")
    def _keep_account_name_key(self, _key: str, name: str | None) -> str | None:
        self.account_name_key = account_name_key(name)
        return name

    current_session_id = None  # set when loaded for a request (str); not a column
    current_session_proved_at = None  # when that session last proved the holder (datetime); not a column

    def get_id(self) -> str | None:
        return self.current_session_id

    @property
    def is_phone_verified(self) -> bool:
        return self.phone is not None and self.phone_verified_at is not None

    @property
    def is_banned(self) -> bool:
        return self.status == UserStatus.BANNED.value

    @property
    def is_email_verified(self) -> bool:
        return self.email is not None and self.email_verified_at is not None

    @property
    def is_certified(self) -> bool:
        return self.certified_at is not None

    @property
    def is_deleted(self) -> bool:
        return self.status == UserStatus.DELETED.value

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.MODERATOR.value, Role.ADMIN.value)


class UserSession(Base):
    """One signed-in browser. The signed cookie holds only this row's random id."""

    __tablename__ = "user_session"
    __table_args__ = (Index("ix_user_session_user_active", "user_id", "revoked_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(400), default="")
    method: Mapped[str] = mapped_column(String(20))  # password, sms, wechat, register
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # When this session last proved it is the account holder (signing in, or confirming since):
    # changes that could take the account over need it recent (services/recent_auth.py).
    proved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)


class SecurityEvent(Base):
    """The security log: sign-ins, failures, verification and binding events."""

    __tablename__ = "security_event"
    __table_args__ = (Index("ix_security_event_user_created", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    method: Mapped[str | None] = mapped_column(String(20))
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(400), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now, index=True)


class SignInFailure(Base):
    """A refused sign-in, kept an hour: what the back-off and the per-account challenge count.

    ``account_key`` is a keyed hash of the account the login resolved to (or of the normalised
    login when none did), ``client_key`` one of the device cookie or else the IP address: enough to
    count, nothing to read back (services/sign_in_guard.py).
    """

    __tablename__ = "sign_in_failure"
    __table_args__ = (Index("ix_sign_in_failure_account_created", "account_key", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    method: Mapped[str] = mapped_column(String(10))  # password or sms: each has its own counts
    account_key: Mapped[str] = mapped_column(String(64))
    client_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)


class KnownBrowser(Base):
    """Browsers a user has signed in from, as a keyed hash, to notice a new one."""

    __tablename__ = "known_browser"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    browser_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    first_seen_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)


class WechatIdentity(Base):
    """A WeChat identity bound to an account: (app id, openid), and unionid when WeChat gives one."""

    __tablename__ = "wechat_identity"
    __table_args__ = (Index("uq_wechat_identity_app_openid", "app_id", "openid", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    app_id: Mapped[str] = mapped_column(String(64))
    openid: Mapped[str] = mapped_column(String(128))
    unionid: Mapped[str | None] = mapped_column(String(128), index=True)
    nickname: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)

    user: Mapped[User] = relationship(back_populates="wechat_identities", lazy="raise")
