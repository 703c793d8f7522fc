"""Submit a tool: the address first (one normaliser), then the details; the daily allowance; "my submissions"."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select, update

from extensions import db
from models import Category, ContributionState, Tool, ToolSubmission, User
from services import clock
from services.submissions import intake
from services.submissions.intake import SubmissionInput, SubmissionRefused
from services.urls import normalize_url
from tests.accounts import CHROME, csrf_from, make_user, sign_in

LIMIT = 3
NEW_URL = "https://www.newtool.example.com/"


@pytest.fixture
def app_config() -> dict:
    return {"SUBMISSIONS_DAILY_LIMIT": LIMIT}


@pytest.fixture
def seller(app, catalog):
    """A verified user, signed in."""
    make_user(app, "seller1", phone="+8613800000031")
    client = app.test_client()
    sign_in(client, "seller1")
    return client


def category_id(app, slug: str = "kw-research") -> int:
    with app.app_context():
        return db.session.scalar(select(Category.id).where(Category.slug == slug))


def seller_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.account_name == "seller1"))


def submissions(app) -> list[ToolSubmission]:
    with app.app_context():
        rows = db.session.scalars(select(ToolSubmission).order_by(ToolSubmission.id)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def token(client, page: str = "/en/submit") -> str:
    return csrf_from(client.get(page, headers={"User-Agent": CHROME}).text)


def check_address(client, url: str, lang: str = "/en"):
    return client.post(f"{lang}/submit", data={"csrf_token": token(client, f"{lang}/submit"), "url": url})


def details(app, url: str = NEW_URL, **overrides) -> dict:
    fields = {"url": url, "name": "New Tool", "name_en": "", "category_id": str(category_id(app)),
              "pricing": "freemium", "price_note": "¥99 起", "language": "zh", "tagline": "三分钟找到关键词",
              "description": "一个关键词工具。", "platforms": ["amazon"], "platform_refs": "shopee/sg"}
    fields.update(overrides)
    return fields


def send_details(client, app, url: str = NEW_URL, **overrides):
    return client.post("/en/submit/details", data={"csrf_token": token(client), **details(app, url, **overrides)})


def submit(client, app, url: str = NEW_URL, **overrides):
    """Both steps, as a browser without JavaScript does them."""
    step1 = check_address(client, url)
    assert step1.status_code == 303, step1.text
    return send_details(client, app, url, **overrides)


def withdraw(client, submission_id: int):
    return client.post(f"/en/my/submissions/{submission_id}/withdraw",
                       data={"csrf_token": token(client, "/en/my/submissions")})


def add_submission(app, user_id: int, url: str, name: str = "Someone's Tool", **fields) -> int:
    with app.app_context():
        row = ToolSubmission(user_id=user_id, url=url, url_normalized=normalize_url(url), name=name,
                             category_id=category_id(app), pricing="paid", tagline="t", description="d", **fields)
        db.session.add(row)
        db.session.commit()
        return row.id


# ---- the one URL normaliser ----------------------------------------------------------------------

@pytest.mark.parametrize(("one", "other"), [
    ("http://Example.com/", "https://example.com"),
    ("https://www.example.com/tool/", "https://example.com/tool"),
    ("https://example.com:443/#pricing", "https://example.com"),
    ("HTTPS://EXAMPLE.COM", "http://example.com:80/"),
])
def test_addresses_that_differ_only_in_scheme_case_www_port_fragment_or_slash_are_the_same(one, other):
    assert normalize_url(one) == normalize_url(other)


@pytest.mark.parametrize(("one", "other"), [
    ("https://chromewebstore.google.com/detail/keepa/neebplgakaahbhdphmkckjjcegoiijjo",
     "https://chromewebstore.google.com/detail/helium-10/njmehopjdpcckochcggncklnlmikcbnb"),
    ("https://apps.shopify.com/klaviyo-email-marketing", "https://apps.shopify.com/judgeme"),
    ("https://example.com/a", "https://example.com/b"),
    ("https://example.com:8080", "https://example.com"),
])
def test_different_tools_on_one_host_stay_different(one, other):
    assert normalize_url(one) != normalize_url(other)


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://example.com/", "example.com", "https://",
                                 "https://exa mple.com/", "https://user@example.com/", "https://example.com:99999/",
                                 "https://example.com/" + "a" * 500, "data:text/html,<b>x</b>"])
def test_only_plain_web_addresses_are_accepted(url):
    assert intake.web_address(url) is None


# ---- who may submit ------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/submit", "/en/submit", "/submit/details?url=https://a.example", "/my/submissions"])
def test_a_visitor_is_sent_to_sign_in(client, catalog, path):
    response = client.get(path)
    assert response.status_code in (302, 303)
    assert "/sign-in" in response.headers["Location"]


def test_a_user_without_a_verified_phone_is_sent_to_verify_it(app, catalog):
    make_user(app, "wechatuser", phone=None, verified=False)
    client = app.test_client()
    sign_in(client, "wechatuser")
    for response in (client.get("/en/submit"), client.post("/en/submit", data={"csrf_token": token(client, "/en/"),
                                                                               "url": NEW_URL})):
        assert response.status_code == 303
        assert "/verify-phone" in response.headers["Location"] and "why=gated" in response.headers["Location"]
    assert submissions(app) == []


def test_a_banned_user_is_told_why_and_cannot_submit(app, catalog):
    make_user(app, "banned", phone="+8613800000032", status="banned", ban_reason="spam links")
    client = app.test_client()
    sign_in(client, "banned")
    response = client.get("/en/submit")
    assert response.status_code == 403
    assert "spam links" in response.text
    posted = client.post("/en/submit/details", data={"csrf_token": token(client, "/en/"), **details(app)})
    assert posted.status_code == 403
    assert submissions(app) == []


@pytest.mark.parametrize("path", ["/en/submit", "/en/submit/details", "/en/my/submissions/1/withdraw"])
def test_every_submission_form_refuses_a_missing_csrf_token(app, seller, path):
    response = seller.post(path, data=details(app))
    assert response.status_code == 400
    assert submissions(app) == []


# ---- step 1: the address -------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["javascript:alert(1)", "not a url", "ftp://example.com/file", "https://example.com:99999/"])
def test_a_bad_address_is_refused_with_a_message_and_kept(seller, url):
    response = check_address(seller, url)
    assert response.status_code == 422
    assert "Enter a full web address" in response.text
    assert 'value="' + url.replace("&", "&amp;") + '"' in response.text


def test_an_empty_address_is_refused(seller):
    response = check_address(seller, "   ")
    assert response.status_code == 422
    assert "s web address." in response.text and "Enter a full web address" not in response.text


def test_a_listed_tool_is_shown_instead_of_a_duplicate_whatever_the_spelling_of_its_address(seller):
    response = check_address(seller, "HTTP://Alpha-Scout.example.com")
    assert response.status_code == 200
    assert "Already listed" in response.text
    assert 'href="/en/t/alpha-scout"' in response.text
    assert 'action="/en/submit/details"' not in response.text


def test_a_hidden_tool_with_the_address_is_under_review_without_its_details(app, seller):
    with app.app_context():
        db.session.execute(update(Tool).where(Tool.slug == "zulu-ai").values(status="hidden"))
        db.session.commit()
    response = check_address(seller, "https://zulu-ai.example.com/")
    assert response.status_code == 200
    assert "already under review" in response.text
    assert "Zulu" not in response.text and "zulu-ai\"" not in response.text


def test_someone_elses_pending_submission_is_under_review_and_ones_own_is_in_my_submissions(app, seller):
    other = make_user(app, "other", phone="+8613800000033")
    add_submission(app, other, "https://pending.example.com/tool")
    response = check_address(seller, "http://pending.example.com/tool/")
    assert response.status_code == 200 and "already under review" in response.text
    assert "Someone&#39;s Tool" not in response.text

    submit(seller, app, "https://mine.example.com/")
    again = check_address(seller, "https://www.mine.example.com")
    assert "You already submitted this address" in again.text
    assert 'href="/en/my/submissions"' in again.text


def test_a_rejected_submission_does_not_block_submitting_the_address_again(app, seller):
    user_id = seller_id(app)
    add_submission(app, user_id, NEW_URL, state=ContributionState.REJECTED.value)
    assert check_address(seller, NEW_URL).status_code == 303


def test_a_new_address_goes_on_to_step_two_with_the_address_carried(seller):
    response = check_address(seller, NEW_URL)
    assert response.status_code == 303
    location = urlsplit(response.headers["Location"])
    assert location.path == "/en/submit/details"
    assert parse_qs(location.query)["url"] == [NEW_URL]
    page = seller.get(response.headers["Location"])
    assert page.status_code == 200
    assert f'name="url" type="hidden" value="{NEW_URL}"' in page.text
    assert 'name="category_id"' in page.text and 'name="platforms"' in page.text


def test_chinese_step_one_works_at_the_root(seller):
    page = seller.get("/submit")
    assert page.status_code == 200 and 'lang="zh-CN"' in page.text
    response = check_address(seller, NEW_URL, lang="")
    assert response.status_code == 303 and response.headers["Location"].startswith("/submit/details?")


def test_step_two_reached_by_a_stale_link_shows_step_one_with_what_was_found(seller):
    listed = seller.get("/en/submit/details?url=https://alpha-scout.example.com/")
    assert listed.status_code == 200 and "Already listed" in listed.text
    bad = seller.get("/en/submit/details?url=javascript:alert(1)")
    assert bad.status_code == 422 and "Enter a full web address" in bad.text


def test_step_two_suggests_a_category_from_the_address(app, seller):
    page = seller.get("/en/submit/details?url=https://apps.shopify.com/klaviyo-email-marketing")
    email = category_id(app, "email-marketing")
    assert re.search(rf'<option selected value="{email}">|<option value="{email}" selected>', page.text), \
        "the email-marketing category is pre-selected"
    assert "We picked one from the address" in page.text
    plain = seller.get("/en/submit/details?url=https://qwzx.example.com/")
    assert "We picked one" not in plain.text


# ---- step 2: the details -------------------------------------------------------------------------

def test_a_verified_user_submits_a_tool_and_follows_it_on_my_submissions(app, seller):
    response = submit(seller, app)
    assert response.status_code == 303
    assert response.headers["Location"] == "/en/my/submissions"
    [row] = submissions(app)
    assert (row.url, row.url_normalized, row.state) == (NEW_URL, "newtool.example.com", "pending")
    assert (row.name, row.name_en, row.pricing, row.language) == ("New Tool", None, "freemium", "zh")
    assert (row.tagline, row.description, row.price_note) == ("三分钟找到关键词", "一个关键词工具。", "¥99 起")
    assert row.platforms == "amazon, shopee/sg"
    assert row.category_id == category_id(app)
    page = seller.get("/en/my/submissions")
    assert "is sent: staff review it" in page.text  # the flash
    assert "New Tool" in page.text and "Waiting for review" in page.text
    assert f'action="/en/my/submissions/{row.id}/withdraw"' in page.text


@pytest.mark.parametrize(("overrides", "message"), [
    ({"name": ""}, "This field is required."),
    ({"tagline": "x" * 201}, "Use at most 200 characters."),
    ({"description": "x" * 2001}, "Use at most 2000 characters."),
    ({"name": "n" * 121}, "Use at most 120 characters."),
    ({"category_id": ""}, "Choose the category that fits the tool best."),
    ({"category_id": "999999"}, "Not a valid choice"),
    ({"pricing": ""}, "Choose how the tool is paid for."),
    ({"pricing": "gratis"}, "Not a valid choice"),
    ({"language": "fr"}, "Not a valid choice"),
    ({"platform_refs": "amazon/atlantis, myspace"}, "Unknown platform or market: amazon/atlantis, myspace"),
    ({"platforms": ["friendster"]}, "is not a valid choice"),
])
def test_bad_details_come_back_with_a_message_and_the_input_kept(app, seller, overrides, message):
    response = send_details(seller, app, **overrides)
    assert response.status_code == 422
    assert message in response.text
    assert "三分钟找到关键词" in response.text or "tagline" in overrides
    assert submissions(app) == []


def test_a_category_with_children_is_not_a_choice(app, seller):
    response = send_details(seller, app, category_id=str(category_id(app, "product-research")))
    assert response.status_code == 422
    assert submissions(app) == []


@pytest.mark.parametrize("url", ["javascript:alert(1)", "", "https://"])
def test_a_tampered_address_in_step_two_is_refused(app, seller, url):
    response = send_details(seller, app, url=url)
    assert response.status_code == 422
    assert "Enter a full web address" in response.text
    assert submissions(app) == []


def test_sending_step_two_twice_makes_one_submission(app, seller):
    assert submit(seller, app).status_code == 303
    again = send_details(seller, app, url="http://newtool.example.com")
    assert again.status_code == 409
    assert "You already submitted this address" in again.text
    assert len(submissions(app)) == 1


def test_an_address_listed_since_step_one_is_shown_at_step_two(app, seller):
    response = send_details(seller, app, url="https://bravo-ads.example.com/")
    assert response.status_code == 409
    assert 'href="/en/t/bravo-ads"' in response.text
    assert submissions(app) == []


# ---- the daily allowance -------------------------------------------------------------------------

def test_the_daily_limit_answers_429_with_the_input_kept_and_resets_at_midnight_in_china(app, seller):
    clock.freeze(datetime(2026, 3, 2, 15, 0, tzinfo=UTC))  # 23:00 in China
    for number in range(LIMIT):
        assert submit(seller, app, f"https://tool{number}.example.com/").status_code == 303
    refused = send_details(seller, app, "https://one-too-many.example.com/", tagline="今天的第四个")
    assert refused.status_code == 429
    assert "as many as we accept from one person in a day" in refused.text
    assert "今天的第四个" in refused.text and "https://one-too-many.example.com/" in refused.text
    step1 = check_address(seller, "https://one-too-many.example.com/")
    assert step1.status_code == 429 and 'value="https://one-too-many.example.com/"' in step1.text
    assert len(submissions(app)) == LIMIT

    clock.advance(timedelta(hours=1, minutes=1))  # 00:01 the next day in China (16:01 UTC)
    assert submit(seller, app, "https://one-too-many.example.com/").status_code == 303
    assert len(submissions(app)) == LIMIT + 1


def test_withdrawn_submissions_still_count_toward_the_day(app, seller):
    for number in range(LIMIT):
        submit(seller, app, f"https://tool{number}.example.com/")
    for row in submissions(app):
        withdraw(seller, row.id)
    assert send_details(seller, app, "https://more.example.com/").status_code == 429


def _submit_in_thread(app, user_id: int, url: str) -> str:
    with app.app_context():
        try:
            intake.submit_tool(user_id, SubmissionInput(url=url, name="Race", category_id=None, pricing="paid",
                                                        tagline="t", description="d"), daily_limit=LIMIT)
            return "created"
        except SubmissionRefused as refused:
            return refused.reason
        finally:
            db.session.remove()


def test_parallel_submits_of_one_address_by_one_user_make_one_submission(app, seller):
    user_id = seller_id(app)
    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(lambda _: _submit_in_thread(app, user_id, "https://race.example.com/"), range(6)))
    assert outcomes.count("created") == 1
    assert set(outcomes) == {"created", "yours_pending"}
    assert len(submissions(app)) == 1


def test_parallel_submits_of_many_addresses_stop_exactly_at_the_daily_limit(app, seller):
    user_id = seller_id(app)
    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(lambda n: _submit_in_thread(app, user_id, f"https://race{n}.example.com/"), range(8)))
    assert outcomes.count("created") == LIMIT
    assert outcomes.count("daily_limit") == 8 - LIMIT
    assert len(submissions(app)) == LIMIT


# ---- my submissions ------------------------------------------------------------------------------

def test_withdrawing_a_pending_submission(app, seller):
    submit(seller, app)
    [row] = submissions(app)
    response = withdraw(seller, row.id)
    assert response.status_code == 303
    [row] = submissions(app)
    assert row.state == "withdrawn"
    page = seller.get("/en/my/submissions")
    assert "Withdrawn" in page.text and "/withdraw" not in page.text
    assert check_address(seller, NEW_URL).status_code == 303  # the address is free again


def test_someone_elses_submission_cannot_be_withdrawn_and_is_not_listed(app, seller):
    other = make_user(app, "other", phone="+8613800000033")
    theirs = add_submission(app, other, "https://theirs.example.com/", name="Their Tool")
    response = withdraw(seller, theirs)
    assert response.status_code == 404
    assert submissions(app)[0].state == "pending"
    assert "Their Tool" not in seller.get("/en/my/submissions").text
    missing = withdraw(seller, 999999)
    assert missing.status_code == 404


def test_a_decided_submission_cannot_be_withdrawn(app, seller):
    own = add_submission(app, seller_id(app), NEW_URL, state=ContributionState.REJECTED.value, reason="dup")
    response = withdraw(seller, own)
    assert response.status_code == 409
    assert "no longer waiting for staff" in response.text
    assert submissions(app)[0].state == "rejected"


def test_my_submissions_shows_staffs_reason_and_links_the_published_tool(app, seller):
    user_id = seller_id(app)
    with app.app_context():
        tool_id = db.session.scalar(select(Tool.id).where(Tool.slug == "zulu-ai"))
    add_submission(app, user_id, "https://zulu-ai.example.com/", name="Zulu AI", state="approved", tool_id=tool_id)
    add_submission(app, user_id, "https://nope.example.com/", name="Nope", state="rejected", reason="Not a seller tool")
    page = seller.get("/en/my/submissions")
    assert 'href="/en/t/zulu-ai"' in page.text
    assert "Not a seller tool" in page.text and "Not approved" in page.text


def test_the_footer_and_the_account_menu_link_the_feature(seller, client):
    assert 'href="/en/submit"' in client.get("/en/").text
    assert 'href="/en/my/submissions"' in seller.get("/en/").text
