"""Export: confirm it is you, then one zip of readable JSON with everything the site keeps about you."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from extensions import db
from models import SecurityEvent
from services import clock
from services.export import SECTIONS
from tests.accounts import PASSWORD, csrf_from, last_code, make_user, post_form, sign_in
from tests.personal_data_fill import PERSONAL, fill_everything


@pytest.fixture
def app_config(tmp_path):
    return {"UPLOAD_DIR": str(tmp_path / "uploads")}


def _export(client, **data):
    return post_form(client, "/en/settings/export", {"action": "export", **data})


def _zip(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(response.data))


def _events(app, kind: str) -> int:
    with app.app_context():
        return len(db.session.scalars(select(SecurityEvent).where(SecurityEvent.kind == kind)).all())


def test_the_page_lists_the_files_and_asks_for_the_password(app, client):
    make_user(app)
    sign_in(client)
    page = client.get("/en/settings/export")
    assert page.status_code == 200 and "no-store" in page.headers["Cache-Control"]
    assert "profile.json" in page.text and "Your password" in page.text


def test_visitors_are_sent_to_sign_in(client):
    response = client.get("/en/settings/export")
    assert response.status_code == 303 and "/sign-in" in response.headers["Location"]


def test_a_wrong_password_is_refused_logged_and_exports_nothing(app, client):
    make_user(app)
    sign_in(client)
    response = _export(client, password="Wrong-password-1")
    assert response.status_code == 422 and response.mimetype == "text/html"
    assert "That password is not right." in response.text
    assert _events(app, "export_confirm_failed") == 1
    assert _events(app, "data_exported") == 0


def test_the_export_holds_every_file_readable_and_nothing_it_must_not(catalog, client):
    clock.freeze(datetime(2030, 5, 6, 20, 0, tzinfo=UTC))  # already 7 May in China
    ids = fill_everything(catalog)
    sign_in(client, PERSONAL["account_name"])
    response = _export(client, password=PASSWORD)
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="sellernav-export-erasable1-2030-05-07.zip"')
    archive = _zip(response)
    names = set(archive.namelist())
    assert set(SECTIONS) | {"README.txt", "files/avatar.webp"} <= names
    readme = archive.read("README.txt").decode("utf-8")
    assert "收藏的工具" in readme and "Tools in your favorites" in readme
    text = "\n".join(archive.read(name).decode("utf-8") for name in SECTIONS)
    files = {name: json.loads(archive.read(name)) for name in SECTIONS}
    # Readable: indented, Chinese as characters rather than \u escapes.
    assert '\n  "account_name": "erasable1"' in archive.read("profile.json").decode("utf-8")
    assert PERSONAL["store"] in text and PERSONAL["query"] in text and PERSONAL["openid"] in text
    assert files["profile.json"]["has_password"] is True
    assert files["collections.json"][0]["items"][0]["note"] == PERSONAL["collection_note"]
    assert files["helpful_votes.json"] == [{"review_id": ids["other_rating_id"],
                                           "tool": files["helpful_votes.json"][0]["tool"],
                                           "created_at": files["helpful_votes.json"][0]["created_at"]}]
    assert files["tickets.json"][0]["messages"][0]["body"] == PERSONAL["ticket_reply"]
    assert files["deletion_requests.json"][0]["state"] == "pending"
    # Never: password or code hashes, a whole session id, other people's data.
    assert "$argon2" not in text and "pbkdf2" not in text and "scrypt" not in text
    assert "0" * 64 not in text and "1" * 64 not in text
    assert PERSONAL["session_id"] not in text and PERSONAL["session_id"][:6] in text
    for neighbour in ("Neighbour", "+8613899990000", "Neighbour Ltd", "Neighbour asks."):
        assert neighbour not in text
    assert archive.read("files/avatar.webp").startswith(b"RIFF")
    assert any(name.startswith("files/licence-") for name in names)
    assert _events(catalog, "data_exported") == 1


def test_an_account_without_a_password_confirms_with_an_sms_code(app, client):
    make_user(app, password=None)
    post_form(client, "/sign-in/sms", {"phone": "13800000001", "action": "send_code"})
    post_form(client, "/sign-in/sms", {"phone": "13800000001", "code": last_code(app, "+8613800000001"),
                                       "action": "sign_in"})
    page = client.get("/en/settings/export")
    token = csrf_from(page.text)
    sent = client.post("/en/settings/export", data={"csrf_token": token, "action": "send_code"})
    assert sent.status_code == 200
    response = client.post("/en/settings/export", data={"csrf_token": token, "action": "export",
                                                        "code": last_code(app, "+8613800000001")})
    assert response.mimetype == "application/zip"
    profile = json.loads(_zip(response).read("profile.json"))
    assert profile["account_name"] == "seller1" and profile["has_password"] is False
    assert re.match(r'attachment; filename="sellernav-export-seller1-\d{4}-\d\d-\d\d\.zip"',
                    response.headers["Content-Disposition"])


@pytest.mark.parametrize("kind", ["banned", "unverified"])
def test_banned_and_unverified_accounts_can_export_too(app, client, kind):
    make_user(app, status="banned" if kind == "banned" else "active", verified=kind != "unverified")
    sign_in(client)
    response = _export(client, password=PASSWORD)
    assert response.mimetype == "application/zip"


def test_confirm_attempts_are_rate_limited_per_account(app, client):
    make_user(app)
    sign_in(client)
    token = csrf_from(client.get("/en/settings/export").text)
    statuses = [client.post("/en/settings/export", data={"csrf_token": token, "action": "export",
                                                         "password": "Wrong-password-1"}).status_code
                for _ in range(11)]
    assert statuses[:10] == [422] * 10 and statuses[10] == 429
    # The budget is shared with deleting the account: guessing there does not start afresh.
    response = client.post("/en/settings/delete-account", data={"csrf_token": token, "password": PASSWORD,
                                                                "action": "delete"})
    assert response.status_code == 429
