"""Named collections of tools: create, edit, delete, and the ordered items inside them.

Positions are dense and unique (0..n-1) after every change. There is no
unique constraint on them, so every change to a collection's items first
updates the collection row itself (its ``updated_at``): that takes the row's
write lock on PostgreSQL and the database write lock on SQLite, so changes to
one collection queue up instead of interleaving. A double add of the same
tool is refused by the (collection_id, tool_id) primary key and ignored.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, delete, func, select, update

from extensions import db
from models import Collection, CollectionItem, Tool, User, UserStatus
from services import clock
from services.catalog_queries import public_tool
from services.upsert import insert_on_conflict

MAX_COLLECTIONS_PER_USER = 100
MAX_ITEMS_PER_COLLECTION = 200


class CollectionError(Exception):
    """A change to a collection that cannot be made; the view explains it."""


class TooManyCollections(CollectionError):
    pass


class CollectionFull(CollectionError):
    pass


class InvalidOrder(CollectionError):
    """A posted order that is not exactly the collection's tools, each once."""


@dataclass(frozen=True)
class SharedCollection:
    """A collection as its page shows it: the row and its owner's display name (never more)."""

    collection: Collection
    owner_name: str
    is_owner: bool


# Reads -----------------------------------------------------------------------


def user_collections(user_id: int) -> list[tuple[Collection, int]]:
    """The user's collections, newest change first, each with its number of visible tools (one query)."""
    visible_items = (
        select(CollectionItem.collection_id, func.count().label("n"))
        .join(Tool, Tool.id == CollectionItem.tool_id)
        .where(public_tool)
        .group_by(CollectionItem.collection_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Collection, func.coalesce(visible_items.c.n, 0))
        .outerjoin(visible_items, visible_items.c.collection_id == Collection.id)
        .where(Collection.user_id == user_id)
        .order_by(Collection.updated_at.desc(), Collection.id.desc())
    ).all()
    return [(collection, count) for collection, count in rows]


def owned_collection(collection_id: int, user_id: int) -> Collection | None:
    """The collection if this user owns it; someone else's looks exactly like a missing one."""
    return db.session.scalar(
        select(Collection).where(Collection.id == collection_id, Collection.user_id == user_id)
    )


def shared_collection(collection_id: int, viewer_id: int | None) -> SharedCollection | None:
    """The collection as ``viewer_id`` may see it: their own, or a public one of an account in good standing."""
    row = db.session.execute(
        select(Collection, User.display_name, User.status)
        .join(User, User.id == Collection.user_id)
        .where(Collection.id == collection_id)
    ).first()
    if row is None:
        return None
    collection, owner_name, owner_status = row
    is_owner = viewer_id is not None and collection.user_id == viewer_id
    # A banned account's public collections stop being shared, like its other content.
    if not is_owner and (not collection.is_public or owner_status == UserStatus.BANNED.value):
        return None
    return SharedCollection(collection, owner_name, is_owner)


def collection_items(collection_id: int) -> list[tuple[CollectionItem, Tool]]:
    """The collection's public tools in order, with notes (one query; cards use only Tool's columns)."""
    return [
        (item, tool)
        for item, tool in db.session.execute(
            select(CollectionItem, Tool)
            .join(Tool, Tool.id == CollectionItem.tool_id)
            .where(CollectionItem.collection_id == collection_id, public_tool)
            .order_by(CollectionItem.position, CollectionItem.tool_id)
        ).all()
    ]


def collections_holding(user_id: int, tool_id: int) -> set[int]:
    """Which of the user's collections already hold the tool (one query), for the add dialog."""
    return set(db.session.scalars(
        select(CollectionItem.collection_id)
        .join(Collection, Collection.id == CollectionItem.collection_id)
        .where(Collection.user_id == user_id, CollectionItem.tool_id == tool_id)
    ))


def public_tool_by_slug(slug: str) -> Tool | None:
    """A tool a visitor may see, by slug."""
    return db.session.scalar(select(Tool).where(Tool.slug == slug, public_tool))


# Collections -----------------------------------------------------------------


def create_collection(user_id: int, *, name: str, description: str = "", is_public: bool = False) -> Collection:
    """A new, empty collection for the user."""
    # A soft cap against abuse: two creates racing at the limit may pass it by one, which is harmless.
    count = db.session.scalar(select(func.count()).select_from(Collection).where(Collection.user_id == user_id))
    if count >= MAX_COLLECTIONS_PER_USER:
        raise TooManyCollections()
    collection = Collection(user_id=user_id, name=name.strip(), description=description.strip(),
                            is_public=is_public)
    db.session.add(collection)
    db.session.commit()
    return collection


def update_collection(collection: Collection, *, name: str, description: str, is_public: bool) -> None:
    """Rename, describe, publish or make private."""
    collection.name = name.strip()
    collection.description = description.strip()
    collection.is_public = is_public
    db.session.commit()


def delete_collection(collection_id: int) -> None:
    """Delete the collection and its items; favorites are separate rows and stay as they are."""
    db.session.execute(delete(CollectionItem).where(CollectionItem.collection_id == collection_id))
    db.session.execute(delete(Collection).where(Collection.id == collection_id))
    db.session.commit()


