"""The access record: one row per request, written in batches off the request path."""

import logging

import pytest
from sqlalchemy import select

from extensions import db
from models import AccessRecord
from services import access_log
from tests.accounts import CHROME, make_user, sign_in
from tests.conftest import make_app


def _records(app) -> list[AccessRecord]:
    """Flush the buffer, then every access record, oldest first."""
    with app.app_context():
        access_log.flush()
        rows = list(db.session.scalars(select(AccessRecord).order_by(AccessRecord.id)))
        db.session.expunge_all()
        return rows


def test_a_request_is_recorded_with_its_path_but_not_its_query_string(app, client, catalog):
    client.get("/t/alpha-scout?platform=amazon&page=2", headers={"User-Agent": CHROME, "Accept-Language": "en-GB,en"})
    client.get("/no/such/page?token=abc")
    client.post("/robots.txt")
    first, missing, post = _records(app)
    assert (first.method, first.path, first.status) == ("GET", "/t/alpha-scout", 200)
    assert first.ip == "127.0.0.1" and first.user_agent == CHROME and first.user_id is None
    assert first.created_at is not None
    assert (missing.path, missing.status) == ("/no/such/page", 404)
    assert (post.method, post.status) == ("POST", 405)


def test_the_page_language_is_recorded_or_else_the_browsers(app, client, catalog):
    client.get("/en/", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
    client.get("/robots.txt", headers={"Accept-Language": "en-US,en;q=0.9,zh-CN;q=0.8,zh;q=0.7,fr;q=0.6,de;q=0.5"})
    english, chinese, robots = _records(app)
    assert english.language == "en" and chinese.language == "zh"
    assert robots.language == "en-US,en;q=0.9,zh-CN;q=0.8,zh;q=0.7,fr;q=0.6,de;q=0.5"[:40]  # the column's size


def test_a_long_browser_string_is_cut_to_the_column(app, client):
    client.get("/robots.txt", headers={"User-Agent": "x" * 1000})
    (row,) = _records(app)
    assert row.user_agent == "x" * 400


@pytest.mark.parametrize(
    ("app_config", "address"),
    [({"PROXY_FIX_X_FOR": 1}, "203.0.113.9"), ({"PROXY_FIX_X_FOR": 0}, "127.0.0.1")],
)
def test_the_address_is_the_clients_behind_a_trusted_proxy_and_the_peers_otherwise(app, client, address):
    client.get("/robots.txt", headers={"X-Forwarded-For": "203.0.113.9"})
    assert [r.ip for r in _records(app)] == [address]


def test_a_signed_in_users_requests_carry_their_id(app, client):
    user_id = make_user(app)
    sign_in(client)
    client.get("/en/settings/security", headers={"User-Agent": CHROME})
    app.test_client().get("/en/settings/security")  # another browser, anonymous: sent to sign in
    rows = _records(app)
    security = [r for r in rows if r.path == "/en/settings/security"]
    assert [(r.status, r.user_id) for r in security] == [(200, user_id), (303, None)]
    sign_in_post = [r for r in rows if r.path == "/sign-in" and r.method == "POST"]
    assert [r.user_id for r in sign_in_post] == [user_id]  # the user signed in during that very request


def test_recording_a_request_sends_no_sql(app, client, count_queries):
    client.get("/robots.txt")
    with count_queries() as counter:
        client.get("/robots.txt")
    assert counter.count == 0
    assert app.extensions["access_log"].pending() == 2


def test_static_files_are_not_recorded(app, client):
    response = client.get("/static/css/site.css")
    assert response.status_code == 200
    response.close()
    assert _records(app) == []


@pytest.mark.own_app  # adds a route
def test_a_secret_carried_in_the_path_is_not_recorded(app, client):
    app.add_url_rule("/verify-email/<token>", "verify_email_demo", lambda token: "ok")
    client.get("/verify-email/s3cr3t-t0ken-value")
    (row,) = _records(app)
    assert row.path == "/verify-email/<token>"


@pytest.mark.parametrize("app_config", [{"ACCESS_LOG_ENABLED": False}])
def test_nothing_is_recorded_when_the_access_log_is_disabled(app, client, app_config):
    assert client.get("/robots.txt").status_code == 200
    assert "access_log" not in app.extensions
    assert _records(app) == []


@pytest.mark.parametrize("app_config", [{"ACCESS_LOG_BUFFER_SIZE": 2}])
def test_a_full_buffer_drops_and_counts_rows_and_the_request_still_succeeds(app, client, app_config, caplog):
    statuses = [client.get("/robots.txt").status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    log = app.extensions["access_log"]
    assert log.dropped == 1
    with caplog.at_level(logging.WARNING, logger="sellernav.access_log"):
        assert len(_records(app)) == 2
    assert "1 records dropped" in caplog.text


def test_a_database_that_refuses_the_batch_loses_rows_not_requests(tmp_path, caplog):
    app = make_app(f"sqlite:///{tmp_path / 'no-tables.db'}")  # never migrated: the insert fails
    client = app.test_client()
    assert client.get("/robots.txt", headers={"User-Agent": CHROME}).status_code == 200
    with caplog.at_level(logging.WARNING, logger="sellernav.access_log"), app.app_context():
        assert access_log.flush() == 0
    log = app.extensions["access_log"]
    assert log.dropped == 1 and log.pending() == 0
    assert "refused 1 records" in caplog.text
    assert CHROME not in caplog.text  # the warning does not carry the rows


@pytest.mark.parametrize("app_config", [{"ACCESS_LOG_BACKGROUND": True, "ACCESS_LOG_BATCH_SIZE": 2}])
def test_the_background_writer_starts_with_the_first_request_and_writes_the_rest_at_exit(app, client, app_config):
    log = app.extensions["access_log"]
    assert log._thread is None  # nothing runs before a request: gunicorn forks first
    for _ in range(5):
        client.get("/robots.txt")
    assert log._thread is not None and log._thread.is_alive()
    log.stop()  # what the process does at exit
    assert not log._thread.is_alive()
    assert log.pending() == 0 and log.written == 5 and log.dropped == 0
    with app.app_context():
        assert len(db.session.scalars(select(AccessRecord)).all()) == 5


def test_a_session_in_the_path_is_recorded_as_a_keyed_reference_never_as_its_id(app, client):
    from services.access_log import session_reference
    from tests.accounts import post_form, session_id_of

    make_user(app)
    sign_in(client)
    other = app.test_client()
    sign_in(other)
    other_id = session_id_of(other)
    for _ in range(2):  # the second revoke is a 404: the same session, the same reference
        post_form(client, "/settings/security", {}, action=f"/settings/sessions/{other_id}/revoke")
    revokes = [row.path for row in _records(app) if row.path.endswith("/revoke")]
    reference = session_reference(other_id, app.config["SECRET_KEY"])
    assert revokes == [f"/settings/sessions/<session_id:{reference}>/revoke"] * 2
    assert all(other_id not in row.path for row in _records(app))
    assert session_reference(other_id, "another key") != reference  # useless without the server's key
