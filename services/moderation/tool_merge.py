"""Merging a duplicate tool into the one that stays (the survivor).

Everything people did with the duplicate follows it: favorites, ratings with their
reviews, helpful votes and reports, collection items, clicks, browsing history, and the
submission, suggestions, claims and vendor it had (the survivor keeps its own vendor). The
duplicate is then deleted and its address redirects (301) to the survivor for good.

Where a user had both tools, one row is kept: one favorite, one collection entry, the
later view, and the SURVIVOR's rating (the rating of the tool that stays, which the
user wrote about that tool; the duplicate's rating goes with its helpful votes and
review reports). Counters are recomputed from the rows, never added up blindly, except
clicks, whose per-day rows are merged by day and whose total is summed.

``FATES`` names every foreign key that points at ``tool.id`` and what a merge does with
it; a test fails when a table with such a key is added without deciding.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, exists, func, select, text, update
from sqlalchemy.orm import aliased

from extensions import db
from models import (
    CollectionItem,
    EditSuggestion,
    Favorite,
    Rating,
    Report,
    SearchWordProposal,
    Tool,
    ToolClaim,
    ToolClickDay,
    ToolSlugRedirect,
    ToolSubmission,
    ToolView,
)
from services import audit, clock, ratings
from services.images import delete_upload
from services.search import sync_tools
from services.search.index import forget_tools


@dataclass(frozen=True)
class Fate:
    action: str  # "move" (rows now point at the survivor) or "drop" (rows go with the duplicate)
    why: str


FATES: dict[tuple[str, str], Fate] = {
    ("favorite", "tool_id"): Fate("move", "users keep their favorites; one row where a user had both"),
    ("rating", "tool_id"): Fate("move", "ratings and reviews stay; where a user rated both, the survivor's is kept"),
    ("collection_item", "tool_id"): Fate("move", "collections keep the tool; one entry where a collection had both"),
    ("tool_click_day", "tool_id"): Fate("move", "click history is merged day by day, so charts and hot lists add up"),
    ("report", "tool_id"): Fate("move", "open reports still need a decision, now about the survivor"),
    ("tool_view", "tool_id"): Fate("move", "browsing history keeps the tool; the later view where a user saw both"),
    ("tool_slug_redirect", "tool_id"): Fate("move", "older addresses of the duplicate redirect to the survivor"),
    ("tool", "successor_id"): Fate("move", "tools that named the duplicate as successor name the survivor"),
    ("tool_submission", "tool_id"): Fate("move", "the submitter's 'my submissions' link leads to the tool that stays"),
    ("edit_suggestion", "tool_id"): Fate("move", "open suggestions still need a decision, against the survivor"),
    ("tool_claim", "tool_id"): Fate("move", "a vendor's claim follows the listing; pending ones wait as before"),
    ("search_word_proposal", "tool_id"): Fate("move", "a proposed alias is for the listing that stays"),
    ("recent_click", "tool_id"): Fate("drop", "an hour-long repeat-click filter of keyed hashes, not history"),
    ("link_check", "tool_id"): Fate("drop", "checks of the duplicate's URL, which goes with it"),
    ("tool_platform", "tool_id"): Fate("drop", "the duplicate's facts; the survivor's own facts are the editor's call"),
    ("tool_tag", "tool_id"): Fate("drop", "the duplicate's tags; the survivor keeps its own"),
    ("tool_search", "tool_id"): Fate("drop", "search rows: forgotten for the duplicate, rebuilt for the survivor"),
    ("tool_search_name", "tool_id"): Fate("drop", "search rows: forgotten for the duplicate, rebuilt for the survivor"),
}


class MergeError(ValueError):
    """A merge that cannot be done; ``code`` is same_tool, missing_source or missing_survivor."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class MergePreview:
    """What a merge would move, for the confirmation page (and the audit entry)."""

    favorites: int
    favorites_shared: int  # users who collected both: their duplicate favorite is dropped
    ratings: int
    ratings_shared: int  # users who rated both: the duplicate's rating is dropped
    collection_items: int
    collection_items_shared: int
    clicks: int
    reports: int
    views: int
    redirects: int
    successor_of: int

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _also_has_survivor(model, owner: str, survivor_id: int):
    """A row of ``model`` whose owner (``user_id``, ``collection_id``) also has a row for the survivor."""
    other = aliased(model)
    return exists().where(getattr(other, owner) == getattr(model, owner), other.tool_id == survivor_id)


