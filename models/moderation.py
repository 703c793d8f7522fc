"""Staff work on record: the append-only audit log, and the site settings admins change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UtcDateTime
from services import clock

# The same refusal on SQLite as the PostgreSQL trigger in migration 0006 gives; the test
# fixtures drop and re-create these to empty the table between tests.
SQLITE_APPEND_ONLY_TRIGGERS = {
    "audit_entry_no_update": "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry "
                             "BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only: UPDATE refused'); END",
    "audit_entry_no_delete": "CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry "
                             "BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only: DELETE refused'); END",
}


class AuditEntry(Base):
    """One staff action: who, what, on which target, the before and after of non-personal fields, why.

    Append-only: no route updates or deletes a row, and a trigger refuses UPDATE and
    DELETE, on PostgreSQL and on SQLite alike. Users appear by id only (no foreign
    key), so erasing an account leaves the log intact without it holding anything personal.
    """

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_target", "target_type", "target_id"),
        Index("ix_audit_entry_actor_created", "actor_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(Integer)  # None: the command line
    action: Mapped[str] = mapped_column(String(60), index=True)
    target_type: Mapped[str] = mapped_column(String(30))
    target_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[str] = mapped_column(Text, default="{}")  # JSON of non-personal fields
    after: Mapped[str] = mapped_column(Text, default="{}")
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now, index=True)


class SiteSetting(Base):
    """A site setting admins change at run time (site name, 备案 numbers, contact details, budgets).

    Unset keys fall back to the configuration, so a fresh site needs no rows.
    """

    __tablename__ = "site_setting"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_by_id: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now, onupdate=clock.now)
