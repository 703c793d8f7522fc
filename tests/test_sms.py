"""SMS verification codes: limits, checking, parallel use, and the challenge (on the real database)."""

from __future__ import annotations

import hashlib
import hmac
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select

from extensions import db
from models import SmsCode, User
from services import clock, sms
from services.sms import challenge
from services.sms.backends import SmsDeliveryError

PHONE = "+8613812345678"
OTHER_PHONE = "+8613900001111"
IP = "203.0.113.7"
START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # 17:00 in China
CHINA_MIDNIGHT = datetime(2026, 11, 25, 16, 0, tzinfo=UTC)  # 00:00 on the 26th in China
SECRET = "test-secret"


@pytest.fixture
def sms_app(app, tmp_path):
    """The app with a fresh console backend writing to tmp_path, a frozen clock, and an app context."""
    app.config["SMS_OUTBOX_LOG"] = str(tmp_path / "sms-outbox.log")
    sms.init_app(app)
    clock.freeze(START)
    with app.app_context():
        yield app


def sent_code(phone: str = PHONE) -> str:
    """The newest code the console backend sent to ``phone``."""
    return next(m["code"] for m in reversed(sms.sms_outbox().sent) if m["phone"] == phone)


def rows() -> list[SmsCode]:
    return list(db.session.scalars(select(SmsCode).order_by(SmsCode.id)))


def refusal(**kwargs) -> sms.SmsRefused:
    """The SmsRefused a request_code call raises."""
    kwargs.setdefault("purpose", "register")
    kwargs.setdefault("ip", IP)
    with pytest.raises(sms.SmsRefused) as caught:
        sms.request_code(kwargs.pop("phone", PHONE), kwargs.pop("purpose"), kwargs.pop("ip"), **kwargs)
    return caught.value


def invalid(phone: str, purpose: str, code: str, **kwargs) -> str:
    """The reason verify_code refuses ``code``."""
    with pytest.raises(sms.CodeInvalid) as caught:
        sms.verify_code(phone, purpose, code, **kwargs)
    return caught.value.reason


def wrong_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def seconds_until_china_midnight() -> int:
    return int((CHINA_MIDNIGHT - clock.now()).total_seconds())


# Codes


def test_a_code_is_six_digits_and_stored_only_as_an_hmac(sms_app):
    sms.request_code(PHONE, "register", IP)
    code = sent_code()
    assert re.fullmatch(r"\d{6}", code)
    (row,) = rows()
    expected = hmac.new(SECRET.encode(), f"{PHONE}|register|{code}".encode(), hashlib.sha256).hexdigest()
    assert row.code_hmac == expected
    # The phone itself is left out: its digits could contain the code by chance.
    stored = [str(getattr(row, c.key)) for c in SmsCode.__table__.columns if c.key not in ("phone", "code_hmac")]
    assert not any(code in value for value in stored)
    assert row.expires_at == START + timedelta(minutes=5)
    assert (row.phone, row.purpose, row.ip, row.attempts, row.consumed_at) == (PHONE, "register", IP, 0, None)


def test_the_right_code_works_once_then_answers_used(sms_app):
    sms.request_code(PHONE, "sign_in", IP)
    code = sent_code()
    sms.verify_code(PHONE, "sign_in", code)
    assert rows()[0].consumed_at == START
    assert invalid(PHONE, "sign_in", code) == "used"


def test_a_code_only_works_for_its_own_purpose(sms_app):
    sms.request_code(PHONE, "reset", IP)
    assert invalid(PHONE, "sign_in", sent_code()) == "missing"
    assert invalid(OTHER_PHONE, "reset", sent_code()) == "missing"


def test_a_wrong_code_is_refused_and_the_attempt_counted(sms_app):
    sms.request_code(PHONE, "register", IP)
    assert invalid(PHONE, "register", wrong_code(sent_code())) == "wrong"
    assert rows()[0].attempts == 1
    assert rows()[0].consumed_at is None


def test_the_fifth_wrong_try_locks_the_code_even_against_the_right_one(sms_app):
    sms.request_code(PHONE, "register", IP)
    code = sent_code()
    reasons = [invalid(PHONE, "register", wrong_code(code)) for _ in range(5)]
    assert reasons == ["wrong"] * 4 + ["too_many_attempts"]
    assert invalid(PHONE, "register", code) == "too_many_attempts"
    assert rows()[0].attempts == 5
    assert rows()[0].consumed_at is None


