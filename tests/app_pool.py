"""One app per worker and configuration, put back as it was made before every test that borrows it.

Building an app costs about 0.13 s (almost all of it Werkzeug compiling the URL rules), which every test paid when
each made its own. A pooled app is shared only by tests asking for the same settings, and what a test may change
is restored when it hands the app back:

- ``app.config`` (tests set a value for their own length, such as ``UPLOAD_DIR``);
- ``app.extensions``: entries added while serving (the site-settings snapshot, the search term sample) are
  dropped, and the objects that hold state between requests are made anew from the configuration exactly as the
  factory makes them: the SMS and email outboxes, the page store, the card cache, the access log's waiting rows,
  and the rate limiter's counts (the limiter is one object for every app; it is bound again to this app's settings).

A test that changes the app itself (adds a route or a blueprint) cannot be undone: it is marked ``own_app`` and
gets an app nobody else uses; one that does so unmarked fails, naming the marker.
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from collections.abc import Callable

from flask import Flask

# Enough for the configurations one module's tests use in turn; an app evicted is built again if asked for.
POOL_SIZE = 12


def _fingerprint(app: Flask) -> tuple:
    """What only adding routes, blueprints or hooks changes (none of which can be taken back)."""
    return (
        len(app.url_map._rules),
        tuple(app.blueprints),
        sum(map(len, app.before_request_funcs.values())),
        sum(map(len, app.after_request_funcs.values())),
        sum(map(len, app.teardown_request_funcs.values())),
    )


class SharedApp:
    """An app and what it looked like when made."""

    def __init__(self, app: Flask):
        self.app = app
        self.config = copy.deepcopy(dict(app.config))
        self.extensions = dict(app.extensions)
        self.fingerprint = _fingerprint(app)

    def changed_itself(self) -> bool:
        return _fingerprint(self.app) != self.fingerprint

    def restore(self) -> None:
        """The configuration and per-app state as the factory left them."""
        from blueprints import card_cache
        from extensions import limiter
        from services import email, sms
        from services.page_cache import make_page_store

        app = self.app
        app.config.clear()
        app.config.update(copy.deepcopy(self.config))
        app.extensions.clear()
        app.extensions.update(self.extensions)
        sms.init_app(app)
        email.init_app(app)
        app.extensions["page_store"] = make_page_store(app.config["REDIS_URL"])
        card_cache.init_app(app)
        access_log = app.extensions.get("access_log")
        if access_log is not None:
            access_log.discard()
        limiter.init_app(app)


class AppPool:
    """Apps by configuration, most recently used kept."""

    def __init__(self, make: Callable[..., Flask]):
        self._make = make
        self._apps: OrderedDict[str, SharedApp] = OrderedDict()

    def borrow(self, database_url: str, overrides: dict) -> SharedApp:
        key = repr(sorted({"SQLALCHEMY_DATABASE_URI": database_url, **overrides}.items()))
        shared = self._apps.pop(key, None)
        if shared is None:
            shared = SharedApp(self._make(database_url, **overrides))
        else:
            shared.restore()
        previous = next(reversed(self._apps.values()), None)
        if previous is not None and previous is not shared:
            # Only the app in use keeps connections open: a dozen idle pools per worker would crowd PostgreSQL's
            # connection limit once several workers run. Disposed engines connect again when next used.
            dispose(previous.app)
        self._apps[key] = shared
        while len(self._apps) > POOL_SIZE:
            _, evicted = self._apps.popitem(last=False)
            dispose(evicted.app)
        return shared

    def discard(self, shared: SharedApp) -> None:
        for key, candidate in list(self._apps.items()):
            if candidate is shared:
                del self._apps[key]
        dispose(shared.app)

    def close(self) -> None:
        while self._apps:
            _, shared = self._apps.popitem()
            dispose(shared.app)


def dispose(app: Flask) -> None:
    """Close every pooled connection of ``app`` (and stop nothing else: its threads are daemons)."""
    from extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()
