"""Staff in a real browser: approve a held review in place (htmx), and ban an author without JavaScript."""

from datetime import timedelta

import pytest

from tests.accounts import PASSWORD, make_user
from tests.test_ratings import rate, seller, tool_id_of

pytestmark = pytest.mark.browser


def _sign_in(page, live_server, login):
    page.goto(live_server + "/en/sign-in")
    page.fill("input[name='login']", login)
    page.fill("input[name='password']", PASSWORD)
    page.click("form button[type='submit']:has-text('Sign in')")
    page.wait_for_selector(".account-link")


def test_a_moderator_approves_a_held_review_and_it_appears_on_the_tool_page(page, live_server, catalog):
    make_user(catalog, "moduser", phone="+8613800000071", role="moderator")
    newcomer = seller(catalog, "newcomer", age=timedelta(hours=1))
    rate(catalog, newcomer, tool_id_of(catalog), 5, "Held until a moderator reads it")
    page.goto(live_server + "/en/t/alpha-scout")
    assert page.locator("text=Held until a moderator reads it").count() == 0

    _sign_in(page, live_server, "moduser")
    page.goto(live_server + "/en/staff/reviews")
    assert page.locator("#queue-count-reviews").inner_text() == "1"
    page.click(".queue-item button:has-text('Approve')")
    page.wait_for_selector("text=Review approved")
    assert page.locator("#queue-count-reviews").inner_text() == "0"  # updated in place, no reload
    page.goto(live_server + "/en/t/alpha-scout")
    page.wait_for_selector("text=Held until a moderator reads it")


def test_an_admin_bans_a_user_without_javascript_and_their_reviews_disappear(page_without_js, live_server, catalog):
    page = page_without_js
    make_user(catalog, "adminuser", phone="+8613800000072", role="admin")
    author = seller(catalog, "spammer")
    rate(catalog, author, tool_id_of(catalog), 1, "Buy followers cheap")
    page.goto(live_server + "/en/t/alpha-scout")
    page.wait_for_selector("text=Buy followers cheap")

    _sign_in(page, live_server, "adminuser")
    page.goto(live_server + f"/en/staff/users/{author}")
    page.fill("#reason-ban", "Spam reviews")
    page.click("button:has-text('Ban')")
    page.wait_for_selector("text=The account is banned")
    page.goto(live_server + "/en/t/alpha-scout")
    assert page.locator("text=Buy followers cheap").count() == 0