def _rows(model, source_id: int, *conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(model.tool_id == source_id,
                                                                           *conditions)) or 0


def merge_preview(source_id: int, survivor_id: int) -> MergePreview:
    """Counts of what moves and what is folded together (a dozen COUNTs)."""
    return MergePreview(
        favorites=_rows(Favorite, source_id),
        favorites_shared=_rows(Favorite, source_id, _also_has_survivor(Favorite, "user_id", survivor_id)),
        ratings=_rows(Rating, source_id),
        ratings_shared=_rows(Rating, source_id, _also_has_survivor(Rating, "user_id", survivor_id)),
        collection_items=_rows(CollectionItem, source_id),
        collection_items_shared=_rows(CollectionItem, source_id,
                                      _also_has_survivor(CollectionItem, "collection_id", survivor_id)),
        clicks=db.session.scalar(select(Tool.click_count).where(Tool.id == source_id)) or 0,
        reports=_rows(Report, source_id),
        views=_rows(ToolView, source_id),
        redirects=_rows(ToolSlugRedirect, source_id),
        successor_of=db.session.scalar(select(func.count()).select_from(Tool).where(
            Tool.successor_id == source_id, Tool.id != survivor_id)) or 0,
    )


def _lock_tools(source_id: int, survivor_id: int) -> None:
    """Lock both tool rows in id order (as ratings writers do), so no rating or favorite slips in between."""
    for tool_id, missing in sorted([(source_id, "missing_source"), (survivor_id, "missing_survivor")]):
        locked = db.session.execute(text("UPDATE tool SET id = id WHERE id = :id"), {"id": tool_id}).rowcount
        if not locked:
            raise MergeError(missing)


def _fold_pairs(model, owner: str, source_id: int, survivor_id: int) -> None:
    """Drop the duplicate's row where its owner also has the survivor, then move the rest."""
    db.session.execute(delete(model).where(model.tool_id == source_id,
                                           _also_has_survivor(model, owner, survivor_id)))
    db.session.execute(update(model).where(model.tool_id == source_id).values(tool_id=survivor_id))


def _merge_click_days(source_id: int, survivor_id: int) -> None:
    """Add the duplicate's clicks of a day to the survivor's row of that day, or move the row."""
    theirs = aliased(ToolClickDay)
    same_day = select(theirs.clicks).where(theirs.tool_id == source_id, theirs.day == ToolClickDay.day)
    db.session.execute(
        update(ToolClickDay)
        .where(ToolClickDay.tool_id == survivor_id, exists(same_day))
        .values(clicks=ToolClickDay.clicks + same_day.scalar_subquery())
    )
    ours = aliased(ToolClickDay)
    db.session.execute(delete(ToolClickDay).where(
        ToolClickDay.tool_id == source_id,
        exists().where(ours.tool_id == survivor_id, ours.day == ToolClickDay.day),
    ))
    db.session.execute(update(ToolClickDay).where(ToolClickDay.tool_id == source_id).values(tool_id=survivor_id))


def _merge_views(source_id: int, survivor_id: int) -> None:
    """Browsing history: where a user saw both, the survivor's row takes the later time."""
    theirs = aliased(ToolView)
    later = select(theirs.viewed_at).where(theirs.tool_id == source_id, theirs.user_id == ToolView.user_id,
                                           theirs.viewed_at > ToolView.viewed_at)
    db.session.execute(
        update(ToolView)
        .where(ToolView.tool_id == survivor_id, exists(later))
        .values(viewed_at=later.scalar_subquery())
    )
    _fold_pairs(ToolView, "user_id", source_id, survivor_id)


