"""The page-cache and settings versions must move forward across a restore, never back.

Cached pages (Redis, shared by every app server) and each process's settings snapshot are keyed by
these counters. Restoring an older database would set them back to values whose cached pages still
exist, and those pages could show an account that was erased since. Setting each past both the live
and the restored value makes every cached page and snapshot stale at once.
"""

from __future__ import annotations

from sqlalchemy import exc, inspect, select, update
from sqlalchemy.engine import Engine

from extensions import db
from models import SiteCounter
from services.catalog_version import CATALOG_VERSION
from services.site_settings import SETTINGS_VERSION

CACHE_COUNTERS = (CATALOG_VERSION, SETTINGS_VERSION)


def read_versions(engine: Engine) -> dict[str, int]:
    """The live counters; empty when the database cannot be reached or has none."""
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table(SiteCounter.__tablename__):
                return {}
            return dict(connection.execute(
                select(SiteCounter.name, SiteCounter.value).where(SiteCounter.name.in_(CACHE_COUNTERS))).all())
    except exc.OperationalError:
        return {}


def move_past(before: dict[str, int]) -> None:
    """Set each counter above both its value ``before`` the restore and its restored value; commits."""
    restored = read_versions(db.engine)
    for name in CACHE_COUNTERS:
        if name not in before and name not in restored:
            continue  # never set on either side (no admin saved a setting): nothing can be stale
        value = max(before.get(name, 0), restored.get(name, 0)) + 1
        if name in restored:
            db.session.execute(update(SiteCounter).where(SiteCounter.name == name).values(value=value))
        else:
            db.session.add(SiteCounter(name=name, value=value))
    db.session.commit()
