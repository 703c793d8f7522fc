"""The staff audit log: append a record of every staff action; nothing here updates or deletes."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import func, select

from extensions import db
from models import AuditEntry
from services import clock


def _json(values: dict | None) -> str:
    return json.dumps(values or {}, ensure_ascii=False, sort_keys=True, default=str)


def record(*, actor_id: int | None, action: str, target_type: str, target_id, before: dict | None = None,
           after: dict | None = None, reason: str = "") -> AuditEntry:
    """Append one entry (the caller commits with the change it describes, so both land or neither).

    ``before`` and ``after`` hold non-personal fields only: states, roles, names of tools, never a
    phone number or an email address.
    """
    entry = AuditEntry(actor_id=actor_id, action=action, target_type=target_type, target_id=str(target_id),
                       before=_json(before), after=_json(after), reason=reason or "", created_at=clock.now())
    db.session.add(entry)
    return entry


@dataclass(frozen=True)
class AuditFilter:
    action: str = ""
    target_type: str = ""
    target_id: str = ""
    actor_id: int | None = None


def entries(filters: AuditFilter, page: int, per_page: int) -> tuple[list[AuditEntry], int]:
    """A page of entries, newest first, and the total matching."""
    query = select(AuditEntry)
    if filters.action:
        query = query.where(AuditEntry.action == filters.action)
    if filters.target_type:
        query = query.where(AuditEntry.target_type == filters.target_type)
    if filters.target_id:
        query = query.where(AuditEntry.target_id == filters.target_id)
    if filters.actor_id is not None:
        query = query.where(AuditEntry.actor_id == filters.actor_id)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(
        query.order_by(AuditEntry.id.desc()).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return list(rows), total or 0


def known_actions() -> list[str]:
    """Every action that has been recorded, for the filter's choices."""
    return list(db.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)))