def _repoint_addresses(source_id: int, source_slug: str, survivor_id: int) -> None:
    """The duplicate's address and its older ones redirect to the survivor; successors follow."""
    db.session.execute(update(Tool).where(Tool.id == survivor_id, Tool.successor_id == source_id)
                       .values(successor_id=None))  # the survivor cannot succeed itself
    db.session.execute(update(Tool).where(Tool.successor_id == source_id).values(successor_id=survivor_id))
    db.session.execute(update(ToolSlugRedirect).where(ToolSlugRedirect.tool_id == source_id)
                       .values(tool_id=survivor_id))
    db.session.execute(delete(ToolSlugRedirect).where(ToolSlugRedirect.old_slug == source_slug))
    db.session.add(ToolSlugRedirect(old_slug=source_slug, tool_id=survivor_id, created_at=clock.now()))


def merge_tools(source_id: int, survivor_id: int, *, actor_id: int, reason: str, upload_dir: str) -> MergePreview:
    """Merge the duplicate into the survivor in one transaction; returns what was moved.

    The survivor's favorite count is recounted from its rows and its rating aggregates are
    recomputed by ``ratings`` (which also bumps the catalog version and commits).
    """
    if source_id == survivor_id:
        raise MergeError("same_tool")
    try:
        _lock_tools(source_id, survivor_id)
        source_slug, source_name, source_logo, source_clicks = db.session.execute(
            select(Tool.slug, Tool.name, Tool.logo_path, Tool.click_count).where(Tool.id == source_id)
        ).one()
        survivor_slug = db.session.scalar(select(Tool.slug).where(Tool.id == survivor_id))
        moved = merge_preview(source_id, survivor_id)

        _fold_pairs(Favorite, "user_id", source_id, survivor_id)
        # Dropping a duplicate rating takes its helpful votes and review reports with it (ON DELETE CASCADE).
        db.session.execute(delete(Rating).where(Rating.tool_id == source_id,
                                                _also_has_survivor(Rating, "user_id", survivor_id)))
        db.session.execute(update(Rating).where(Rating.tool_id == source_id)
                           .values(tool_id=survivor_id, updated_at=Rating.updated_at))  # not the author's edit
        for model in (Report, ToolSubmission, EditSuggestion, ToolClaim, SearchWordProposal):
            db.session.execute(update(model).where(model.tool_id == source_id).values(tool_id=survivor_id))
        _fold_pairs(CollectionItem, "collection_id", source_id, survivor_id)
        _merge_click_days(source_id, survivor_id)
        _merge_views(source_id, survivor_id)
        _repoint_addresses(source_id, source_slug, survivor_id)
        source_vendor = db.session.execute(
            select(Tool.vendor_id, Tool.vendor_since).where(Tool.id == source_id)).one()
        db.session.execute(update(Tool).where(Tool.id == survivor_id, Tool.vendor_id.is_(None)).values(
            vendor_id=source_vendor.vendor_id, vendor_since=source_vendor.vendor_since))  # the claim follows too
        db.session.execute(update(Tool).where(Tool.id == survivor_id).values(
            click_count=Tool.click_count + source_clicks,
            favorite_count=select(func.count()).where(Favorite.tool_id == survivor_id).scalar_subquery(),
        ))
        forget_tools([source_id])
        # The remaining rows (platforms, tags, link checks, recent clicks) go by ON DELETE CASCADE.
        db.session.execute(delete(Tool).where(Tool.id == source_id))
        audit.record(actor_id=actor_id, action="tool.merge", target_type="tool", target_id=source_id,
                     before={"slug": source_slug, "name": source_name, **moved.as_dict()},
                     after={"survivor_id": survivor_id, "survivor_slug": survivor_slug}, reason=reason)
        sync_tools([survivor_id])
    except BaseException:
        db.session.rollback()
        raise
    ratings.recompute_tool_rating(survivor_id)  # same transaction: recomputes, bumps the version, commits
    delete_upload(upload_dir, source_logo)
    return moved
