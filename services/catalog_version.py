"""The catalog version: one integer, bumped on every catalog edit, that keys the page cache.

It lives in the database so every app server sees an edit on its next request.
"""

from sqlalchemy import select, update

from extensions import db
from models import SiteCounter

CATALOG_VERSION = "catalog_version"


def current_catalog_version() -> int:
    """The version cached pages must match; 0 before anything was seeded."""
    value = db.session.execute(
        select(SiteCounter.value).where(SiteCounter.name == CATALOG_VERSION)
    ).scalar_one_or_none()
    return value or 0


def bump_catalog_version() -> None:
    """Invalidate every cached page, atomically, in the caller's transaction."""
    updated = db.session.execute(
        update(SiteCounter)
        .where(SiteCounter.name == CATALOG_VERSION)
        .values(value=SiteCounter.value + 1)
    ).rowcount
    if not updated:
        db.session.add(SiteCounter(name=CATALOG_VERSION, value=1))
