"""The outbox: queued SMS and email sent by `flask send-outbox`, retried with backoff, sent once."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from extensions import db
from models import OutboxMessage
from services import clock, outbox
from services.email import EmailDeliveryError
from services.sms.backends import notice_text
from tests.accounts import make_user

T0 = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)


class FailingEmail:
    """An email backend whose server is down: every send raises."""

    def __init__(self):
        self.tries = 0

    def send(self, to, subject, body):
        self.tries += 1
        raise EmailDeliveryError("smtp: 421 try again later")


def _queue(app, count=1, channel="email", **fields) -> list[int]:
    with app.app_context():
        messages = [
            outbox.enqueue(channel=channel, recipient=fields.get("recipient", f"user{n}@example.com")
                           if channel == "email" else "+8613800000001",
                           kind="test", subject=fields.get("subject", f"Subject {n}"), body=f"Body {n}")
            for n in range(count)
        ]
        db.session.commit()
        return [message.id for message in messages]


def _row(app, message_id) -> OutboxMessage:
    with app.app_context():
        row = db.session.get(OutboxMessage, message_id)
        db.session.expunge(row)
        return row


def test_enqueue_adds_a_pending_row_and_sends_nothing(app):
    clock.freeze(T0)
    [message_id] = _queue(app)
    row = _row(app, message_id)
    assert (row.state, row.attempts, row.channel, row.recipient) == ("pending", 0, "email", "user0@example.com")
    assert app.extensions["email"].sent == []


def test_enqueue_refuses_an_unknown_channel(app):
    with app.app_context(), pytest.raises(ValueError, match="channel"):
        outbox.enqueue(channel="fax", recipient="x", kind="test", body="b")


def test_the_enqueued_row_belongs_to_the_callers_transaction(app):
    user_id = make_user(app)
    with app.app_context():
        outbox.enqueue(channel="email", recipient="a@example.com", kind="test", body="b", user_id=user_id)
        db.session.rollback()
        assert db.session.scalars(select(OutboxMessage)).all() == []


def test_send_due_sends_email_and_keeps_the_row_as_the_record(app):
    clock.freeze(T0)
    [message_id] = _queue(app)
    with app.app_context():
        result = outbox.send_due()
    assert (result.sent, result.retrying, result.failed) == (1, 0, 0)
    assert app.extensions["email"].sent[-1] | {"sent_at": ""} == {
        "to": "user0@example.com", "subject": "Subject 0", "body": "Body 0", "sent_at": ""}
    row = _row(app, message_id)
    assert row.state == "sent" and row.sent_at is not None and row.attempts == 1


def test_send_due_sends_sms_notices_through_the_notice_path_not_the_code_list(app):
    _queue(app, channel="sms", subject="修改了密码")
    with app.app_context():
        outbox.send_due()
    sms = app.extensions["sms"]
    assert sms.sent == []  # the list of codes stays codes only
    assert sms.notices[-1]["phone"] == "+8613800000001"
    assert sms.notices[-1]["text"] == notice_text("修改了密码")


def test_messages_not_yet_due_wait(app):
    clock.freeze(T0)
    [message_id] = _queue(app)
    with app.app_context():
        db.session.get(OutboxMessage, message_id).next_attempt_at = T0 + timedelta(minutes=5)
        db.session.commit()
        assert outbox.send_due().sent == 0
        assert outbox.send_due(now=T0 + timedelta(minutes=5)).sent == 1


def test_a_failure_is_retried_with_growing_delays_then_marked_failed(app):
    clock.freeze(T0)
    app.extensions["email"] = failing = FailingEmail()
    [message_id] = _queue(app)
    max_attempts = app.config["OUTBOX_MAX_ATTEMPTS"]
    delays = []
    now = T0
    with app.app_context():
        for attempt in range(1, max_attempts + 1):
            result = outbox.send_due(now=now)
            row = db.session.get(OutboxMessage, message_id)
            db.session.refresh(row)
            assert row.attempts == attempt
            assert row.last_error == "EmailDeliveryError: smtp: 421 try again later"
            if attempt < max_attempts:
                assert result.retrying == 1 and row.state == "pending"
                delays.append(row.next_attempt_at - now)
                assert outbox.send_due(now=row.next_attempt_at - timedelta(seconds=1)).retrying == 0
                now = row.next_attempt_at
            else:
                assert result.failed == 1 and row.state == "failed"
        assert outbox.send_due(now=now + timedelta(days=1)).failed == 0  # failed rows are left alone
    assert failing.tries == max_attempts
    assert delays == sorted(delays) and delays[0] < delays[-1]


def test_a_failed_try_then_a_success_sends_once(app):
    clock.freeze(T0)
    real = app.extensions["email"]
    app.extensions["email"] = FailingEmail()
    [message_id] = _queue(app)
    with app.app_context():
        outbox.send_due(now=T0)
        app.extensions["email"] = real
        result = outbox.send_due(now=T0 + timedelta(hours=1))
    assert result.sent == 1
    row = _row(app, message_id)
    assert row.state == "sent" and row.attempts == 2 and row.last_error is None
    assert len(real.sent) == 1


def test_a_row_another_drain_claimed_is_not_claimed_again(app):
    clock.freeze(T0)
    ids = _queue(app, 3)
    with app.app_context():
        seen_by_slow_drain = outbox.due_ids(T0, 10)
        assert outbox.send_due(now=T0).sent == 3  # a second drain runs meanwhile
        assert [outbox.claim(message_id, T0) for message_id in seen_by_slow_drain] == [None, None, None]
    assert sorted(seen_by_slow_drain) == sorted(ids)
    assert len(app.extensions["email"].sent) == 3


def test_two_drains_at_once_send_each_message_exactly_once(app):
    clock.freeze(T0)
    ids = _queue(app, 40)

    def drain(_):
        with app.app_context():
            try:
                return outbox.send_due(now=T0).sent
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=2) as pool:
        counts = list(pool.map(drain, range(2)))
    sent = app.extensions["email"].sent
    assert sum(counts) == len(ids) == len(sent)
    assert sorted(message["to"] for message in sent) == sorted(f"user{n}@example.com" for n in range(40))
    with app.app_context():
        assert set(db.session.scalars(select(OutboxMessage.state))) == {"sent"}


def test_a_drain_that_died_mid_send_is_retried_after_the_lease(app):
    clock.freeze(T0)
    [message_id] = _queue(app)
    with app.app_context():
        assert outbox.claim(message_id, T0) is not None  # then the process died
        assert outbox.send_due(now=T0 + timedelta(minutes=1)).sent == 0
        assert outbox.send_due(now=T0 + outbox.CLAIM_LEASE).sent == 1


def test_the_batch_limit_is_respected(app):
    _queue(app, 5)
    with app.app_context():
        assert outbox.send_due(limit=2).sent == 2
        assert outbox.send_due(limit=10).sent == 3


def test_the_send_outbox_command_prints_its_counts(app, runner):
    _queue(app, 2)
    result = runner.invoke(args=["send-outbox"])
    assert result.exit_code == 0, result.output
    assert "sent 2, retrying 0, failed 0" in result.output
    assert len(app.extensions["email"].sent) == 2
