"""Request lines in logs lose their query strings: codes, states, tokens and signatures travel there.

Three loggers write request lines: werkzeug (the development server), gunicorn's
access log (when GUNICORN_ACCESSLOG turns it on) and urllib3 at DEBUG (our own
outgoing calls, such as WeChat's token request, which WeChat requires as a GET with
the app secret and the OAuth code in the query). Our own access record never
stores a query; this filter makes theirs match.
"""

from __future__ import annotations

import logging
import re
from collections.abc import MutableMapping

REQUEST_LOGGERS = ("werkzeug", "gunicorn.access", "urllib3.connectionpool")
# "?name=value…" up to the next space or quote: a query string inside a logged URL or request line.
QUERY = re.compile(r"\?[^\s\"'?#]*=[^\s\"']*")
# gunicorn atoms that are nothing but the query string.
QUERY_ONLY_ATOMS = ("q", "{query_string}e")


def strip_query(value: str) -> str:
    """``value`` with every query string in it removed."""
    return QUERY.sub("", value) if "?" in value else value


class QueryStringFilter(logging.Filter):
    """Removes query strings from a record's message and arguments (a tuple, or gunicorn's atom mapping)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = strip_query(record.msg)
        args = record.args
        if isinstance(args, MutableMapping):
            for key, value in list(args.items()):
                if key in QUERY_ONLY_ATOMS:
                    args[key] = ""
                elif isinstance(value, str):
                    args[key] = strip_query(value)
        elif isinstance(args, tuple):
            record.args = tuple(strip_query(a) if isinstance(a, str) else a for a in args)
        return True


def install() -> None:
    """Add the filter to every logger that writes request lines (once, however many apps are made)."""
    for name in REQUEST_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, QueryStringFilter) for f in logger.filters):
            logger.addFilter(QueryStringFilter())
