"""Ratings and reviews, helpful votes, and the tool aggregates that stay exact under concurrency.

A rating counts towards its tool's ``rating_count``/``rating_avg`` (and the
histogram) only while its review state is visible AND its author is not
banned. The two are separate on purpose: banning hides an author's ratings
without touching their moderation state, so unbanning restores exactly what
staff had not hidden.

Every write that can move the aggregates follows one order in one transaction:
lock (author row where needed, then tool rows in id order), write, recompute
with one UPDATE, bump the catalog version (anonymous pages are cached whole),
commit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, delete, func, or_, select, text, update

from extensions import db
from models import HelpfulVote, Rating, ReviewState, Tool, User, UserStatus
from models.catalog import PUBLIC_STATUSES
from services import clock
from services.catalog_version import bump_catalog_version
from services.upsert import insert_on_conflict

REVIEW_MAX_LENGTH = 2000
STARS = (5, 4, 3, 2, 1)


class InvalidRating(ValueError):
    """Stars outside 1–5 or a review too long; views validate first, this is the last guard."""


class NotAllowed(PermissionError):
    """The user may not do this: not their rating, their own review, banned or unverified."""


class NotFound(LookupError):
    """No such tool or rating (or one the user cannot see)."""


# What makes a rating count: the review's own state, and its author's standing.
counted = and_(Rating.state == ReviewState.VISIBLE.value, User.status != UserStatus.BANNED.value)


def clean_review(text_in: str | None) -> str:
    """Plain text as stored: browser line endings folded to ``\\n``, outer whitespace stripped."""
    return (text_in or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def is_new_account(user: User) -> bool:
    """Younger than REVIEW_HOLD_ACCOUNT_AGE_DAYS: such accounts' reviews wait for a moderator."""
    days = current_app.config.get("REVIEW_HOLD_ACCOUNT_AGE_DAYS", 3)
    return clock.now() - user.created_at < timedelta(days=days)


def _lock_author(user_id: int) -> str:
    """Lock the author's row and return their current status.

    Taken before the tool lock by every write that adds a rating, and by a ban:
    a ban then either sees the new rating in its list of tools to recompute, or
    the rating is written after the ban committed, by a now-banned author.
    """
    status = db.session.execute(
        text("UPDATE user_account SET id = id WHERE id = :id RETURNING status"), {"id": user_id}
    ).scalar_one_or_none()
    if status is None:
        raise NotFound("no such user")
    return status


def _lock_tool(tool_id: int) -> None:
    """Lock the tool row before touching its ratings.

    Why first: the recompute reads the rating table. On PostgreSQL (READ
    COMMITTED) a writer that only locked the tool at the final UPDATE would
    wait for a concurrent writer and then apply a count computed from a
    snapshot that missed that writer's rating. Locking first makes writers of
    one tool queue up before they read anything, so each recompute sees every
    committed rating. On SQLite the no-op UPDATE takes the database write lock
    as the transaction's first statement, so no stale read snapshot ever has
    to be upgraded (which SQLite refuses with SQLITE_BUSY, busy timeout or not).
    A raw statement so the tool's ``updated_at`` (onupdate) is not touched.
    """
    locked = db.session.execute(text("UPDATE tool SET id = id WHERE id = :id"), {"id": tool_id}).rowcount
    if not locked:
        raise NotFound("no such tool")


def _recompute(tool_id: int) -> None:
    """Count and average of counted ratings, written with ONE UPDATE of subqueries (caller holds the lock)."""
    over = (
        select(Rating.stars)
        .join(User, User.id == Rating.user_id)
        .where(Rating.tool_id == tool_id, counted)
        .subquery()
    )
    db.session.execute(
        update(Tool)
        .where(Tool.id == tool_id)
        .values(
            rating_count=select(func.count()).select_from(over).scalar_subquery(),
            rating_avg=select(func.coalesce(func.avg(over.c.stars), 0.0)).scalar_subquery(),
            # A rating is not an edit of the tool: its updated_at (sitemap lastmod) stays.
            updated_at=Tool.updated_at,
        )
    )


@contextmanager
def _writing() -> Iterator[None]:
    """Roll back on any refusal or error, so no lock outlives a failed write."""
    try:
        yield
    except BaseException:
        db.session.rollback()
        raise


def _finish(tool_ids: list[int]) -> None:
    """Recompute the locked tools, invalidate cached pages, commit: the last steps of every write."""
    for tool_id in tool_ids:
        _recompute(tool_id)
    bump_catalog_version()
    db.session.commit()


def recompute_tool_rating(tool_id: int) -> None:
    """Recompute one tool's aggregates from scratch, in its own locked transaction."""
    with _writing():
        _lock_tool(tool_id)
        _finish([tool_id])


