"""The profile page in a real browser: change the avatar and the display name, with JavaScript and without."""

import pytest
from PIL import Image

from tests.accounts import PASSWORD, make_user
from tests.browser.waiting import wait_until

pytestmark = pytest.mark.browser


def _sign_in(page, live_server):
    page.goto(live_server + "/en/sign-in")
    page.fill("input[name='login']", "seller1")
    page.fill("input[name='password']", PASSWORD)
    page.click("form button[type='submit']:has-text('Sign in')")
    page.wait_for_selector(".account-link")


def _change_avatar_and_name(page, live_server, tmp_path, new_name):
    picture = tmp_path / "me.png"
    Image.new("RGB", (120, 90), "orange").save(picture)
    page.goto(live_server + "/en/settings/profile")
    assert page.locator("#no-avatar").is_visible()
    page.set_input_files("input[name='avatar']", str(picture))
    page.click("button:has-text('Upload avatar')")
    page.wait_for_selector("text=Your avatar is changed.")
    avatar = page.locator("img.profile-avatar")
    avatar.wait_for()
    # The image really loads from its media URL: a decoded, square, re-encoded avatar.
    wait_until(page, "document.querySelector('img.profile-avatar').complete")
    assert page.evaluate("document.querySelector('img.profile-avatar').naturalWidth") == 256

    page.fill("input[name='display_name']", "   ")
    page.click("button:has-text('Save display name')")
    page.wait_for_selector("text=Enter a display name.")
    page.fill("input[name='display_name']", new_name)
    page.click("button:has-text('Save display name')")
    page.wait_for_selector(f"text=Your display name is now “{new_name}”.")
    assert page.locator(".account-link").inner_text().strip() == new_name
    assert page.input_value("input[name='display_name']") == new_name


def test_changing_avatar_and_display_name_shows_both_on_the_page_and_in_the_header(page, live_server, catalog,
                                                                                   tmp_path):
    catalog.config["UPLOAD_DIR"] = str(tmp_path)
    make_user(catalog)
    _sign_in(page, live_server)
    _change_avatar_and_name(page, live_server, tmp_path, "安克 Seller")
    page.click("button:has-text('Remove avatar')")
    page.wait_for_selector("text=Your avatar is removed.")
    assert page.locator("img.profile-avatar").count() == 0


def test_the_profile_works_without_javascript(page_without_js, live_server, catalog, tmp_path):
    catalog.config["UPLOAD_DIR"] = str(tmp_path)
    make_user(catalog)
    _sign_in(page_without_js, live_server)
    _change_avatar_and_name(page_without_js, live_server, tmp_path, "No JS Seller")
