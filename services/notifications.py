"""The in-site inbox: notices to one user, with an unread count for the header."""

from __future__ import annotations

import json

from sqlalchemy import func, select, update

from extensions import db
from models import Notification
from services import clock


def notify(user_id: int, kind: str, **detail) -> None:
    """Queue a notice; the caller commits."""
    db.session.add(Notification(user_id=user_id, kind=kind, detail=json.dumps(detail, ensure_ascii=False)))


def unread_count(user_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Notification).where(
            Notification.user_id == user_id, Notification.read_at.is_(None)
        )
    ) or 0


def inbox(user_id: int, limit: int = 100) -> list[tuple[Notification, dict]]:
    """Newest first, each with its decoded detail."""
    rows = db.session.scalars(
        select(Notification)
        .where(Notification.user_id == user_id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    )
    return [(row, json.loads(row.detail or "{}")) for row in rows]


def mark_all_read(user_id: int) -> None:
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=clock.now())
    )
    db.session.commit()