def test_four_wrong_tries_still_leave_the_right_code_one_chance(sms_app):
    sms.request_code(PHONE, "register", IP)
    code = sent_code()
    for _ in range(4):
        invalid(PHONE, "register", wrong_code(code))
    sms.verify_code(PHONE, "register", code)


def test_a_code_expires_after_five_minutes(sms_app):
    sms.request_code(PHONE, "register", IP)
    sms.request_code(OTHER_PHONE, "register", IP)
    clock.advance(timedelta(minutes=5) - timedelta(seconds=1))
    sms.verify_code(PHONE, "register", sent_code(PHONE))
    clock.advance(timedelta(seconds=1))
    assert invalid(OTHER_PHONE, "register", sent_code(OTHER_PHONE)) == "expired"


def test_only_the_newest_code_counts(sms_app):
    sms.request_code(PHONE, "register", IP)
    first = sent_code()
    clock.advance(timedelta(seconds=60))
    sms.request_code(PHONE, "register", IP)
    second = sent_code()
    if first != second:  # one chance in a million that they match
        assert invalid(PHONE, "register", first) == "wrong"
    sms.verify_code(PHONE, "register", second)


def test_full_width_digits_from_a_chinese_keyboard_are_the_same_code(sms_app):
    sms.request_code(PHONE, "register", IP)
    full_width = sent_code().translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    sms.verify_code(PHONE, "register", f" {full_width} ")


def test_nothing_sent_answers_missing(sms_app):
    assert invalid(PHONE, "register", "123456") == "missing"


def test_an_unknown_purpose_is_a_programming_error(sms_app):
    with pytest.raises(ValueError, match="purpose"):
        sms.request_code(PHONE, "newsletter", IP)


def test_a_code_asked_for_by_a_signed_in_user_works_only_for_them(sms_app):
    owner, other = User(display_name="Owner"), User(display_name="Other")
    db.session.add_all([owner, other])
    db.session.commit()
    sms.request_code(OTHER_PHONE, "change_phone", IP, user_id=owner.id)
    code = sent_code(OTHER_PHONE)
    assert invalid(OTHER_PHONE, "change_phone", code) == "missing"
    assert invalid(OTHER_PHONE, "change_phone", code, user_id=other.id) == "missing"
    sms.verify_code(OTHER_PHONE, "change_phone", code, user_id=owner.id)


def test_a_registered_phone_and_an_unknown_one_are_treated_alike(sms_app):
    db.session.add(User(display_name="Has a phone", phone=PHONE))
    db.session.commit()
    sms.request_code(PHONE, "sign_in", IP)
    sms.request_code(OTHER_PHONE, "sign_in", IP)
    texts = [re.sub(r"\d{6}", "CODE", message["text"]) for message in sms.sms_outbox().sent]
    assert texts[0] == texts[1]
    assert refusal(phone=PHONE, purpose="sign_in").reason == refusal(phone=OTHER_PHONE, purpose="sign_in").reason


# Limits


def test_a_resend_within_a_minute_is_refused_with_the_seconds_left(sms_app):
    sms.request_code(PHONE, "register", IP)
    clock.advance(timedelta(seconds=45))
    refused = refusal()
    assert (refused.reason, refused.retry_after) == ("resend_too_soon", 15)
    sms.request_code(PHONE, "sign_in", IP)  # another purpose has its own interval
    clock.advance(timedelta(seconds=15))
    sms.request_code(PHONE, "register", IP)
    assert len(rows()) == 3


def test_a_phone_gets_at_most_ten_codes_a_day_whatever_the_purpose(sms_app):
    for n in range(10):
        sms.request_code(PHONE, sms.PURPOSES[n % len(sms.PURPOSES)], IP, challenge_passed=True)
        clock.advance(timedelta(seconds=61))
    refused = refusal(purpose="verify", challenge_passed=True)
    assert (refused.reason, refused.retry_after) == ("phone_daily_cap", seconds_until_china_midnight())
    sms.request_code(OTHER_PHONE, "verify", IP, challenge_passed=True)  # other phones are not affected


