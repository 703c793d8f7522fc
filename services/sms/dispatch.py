"""Delivering verification codes off the request path, so a code request does the same work for every number.

A request for a code always runs the same checks and writes the same ``SmsCode`` row, whoever holds
the number (``codes.request_code``). Whether the code is really sent is decided here, by the rule the
form gave (``Delivery.deliver_to``), where no one waits for the answer:

- ``any``: to the number as given (a signed-in account's own phone, the confirm and unlock forms);
- ``account``: only to the verified phone of an account (signing in, resetting the password);
- ``free``: only to a number no other account holds (registering, adding or changing a phone); the
  holder of a held number is told instead, at most once a day per number.

So neither the answer, nor its status, nor the request's queries say whether a number is registered,
and a slow or failing provider never holds a request. A code the provider refuses is deleted again,
so it costs the user no quota and no resend wait.

``SMS_DISPATCH`` chooses how: ``thread`` (the default) hands each delivery to one daemon thread per
process; ``inline`` delivers at once after the request's commit (tests, with the console backend);
``deferred`` keeps deliveries until ``drain()`` (tests that compare the request's own work).
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy import delete, select

from extensions import db
from models import SmsCode, User
from services import clock, security_notices, spent_tokens
from services.export import CHINA_TIME
from services.sms.backends import SmsDeliveryError, sms_outbox

logger = logging.getLogger("sellernav.sms")

DELIVER_TO = ("any", "account", "free")
HOLDER_NOTICE_SECONDS = 86_400  # the holder of a number hears about attempts at most once a China day


@dataclass(frozen=True)
class Delivery:
    """One code to deliver (or not), as the request recorded it."""

    code_id: int
    phone: str
    purpose: str
    code: str
    deliver_to: str = "any"
    user_id: int | None = None  # "free": the account asking; its own number is free to it


def dispatch(delivery: Delivery) -> None:
    """Hand the delivery on as SMS_DISPATCH says; returns at once in the default thread mode."""
    if delivery.deliver_to not in DELIVER_TO:
        raise ValueError(f"unknown delivery rule {delivery.deliver_to!r}; expected one of {', '.join(DELIVER_TO)}")
    app = current_app._get_current_object()
    mode = app.config.get("SMS_DISPATCH", "thread")
    if mode == "inline":
        deliver(delivery)
    elif mode == "deferred":
        app.extensions.setdefault("sms_deferred", []).append(delivery)
    else:  # "thread": init_app refused any other mode at startup
        _worker(app).put(delivery)


def drain(app: Flask) -> int:
    """Deliver what the deferred mode kept (tests); returns how many there were."""
    kept = app.extensions.pop("sms_deferred", [])
    with app.app_context():
        for delivery in kept:
            deliver(delivery)
    return len(kept)


def deliver(delivery: Delivery) -> None:
    """Decide by the rule, then send the code, or tell a held number's owner; in an app context."""
    if delivery.deliver_to == "account" and _account_holding(delivery.phone) is None:
        return
    if delivery.deliver_to == "free":
        holder = _account_holding(delivery.phone, other_than=delivery.user_id)
        if holder is not None:
            _tell_holder(holder)
            return
    try:
        sms_outbox().send(delivery.phone, delivery.purpose, delivery.code)
    except SmsDeliveryError as error:
        logger.warning("an SMS code could not be delivered: %s", error)
        db.session.execute(delete(SmsCode).where(SmsCode.id == delivery.code_id))
        db.session.commit()


def _account_holding(phone: str, *, other_than: int | None = None) -> User | None:
    return db.session.scalar(select(User).where(
        User.phone == phone, User.phone_verified_at.is_not(None), User.id != (other_than or 0)))


def _tell_holder(holder: User) -> None:
    """The security notice for a held number, once a China day per number."""
    today = clock.now().astimezone(CHINA_TIME).date().isoformat()
    if spent_tokens.first_use(f"number-in-use:{holder.phone}:{today}", HOLDER_NOTICE_SECONDS):
        security_notices.notify_security(holder, "number_in_use")
        db.session.commit()


class _Worker:
    """One daemon thread per process delivering in order; started lazily, again after a fork."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.pid = os.getpid()
        self.queue: queue.SimpleQueue[Delivery] = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._run, name="sms-dispatch", daemon=True)
        self.thread.start()

    def put(self, delivery: Delivery) -> None:
        self.queue.put(delivery)

    def _run(self) -> None:
        while True:
            delivery = self.queue.get()
            with self.app.app_context():
                try:
                    deliver(delivery)
                except Exception:  # a delivery must never stop the ones after it
                    logger.exception("SMS delivery failed")
                    db.session.rollback()
                finally:
                    db.session.remove()


_workers_lock = threading.Lock()


def _worker(app: Flask) -> _Worker:
    with _workers_lock:
        worker = app.extensions.get("sms_dispatch")
        if worker is None or worker.pid != os.getpid() or not worker.thread.is_alive():
            worker = app.extensions["sms_dispatch"] = _Worker(app)
        return worker
