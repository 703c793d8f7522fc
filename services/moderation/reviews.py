"""The held-reviews queue: reviews waiting for a moderator, and the decision on each."""

from __future__ import annotations

from sqlalchemy import func, select

from extensions import db
from models import Rating, ReviewState, Tool, User
from services import audit, notifications, ratings

DECISIONS = {"approve": ReviewState.VISIBLE.value, "hide": ReviewState.HIDDEN.value}


class DecisionError(ValueError):
    """A decision that cannot be made (unknown decision, review gone or already decided)."""


def held_count() -> int:
    return db.session.scalar(select(func.count()).where(Rating.state == ReviewState.HELD.value)) or 0


def held_reviews(tool_query: str = "", limit: int = 100) -> list[tuple[Rating, Tool, User]]:
    """Held reviews, oldest first, with their tool and author, optionally filtered by tool name."""
    query = (
        select(Rating, Tool, User)
        .join(Tool, Tool.id == Rating.tool_id)
        .join(User, User.id == Rating.user_id)
        .where(Rating.state == ReviewState.HELD.value)
    )
    if tool_query:
        query = query.where(Tool.name.ilike(f"%{tool_query}%"))
    return list(db.session.execute(query.order_by(Rating.created_at, Rating.id).limit(limit)).all())


def decide_review(rating_id: int, decision: str, *, staff_id: int, reason: str = "") -> Rating:
    """Approve (show) or hide a review; the tool's aggregates, the audit log and the author follow."""
    if decision not in DECISIONS:
        raise DecisionError("unknown decision")
    rating = db.session.get(Rating, rating_id)
    if rating is None:
        raise DecisionError("the review no longer exists")
    before = rating.state
    after = DECISIONS[decision]
    if decision == "hide" and not reason.strip():
        raise DecisionError("a reason is required to hide a review")
    # Audit entry and notice join the session first: set_review_state commits them with the change.
    audit.record(actor_id=staff_id, action=f"review.{decision}", target_type="review", target_id=rating_id,
                 before={"state": before}, after={"state": after, "tool_id": rating.tool_id}, reason=reason)
    if decision == "hide":
        tool_name = db.session.scalar(select(Tool.name).where(Tool.id == rating.tool_id))
        notifications.notify(rating.user_id, "review_hidden", tool=tool_name, reason=reason)
    ratings.set_review_state(rating_id, after)  # recomputes the aggregates, bumps the catalog version, commits
    return rating
