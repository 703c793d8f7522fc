"""One lock for "read, check, then write" steps that must not interleave (one pending claim, one decision).

PostgreSQL locks the row until commit. SQLite's locks cover the whole database and ``FOR UPDATE`` is
ignored, so there a write that matches no row takes the single write lock as the transaction's first
write, and parallel writers queue behind it before they read.
"""

from __future__ import annotations

from sqlalchemy import false, select, update

from extensions import db


def lock_row(model, row_id: int) -> None:
    """Hold a lock on ``model`` row ``row_id`` until the caller commits or rolls back."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(model.id).where(model.id == row_id).with_for_update())
    else:
        db.session.execute(update(model).where(false()).values(id=model.id)
                           .execution_options(synchronize_session=False))
