"""Separation of duties: nobody decides on their own content or request, in any staff queue.

Each queue item names the people it belongs to: who wrote the review or reply, who asked for the certification,
the claim, the submission, the suggestion, the ticket or appeal, the deletion; for a report, the reporter and the
author of the review it is about. A staff member among them may see the item but not decide it — the decision
route refuses (blueprints/moderation/separation.py) and the queue shows a note in place of the buttons — so it
waits for another staff member.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from extensions import db
from models import (
    DeletionRequest,
    EditSuggestion,
    EnterpriseCertification,
    Rating,
    Report,
    Ticket,
    Tool,
    ToolClaim,
    ToolSubmission,
    VendorReply,
)


def _column(model, *columns) -> Callable[[int], set[int]]:
    def people(item_id: int) -> set[int]:
        row = db.session.execute(select(*(getattr(model, name) for name in columns))
                                 .where(model.id == item_id)).first()
        return {value for value in (row or ()) if value is not None}

    return people


def _report_people(report_id: int) -> set[int]:
    row = db.session.execute(
        select(Report.reporter_id, Rating.user_id).outerjoin(Rating, Rating.id == Report.rating_id)
        .where(Report.id == report_id)
    ).first()
    return {value for value in (row or ()) if value is not None}


# One entry per kind of decision; a new queue adds its kind here.
PEOPLE: dict[str, Callable[[int], set[int]]] = {
    "review": _column(Rating, "user_id"),
    "report": _report_people,
    "certification": _column(EnterpriseCertification, "user_id"),
    "claim": _column(ToolClaim, "user_id"),
    "vendor": _column(Tool, "vendor_id"),
    "vendor_reply": _column(VendorReply, "author_id"),
    "suggestion": _column(EditSuggestion, "user_id"),
    "submission": _column(ToolSubmission, "user_id"),
    "ticket": _column(Ticket, "user_id"),
    "deletion": _column(DeletionRequest, "user_id"),
}


def is_own(kind: str, item_id: int, staff_id: int) -> bool:
    """Whether the item of this kind belongs to ``staff_id`` (then someone else decides it)."""
    return staff_id in PEOPLE[kind](item_id)
