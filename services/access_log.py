"""The access record: one row per request, kept in memory and written in batches off the request path.

An INSERT inside every request would cost the home page a database round trip
and, on SQLite, a write lock shared by every worker. Instead a request only
appends a tuple to a bounded in-process buffer; a writer thread, started lazily
in each process (so after gunicorn forks its workers), inserts the rows in
batches every ``ACCESS_LOG_FLUSH_SECONDS`` or as soon as ``ACCESS_LOG_BATCH_SIZE``
rows wait, and once more when the process exits. A full buffer or a database that
refuses a batch drops rows: they are counted and a warning is logged, and no
request ever fails for it. A process killed outright (SIGKILL, a worker timeout)
loses at most the rows of its last few seconds.

Under TESTING no thread runs unless ``ACCESS_LOG_BACKGROUND`` says so: rows wait
in the buffer until a test calls ``flush()``, so the writer never touches the
database between tests or inside a counted query.

Static files are not recorded: nginx serves them in production (and logs them
itself), and a page's stylesheet and scripts say nothing about what was visited.
"""

from __future__ import annotations

import atexit
import hashlib
import hmac
import logging
import os
import threading
from collections import deque
from datetime import datetime

from flask import Flask, current_app, g, request
from sqlalchemy import insert
from sqlalchemy import inspect as sa_inspect

from extensions import db
from models import AccessRecord
from services import clock, log_redaction

logger = logging.getLogger("sellernav.access_log")

COLUMNS = ("created_at", "method", "path", "status", "ip", "user_agent", "language", "user_id")
Row = tuple[datetime, str, str, int, str | None, str, str, int | None]

# URL variables that hold a secret (a link's token or code) are not written down with the path.
SECRET_URL_ARGS = frozenset({"token", "code", "secret", "signature"})
# URL variables that name a session: kept as a keyed hash, enough to group one session's requests and useless
# for forging its cookie (staff read these records; the session id itself would be half of a stolen session).
KEYED_URL_ARGS = frozenset({"session_id"})
SESSION_REFERENCE_LENGTH = 16


class AccessLog:
    """A bounded buffer of access rows and the writer that empties it into ``access_record``."""

    def __init__(self, app: Flask, *, capacity: int, batch_size: int, interval: float, background: bool) -> None:
        self.app = app
        self.capacity = capacity
        self.batch_size = batch_size
        self.interval = interval
        self.background = background
        self.dropped = 0  # rows lost since the process started: buffer full or database refused
        self.written = 0
        self._rows: deque[Row] = deque()
        self._unreported_drops = 0
        self._counter_lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._start_lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._pid: int | None = None

    def record(self, row: Row) -> None:
        """Keep one row for the next batch; drop and count it when the buffer is full."""
        if len(self._rows) >= self.capacity:
            self._count_drops(1)
            return
        self._rows.append(row)
        if self.background:
            if self._pid != os.getpid():
                with self._start_lock:  # threaded servers: two first requests must not start two writers
                    if self._pid != os.getpid():
                        self._start_writer()
            if len(self._rows) >= self.batch_size:
                self._wake.set()

    def pending(self) -> int:
        """Rows waiting for the next batch."""
        return len(self._rows)

    def flush(self) -> int:
        """Write every row waiting now, in batches; returns how many were written."""
        written = 0
        with self._flush_lock:
            waiting = len(self._rows)  # rows arriving meanwhile wait for the next round, so this ends
            while waiting > 0:
                batch = self._take(min(waiting, self.batch_size))
                if not batch:
                    break
                waiting -= len(batch)
                written += self._write(batch)
        self._report_drops()
        return written

    def discard(self) -> None:
        """Forget the rows waiting and the counts, as a new log would start (the test suite reuses one app)."""
        with self._flush_lock, self._counter_lock:
            self._rows.clear()
            self.dropped = self.written = self._unreported_drops = 0

    def stop(self) -> None:
        """Stop the writer and write what is left (at process exit)."""
        self._stopping = True
        self._wake.set()
        thread = self._thread
        if thread is not None and thread.is_alive() and thread is not threading.current_thread():
            thread.join(timeout=max(self.interval, 1.0) + 10.0)
        if self._rows:
            self.flush()

    def _take(self, count: int) -> list[Row]:
        batch: list[Row] = []
        while len(batch) < count:
            try:
                batch.append(self._rows.popleft())
            except IndexError:
                break
        return batch

    def _start_writer(self) -> None:
        # First row in this process: a forked child inherits the parent's objects but not its
        # thread. The parent (gunicorn's master) never records, so no lock is copied while held.
        self._pid = os.getpid()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="access-log-writer", daemon=True)
        self._thread.start()
        atexit.register(self.stop)

    def _run(self) -> None:
        while not self._stopping:
            self._wake.wait(self.interval)
            self._wake.clear()
            try:
                self.flush()
            except Exception:  # the writer must outlive any surprise
                logger.exception("access log: the writer failed")

    def _write(self, batch: list[Row]) -> int:
        try:
            rows = [dict(zip(COLUMNS, row, strict=True)) for row in batch]
            with self.app.app_context(), db.engine.begin() as connection:
                connection.execute(insert(AccessRecord), rows)
        except Exception as error:  # database down, driver error: this batch is lost, nothing else
            logger.warning("access log: the database refused %d records, dropped: %s", len(batch), _first_line(error))
            self._count_drops(len(batch), reported=True)
            return 0
        self.written += len(batch)
        return len(batch)

    def _count_drops(self, count: int, *, reported: bool = False) -> None:
        with self._counter_lock:
            self.dropped += count
            if not reported:
                self._unreported_drops += count

    def _report_drops(self) -> None:
        # One warning per flush, not one per request, when the buffer has been overflowing.
        with self._counter_lock:
            count, self._unreported_drops = self._unreported_drops, 0
        if count:
            logger.warning("access log: %d records dropped since the last batch (%d in all)", count, self.dropped)


