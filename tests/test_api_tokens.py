"""Personal API tokens: created in settings and shown once, stored hashed, revocable, with their own rate limit."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from extensions import db
from models import ApiToken
from services import api_tokens, clock
from tests.accounts import csrf_from, make_user, post_form, sign_in
from tests.api_schema import api_get

TOKEN = re.compile(r"snk_[A-Za-z0-9_-]{43}")
PAGE = "/settings/api-tokens"


@pytest.fixture
def app_config():
    return {"API_TOKENS_PER_USER": 2}


@pytest.fixture
def user(app, client):
    user_id = make_user(app)
    sign_in(client)
    return user_id


def create(client, name="price tracker"):
    return post_form(client, PAGE, {"name": name}, action=PAGE + "/create")


def created_token(client, name="price tracker") -> str:
    response = create(client, name)
    assert response.status_code == 200, response.text
    return TOKEN.search(response.text).group(0)


def rows(app) -> list[ApiToken]:
    with app.app_context():
        found = list(db.session.scalars(select(ApiToken).order_by(ApiToken.id)))
        for row in found:
            db.session.expunge(row)
        return found


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_a_new_token_is_shown_once_and_stored_only_as_a_hash(app, client, user):
    response = create(client)
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    tokens = TOKEN.findall(response.text)
    assert len(tokens) == 1
    token = tokens[0]
    [row] = rows(app)
    assert (row.user_id, row.name, row.prefix) == (user, "price tracker", token[:12])
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(vars(row))  # only the hash and the prefix are kept
    again = client.get(PAGE)
    assert again.status_code == 200 and "no-store" in again.headers["Cache-Control"]
    assert token not in again.text and token[:12] in again.text and "price tracker" in again.text
    assert token not in client.get("/en" + PAGE).text


def test_a_token_reads_the_api_privately_and_notes_when_it_was_last_used(app, client, user, catalog):
    token = created_token(client)
    clock.freeze(datetime(2026, 5, 1, 8, 0, tzinfo=UTC))
    reader = app.test_client()
    response = api_get(app, reader, "/tools", headers=bearer(token))
    assert "private" in response.headers["Cache-Control"] and "public" not in response.headers["Cache-Control"]
    assert rows(app)[0].last_used_at == clock.now()
    clock.advance(timedelta(seconds=30))
    api_get(app, reader, "/categories", headers=bearer(token))
    assert rows(app)[0].last_used_at == datetime(2026, 5, 1, 8, 0, tzinfo=UTC)  # at most once a minute
    clock.advance(timedelta(seconds=31))
    api_get(app, reader, "/categories", headers=bearer(token))
    assert rows(app)[0].last_used_at == clock.now()


def test_a_revoked_token_is_refused_with_401(app, client, user, catalog):
    token = created_token(client)
    reader = app.test_client()
    api_get(app, reader, "/tools", headers=bearer(token))
    [row] = rows(app)
    response = post_form(client, PAGE, {}, action=f"{PAGE}/{row.id}/revoke")
    assert response.status_code == 303
    assert rows(app)[0].revoked_at is not None
    refused = api_get(app, reader, "/tools", expect=401, headers=bearer(token))
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert refused.get_json()["title"] == "Invalid or revoked token"
    assert "撤销" in client.get(PAGE).text  # "Revoked …" on the Chinese page
    api_get(app, reader, "/tools")  # without the header: anonymous, as always


@pytest.mark.parametrize("header", [
    "Bearer snk_" + "x" * 43, "Bearer not-a-token", "Bearer ", "Basic dXNlcjpwYXNz", "snk_abc", "",
    "Bearer snk_" + "x" * 5000,
])
def test_a_wrong_or_malformed_token_is_refused_not_served_as_anonymous(app, catalog, client, header):
    response = api_get(app, client, "/tools", expect=401, headers={"Authorization": header})
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_someone_elses_token_cannot_be_revoked(app, client, user, catalog):
    token = created_token(client)
    [row] = rows(app)
    make_user(app, "other", phone="+8613800000002")
    other = app.test_client()
    sign_in(other, "other")
    assert post_form(other, PAGE, {}, action=f"{PAGE}/{row.id}/revoke").status_code == 404
    assert post_form(other, PAGE, {}, action=f"{PAGE}/999999/revoke").status_code == 404
    assert rows(app)[0].revoked_at is None
    assert row.prefix not in other.get(PAGE).text
    api_get(app, app.test_client(), "/tools", headers=bearer(token))


def test_creating_and_revoking_need_the_csrf_token(app, client, user):
    assert client.post(PAGE + "/create", data={"name": "x"}).status_code == 400
    created_token(client)
    [row] = rows(app)
    assert client.post(f"{PAGE}/{row.id}/revoke").status_code == 400
    assert len(rows(app)) == 1 and rows(app)[0].revoked_at is None


def test_visitors_sign_in_unverified_users_verify_and_banned_users_cannot_create(app, client):
    visitor = client.get(PAGE)
    assert visitor.status_code in (302, 303) and "/sign-in" in visitor.headers["Location"]
    make_user(app, "fresh", phone="+8613800000003", verified=False)
    sign_in(client, "fresh")
    page = client.get(PAGE)
    assert page.status_code == 200 and "请先验证手机号，才能创建令牌" in page.text
    response = client.post(PAGE + "/create", data={"name": "x", "csrf_token": csrf_from(page.text)})
    assert response.status_code in (302, 303) and "verify" in response.headers["Location"]
    make_user(app, "banned", phone="+8613800000004", status="banned", ban_reason="spam")
    banned = app.test_client()
    sign_in(banned, "banned")
    assert create(banned).status_code == 403
    assert rows(app) == []


def test_names_are_required_and_limited_and_so_are_working_tokens(app, client, user):
    blank = create(client, "   ")
    assert blank.status_code == 422 and "请为令牌命名" in blank.text
    long = create(client, "x" * 61)
    assert long.status_code == 422 and re.search(r'id="token-name-error">[^<]*60', long.text)
    first = created_token(client, "one")
    created_token(client, "two")
    third = create(client, "three")
    assert third.status_code == 422 and "请撤销一个后再创建" in third.text
    assert not TOKEN.search(third.text)
    assert [r.name for r in rows(app)] == ["one", "two"]
    with app.app_context():
        api_tokens.revoke_token(user, api_tokens.find_active_token(first).id)
    created_token(client, "three")  # revoked tokens do not count


def test_a_token_has_its_own_higher_limit(app, client, user, catalog):
    app.config.update(API_ANONYMOUS_RATE_LIMIT="2 per minute", API_TOKEN_RATE_LIMIT="4 per minute")
    token = created_token(client)
    reader = app.test_client()
    assert [reader.get("/api/v1/categories").status_code for _ in range(3)] == [200, 200, 429]
    assert [reader.get("/api/v1/categories", headers=bearer(token)).status_code for _ in range(4)] == [200] * 4
    limited = api_get(app, reader, "/categories", expect=429, headers=bearer(token))
    assert int(limited.headers["Retry-After"]) > 0


def test_the_settings_navigation_lists_api_tokens(app, client, user):
    assert f'href="{PAGE}"' in client.get("/settings/profile").text
