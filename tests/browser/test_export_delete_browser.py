"""Export and delete account in a real browser: download the zip, delete, sign in during grace, cancel."""

from __future__ import annotations

import json
import zipfile

import pytest
from sqlalchemy import select

from extensions import db
from models import DeletionRequest
from tests.accounts import PASSWORD, find_user, make_user

pytestmark = pytest.mark.browser


def _sign_in(page, live_server):
    page.goto(live_server + "/en/sign-in")
    page.fill("input[name='login']", "seller1")
    page.fill("input[name='password']", PASSWORD)
    page.click("form button[type='submit']:has-text('Sign in')")
    page.wait_for_selector(".account-link")


@pytest.mark.parametrize("fixture", ["page", "page_without_js"])
def test_export_downloads_a_zip_with_the_profile(request, live_server, catalog, tmp_path, fixture):
    page = request.getfixturevalue(fixture)
    make_user(catalog)
    _sign_in(page, live_server)
    page.goto(live_server + "/en/settings/export")
    page.fill("input[name='password']", PASSWORD)
    with page.expect_download() as download_info:
        page.click("button[value='export']")
    download = download_info.value
    assert download.suggested_filename.startswith("sellernav-export-seller1-")
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    with zipfile.ZipFile(target) as archive:
        profile = json.loads(archive.read("profile.json"))
        assert "README.txt" in archive.namelist()
    assert profile["account_name"] == "seller1"


def test_delete_then_sign_in_during_the_grace_period_and_cancel(page, live_server, catalog):
    user_id = make_user(catalog)
    _sign_in(page, live_server)
    page.goto(live_server + "/en/settings/delete-account")
    page.fill("input[name='password']", PASSWORD)
    page.click("button[value='delete']")
    page.wait_for_selector("text=Your account will be deleted on")
    assert page.locator(".account-link").count() == 0  # signed out
    assert find_user(catalog, id=user_id).status == "pending_deletion"

    _sign_in(page, live_server)
    page.wait_for_selector("text=Your account is being deleted")
    page.click("button:has-text('Keep my account')")
    page.wait_for_selector("text=Your account will not be deleted")
    assert find_user(catalog, id=user_id).status == "active"
    with catalog.app_context():
        assert db.session.scalar(select(DeletionRequest.state)) == "cancelled"
    page.goto(live_server + "/en/settings/security")
    assert page.locator("h1").inner_text() == "Account security"
