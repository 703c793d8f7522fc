"""Submit a tool in a real browser: a seller submits, a moderator approves, the tool is in its category and search."""

import pytest

from tests.accounts import PASSWORD, make_user
from tests.browser.conftest import USER_AGENT, _refuse_outside_hosts

pytestmark = pytest.mark.browser

TOOL_URL = "https://www.keyword-owl.example.com/"


@pytest.fixture
def staff_page(browser):
    """A second browser for the moderator, beside the seller's ``page``."""
    context = browser.new_context(locale="en", user_agent=USER_AGENT)
    context.route("**/*", _refuse_outside_hosts)
    yield context.new_page()
    context.close()


def _sign_in(page, live_server, login):
    page.goto(live_server + "/en/sign-in")
    page.fill("input[name='login']", login)
    page.fill("input[name='password']", PASSWORD)
    page.click("form button[type='submit']:has-text('Sign in')")
    page.wait_for_selector(".account-link")


def _submit_keyword_owl(page, live_server):
    page.goto(live_server + "/en/")
    page.click("footer >> text=Submit a tool")
    page.fill("#url", TOOL_URL)
    page.click("button:has-text('Check and continue')")
    page.wait_for_selector("#submission-form")
    page.fill("#name", "Keyword Owl")
    page.select_option("#category_id", label="Keyword research")
    page.check("#platforms input[value='amazon']")
    page.select_option("#pricing", "freemium")
    page.check("input[name='language'][value='en']")
    page.fill("#tagline", "Reverse-look-up the keywords your competitors rank for")
    page.fill("#description", "Keyword Owl finds the search terms that bring traffic to competing listings.")
    page.click("button:has-text('Send for review')")
    page.wait_for_selector("#my-submissions")


def test_a_seller_submits_a_tool_a_moderator_approves_it_and_it_is_listed_and_found(page, staff_page, live_server,
                                                                                     catalog):
    make_user(catalog, "seller1", phone="+8613800000081")
    make_user(catalog, "moduser", phone="+8613800000082", role="moderator")

    _sign_in(page, live_server, "seller1")
    _submit_keyword_owl(page, live_server)
    assert page.locator("#my-submissions >> text=Waiting for review").count() == 1

    _sign_in(staff_page, live_server, "moduser")
    staff_page.goto(live_server + "/en/staff/submissions")
    assert staff_page.locator("#queue-count-submissions").inner_text() == "1"
    assert staff_page.locator(".queue-item >> text=keyword-owl.example.com").count() >= 1
    staff_page.fill(".queue-item input[name='reason']", "Useful, thanks")
    staff_page.click(".queue-item button:has-text('Approve')")
    staff_page.wait_for_selector("text=is published")
    assert staff_page.locator("#queue-count-submissions").inner_text() == "0"  # updated in place (htmx)

    page.goto(live_server + "/en/c/kw-research")
    page.wait_for_selector("text=Keyword Owl")
    page.goto(live_server + "/en/search?q=keyword+owl")
    page.wait_for_selector(".search-hit >> text=Keyword Owl")
    page.goto(live_server + "/en/my/submissions")
    page.click("#my-submissions >> text=Keyword Owl")
    page.wait_for_selector("h1:has-text('Keyword Owl')")
    page.goto(live_server + "/en/inbox")
    page.wait_for_selector("text=Useful, thanks")


def test_submitting_works_without_javascript(page_without_js, live_server, catalog):
    page = page_without_js
    make_user(catalog, "seller1", phone="+8613800000083")
    _sign_in(page, live_server, "seller1")
    page.goto(live_server + "/en/submit")
    page.fill("#url", "https://alpha-scout.example.com")
    page.click("button:has-text('Check and continue')")
    page.wait_for_selector("#already-listed >> text=Alpha Scout")
    _submit_keyword_owl(page, live_server)
    page.click("#my-submissions button:has-text('Withdraw')")
    page.wait_for_selector("#my-submissions >> text=Withdrawn")
