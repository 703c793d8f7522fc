"""Search history (signed-in users, submitted searches only) and the anonymous keyword log.

The keyword log is for staff statistics: a day, the normalised query, how many
times it was submitted and how many results it had. It has no user id and no
IP column, so it cannot be tied back to anyone.
"""

from __future__ import annotations

from sqlalchemy import delete, select

from extensions import db
from models.search import SearchHistory, SearchKeywordDay
from services import clock
from services.search.text import clean_query, normalise
from services.upsert import insert_on_conflict

HISTORY_KEEP = 50


def log_keyword(raw_query: str, results: int) -> None:
    """Count one submitted search for today, atomically (one upsert: concurrent writers add up)."""
    query = normalise(clean_query(raw_query))
    if not query:
        return
    zero = 1 if results == 0 else 0
    statement = insert_on_conflict(SearchKeywordDay).values(
        day=clock.china_day(), query=query, searches=1, results=results, zero_result_searches=zero
    )
    table = SearchKeywordDay.__table__
    db.session.execute(statement.on_conflict_do_update(
        index_elements=[table.c.day, table.c.query],
        set_={
            "searches": table.c.searches + 1,
            "results": statement.excluded.results,
            "zero_result_searches": table.c.zero_result_searches + zero,
        },
    ))


def remember_search(user_id: int, raw_query: str) -> None:
    """Put the query at the top of the user's history (once), keeping the latest HISTORY_KEEP."""
    query = clean_query(raw_query)
    if not query:
        return
    db.session.execute(delete(SearchHistory).where(SearchHistory.user_id == user_id, SearchHistory.query == query))
    db.session.add(SearchHistory(user_id=user_id, query=query, created_at=clock.now()))
    db.session.flush()
    keep = select(SearchHistory.id).where(SearchHistory.user_id == user_id).order_by(
        SearchHistory.created_at.desc(), SearchHistory.id.desc()).limit(HISTORY_KEEP)
    db.session.execute(delete(SearchHistory).where(SearchHistory.user_id == user_id, SearchHistory.id.not_in(keep)))


def record_submitted_search(user_id: int | None, raw_query: str, results: int) -> None:
    """A submitted search: counted in the keyword log, and kept in the history of a signed-in user."""
    log_keyword(raw_query, results)
    if user_id is not None:
        remember_search(user_id, raw_query)
    db.session.commit()


def search_history(user_id: int) -> list[SearchHistory]:
    """The user's submitted searches, newest first."""
    return list(db.session.scalars(
        select(SearchHistory).where(SearchHistory.user_id == user_id)
        .order_by(SearchHistory.created_at.desc(), SearchHistory.id.desc())
    ))


def delete_history_item(user_id: int, item_id: int) -> bool:
    """Delete one of the user's own history items; False when it is not theirs (or gone)."""
    deleted = db.session.execute(
        delete(SearchHistory).where(SearchHistory.id == item_id, SearchHistory.user_id == user_id)
    ).rowcount
    db.session.commit()
    return bool(deleted)


def clear_history(user_id: int) -> int:
    """Delete all of the user's search history; returns how many items went."""
    deleted = db.session.execute(delete(SearchHistory).where(SearchHistory.user_id == user_id)).rowcount
    db.session.commit()
    return deleted
