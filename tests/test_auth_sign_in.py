"""Signing in three ways, signing out, sessions, and the refusals that protect them."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from extensions import db
from models import Notification, SecurityEvent, UserSession
from services import clock
from tests.accounts import (
    CHROME,
    PASSWORD,
    csrf_from,
    last_code,
    make_user,
    post_form,
    sent_codes,
    session_id_of,
    sign_in,
)


def test_sign_in_with_account_name_or_phone_and_password(app, client):
    make_user(app)
    response = sign_in(client, "seller1")
    assert response.headers["Location"] == "/"
    client.post("/sign-out", data={"csrf_token": _token(client)})
    response = sign_in(client, "138 0000 0001")
    assert session_id_of(client)


def _token(client):
    from tests.accounts import csrf_from

    return csrf_from(client.get("/settings/security", headers={"User-Agent": CHROME}).text)


def test_a_wrong_password_and_an_unknown_account_get_the_same_answer(app, client):
    make_user(app)
    wrong = post_form(client, "/en/sign-in", {"login": "seller1", "password": "Wrong-password-1"})
    unknown = post_form(client, "/en/sign-in", {"login": "nobody", "password": "Wrong-password-1"})
    assert wrong.status_code == unknown.status_code == 422
    message = "The account name, phone or password is not right."
    assert message in wrong.text and message in unknown.text
    with app.app_context():
        failures = db.session.scalars(select(SecurityEvent).where(SecurityEvent.kind == "sign_in_failed")).all()
        assert len(failures) == 2


def test_sign_in_with_an_sms_code(app, client):
    make_user(app)
    post_form(client, "/sign-in/sms", {"phone": "13800000001", "action": "send_code"})
    code = last_code(app, "+8613800000001")
    response = post_form(client, "/sign-in/sms", {"phone": "13800000001", "code": code, "action": "sign_in"})
    assert response.status_code == 303
    assert session_id_of(client)


def test_asking_a_code_for_an_unregistered_number_answers_the_same_but_sends_nothing(app, client):
    make_user(app)
    registered = post_form(client, "/en/sign-in/sms", {"phone": "13800000001", "action": "send_code"})
    unknown = post_form(client, "/en/sign-in/sms", {"phone": "13800000099", "action": "send_code"})
    assert registered.status_code == unknown.status_code == 200
    assert "We sent a 6-digit code" in registered.text and "We sent a 6-digit code" in unknown.text
    assert [m["phone"] for m in sent_codes(app)] == ["+8613800000001"]


@pytest.mark.parametrize("problem", ["wrong", "expired", "reused"])
def test_a_wrong_expired_or_reused_code_does_not_sign_in(app, client, problem):
    from datetime import timedelta

    make_user(app)
    post_form(client, "/en/sign-in/sms", {"phone": "13800000001", "action": "send_code"})
    code = last_code(app, "+8613800000001")
    if problem == "wrong":
        code = "000000" if code != "000000" else "111111"
        expected = "That code is not right."
    elif problem == "expired":
        clock.freeze(clock.now() + timedelta(minutes=6))
        expected = "That code has expired."
    else:
        other = app.test_client()
        post_form(other, "/en/sign-in/sms", {"phone": "13800000001", "code": code, "action": "sign_in"})
        expected = "That code was already used."
    response = post_form(client, "/en/sign-in/sms", {"phone": "13800000001", "code": code, "action": "sign_in"})
    assert response.status_code == 422
    assert expected in response.text
    assert session_id_of(client) is None


def test_asking_again_too_soon_is_refused_with_the_wait(app, client):
    make_user(app)
    post_form(client, "/en/sign-in/sms", {"phone": "13800000001", "action": "send_code"})
    again = post_form(client, "/en/sign-in/sms", {"phone": "13800000001", "action": "send_code"})
    assert again.status_code == 422
    assert "You can ask for another in" in again.text
    assert len(sent_codes(app)) == 1


def test_the_session_id_changes_at_sign_in(app, client):
    make_user(app)
    client.get("/sign-in")
    with client.session_transaction() as session:
        session["_user_id"] = "planted-by-attacker"
        session["marker"] = "old"
    sign_in(client)
    with client.session_transaction() as session:
        assert session["_user_id"] != "planted-by-attacker"
        assert "marker" not in session


def test_signing_out_revokes_the_session_row(app, client):
    make_user(app)
    sign_in(client)
    stolen = session_id_of(client)
    client.post("/sign-out", data={"csrf_token": _token(client)})
    attacker = app.test_client()
    with attacker.session_transaction() as session:
        session["_user_id"] = stolen
        session["_fresh"] = True
    assert attacker.get("/settings/security").status_code in (302, 303)
    with app.app_context():
        assert db.session.get(UserSession, stolen).revoked_at is not None


def _remember_cookie(client):
    cookie = client.get_cookie("remember_token")
    assert cookie is not None
    return cookie.value


def test_remember_me_signs_in_a_new_browser_session_until_revoked(app, client):
    make_user(app)
    sign_in(client, remember="y")
    token = _remember_cookie(client)
    returning = app.test_client()  # the same browser after it was closed: only the remember-me cookie is left
    returning.set_cookie("remember_token", token)
    assert returning.get("/settings/security").status_code == 200
    # "Sign out everywhere else" from another browser kills that remember-me token.
    other = app.test_client()
    sign_in(other)
    other.post("/settings/sessions/revoke-others", data={"csrf_token": _token(other)})
    later = app.test_client()
    later.set_cookie("remember_token", token)
    assert later.get("/settings/security").status_code == 303


def test_signing_out_kills_this_browsers_remember_me_token(app, client):
    make_user(app)
    sign_in(client, remember="y")
    token = _remember_cookie(client)
    client.post("/sign-out", data={"csrf_token": _token(client)})
    later = app.test_client()
    later.set_cookie("remember_token", token)
    assert later.get("/settings/security").status_code == 303


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example",
                                    "javascript:alert(1)", "http:/evil.example"])
def test_next_never_leaves_the_site(app, client, target):
    make_user(app)
    response = post_form(client, "/sign-in", {"login": "seller1", "password": PASSWORD, "next": target})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_a_safe_next_is_followed(app, client):
    make_user(app)
    response = post_form(client, "/sign-in", {"login": "seller1", "password": PASSWORD, "next": "/c/ads?sort=name"})
    assert response.headers["Location"] == "/c/ads?sort=name"


def test_password_guessing_from_one_client_backs_off_exponentially_with_retry_after(app, client):
    make_user(app)
    statuses = [post_form(client, "/en/sign-in", {"login": "seller1", "password": f"Wrong-{n}-pass"}).status_code
                for n in range(3)]
    assert statuses == [422] * 3  # the first failures are free
    waited = []
    for _ in range(3):  # then each try waits twice as long, and is refused unchecked before then
        refused = post_form(client, "/en/sign-in", {"login": "seller1", "password": PASSWORD})
        assert refused.status_code == 429
        assert "Too many failed tries for this account from here" in refused.text
        assert 'value="seller1"' in refused.text  # the form keeps what was typed
        waited.append(int(re.search(r"Try again in (\d+) seconds?", refused.text).group(1)))
        # Retry-After is the later of this wait and the per-IP limit's window (flask-limiter takes the max).
        assert int(refused.headers["Retry-After"]) >= waited[-1]
        clock.freeze(clock.now() + timedelta(seconds=waited[-1]))
        assert post_form(client, "/en/sign-in", {"login": "seller1", "password": "Wrong-again-1"}).status_code == 422
    assert waited == [2, 4, 8]


def test_the_rate_limit_works_with_redis_storage(database_url):
    import os

    import redis

    from tests.conftest import make_app

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    redis.Redis.from_url(url).flushdb()
    app = make_app(database_url, RATELIMIT_STORAGE_URI=url)
    client = app.test_client()
    statuses = [post_form(client, "/en/sign-in", {"login": f"x{n}", "password": "y"}).status_code
                for n in range(11)]
    assert statuses[-1] == 429
    assert redis.Redis.from_url(url).keys("LIMITS*")
    redis.Redis.from_url(url).flushdb()
    with app.app_context():
        db.engine.dispose()


def test_a_sign_in_from_a_new_browser_leaves_a_notice(app, client):
    user_id = make_user(app)
    sign_in(client)
    other = app.test_client()
    post_form(other, "/en/sign-in", {"login": "seller1", "password": PASSWORD},
              headers={"User-Agent": "Mozilla/5.0 Firefox/140.0"})
    with app.app_context():
        notices = db.session.scalars(select(Notification).where(Notification.user_id == user_id)).all()
        assert [n.kind for n in notices] == ["new_browser"]
    page = client.get("/en/", headers={"User-Agent": CHROME}).text
    assert 'class="pill"' in page
    inbox = client.get("/en/inbox").text
    assert "new browser" in inbox
    assert 'class="pill"' not in client.get("/en/inbox").text


def test_a_banned_user_can_sign_in_and_sees_why(app, client):
    make_user(app, status="banned", ban_reason="Spam reviews")
    sign_in(client)
    page = client.get("/en/settings/security").text
    assert "Your account is banned" in page and "Spam reviews" in page


def test_staff_flag_holds_the_account_at_the_unlock_page_after_sign_in(app, client):
    # The whole lock is in tests/test_compromised_lock.py; here only that password sign-in honours it.
    user_id = make_user(app)
    with app.app_context():
        from models import User
        db.session.get(User, user_id).must_change_password = True
        db.session.commit()
    sign_in(client)
    held = client.get("/settings/security")
    assert held.status_code == 303 and held.headers["Location"].endswith("/account/unlock")


FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _guess(client, login: str, n: int, password: str = "Wrong-guess-pass-1"):
    # Each guess from its own address, so only the per-account limit (not the per-IP one) is in play.
    return post_form(client, "/en/sign-in", {"login": login, "password": password},
                     environ_base={"REMOTE_ADDR": f"198.51.100.{n}"})


def test_failures_count_on_the_account_whatever_the_spelling_and_then_every_client_gets_the_challenge(app, client):
    make_user(app, phone="+8613800000003")
    spellings = ["13800000003", "+86 138 0000 0003", "138-0000-0003", "13800000003".translate(FULL_WIDTH), "seller1"]
    statuses = [_guess(client, spellings[n], n).status_code for n in range(5)]
    assert statuses == [422] * 5
    for n, spelling in enumerate(spellings, start=5):  # any spelling, any address: the picture comes first
        challenged = _guess(app.test_client(), spelling, n, password=PASSWORD)
        assert challenged.status_code == 422, spelling
        assert "Type the characters in the picture" in challenged.text
        assert session_id_of(client) is None


def test_the_challenge_answered_lets_the_right_password_in(app, client):
    from services.sms import challenge

    make_user(app)
    for n in range(5):
        _guess(client, "seller1", n)
    page = _guess(client, "seller1", 9, password=PASSWORD).text
    token = re.search(r'name="challenge_token" type="hidden" value="([^"]+)"', page).group(1)
    answer = challenge._characters(app.secret_key, challenge._payload(app.secret_key, token)["n"])
    response = post_form(client, "/en/sign-in", {"login": "seller1", "password": PASSWORD,
                                                 "challenge_token": token, "challenge_answer": answer},
                         environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert response.status_code == 303


def test_a_browser_that_signed_in_before_is_never_held_back_by_anothers_guesses(app, client):
    make_user(app)
    sign_in(client)  # the owner's browser: it now carries the device cookie
    client.post("/sign-out", data={"csrf_token": csrf_from(client.get("/en/").text)})
    for n in range(8):  # enough for the challenge, each from an address of its own
        _guess(app.test_client(), "seller1", 100 + n)
    stranger = _guess(app.test_client(), "seller1", 200, password=PASSWORD)
    assert stranger.status_code == 422 and "Type the characters in the picture" in stranger.text
    assert _guess(client, "seller1", 200, password=PASSWORD).status_code == 303  # same address, own device


def test_successful_sign_ins_are_never_counted(app, client):
    make_user(app)
    for n in range(25):
        assert _guess(app.test_client(), "seller1", n, password=PASSWORD).status_code == 303


def test_unknown_names_are_counted_by_their_normalised_spelling_and_answered_alike(app, client):
    make_user(app)
    for n in range(5):
        _guess(client, "Nobody" if n % 2 else "ＮＯＢＯＤＹ", n)
        _guess(client, "seller1", n)
    unknown, known = _guess(app.test_client(), "nobody", 50), _guess(app.test_client(), "seller1", 51)
    assert unknown.status_code == known.status_code == 422
    assert "Type the characters in the picture" in unknown.text and "Type the characters in the picture" in known.text


def test_the_owner_is_told_once_a_day_when_the_challenge_starts(app, client):
    user_id = make_user(app)
    for n in range(9):
        _guess(app.test_client(), "seller1", n)
    with app.app_context():
        kinds = list(db.session.scalars(select(Notification.kind).where(Notification.user_id == user_id)))
    assert kinds == ["sign_in_failures"]


def test_wrong_sms_codes_back_off_on_their_own_and_leave_password_sign_in_alone(app, client):
    make_user(app)
    post_form(client, "/en/sign-in/sms", {"phone": "13800000001", "action": "send_code"})
    statuses = [post_form(client, "/en/sign-in/sms", {"phone": "13800000001", "code": "000000",
                                                      "action": "sign_in"}).status_code for _ in range(4)]
    assert statuses[:3] == [422] * 3 and statuses[3] == 429
    assert post_form(client, "/en/sign-in", {"login": "seller1", "password": PASSWORD}).status_code == 303