def test_an_ip_gets_at_most_twenty_codes_a_day(sms_app):
    for n in range(20):
        sms.request_code(f"+86139000{n:05d}", "register", IP, challenge_passed=True)
    refused = refusal(challenge_passed=True)
    assert (refused.reason, refused.retry_after) == ("ip_daily_cap", seconds_until_china_midnight())
    sms.request_code(PHONE, "register", "198.51.100.1")  # another address is not affected


def test_the_site_stops_sending_when_the_daily_budget_is_spent(sms_app):
    sms_app.config["SMS_DAILY_BUDGET"] = 3
    for n in range(3):
        sms.request_code(f"+86139000{n:05d}", "register", f"198.51.100.{n}")
    refused = refusal(ip="192.0.2.99")
    assert (refused.reason, refused.retry_after) == ("global_budget", seconds_until_china_midnight())
    assert len(sms.sms_outbox().sent) == 3


def test_an_ip_that_asked_three_times_in_an_hour_must_pass_the_challenge(sms_app):
    for n in range(3):
        sms.request_code(f"+86139000{n:05d}", "register", IP)
    refused = refusal()
    assert (refused.reason, refused.retry_after) == ("challenge_required", None)
    sms.request_code(PHONE, "register", IP, challenge_passed=True)
    clock.advance(timedelta(hours=1))
    sms.request_code(OTHER_PHONE, "register", IP)  # an hour later the address is trusted again


def test_a_new_day_in_china_resets_the_caps(sms_app):
    sms_app.config["SMS_PHONE_DAILY_CAP"] = 2
    clock.freeze(CHINA_MIDNIGHT - timedelta(minutes=10))  # 23:50 in China, still the 25th in UTC
    sms.request_code(PHONE, "register", IP)
    clock.advance(timedelta(seconds=61))
    sms.request_code(PHONE, "register", IP)
    clock.advance(timedelta(seconds=61))
    refused = refusal()
    assert (refused.reason, refused.retry_after) == ("phone_daily_cap", seconds_until_china_midnight())
    clock.freeze(CHINA_MIDNIGHT)
    sms.request_code(PHONE, "register", IP)
    assert len(rows()) == 3


class RefusingProvider:
    """A provider that turns every message down."""

    def send(self, phone: str, purpose: str, code: str) -> None:
        raise SmsDeliveryError("isv.BUSINESS_LIMIT_CONTROL")


def test_a_failed_delivery_costs_no_quota(sms_app):
    console = sms.sms_outbox()
    sms_app.extensions["sms"] = RefusingProvider()
    for _ in range(3):  # the request never sees the provider's answer; the refused code is deleted
        sms.request_code(PHONE, "register", IP)
    assert rows() == []
    sms_app.extensions["sms"] = console
    sms.request_code(PHONE, "register", IP)  # no resend wait, no challenge
    assert len(rows()) == 1


# Parallel use (run on PostgreSQL too)

PARALLEL = 8


def _in_threads(app, call, count: int = PARALLEL) -> list:
    """Run ``call(n)`` in ``count`` threads released together, each in its own app context."""
    db.session.remove()  # the test's own session must hold no transaction while the threads write
    start = threading.Barrier(count)

    def run(n: int):
        with app.app_context():
            try:
                start.wait(timeout=10)
                return call(n)
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def _outcome(call) -> str:
    try:
        call()
    except (sms.CodeInvalid, sms.SmsRefused) as refused:
        return refused.reason
    return "ok"


def test_parallel_right_answers_succeed_exactly_once(sms_app):
    sms_app.config["SMS_MAX_ATTEMPTS"] = 100  # so every loser must answer "used"
    sms.request_code(PHONE, "sign_in", IP)
    code = sent_code()
    outcomes = _in_threads(sms_app, lambda _: _outcome(lambda: sms.verify_code(PHONE, "sign_in", code)))
    assert sorted(outcomes) == ["ok"] + ["used"] * (PARALLEL - 1)


def test_parallel_guesses_never_get_more_than_five_tries(sms_app):
    sms.request_code(PHONE, "sign_in", IP)
    guess = wrong_code(sent_code())
    outcomes = _in_threads(sms_app, lambda _: _outcome(lambda: sms.verify_code(PHONE, "sign_in", guess)))
    assert outcomes.count("wrong") == 4
    assert outcomes.count("too_many_attempts") == PARALLEL - 4
    assert rows()[0].attempts == 5


