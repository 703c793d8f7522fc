"""SQLite settings applied to every new connection: WAL, foreign keys.

WAL lets readers work while a writer commits, which is what several app
workers on one SQLite file need; foreign keys are off in SQLite unless asked.
"""

import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine


@event.listens_for(Engine, "connect")
def _set_sqlite_pragmas(dbapi_connection, _record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # A 64 MB page cache per connection: search walks up to a thousand candidate rows, and with
    # the default 2 MB cache each is a page read (measured: 12.4 → 9.5 ms CPU for "助手" at 100k tools).
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()