def _first_line(error: Exception) -> str:
    # The driver's message without the SQL and its parameters, which hold the rows.
    return str(getattr(error, "orig", error)).splitlines()[0] if str(error) else type(error).__name__


# Static files, and the load balancer's health checks every few seconds: neither is a visit.
UNRECORDED_ENDPOINTS = frozenset({"static", "health.healthz", "health.readyz"})


def init_app(app: Flask) -> None:
    """Record every request of ``app`` (but static files and health checks) unless ACCESS_LOG_ENABLED is false.

    Whatever the setting, other request logs are kept free of query strings.
    """
    log_redaction.install()
    if not app.config.get("ACCESS_LOG_ENABLED", True):
        return
    log = AccessLog(
        app,
        capacity=int(app.config.get("ACCESS_LOG_BUFFER_SIZE", 10_000)),
        batch_size=int(app.config.get("ACCESS_LOG_BATCH_SIZE", 500)),
        interval=float(app.config.get("ACCESS_LOG_FLUSH_SECONDS", 2.0)),
        background=bool(app.config.get("ACCESS_LOG_BACKGROUND", not app.testing)),
    )
    app.extensions["access_log"] = log

    # Registered before every other after_request hook, so it runs last and sees the final status.
    @app.after_request
    def record_access(response):
        if request.endpoint not in UNRECORDED_ENDPOINTS:
            log.record(request_row(response.status_code))
        return response


def request_row(status: int) -> Row:
    """This request as a row: plain values read now, so the writer never needs the request."""
    headers = request.headers
    return (
        clock.now(),
        request.method[:10],
        _recorded_path()[:500],
        status,
        # The same address blueprints.signin.client_ip() uses: ProxyFix has already applied X-Forwarded-For.
        (request.remote_addr or "")[:64] or None,
        headers.get("User-Agent", "")[:400],
        (g.get("lang") or headers.get("Accept-Language", ""))[:40],
        _signed_in_user_id(),
    )


def _recorded_path() -> str:
    """The path without its query string, and without any secret carried in the path itself."""
    path = request.path
    for name, value in (request.view_args or {}).items():
        if name in SECRET_URL_ARGS and value:
            path = path.replace(str(value), f"<{name}>")
        elif name in KEYED_URL_ARGS and value:
            path = path.replace(str(value), f"<{name}:{session_reference(str(value), current_app.secret_key)}>")
    return path


def session_reference(session_id: str, secret_key: str | bytes) -> str:
    """HMAC-SHA256(SECRET_KEY, "access-record:" + id), shortened: the same session, the same reference.

    Migration 0009 converts older records with this formula; keep the two the same.
    """
    key = secret_key.encode() if isinstance(secret_key, str) else secret_key
    digest = hmac.new(key, f"access-record:{session_id}".encode(), hashlib.sha256).hexdigest()
    return digest[:SESSION_REFERENCE_LENGTH]


def _signed_in_user_id() -> int | None:
    """The user's id if this request already loaded them; never loads them just to log."""
    user = g.get("_login_user")  # Flask-Login's per-request cache of current_user
    state = sa_inspect(user, raiseerr=False) if user is not None else None
    # The identity key, not user.id: after a commit the attributes are expired and reading one would query.
    return state.identity[0] if state is not None and state.identity else None


def flush() -> int:
    """Write the current app's waiting access rows now; returns how many (0 when recording is off)."""
    log: AccessLog | None = current_app.extensions.get("access_log")
    return log.flush() if log is not None else 0