def _check_input(stars, review: str) -> None:
    if not isinstance(stars, int) or isinstance(stars, bool) or not 1 <= stars <= 5:
        raise InvalidRating("stars must be 1 to 5")
    if len(review) > REVIEW_MAX_LENGTH:
        raise InvalidRating(f"review longer than {REVIEW_MAX_LENGTH} characters")


def _state_after_edit(rating: Rating, new_review: str, new_account: bool) -> str:
    """Hidden and held stay so; a visible review held again when a new account changes its text."""
    if rating.state != ReviewState.VISIBLE.value:
        return rating.state
    if new_account and new_review and new_review != rating.review:
        return ReviewState.HELD.value
    return rating.state


def rate_tool(user: User, tool_id: int, stars: int, review_text: str | None) -> Rating:
    """Create or edit the user's one rating of the tool; returns it (committed).

    A new account's rating with review text starts held; a star-only rating is
    visible at once.
    """
    review = clean_review(review_text)
    _check_input(stars, review)
    if not user.is_phone_verified:
        raise NotAllowed("phone not verified")
    with _writing():
        if _lock_author(user.id) == UserStatus.BANNED.value:
            raise NotAllowed("banned")
        _lock_tool(tool_id)
        new_account = is_new_account(user)
        rating = db.session.scalar(
            select(Rating)
            .where(Rating.user_id == user.id, Rating.tool_id == tool_id)
            .execution_options(populate_existing=True)
        )
        if rating is None:
            held = new_account and review
            rating = Rating(user_id=user.id, tool_id=tool_id, stars=stars, review=review,
                            state=ReviewState.HELD.value if held else ReviewState.VISIBLE.value)
            db.session.add(rating)
        else:
            rating.state = _state_after_edit(rating, review, new_account)
            rating.stars = stars
            rating.review = review
        db.session.flush()
        _finish([tool_id])
    return rating


def delete_rating(user: User, rating_id: int) -> int:
    """Delete the user's own rating; returns its tool id. Someone else's (or none): ``NotAllowed``."""
    tool_id = db.session.scalar(select(Rating.tool_id).where(Rating.id == rating_id, Rating.user_id == user.id))
    if tool_id is None:
        raise NotAllowed("not your rating")
    with _writing():
        _lock_tool(tool_id)
        deleted = db.session.execute(
            delete(Rating).where(Rating.id == rating_id, Rating.user_id == user.id)
        ).rowcount
        if not deleted:  # deleted a moment ago, in another request
            raise NotAllowed("not your rating")
        _finish([tool_id])
    return tool_id


def set_review_state(rating_id: int, state: str) -> None:
    """Staff: make a review visible, held or hidden; the tool's aggregates follow in the same transaction.

    The rating's ``updated_at`` stays the author's last edit, not the moderator's decision.
    """
    state = ReviewState(state).value
    tool_id = db.session.scalar(select(Rating.tool_id).where(Rating.id == rating_id))
    if tool_id is None:
        raise NotFound("no such rating")
    with _writing():
        _lock_tool(tool_id)
        db.session.execute(
            update(Rating).where(Rating.id == rating_id).values(state=state, updated_at=Rating.updated_at)
        )
        _finish([tool_id])


def set_author_banned(user_id: int, banned: bool, reason: str | None = None) -> None:
    """Ban or unban a user, recomputing every tool they rated in the same transaction.

    Review states are left alone, so unbanning shows again only what staff had not hidden.
    """
    with _writing():
        _lock_author(user_id)
        db.session.execute(
            update(User)
            .where(User.id == user_id)
            .values(status=UserStatus.BANNED.value if banned else UserStatus.ACTIVE.value,
                    ban_reason=reason if banned else None)
        )
        # Tools in id order: two bans touching the same tools lock them in the same order (no deadlock).
        tool_ids = sorted(set(db.session.scalars(select(Rating.tool_id).where(Rating.user_id == user_id))))
        for tool_id in tool_ids:
            _lock_tool(tool_id)
        _finish(tool_ids)


def tool_rating_summary(tool_id: int) -> dict:
    """Count, average and histogram {5: n, …, 1: n} of the tool's counted ratings, in one GROUP BY."""
    rows = db.session.execute(
        select(Rating.stars, func.count())
        .join(User, User.id == Rating.user_id)
        .where(Rating.tool_id == tool_id, counted)
        .group_by(Rating.stars)
    ).all()
    histogram = dict.fromkeys(STARS, 0)
    for stars, number in rows:
        histogram[int(stars)] = number
    count = sum(histogram.values())
    average = sum(stars * n for stars, n in histogram.items()) / count if count else 0.0
    return {"count": count, "average": average, "histogram": histogram}


@dataclass(frozen=True)
class ReviewView:
    """A review as pages show it: the author's display name only, never account name or phone."""

    id: int
    user_id: int
    author: str
    stars: int
    review: str
    state: str
    helpful_count: int
    created_at: datetime
    updated_at: datetime
    voted: bool
    is_own: bool


