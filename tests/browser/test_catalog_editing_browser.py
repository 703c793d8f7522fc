"""An admin edits a tool in the staff editor, and visitors see it on the cached home page at their next request."""

import pytest

from tests.accounts import PASSWORD, make_user
from tests.browser.conftest import USER_AGENT, _refuse_outside_hosts
from tests.test_ratings import tool_id_of

pytestmark = pytest.mark.browser

OLD_TAGLINE = "Alpha Scout 的一句话介绍"
NEW_TAGLINE = "三分钟找到亚马逊蓝海产品"


@pytest.fixture
def admin_page(browser):
    """A second browser, signed in as nobody yet: the admin's, next to the visitor's ``page``."""
    context = browser.new_context(locale="zh-CN", user_agent=USER_AGENT)
    context.route("**/*", _refuse_outside_hosts)
    yield context.new_page()
    context.close()


def test_an_admins_tagline_edit_shows_on_the_cached_home_page_at_the_next_request(page, admin_page, live_server,
                                                                                   catalog):
    make_user(catalog, "adminuser", phone="+8613800000073", role="admin")
    tool_id = tool_id_of(catalog)

    # A visitor's home page, served from the page cache the second time.
    page.goto(live_server + "/")
    cached = page.goto(live_server + "/")
    assert cached.headers.get("x-cache") == "HIT"
    assert page.locator(f"#tool-alpha-scout >> text={OLD_TAGLINE}").count() == 1

    admin_page.goto(live_server + "/en/sign-in")
    admin_page.fill("input[name='login']", "adminuser")
    admin_page.fill("input[name='password']", PASSWORD)
    admin_page.click("form button[type='submit']:has-text('Sign in')")
    admin_page.wait_for_selector(".account-link")
    admin_page.goto(live_server + f"/staff/tools/{tool_id}/edit")  # the editor in Chinese, as staff use it
    assert admin_page.input_value("#tagline_zh") == OLD_TAGLINE
    admin_page.fill("#tagline_zh", NEW_TAGLINE)
    admin_page.click("#tool-form button[type='submit']")
    admin_page.wait_for_selector(".flash")
    assert admin_page.input_value("#tagline_zh") == NEW_TAGLINE

    fresh = page.goto(live_server + "/")
    assert fresh.headers.get("x-cache") == "MISS"  # the edit moved the catalog version
    assert page.locator(f"#tool-alpha-scout >> text={NEW_TAGLINE}").count() == 1
    assert page.locator(f"text={OLD_TAGLINE}").count() == 0