def test_parallel_requests_for_one_phone_send_one_code(sms_app):
    outcomes = _in_threads(
        sms_app, lambda n: _outcome(lambda: sms.request_code(PHONE, "register", f"198.51.100.{n}"))
    )
    assert sorted(outcomes) == ["ok"] + ["resend_too_soon"] * (PARALLEL - 1)
    assert len(sms.sms_outbox().sent) == 1


def test_parallel_requests_from_one_ip_never_pass_its_cap(sms_app):
    sms_app.config["SMS_IP_DAILY_CAP"] = 3
    outcomes = _in_threads(
        sms_app,
        lambda n: _outcome(lambda: sms.request_code(f"+86139000{n:05d}", "register", IP, challenge_passed=True)),
    )
    assert outcomes.count("ok") == 3
    assert db.session.scalar(select(func.count()).select_from(SmsCode)) == 3


# The challenge


def _spend_once():
    """A fresh record of spent challenges, as services.spent_tokens keeps them per app server."""
    spent = set()

    def spend(key):
        if key in spent:
            return False
        spent.add(key)
        return True

    return spend


def _check(token, answer, ip=IP, secret=SECRET, spend=None):
    return sms.check_challenge(secret, token, ip, answer, spend=spend or _spend_once())


def test_the_right_answer_passes_the_challenge_in_any_case_and_width(sms_app):
    token = sms.new_challenge(SECRET, IP)
    answer = challenge.answer_for(SECRET, token)
    assert len(answer) == 5 and set(answer) <= set(challenge.ALPHABET)
    assert _check(token, answer)
    assert _check(token, f" {answer.lower()} ")
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in answer)  # typed with a Chinese input method
    assert _check(token, full_width)


def test_a_solved_challenge_allows_one_send(sms_app):
    token = sms.new_challenge(SECRET, IP)
    answer = challenge.answer_for(SECRET, token)
    spend = _spend_once()
    assert _check(token, answer, spend=spend)
    assert not _check(token, answer, spend=spend)  # the same solution a second time


@pytest.mark.parametrize("answer", ["", "abc", "-1", "1e3", "99999", "AAAAAA"])
def test_a_wrong_answer_fails_the_challenge(sms_app, answer):
    token = sms.new_challenge(SECRET, IP)
    assert not _check(token, answer)


def test_a_challenge_only_counts_for_the_ip_it_was_given_to(sms_app):
    token = sms.new_challenge(SECRET, IP)
    assert not _check(token, challenge.answer_for(SECRET, token), ip="198.51.100.1")


def test_a_tampered_or_foreign_token_fails_the_challenge(sms_app):
    token = sms.new_challenge(SECRET, IP)
    answer = challenge.answer_for(SECRET, token)
    assert not _check(token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), answer)
    assert not _check(token, answer, secret="another-secret")
    assert not _check("not-a-token", answer)


def test_a_challenge_expires_after_ten_minutes(sms_app):
    token = sms.new_challenge(SECRET, IP)
    clock.advance(timedelta(minutes=10, seconds=1))
    assert not _check(token, challenge.answer_for(SECRET, sms.new_challenge(SECRET, IP)))
    assert challenge.answer_for(SECRET, token) is None


def test_the_token_does_not_carry_the_answer_and_differs_every_time(sms_app):
    token = sms.new_challenge(SECRET, IP)
    payload = URLSafeTimedSerializer(SECRET, salt="sms-challenge").loads(token)
    assert set(payload) == {"ip", "n"} and payload["ip"] == IP
    answer = challenge.answer_for(SECRET, token)
    assert answer not in token and answer not in str(payload)
    assert len({challenge.answer_for(SECRET, sms.new_challenge(SECRET, IP)) for _ in range(20)}) > 15


def test_the_picture_is_a_png_drawn_here(sms_app):
    import base64
    import io

    from PIL import Image

    uri = sms.challenge_image(SECRET, sms.new_challenge(SECRET, IP))
    assert uri.startswith("data:image/png;base64,")
    with Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))) as picture:
        assert picture.format == "PNG" and picture.size == (challenge.WIDTH, challenge.HEIGHT)