# Items -----------------------------------------------------------------------


def _lock(collection_id: int) -> None:
    """Serialize item changes to one collection (see the module docstring)."""
    db.session.execute(
        update(Collection).where(Collection.id == collection_id).values(updated_at=clock.now()),
        execution_options={"synchronize_session": False},
    )


def _ordered_ids(collection_id: int, *, visible_only: bool = False) -> list[int]:
    """Tool ids in their saved order; ``visible_only`` keeps the tools the catalog still shows."""
    statement = (
        select(CollectionItem.tool_id)
        .where(CollectionItem.collection_id == collection_id)
        .order_by(CollectionItem.position, CollectionItem.added_at, CollectionItem.tool_id)
    )
    if visible_only:
        statement = statement.join(Tool, Tool.id == CollectionItem.tool_id).where(public_tool)
    return list(db.session.scalars(statement))


def _write_order(collection_id: int, tool_ids: list[int]) -> None:
    """Positions 0..n-1 in the given order, in one UPDATE."""
    if not tool_ids:
        return
    db.session.execute(
        update(CollectionItem)
        .where(CollectionItem.collection_id == collection_id)
        .values(position=case({tool_id: n for n, tool_id in enumerate(tool_ids)},
                              value=CollectionItem.tool_id, else_=CollectionItem.position)),
        execution_options={"synchronize_session": False},
    )


def _insert_ignoring_duplicates(values: dict):
    """INSERT … ON CONFLICT DO NOTHING, on SQLite and PostgreSQL alike."""
    statement = insert_on_conflict(CollectionItem).values(**values)
    return statement.on_conflict_do_nothing(index_elements=[CollectionItem.collection_id, CollectionItem.tool_id])


def add_tool(collection_id: int, tool_id: int) -> bool:
    """Put the tool last in the collection; False if it was already there (nothing changes)."""
    _lock(collection_id)
    ids = _ordered_ids(collection_id)
    if tool_id in ids:
        db.session.rollback()  # nothing to change, so not even updated_at
        return False
    if len(ids) >= MAX_ITEMS_PER_COLLECTION:
        db.session.rollback()
        raise CollectionFull()
    inserted = db.session.execute(
        _insert_ignoring_duplicates({"collection_id": collection_id, "tool_id": tool_id, "position": len(ids),
                                     "note": "", "added_at": clock.now()}).returning(CollectionItem.tool_id)
    ).first()
    db.session.commit()
    return inserted is not None


def remove_tool(collection_id: int, tool_id: int) -> bool:
    """Take the tool out and close the gap; False if it was not there."""
    _lock(collection_id)
    removed = db.session.execute(
        delete(CollectionItem)
        .where(CollectionItem.collection_id == collection_id, CollectionItem.tool_id == tool_id)
        .returning(CollectionItem.tool_id)
    ).first()
    _write_order(collection_id, _ordered_ids(collection_id))
    db.session.commit()
    return removed is not None


def set_note(collection_id: int, tool_id: int, note: str) -> bool:
    """Replace the owner's note on one item; False if the tool is not in the collection."""
    _lock(collection_id)
    changed = db.session.execute(
        update(CollectionItem)
        .where(CollectionItem.collection_id == collection_id, CollectionItem.tool_id == tool_id)
        .values(note=note.strip())
        .returning(CollectionItem.tool_id),
        execution_options={"synchronize_session": False},
    ).first()
    db.session.commit()
    return changed is not None


def move_tool(collection_id: int, tool_id: int, offset: int) -> bool:
    """Move the tool one place up (-1) or down (+1) among the visible tools; False if it cannot move."""
    _lock(collection_id)
    visible = _ordered_ids(collection_id, visible_only=True)
    if tool_id not in visible:
        db.session.rollback()
        return False
    here = visible.index(tool_id)
    there = here + offset
    if not 0 <= there < len(visible):
        db.session.rollback()
        return False
    visible[here], visible[there] = visible[there], visible[here]
    _apply_visible_order(collection_id, visible)
    db.session.commit()
    return True


def reorder(collection_id: int, tool_ids: list[int]) -> None:
    """Put the visible tools in exactly this order; raises InvalidOrder (and changes nothing) otherwise.

    Tools the catalog has since hidden are not on the page, so they keep their
    relative order after the visible ones.
    """
    _lock(collection_id)
    visible = _ordered_ids(collection_id, visible_only=True)
    if len(tool_ids) != len(set(tool_ids)) or sorted(tool_ids) != sorted(visible):
        db.session.rollback()
        raise InvalidOrder()
    _apply_visible_order(collection_id, tool_ids)
    db.session.commit()


def _apply_visible_order(collection_id: int, visible_order: list[int]) -> None:
    """Write the visible tools' new order, with the hidden ones after them as they were."""
    shown = set(visible_order)
    hidden = [tool_id for tool_id in _ordered_ids(collection_id) if tool_id not in shown]
    _write_order(collection_id, visible_order + hidden)
