"""The read API: shapes (checked against the OpenAPI document), filters, pages, caching, CORS, errors, limits."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, update

from extensions import db
from models import Tool, ToolSlugRedirect, User
from services import clock, collections, ratings
from services.search import sync_tools
from tests.accounts import make_user, sign_in
from tests.api_schema import api_get, assert_matches

ALL_SLUGS = {"alpha-scout", "mai-jia", "temu-full-helper", "shopee-sea", "jp-keywords", "bravo-ads", "charlie-ship",
             "delta-pay", "echo-design", "old-tool", "zulu-ai", "escape-test"}


@pytest.fixture
def app_config():
    # New accounts' reviews show at once here; holding them is tested in test_ratings.
    return {"REVIEW_HOLD_ACCOUNT_AGE_DAYS": 0}


def slugs(response) -> list[str]:
    return [item["slug"] for item in response.get_json()["items"]]


def tool_id(app, slug: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Tool.id).where(Tool.slug == slug))


def set_tool(app, slug: str, **values) -> None:
    with app.app_context():
        db.session.execute(update(Tool).where(Tool.slug == slug).values(**values))
        db.session.commit()
        sync_tools([tool_id(app, slug)])
        db.session.commit()


def rate(app, user_id: int, slug: str, stars: int, review: str = "") -> int:
    with app.app_context():
        return ratings.rate_tool(db.session.get(User, user_id), tool_id(app, slug), stars, review).id


# Categories and tools ------------------------------------------------------------------------------------------


def test_categories_are_the_site_tree_with_public_tool_counts(app, catalog, client):
    set_tool(app, "zulu-ai", status="hidden")
    body = api_get(app, client, "/categories").get_json()
    by_slug = {c["slug"]: c for c in body["items"]}
    research = by_slug["product-research"]
    counts = {child["slug"]: child["tool_count"] for child in research["children"]}
    assert counts["pr-amazon"] == 3
    assert research["tool_count"] == sum(child["tool_count"] for child in research["children"])
    assert research["name"] == {"zh": "选品工具", "en": "Product research"}
    assert body["tool_count"] == len(ALL_SLUGS) - 1  # the hidden tool is not counted


def test_tools_lists_every_public_tool_and_nothing_else(app, catalog, client):
    set_tool(app, "zulu-ai", status="hidden")
    set_tool(app, "echo-design", status="pending")
    set_tool(app, "bravo-ads", status="dead_link")
    listed = slugs(api_get(app, client, "/tools?per_page=100"))
    assert set(listed) == ALL_SLUGS - {"zulu-ai", "echo-design"}
    assert len(listed) == len(set(listed))


@pytest.mark.parametrize(("query", "expected"), [
    ("zh=1", {"mai-jia", "temu-full-helper", "delta-pay"}),
    ("zh=1&direct=1&cnpay=1", {"mai-jia"}),
    ("invoice=1", {"charlie-ship"}),
    ("free=1", {"delta-pay", "echo-design"}),
    ("pricing=free", {"temu-full-helper", "delta-pay", "escape-test"}),
    ("platform=amazon", {"alpha-scout", "mai-jia", "jp-keywords", "bravo-ads"}),
    ("platform=amazon&market=jp", {"mai-jia", "jp-keywords"}),
    ("platform=temu", {"temu-full-helper"}),
    ("category=pr-amazon", {"alpha-scout", "mai-jia", "old-tool"}),
    ("category=product-research", {"alpha-scout", "mai-jia", "old-tool"}),
    ("tag=made-in-china", {"mai-jia"}),
    ("category=no-such-category", set()),
    ("platform=no-such-platform", set()),
])
def test_tools_filter_exactly_as_the_site_lists(app, catalog, client, query, expected):
    assert set(slugs(api_get(app, client, f"/tools?{query}&per_page=100", "/tools"))) == expected


def test_tools_match_the_site_category_page_for_the_same_filters(app, catalog, client):
    site = client.get("/en/c/pr-amazon?platform=amazon&sort=name")
    site_slugs = re.findall(r'href="/en/t/([a-z0-9-]+)"', site.text)
    api = slugs(api_get(app, client, "/tools?category=pr-amazon&platform=amazon&sort=name&lang=en", "/tools"))
    assert api == list(dict.fromkeys(site_slugs))


def test_sorts_follow_the_site(app, catalog, client):
    set_tool(app, "delta-pay", click_count=50)
    set_tool(app, "echo-design", click_count=40, rating_avg=4.9, rating_count=3)
    set_tool(app, "jp-keywords", rating_avg=4.5, rating_count=10)
    assert slugs(api_get(app, client, "/tools", "/tools"))[:2] == ["delta-pay", "echo-design"]
    assert slugs(api_get(app, client, "/tools?sort=rating", "/tools"))[:2] == ["echo-design", "jp-keywords"]
    by_name_en = slugs(api_get(app, client, "/tools?sort=name&lang=en&per_page=100", "/tools"))
    assert by_name_en.index("mai-jia") > by_name_en.index("alpha-scout")  # “Seller Helper” after “Alpha Scout”


def test_pages_link_to_each_other_and_cover_every_tool_once(app, catalog, client):
    first = api_get(app, client, "/tools?per_page=5&zh=0", "/tools")
    body = first.get_json()
    assert (body["page"], body["per_page"], body["total"], body["pages"]) == (1, 5, 12, 3)
    assert body["links"]["prev"] is None
    assert body["links"]["self"] == "http://localhost/api/v1/tools?zh=0&per_page=5"
    assert body["links"]["last"] == "http://localhost/api/v1/tools?zh=0&per_page=5&page=3"
    assert '<http://localhost/api/v1/tools?zh=0&per_page=5&page=2>; rel="next"' in first.headers["Link"]
    seen = slugs(first)
    url = body["links"]["next"]
    while url:
        response = api_get(app, client, url.removeprefix("http://localhost/api/v1"), "/tools")
        seen += slugs(response)
        url = response.get_json()["links"]["next"]
    assert sorted(seen) == sorted(ALL_SLUGS)


def test_a_page_past_the_end_has_no_items_and_links_back(app, catalog, client):
    body = api_get(app, client, "/tools?page=9&per_page=5", "/tools").get_json()
    assert body["items"] == [] and body["total"] == 12
    assert body["links"]["prev"].endswith("page=3") and body["links"]["next"] is None


def test_tool_detail_has_everything_the_tool_page_shows(app, catalog, client):
    set_tool(app, "mai-jia", price_from_cny=199, trial_days=7, price_note_zh="专业版", price_note_en="Pro plan")
    body = api_get(app, client, "/tools/mai-jia", "/tools/{slug}").get_json()
    assert body["name"] == "卖家助手" and body["name_en"] == "Seller Helper"
    assert body["facts"] == {"chinese_support": True, "china_direct": True, "cn_payment": True,
                             "cn_invoice": None, "free_plan": None}
    assert body["price"]["from_cny"] == 199.0 and body["price"]["trial_days"] == 7
    assert body["price"]["note"] == {"zh": "专业版", "en": "Pro plan"}
    assert [p["platform"]["slug"] for p in body["platforms"]] == ["amazon"]
    assert body["tags"][0]["slug"] == "made-in-china"
    assert body["page"] == {"zh": "http://localhost/t/mai-jia", "en": "http://localhost/en/t/mai-jia"}
    assert body["rating"] == {"count": 0, "average": 0.0, "histogram": {"5": 0, "4": 0, "3": 0, "2": 0, "1": 0}}
    old = api_get(app, client, "/tools/old-tool", "/tools/{slug}").get_json()
    assert old["lifecycle"] == "shut_down" and old["successor"] == {"slug": "alpha-scout", "name": "Alpha Scout"}


def test_hidden_and_missing_tools_are_404_problems_and_old_slugs_redirect(app, catalog, client):
    set_tool(app, "zulu-ai", status="hidden")
    for path in ("/tools/zulu-ai", "/tools/no-such-tool", "/tools/zulu-ai/ratings", "/tools/Not%20A%20Slug"):
        problem = api_get(app, client, path, "/tools/{slug}", expect=404).get_json()
        assert problem["status"] == 404 and problem["title"] == "Not found"
    with app.app_context():
        db.session.add(ToolSlugRedirect(old_slug="alpha-old", tool_id=tool_id(app, "alpha-scout"),
                                        created_at=clock.now()))
        db.session.commit()
    moved = api_get(app, client, "/tools/alpha-old/ratings?page=2", expect=301)
    assert moved.headers["Location"] == "/api/v1/tools/alpha-scout/ratings?page=2"
    assert api_get(app, client, "/tools/alpha-old", expect=301).headers["Location"] == "/api/v1/tools/alpha-scout"


def test_ratings_show_the_summary_and_visible_reviews_with_display_names_only(app, catalog, client):
    users = [make_user(app, f"rater{n}", phone=f"+861380000010{n}") for n in range(4)]
    rate(app, users[0], "alpha-scout", 5, "Great for Amazon")
    rate(app, users[1], "alpha-scout", 4)  # stars only: counted, not a review
    held = rate(app, users[2], "alpha-scout", 1, "Spam spam")
    rate(app, users[3], "alpha-scout", 2, "Banned author's words")
    with app.app_context():
        ratings.set_review_state(held, "held")
        ratings.set_author_banned(users[3], True)
    body = api_get(app, client, "/tools/alpha-scout/ratings", "/tools/{slug}/ratings").get_json()
    assert body["rating"] == {"count": 2, "average": 4.5, "histogram": {"5": 1, "4": 1, "3": 0, "2": 0, "1": 0}}
    assert [(r["author"], r["text"]) for r in body["reviews"]["items"]] == [("Rater0", "Great for Amazon")]
    assert "rater0" not in str(body) and "+8613" not in str(body)  # no account name, no phone


def test_reviews_are_paginated(app, catalog, client):
    for n in range(3):
        rate(app, make_user(app, f"rater{n}", phone=f"+861380000020{n}"), "alpha-scout", 5, f"Review {n}")
    body = api_get(app, client, "/tools/alpha-scout/ratings?per_page=2&page=2", "/tools/{slug}/ratings").get_json()
    assert (body["reviews"]["total"], body["reviews"]["pages"], len(body["reviews"]["items"])) == (3, 2, 1)
    assert body["reviews"]["links"]["next"] is None and body["reviews"]["links"]["prev"].endswith("per_page=2")


def test_search_answers_like_the_site_search(app, catalog, client):
    body = api_get(app, client, "/search?q=alpha", "/search").get_json()
    assert slugs_of(body) == ["alpha-scout"] and body["q"] == "alpha" and body["capped"] is False
    assert set(slugs_of(api_get(app, client, "/search?q=助手&pricing=free", "/search").get_json())) == {
        "temu-full-helper", "escape-test"}  # by its name, and by its category (AI 助手)
    assert api_get(app, client, "/search?q=%21%21%21", "/search").get_json()["total"] == 0


def slugs_of(body: dict) -> list[str]:
    return [item["slug"] for item in body["items"]]


def test_public_collections_only(app, catalog, client):
    owner = make_user(app, "owner", phone="+8613800000301")
    with app.app_context():
        shelf = collections.create_collection(owner, name="Amazon picks", description="我的", is_public=True)
        for slug in ("mai-jia", "alpha-scout", "zulu-ai"):
            collections.add_tool(shelf.id, tool_id(app, slug))
        collections.set_note(shelf.id, tool_id(app, "alpha-scout"), "Start here")
        private = collections.create_collection(owner, name="Secret", is_public=False).id
        shelf_id = shelf.id
    set_tool(app, "zulu-ai", status="hidden")
    body = api_get(app, client, f"/collections/{shelf_id}", "/collections/{collection_id}").get_json()
    assert (body["name"], body["owner"]) == ("Amazon picks", "Owner")
    assert [(t["tool"]["slug"], t["note"]) for t in body["tools"]] == [("mai-jia", ""), ("alpha-scout", "Start here")]
    for missing in (private, 99999, 2**31, 10**30, 0):
        api_get(app, client, f"/collections/{missing}", "/collections/{collection_id}", expect=404)
    with app.app_context():
        ratings.set_author_banned(owner, True)
    api_get(app, client, f"/collections/{shelf_id}", "/collections/{collection_id}", expect=404)


# Parameters and errors -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("query", "parameter"), [
    ("per_page=101", "per_page"), ("per_page=0", "per_page"), ("page=0", "page"), ("page=10001", "page"),
    ("page=abc", "page"), ("page=1.5", "page"), ("page=%C2%B2", "page"), ("page=99999999999999999999", "page"),
    ("page=", "page"), ("sort=best", "sort"), ("pricing=cheap", "pricing"), ("zh=yes", "zh"), ("zh=", "zh"),
    ("platform=Amazon", "platform"), ("platform=amazon%0A", "platform"), ("lang=fr", "lang"),
    ("page=1&page=2", "page"), ("category=a_b", "category"),
])
def test_invalid_parameters_are_400_problems_naming_them(app, catalog, client, query, parameter):
    problem = api_get(app, client, f"/tools?{query}", "/tools", expect=400).get_json()
    assert problem["type"] == "/en/api#problem-invalid-request"
    assert [error["parameter"] for error in problem["errors"]] == [parameter]
    assert problem["instance"] == "/api/v1/tools"


def test_search_needs_a_query_of_at_most_200_characters(app, catalog, client):
    for query in ("", "?q=", "?q=" + "x" * 201):
        problem = api_get(app, client, f"/search{query}", "/search", expect=400).get_json()
        assert problem["errors"][0]["parameter"] == "q"


def test_a_nul_character_anywhere_is_a_400_problem(app, catalog, client):
    for path in ("/search?q=a%00b", "/tools?category=%00", "/tools?x=%00"):
        problem = api_get(app, client, path, path.split("?")[0], expect=400).get_json()
        assert problem["status"] == 400 and problem["type"] == "/en/api#problem-invalid-request"


def test_unknown_parameters_are_ignored(app, catalog, client):
    assert api_get(app, client, "/tools?_=123&utm_source=x", "/tools").get_json()["total"] == 12


def test_unknown_paths_and_methods_under_the_api_are_problems_not_pages(app, catalog, client):
    for path in ("/api/v1/nope", "/api/v1/tools/a/b/c", "/api/v1", "/api/v1/"):
        response = client.get(path)
        assert response.status_code == 404 and response.mimetype == "application/problem+json", path
        assert_matches(app, "Problem", response.get_json())
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        response = client.open("/api/v1/tools", method=method)
        assert response.status_code == 405 and response.mimetype == "application/problem+json"
        assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
        assert_matches(app, "Problem", response.get_json())
    site = client.get("/no-such-page")  # the site keeps its own pages
    assert site.status_code == 404 and site.mimetype == "text/html"
    assert client.post("/t/alpha-scout").status_code in (400, 405)


def test_a_client_that_accepts_no_json_gets_406(app, catalog, client):
    response = client.get("/api/v1/tools", headers={"Accept": "text/html"})
    assert response.status_code == 406 and response.mimetype == "application/problem+json"
    assert api_get(app, client, "/tools", headers={"Accept": "text/html, */*;q=0.1"}).status_code == 200
    assert api_get(app, client, "/tools", headers={"Accept": "application/json"}).status_code == 200


# HTTP behaviour -------------------------------------------------------------------------------------------------


def test_etag_and_if_none_match_answer_304_until_the_data_changes(app, catalog, client):
    first = api_get(app, client, "/tools/alpha-scout", "/tools/{slug}")
    etag = first.headers["ETag"]
    assert re.fullmatch(r'"[0-9a-f]+"', etag)
    again = client.get("/api/v1/tools/alpha-scout", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    set_tool(app, "alpha-scout", tagline_en="Changed")
    changed = client.get("/api/v1/tools/alpha-scout", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_anonymous_answers_are_publicly_cacheable_and_vary_on_token_and_origin(app, catalog, client):
    response = api_get(app, client, "/categories")
    assert response.headers["Cache-Control"] in ("public, max-age=60", "max-age=60, public")
    assert {"Authorization", "Origin"} <= {v.strip() for v in response.headers["Vary"].split(",")}


def test_cors_lets_any_site_read_and_preflight_allows_the_token_header(app, catalog, client):
    response = api_get(app, client, "/tools", headers={"Origin": "https://example.org"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]
    preflight = client.options("/api/v1/tools", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization"})
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    assert client.get("/tools").headers.get("Access-Control-Allow-Origin") is None  # only the API


def test_api_answers_set_no_cookie_even_for_a_signed_in_browser(app, catalog, client):
    assert "Set-Cookie" not in api_get(app, client, "/tools").headers
    make_user(app)
    sign_in(client)
    response = api_get(app, client, "/tools")
    assert "Set-Cookie" not in response.headers
    assert "public" in response.headers["Cache-Control"]  # a cookie is no identity for the API
    assert client.get("/settings/security").status_code == 200  # and the browser is still signed in


def test_head_answers_like_get_without_a_body(app, catalog, client):
    response = client.head("/api/v1/tools/alpha-scout")
    assert response.status_code == 200 and response.data == b""
    assert response.headers["ETag"] == client.get("/api/v1/tools/alpha-scout").headers["ETag"]


# Rate limits ----------------------------------------------------------------------------------------------------


def test_anonymous_callers_over_the_limit_get_a_429_problem_with_retry_after(app, catalog, client):
    app.config["API_ANONYMOUS_RATE_LIMIT"] = "3 per minute"
    statuses = [client.get("/api/v1/categories").status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    limited = api_get(app, client, "/tools", expect=429)
    assert int(limited.headers["Retry-After"]) > 0
    assert limited.get_json()["title"] == "Too many requests"
    preflight = client.options("/api/v1/tools", headers={"Origin": "https://example.org",
                                                         "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 200  # preflights are never counted or refused


# Query counts ---------------------------------------------------------------------------------------------------


def test_lists_cost_the_same_queries_at_any_page_size(app, catalog, client, count_queries):
    owner = make_user(app, "owner", phone="+8613800000301")
    with app.app_context():
        shelf = collections.create_collection(owner, name="All", is_public=True).id
        small = collections.create_collection(owner, name="Two", is_public=True).id
        for n, slug in enumerate(sorted(ALL_SLUGS)):
            collections.add_tool(shelf, tool_id(app, slug))
            if n < 2:
                collections.add_tool(small, tool_id(app, slug))

    def queries(path: str) -> int:
        with count_queries() as counter:
            assert client.get("/api/v1" + path).status_code == 200, path
        return counter.count

    queries("/search?q=a")  # the first search of a process also samples term frequencies, once
    assert queries("/tools?per_page=2") == queries("/tools?per_page=100")
    assert queries("/search?q=a&per_page=1") == queries("/search?q=a&per_page=100")
    assert queries(f"/collections/{small}") == queries(f"/collections/{shelf}")
    assert queries("/tools?per_page=100") <= 4


def test_an_unexpected_error_is_a_500_problem_not_the_html_page(app, catalog, client):
    app.config.update(PROPAGATE_EXCEPTIONS=False, API_DEFAULT_PAGE_SIZE="broken")  # a misconfigured page size
    response = client.get("/api/v1/tools")
    assert response.status_code == 500 and response.mimetype == "application/problem+json"
    assert_matches(app, "Problem", response.get_json())
    assert response.get_json()["title"] == "Server error"
