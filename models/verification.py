"""SMS verification codes, kept only as an HMAC."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UtcDateTime
from services import clock


class SmsCode(Base):
    """One code sent to one phone for one purpose; every send is a row (caps count them)."""

    __tablename__ = "sms_code"
    __table_args__ = (
        Index("ix_sms_code_phone_purpose_created", "phone", "purpose", "created_at"),
        Index("ix_sms_code_ip_created", "ip", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20))
    purpose: Mapped[str] = mapped_column(String(20))  # register, sign_in, reset, verify, change_phone, confirm
    code_hmac: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now, index=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    consumed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Who asked, when signed in (changing a phone); the code only works for them.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