def reviews_for_tool(tool_id: int, viewer_id: int | None = None, limit: int = 20) -> list[ReviewView]:
    """Visible reviews with text by authors in good standing, helpful first then newest; one query.

    The viewer's own review is included whatever its state, so they can see it
    waits for moderation. The viewer's helpful votes come from an outer join.
    """
    shown = and_(Rating.state == ReviewState.VISIBLE.value, User.status != UserStatus.BANNED.value)
    statement = select(Rating, User.display_name).join(User, User.id == Rating.user_id)
    if viewer_id is not None:
        shown = or_(shown, Rating.user_id == viewer_id)
        statement = statement.add_columns(HelpfulVote.user_id.is_not(None).label("voted")).outerjoin(
            HelpfulVote, and_(HelpfulVote.rating_id == Rating.id, HelpfulVote.user_id == viewer_id)
        )
    rows = db.session.execute(
        statement.where(Rating.tool_id == tool_id, Rating.review != "", shown)
        .order_by(Rating.helpful_count.desc(), Rating.created_at.desc(), Rating.id.desc())
        .limit(limit)
    ).all()
    return [
        ReviewView(
            id=row.Rating.id, user_id=row.Rating.user_id, author=row.display_name, stars=row.Rating.stars,
            review=row.Rating.review, state=row.Rating.state, helpful_count=row.Rating.helpful_count,
            created_at=row.Rating.created_at, updated_at=row.Rating.updated_at,
            voted=viewer_id is not None and bool(row.voted), is_own=row.Rating.user_id == viewer_id,
        )
        for row in rows
    ]


def rating_of(user_id: int, tool_id: int) -> Rating | None:
    """The user's rating of the tool, if any."""
    return db.session.scalar(select(Rating).where(Rating.user_id == user_id, Rating.tool_id == tool_id))


def _insert_vote(user_id: int, rating_id: int):
    """INSERT … ON CONFLICT DO NOTHING for the current database (both speak it)."""
    statement = insert_on_conflict(HelpfulVote).values(
        user_id=user_id, rating_id=rating_id, created_at=clock.now()
    )
    return statement.on_conflict_do_nothing(index_elements=[HelpfulVote.user_id, HelpfulVote.rating_id])


def votable_rating(rating_id: int) -> Rating | None:
    """A review others may vote on or report: visible, with text, by an author in good standing, on a public tool."""
    return db.session.scalar(
        select(Rating)
        .join(User, User.id == Rating.user_id)
        .join(Tool, Tool.id == Rating.tool_id)
        .where(Rating.id == rating_id, Rating.review != "", counted, Tool.status.in_(PUBLIC_STATUSES))
    )


def toggle_helpful(user: User, rating_id: int) -> tuple[bool, int]:
    """Vote a review helpful, or withdraw the vote; returns (voted now, helpful count).

    The vote row's primary key makes it one per user; the counter moves with an
    atomic UPDATE only when a row was really inserted or deleted, in the same
    transaction, so double clicks and parallel requests keep it exact.
    Helpful counts do not bump the catalog version: anonymous pages may show a
    count up to PAGE_CACHE_SECONDS old rather than every vote emptying the whole page cache.
    """
    rating = votable_rating(rating_id)
    if rating is None:
        raise NotFound("no such review")
    if rating.user_id == user.id:
        raise NotAllowed("own review")
    with _writing():
        inserted = db.session.execute(_insert_vote(user.id, rating_id).returning(HelpfulVote.rating_id)).first()
        if inserted is not None:
            change = 1
        else:
            removed = db.session.execute(
                delete(HelpfulVote)
                .where(HelpfulVote.user_id == user.id, HelpfulVote.rating_id == rating_id)
                .returning(HelpfulVote.rating_id)
            ).first()
            change = -1 if removed is not None else 0
        count = db.session.execute(
            update(Rating)
            .where(Rating.id == rating_id)
            .values(helpful_count=Rating.helpful_count + change, updated_at=Rating.updated_at)
            .returning(Rating.helpful_count)
        ).scalar_one()
        db.session.commit()
    return change > 0, count


@dataclass(frozen=True)
class MyRating:
    """One of my ratings with the tool it rates, for the "my ratings" page."""

    rating: Rating
    tool_slug: str
    tool_name: str
    tool_name_en: str | None

    def tool_display_name(self, lang: str) -> str:
        return self.tool_name_en if lang == "en" and self.tool_name_en else self.tool_name


def my_ratings(user_id: int) -> list[MyRating]:
    """Every rating of the user, newest change first, with its tool's name; one query."""
    rows = db.session.execute(
        select(Rating, Tool.slug, Tool.name, Tool.name_en)
        .join(Tool, Tool.id == Rating.tool_id)
        .where(Rating.user_id == user_id)
        .order_by(Rating.updated_at.desc(), Rating.id.desc())
    ).all()
    return [MyRating(rating, slug, name, name_en) for rating, slug, name, name_en in rows]
