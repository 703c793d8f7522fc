"""Clear Data: each kind of personal data a user may clear at once, and all of them together.

Every clearing is written to the security log as ``data_cleared`` with the kind in
the event's method column, and nothing else: not what was cleared, not how much.
Favorites, collections, ratings, notifications, the account and the security log
itself are never touched here.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select

from extensions import db
from models import SearchHistory, StoreAccount, ToolView, UserPreference, UserSession
from services import auth_sessions, browsing_history, clock, preferences
from services.search import records

BROWSING = "browsing_history"
SEARCHES = "search_history"
SESSIONS = "sessions"
PREFERENCES = "preferences"
STORES = "store_accounts"
ALL = "all"
KINDS = (BROWSING, SEARCHES, SESSIONS, PREFERENCES, STORES)
EVENT = "data_cleared"


def data_counts(user_id: int) -> dict[str, int]:
    """How much of each kind the account holds now (sessions: those still signed in), in one query."""

    def counted(model, *conditions):
        return select(func.count()).select_from(model).where(model.user_id == user_id, *conditions).scalar_subquery()

    live_session = (UserSession.revoked_at.is_(None), UserSession.expires_at > clock.now())
    row = db.session.execute(select(
        counted(ToolView).label(BROWSING),
        counted(SearchHistory).label(SEARCHES),
        counted(UserSession, *live_session).label(SESSIONS),
        counted(UserPreference).label(PREFERENCES),
        counted(StoreAccount).label(STORES),
    )).one()
    return dict(row._mapping)


def _log(user_id: int, kind: str, ip: str, user_agent: str) -> None:
    auth_sessions.log_event(user_id, EVENT, method=kind, ip=ip, user_agent=user_agent)


def _delete_store_accounts(user_id: int) -> int:
    return db.session.execute(delete(StoreAccount).where(StoreAccount.user_id == user_id)).rowcount


def clear_browsing_history(user_id: int, *, ip: str = "", user_agent: str = "") -> int:
    """Forget every tool the user viewed; returns how many went."""
    removed = browsing_history.clear_browsing_history(user_id)
    _log(user_id, BROWSING, ip, user_agent)
    db.session.commit()
    return removed


def clear_search_history(user_id: int, *, ip: str = "", user_agent: str = "") -> int:
    """Delete every search the user submitted; returns how many went."""
    _log(user_id, SEARCHES, ip, user_agent)
    return records.clear_history(user_id)  # commits the log entry with the deletion


def clear_sessions(user_id: int, current_session_id: str | None, include_this_session: bool,
                   *, ip: str = "", user_agent: str = "") -> int:
    """Sign out every other browser (or every one, this one too), remember-me tokens included."""
    _log(user_id, SESSIONS, ip, user_agent)
    keep = None if include_this_session else current_session_id
    return auth_sessions.revoke_other_sessions(user_id, keep)  # commits the log entry too


def clear_preferences(user_id: int, *, ip: str = "", user_agent: str = "") -> int:
    """Forget the site preferences kept for the account (language, theme, dismissed notices)."""
    removed = preferences.clear_preferences(user_id)
    _log(user_id, PREFERENCES, ip, user_agent)
    db.session.commit()
    return removed


def clear_store_accounts(user_id: int, *, ip: str = "", user_agent: str = "") -> int:
    """Remove every linked store account the user recorded."""
    removed = _delete_store_accounts(user_id)
    _log(user_id, STORES, ip, user_agent)
    db.session.commit()
    return removed


def clear_all(user_id: int, current_session_id: str | None, include_this_session: bool,
              *, ip: str = "", user_agent: str = "") -> dict[str, int]:
    """Clear all five kinds; returns how many rows of each went."""
    _log(user_id, ALL, ip, user_agent)
    removed = {
        BROWSING: browsing_history.clear_browsing_history(user_id),
        PREFERENCES: preferences.clear_preferences(user_id),
        STORES: _delete_store_accounts(user_id),
    }
    # records.clear_history commits: the log entry and every deletion above land together.
    removed[SEARCHES] = records.clear_history(user_id)
    keep = None if include_this_session else current_session_id
    removed[SESSIONS] = auth_sessions.revoke_other_sessions(user_id, keep)
    return removed
