"""Logs as JSON lines: one object per record on stderr, which systemd's journal or a collector reads.

Each line has the time (UTC, ISO 8601), level, logger, message and, when there is one,
the traceback; inside a request also its method, path (never the query string: codes and
tokens travel there) and the request id nginx sent. The query-string filter on the request
loggers (services.log_redaction) still runs first, so what reaches a line is already clean.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from flask import has_request_context, request


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if has_request_context():
            entry["method"] = request.method
            entry["path"] = request.path
            request_id = request.headers.get("X-Request-Id")
            if request_id:
                entry["request_id"] = request_id[:64]
        return json.dumps(entry, ensure_ascii=False)


class JsonHandler(logging.StreamHandler):
    """The stderr handler ``install`` adds; its own class so a second install can find it."""


def install(level: int = logging.INFO) -> None:
    """Send every log record to stderr as JSON, once however many apps are made in the process.

    The root logger gets the handler, so Flask's app logger (which then adds no handler of its
    own), library loggers and our jobs all write the same format.
    """
    root = logging.getLogger()
    if any(isinstance(handler, JsonHandler) for handler in root.handlers):
        return
    handler = JsonHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    if root.level > level or root.level == logging.NOTSET:
        root.setLevel(level)
