"""No secret reaches a log: phone numbers, SMS codes, passwords and WeChat's OAuth code and state.

Real flows run through the test client (register, SMS sign-in, password reset,
WeChat sign-in against the fake WeChat) while every Python log record is captured
at DEBUG; then the captured messages and every stored record (access records, the
security log, the outbox, the inbox) are searched for each secret.
"""

import logging
import re
import threading
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from gunicorn.config import Config
from gunicorn.glogging import Logger
from sqlalchemy import select, text
from werkzeug.serving import make_server

from extensions import db
from models import AccessRecord
from services import access_log, clock
from tests.accounts import CHROME, PASSWORD, post_form, sent_codes
from tests.fakes.wechat import WEB_APP_SECRET, wechat_config

PHONE = "13812345678"
# Every unmasked form a phone number could be written in; masked ones (+86138****5678) are fine.
PHONE_FORMS = ("+8613812345678", "8613812345678", "13812345678", "138 1234 5678", "138-1234-5678")
NEW_PASSWORD = "Brand-New-Pass-77"
# The console SMS backend's own line is the development stand-in for the text message itself.
CONSOLE_SMS_LOGGER = "sellernav.sms"


@pytest.fixture
def app_config(fake_wechat):
    return wechat_config(fake_wechat)


@pytest.fixture
def captured(caplog, app):
    """Every log record from every logger, DEBUG and up."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger=app.logger.name)
    caplog.set_level(logging.DEBUG, logger="werkzeug")
    return caplog


def _codes(app) -> list[str]:
    return [message["code"] for message in sent_codes(app)]


def _next_flow() -> None:
    # Past the resend gap and the hourly per-address count that asks for a challenge.
    clock.advance(timedelta(hours=2))


def _register(app) -> None:
    client = app.test_client()
    post_form(client, "/en/register", {"phone": PHONE, "action": "send_code"})
    response = post_form(client, "/en/register", {
        "account_name": "newseller", "password": PASSWORD, "phone": PHONE, "code": _codes(app)[-1],
        "accept_terms": "y", "action": "register"})
    assert response.status_code == 303, response.text


def _sign_in_with_a_code(app) -> None:
    client = app.test_client()
    post_form(client, "/sign-in/sms", {"phone": PHONE, "action": "send_code"})
    response = post_form(client, "/sign-in/sms", {"phone": PHONE, "code": _codes(app)[-1], "action": "sign_in"})
    assert response.status_code == 303, response.text
    assert client.get("/en/settings/security", headers={"User-Agent": CHROME}).status_code == 200


def _reset_the_password(app) -> None:
    client = app.test_client()
    post_form(client, "/en/forgot-password", {"phone": PHONE, "action": "send_code"})
    response = post_form(client, "/en/forgot-password", {
        "phone": PHONE, "code": _codes(app)[-1], "password": NEW_PASSWORD, "action": "reset"})
    assert response.status_code == 303, response.text


def _sign_in_with_wechat(app, fake) -> tuple[str, str]:
    """A first WeChat sign-in with consent; returns the OAuth code and state that came back."""
    client = app.test_client()
    authorize = client.get("/auth/wechat/start?next=/en/", headers={"User-Agent": CHROME}).headers["Location"]
    page = requests.get(authorize, headers={"User-Agent": CHROME}, timeout=5)
    link = re.search(r'id="approve" href="([^"]+)"', page.text).group(1).replace("&amp;", "&")
    callback = urlsplit(link)
    query = parse_qs(callback.query)
    response = client.get(f"{callback.path}?{callback.query}", headers={"User-Agent": CHROME})
    assert response.status_code == 303 and response.headers["Location"].endswith("/auth/wechat/consent")
    assert post_form(client, "/auth/wechat/consent", {"accept_terms": "y"}).status_code == 303
    return query["code"][0], query["state"][0]


def _stored_text(app) -> dict[str, str]:
    """Each log-like table as text: access records, security log, outbox, inbox."""
    with app.app_context():
        access_log.flush()
        tables = {
            "access_record": "SELECT * FROM access_record",
            "security_event": "SELECT * FROM security_event",
            # The recipient column is where an SMS must go; what is written about it is what counts.
            "outbox_message": "SELECT kind, subject, body, last_error FROM outbox_message",
            "notification": "SELECT kind, detail FROM notification",
        }
        return {
            name: "\n".join(" | ".join(str(v) for v in row) for row in db.session.execute(text(sql)))
            for name, sql in tables.items()
        }


def _leaks(haystacks: dict[str, str], secrets: dict[str, str]) -> list[str]:
    found = []
    for where, haystack in haystacks.items():
        for what, secret in secrets.items():
            if re.search(rf"(?<![0-9A-Za-z]){re.escape(secret)}(?![0-9A-Za-z])", haystack):
                found.append(f"{what} in {where}")
    return found


def test_no_phone_code_password_or_oauth_secret_reaches_a_log_or_a_stored_record(app, catalog, fake_wechat, captured):
    clock.freeze(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    _register(app)
    _next_flow()
    _sign_in_with_a_code(app)
    _next_flow()
    _reset_the_password(app)
    _next_flow()
    oauth_code, oauth_state = _sign_in_with_wechat(app, fake_wechat)

    secrets = {f"phone {form!r}": form for form in PHONE_FORMS}
    secrets.update({f"SMS code {i + 1}": code for i, code in enumerate(_codes(app))})
    secrets.update({"password": PASSWORD, "new password": NEW_PASSWORD, "OAuth code": oauth_code,
                    "OAuth state": oauth_state, "WeChat app secret": WEB_APP_SECRET})
    assert len(_codes(app)) == 3

    messages = "\n".join(
        record.getMessage() for record in captured.records
        if not (record.name == CONSOLE_SMS_LOGGER and record.getMessage().startswith("SMS "))
    )
    stored = _stored_text(app)
    assert stored["access_record"] and stored["security_event"]  # the flows were recorded
    assert "/auth/wechat/callback" in stored["access_record"]
    assert _leaks({"log messages": messages, **stored}, secrets) == []


def test_the_development_servers_request_line_carries_no_query_string(app, captured):
    server = make_server("127.0.0.1", 0, app)
    serving = threading.Thread(target=server.handle_request)  # exactly one request, then the thread ends
    serving.start()
    url = f"http://127.0.0.1:{server.server_port}/robots.txt?code=918273&state=Zq8sPm2Lx"
    assert requests.get(url, timeout=5).status_code == 200
    serving.join(timeout=5)
    server.server_close()
    lines = [r.getMessage() for r in captured.records if r.name == "werkzeug"]
    assert any("GET /robots.txt HTTP/1.1" in line for line in lines), lines
    assert not any("918273" in line or "Zq8sPm2Lx" in line for line in lines)


def test_an_access_record_never_holds_the_query_string(app, client, fake_wechat):
    client.get("/auth/wechat/callback?code=918273&state=Zq8sPm2Lx")
    with app.app_context():
        access_log.flush()
        (row,) = db.session.scalars(select(AccessRecord)).all()
        assert row.path == "/auth/wechat/callback"


def test_gunicorns_access_log_would_carry_no_query_string(app, tmp_path):
    config = Config()
    config.set("accesslog", str(tmp_path / "access.log"))  # the default format: "%(r)s" is the raw request line
    gunicorn_log = Logger(config)
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": "/auth/wechat/callback?code=918273&state=Zq8sPm2Lx",
               "PATH_INFO": "/auth/wechat/callback", "QUERY_STRING": "code=918273&state=Zq8sPm2Lx",
               "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
               "HTTP_REFERER": "https://open.weixin.qq.com/connect/qrconnect?appid=wx1&state=Zq8sPm2Lx"}
    response = SimpleNamespace(status="303 SEE OTHER", sent=0, headers=[])
    gunicorn_log.access(response, SimpleNamespace(headers=[]), environ, timedelta(milliseconds=3))
    for handler in gunicorn_log.access_log.handlers:
        handler.close()
    gunicorn_log.access_log.handlers.clear()
    line = (tmp_path / "access.log").read_text()
    assert '"GET /auth/wechat/callback HTTP/1.1" 303' in line
    assert "918273" not in line and "Zq8sPm2Lx" not in line
