"""The erasure ledger across a restore: read from the live database first, put back into the restored one.

A backup made before an account was erased still holds its personal data. The ledger rows written
since the backup are carried over, and ``services.deletion.reapply_erasures`` erases those accounts
again, so a restore never brings an erased person back.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exc, insert, inspect, select, text
from sqlalchemy.engine import Engine

from extensions import db
from models import ErasureRecord, User, UserStatus

LedgerRow = tuple[int, datetime]


def read_ledger(engine: Engine) -> list[LedgerRow] | None:
    """Every (user id, erased at) in the live database; None when it cannot be reached or has no ledger."""
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table(ErasureRecord.__tablename__):
                return None
            return [tuple(row) for row in connection.execute(
                select(ErasureRecord.user_id, ErasureRecord.erased_at).order_by(ErasureRecord.id))]
    except exc.OperationalError:  # a fresh server whose database is not there yet
        return None


def add_missing(rows: list[LedgerRow]) -> int:
    """Append to the (restored) ledger the rows it lacks, in the current session, committed; how many."""
    present = set(read_ledger(db.engine) or [])
    missing = [row for row in rows if row not in present]
    for user_id, erased_at in missing:
        db.session.execute(insert(ErasureRecord).values(user_id=user_id, erased_at=erased_at))
    db.session.commit()
    return len(missing)


def keep_erased_ids_taken(rows: list[LedgerRow]) -> int:
    """Put back the stub of every ledger account the restored database lacks; how many. Commits.

    An account made after the backup and erased since is not in the backup. Without its stub its id
    would be free again, and the next account given it would be erased by the ledger on a later restore.
    """
    present = set(db.session.scalars(select(User.id)))
    missing = {user_id: erased_at for user_id, erased_at in rows if user_id not in present}
    for user_id, erased_at in sorted(missing.items()):
        # The creation time went with the backup; the erasure's time is the closest one known.
        db.session.execute(insert(User).values(id=user_id, display_name="", status=UserStatus.DELETED.value,
                                               created_at=erased_at))
    if missing and db.engine.dialect.name == "postgresql":  # explicit ids do not move the sequence
        db.session.execute(text("SELECT setval(pg_get_serial_sequence('user_account', 'id'), "
                                "(SELECT max(id) FROM user_account))"))
    db.session.commit()
    return len(missing)
