"""The erasure ledger across a restore: read from the live database first, put back into the restored one.

A backup made before an account was erased still holds its personal data. The ledger rows written
since the backup are carried over, and ``services.deletion.reapply_erasures`` erases those accounts
again, so a restore never brings an erased person back.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exc, insert, inspect, select
from sqlalchemy.engine import Engine

from extensions import db
from models import ErasureRecord

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
