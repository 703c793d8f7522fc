"""The outbox: SMS and email notices queued by a request and sent later by ``flask send-outbox``.

Queueing keeps a slow or failing provider out of the request. Each row is claimed by an atomic
UPDATE before it is sent, so two ``send-outbox`` processes never send one message twice. Sent rows
stay as the record of what was sent. Verification codes and links never come here: they are sent at
once and never stored in clear.

For SMS, cloud providers send only approved templates: ``subject`` is the template's variable (a
short phrase, see ``services.sms.backends.notice_text``) and ``body`` the full text as it is shown.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from extensions import db
from models import OutboxMessage, OutboxState
from services import clock
from services.email import EmailDeliveryError, email_backend
from services.sms import SmsDeliveryError, sms_outbox

logger = logging.getLogger("sellernav.outbox")

CHANNELS = ("sms", "email")
RETRY_BASE = timedelta(minutes=1)  # then 2, 4, 8 … minutes
RETRY_CAP = timedelta(hours=6)
# A claimed row is not due again for this long: a drain that dies mid-send is retried, not lost.
CLAIM_LEASE = timedelta(minutes=10)
ERROR_LENGTH = 400


@dataclass
class DrainResult:
    """What one drain did: messages sent, put back for a retry, and given up on."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0


def enqueue(
    *, channel: str, recipient: str, kind: str, body: str, subject: str = "", user_id: int | None = None
) -> OutboxMessage:
    """Add a pending message to the session (the caller commits); it is sent on the next drain."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown outbox channel {channel!r}; expected one of {', '.join(CHANNELS)}")
    message = OutboxMessage(
        channel=channel,
        recipient=recipient,
        kind=kind[:40],
        subject=subject[:200],
        body=body,
        user_id=user_id,
        state=OutboxState.PENDING.value,
        attempts=0,
        next_attempt_at=clock.now(),
    )
    db.session.add(message)
    return message


def due_ids(now: datetime, limit: int) -> list[int]:
    """Ids of pending messages whose time has come, oldest first (not yet claimed)."""
    ids = list(
        db.session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.state == OutboxState.PENDING.value, OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
    )
    db.session.commit()  # end the read so each claim starts its own short write transaction
    return ids


def claim(message_id: int, now: datetime) -> OutboxMessage | None:
    """Take one message for this drain, or None when another drain took it first.

    The UPDATE only matches a row still pending and due, and moves it out of reach for the lease,
    so of two drains racing for a row exactly one gets it (PostgreSQL re-checks the WHERE after the
    other's commit; SQLite has a single writer).
    """
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.state == OutboxState.PENDING.value,
            OutboxMessage.next_attempt_at <= now,
        )
        .values(attempts=OutboxMessage.attempts + 1, next_attempt_at=now + CLAIM_LEASE)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    ).scalar()
    db.session.commit()
    return db.session.get(OutboxMessage, claimed, populate_existing=True) if claimed else None


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff after the ``attempts``-th failed try."""
    return min(RETRY_BASE * 2 ** max(attempts - 1, 0), RETRY_CAP)


def deliver(message: OutboxMessage) -> None:
    """Hand one message to its backend; raises the backend's delivery error."""
    if message.channel == "email":
        email_backend().send(message.recipient, message.subject, message.body)
    else:
        sms_outbox().send_notice(message.recipient, message.subject or message.body)


def send_due(now: datetime | None = None, limit: int | None = None) -> DrainResult:
    """Send the pending messages that are due; failures retry with backoff, then fail for good."""
    now = now or clock.now()
    limit = limit or int(current_app.config.get("OUTBOX_BATCH_SIZE", 100))
    max_attempts = int(current_app.config.get("OUTBOX_MAX_ATTEMPTS", 5))
    result = DrainResult()
    for message_id in due_ids(now, limit):
        message = claim(message_id, now)
        if message is None:
            continue
        try:
            deliver(message)
        except Exception as error:  # one bad message must not stop the rest of the batch
            if not isinstance(error, SmsDeliveryError | EmailDeliveryError):
                logger.exception("outbox message %s failed unexpectedly", message.id)
            message.last_error = _short(error)
            if message.attempts >= max_attempts:
                message.state = OutboxState.FAILED.value
                result.failed += 1
            else:
                message.next_attempt_at = now + retry_delay(message.attempts)
                result.retrying += 1
        else:
            message.state = OutboxState.SENT.value
            message.sent_at = clock.now()
            message.last_error = None
            result.sent += 1
        db.session.commit()
    return result


def _short(error: Exception) -> str:
    """The error as stored: its type and message, cut short (backends never put secrets in them)."""
    text = f"{type(error).__name__}: {error}"
    return text[:ERROR_LENGTH]
