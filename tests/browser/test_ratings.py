"""Rating and reviewing in a real browser: in place with JavaScript, by full page loads without it."""

import pytest
from sqlalchemy import select

from extensions import db
from models import Rating, Tool
from tests.accounts import PASSWORD, make_user

pytestmark = pytest.mark.browser
TOOL = "/en/t/alpha-scout"


@pytest.fixture
def app_config():
    return {"REVIEW_HOLD_ACCOUNT_AGE_DAYS": 0}  # the test user is minutes old; its reviews show at once


def _sign_in(page, live_server):
    page.goto(f"{live_server}/en/sign-in?next={TOOL}")
    page.fill("input[name='login']", "seller1")
    page.fill("input[name='password']", PASSWORD)
    page.click("form button[type='submit']:has-text('Sign in')")
    page.wait_for_selector("#rating-form")


def _stored(app):
    with app.app_context():
        ratings = [(r.stars, r.review) for r in db.session.scalars(select(Rating))]
        tool = db.session.scalar(select(Tool).where(Tool.slug == "alpha-scout"))
        return ratings, tool.rating_count, tool.rating_avg


def test_rate_edit_and_delete_in_place_with_javascript(page, live_server, catalog):
    make_user(catalog)
    _sign_in(page, live_server)
    page.evaluate("window.__sameDocument = true")

    page.focus("#stars-1")  # the star widget is radio inputs: arrow keys choose
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert page.is_checked("#stars-4")
    page.fill("textarea[name='review']", "Finds keywords fast.\nA bit pricey.")
    page.click("#rating-save")
    page.wait_for_selector(".rating-status:has-text('Your rating is saved.')")
    assert page.inner_text("#ratings .review-text") == "Finds keywords fast.\nA bit pricey."
    assert page.inner_text("#ratings .ratings-big") == "4.0"
    assert _stored(catalog) == ([(4, "Finds keywords fast.\nA bit pricey.")], 1, 4.0)

    page.click("label[for='stars-2']")
    page.fill("textarea[name='review']", "Changed my mind.")
    page.click("#rating-save")
    page.wait_for_selector("#ratings .review-text:has-text('Changed my mind.')")
    assert page.inner_text("#ratings .ratings-big") == "2.0"
    assert _stored(catalog) == ([(2, "Changed my mind.")], 1, 2.0)

    page.click("#rating-delete")
    page.wait_for_selector(".rating-status:has-text('Your rating is deleted.')")
    assert page.locator("#ratings .review").count() == 0
    assert not page.is_checked("#stars-2")
    assert _stored(catalog) == ([], 0, 0.0)
    assert page.evaluate("window.__sameDocument") is True  # no full reload at any step


def test_an_invalid_rating_keeps_the_typed_review_in_place(page, live_server, catalog):
    make_user(catalog)
    _sign_in(page, live_server)
    page.evaluate("window.__sameDocument = true")
    page.fill("textarea[name='review']", "No stars chosen")
    page.evaluate("document.getElementById('rating-form').noValidate = true")  # get past the browser's own check
    page.click("#rating-save")
    page.wait_for_selector("#stars-error:has-text('Choose from 1 to 5 stars.')")
    assert page.input_value("textarea[name='review']") == "No stars chosen"
    assert page.evaluate("window.__sameDocument") is True
    assert _stored(catalog) == ([], 0, 0.0)


def test_rate_edit_and_delete_by_full_page_loads_without_javascript(page_without_js, live_server, catalog):
    page = page_without_js
    make_user(catalog)
    _sign_in(page, live_server)

    page.click("label[for='stars-5']")
    page.fill("textarea[name='review']", "Works without JavaScript.")
    page.click("#rating-save")
    page.wait_for_selector(".flash:has-text('Your rating is saved.')")
    assert page.url.endswith(f"{TOOL}#ratings")
    assert page.inner_text("#ratings .review-text") == "Works without JavaScript."
    assert _stored(catalog) == ([(5, "Works without JavaScript.")], 1, 5.0)

    page.click("label[for='stars-3']")
    page.fill("textarea[name='review']", "Edited by a full page load.")
    page.click("#rating-save")
    page.wait_for_selector("#ratings .review-text:has-text('Edited by a full page load.')")
    assert _stored(catalog) == ([(3, "Edited by a full page load.")], 1, 3.0)

    page.click("#rating-delete")
    page.wait_for_selector(".flash:has-text('Your rating is deleted.')")
    assert page.locator("#ratings .review").count() == 0
    assert _stored(catalog) == ([], 0, 0.0)


