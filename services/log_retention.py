"""Log retention: after LOG_RETENTION_DAYS the access and security logs forget who and where.

What stays is what happened and when (path, status, kind of event, method), so
staff keep counts and trends; the address, the browser of a security event and
the user id go. A security event's user id is nulled rather than the row deleted:
the privacy policy promises anonymisation, both logs then follow one rule, and the
user's own sign-in history (settings.security) shows exactly the retention period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from extensions import db
from models import AccessRecord, SecurityEvent


@dataclass(frozen=True)
class AnonymisedCounts:
    access_records: int
    security_events: int


def anonymise_logs(now: datetime, retention_days: int, *, batch_size: int = 1000) -> AnonymisedCounts:
    """Anonymise every access record and security event created before ``now - retention_days``."""
    cutoff = now - timedelta(days=retention_days)
    access = _in_batches(
        AccessRecord,
        (AccessRecord.created_at < cutoff, or_(AccessRecord.ip.is_not(None), AccessRecord.user_id.is_not(None))),
        {"ip": None, "user_id": None},
        batch_size,
    )
    security = _in_batches(
        SecurityEvent,
        (
            SecurityEvent.created_at < cutoff,
            or_(SecurityEvent.ip != "", SecurityEvent.user_agent != "", SecurityEvent.user_id.is_not(None)),
        ),
        {"ip": "", "user_agent": "", "user_id": None},
        batch_size,
    )
    return AnonymisedCounts(access, security)


def _in_batches(model, conditions: tuple, values: dict, batch_size: int) -> int:
    """Update matching rows ``batch_size`` at a time, committing each batch; returns how many."""
    # Short transactions: a daily run over months of records never holds locks for long.
    total = 0
    while True:
        ids = list(db.session.scalars(select(model.id).where(*conditions).order_by(model.id).limit(batch_size)))
        if not ids:
            return total
        db.session.execute(update(model).where(model.id.in_(ids)).values(**values))
        db.session.commit()
        total += len(ids)
