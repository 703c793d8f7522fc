"""Rating, reviewing and voting through the pages: with and without htmx, every refusal, and where ratings show."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from extensions import db
from models import Rating
from tests.accounts import CHROME, PASSWORD, csrf_from, post_form, sign_in
from tests.test_ratings import aggregates, assert_exact, rate, seller, tool_id_of

HTMX = {"HX-Request": "true"}
TOOL = "/en/t/alpha-scout"


def signed_in(app, name="seller1", **kwargs):
    """A test client signed in as a new verified user (old enough for reviews to show at once)."""
    user_id = seller(app, name, password=PASSWORD, **kwargs)
    client = app.test_client()
    sign_in(client, name)
    return client, user_id


def post_rating(client, data, *, path=TOOL, headers=None):
    return post_form(client, path, data, action=f"{path}/rating", headers=headers)


def section_of(html: str) -> str:
    start = html.index('<section id="ratings"')
    return html[start:html.index("</section>", start)]


def test_rating_without_javascript_flashes_and_goes_back_to_the_ratings_section(app, catalog):
    client, _ = signed_in(app)
    response = post_rating(client, {"stars": "4", "review": "Finds keywords fast."})
    assert response.status_code == 303
    assert response.headers["Location"] == "/en/t/alpha-scout#ratings"
    page = client.get(TOOL).text
    assert "Your rating is saved." in page
    assert "Finds keywords fast." in section_of(page)
    assert 'id="stars-4" value="4" checked' in page
    assert_exact(app, tool_id_of(app), 1, 4.0)


def test_rating_with_htmx_answers_the_section_and_the_header_badge_out_of_band(app, catalog):
    client, _ = signed_in(app)
    response = post_rating(client, {"stars": "5", "review": "Great"}, headers=HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert response.text.lstrip().startswith('<section id="ratings"')
    assert "Your rating is saved." in response.text
    assert 'hx-swap-oob="outerHTML:.rating-alpha-scout"' in response.text and "★ 5.0" in response.text
    assert "HX-Request" in response.headers["Vary"]
    assert "no-store" in response.headers["Cache-Control"]


def test_editing_keeps_one_rating_and_deleting_removes_it_with_and_without_htmx(app, catalog):
    client, user_id = signed_in(app)
    post_rating(client, {"stars": "2", "review": "Meh"})
    post_rating(client, {"stars": "4", "review": "Better after the update"}, headers=HTMX)
    with app.app_context():
        rows = db.session.scalars(select(Rating).where(Rating.user_id == user_id)).all()
        assert [(r.stars, r.review) for r in rows] == [(4, "Better after the update")]
    deleted = post_form(client, TOOL, {}, action=f"{TOOL}/rating/delete", headers=HTMX)
    assert deleted.status_code == 200 and "<html" not in deleted.text
    assert "Your rating is deleted." in deleted.text and "Rate this tool" in deleted.text
    assert_exact(app, tool_id_of(app), 0)
    post_rating(client, {"stars": "3"})
    deleted = post_form(client, TOOL, {}, action=f"{TOOL}/rating/delete")
    assert deleted.status_code == 303 and deleted.headers["Location"] == "/en/t/alpha-scout#ratings"
    assert "Your rating is deleted." in client.get(TOOL).text
    assert_exact(app, tool_id_of(app), 0)


def test_deleting_when_i_have_no_rating_is_404_and_leaves_others_alone(app, catalog):
    tool_id = tool_id_of(app)
    rate(app, seller(app, "other"), tool_id, 5, "Theirs")
    client, _ = signed_in(app)
    assert post_form(client, TOOL, {}, action=f"{TOOL}/rating/delete").status_code == 404
    assert_exact(app, tool_id, 1, 5.0)


INVALID = [
    ({"review": "No stars"}, "Choose from 1 to 5 stars."),
    ({"stars": "0", "review": "Zero"}, "Choose from 1 to 5 stars."),
    ({"stars": "6", "review": "Six"}, "Choose from 1 to 5 stars."),
    ({"stars": "five", "review": "Words"}, "Choose from 1 to 5 stars."),
    ({"stars": "4", "review": "长" * 2001}, "Keep your review to 2000 characters or fewer."),
]


@pytest.mark.parametrize(("data", "message"), INVALID)
@pytest.mark.parametrize("headers", [None, HTMX], ids=["page", "htmx"])
def test_an_invalid_rating_is_422_with_the_message_and_the_typed_review_kept(app, catalog, data, message, headers):
    client, _ = signed_in(app)
    response = post_rating(client, data, headers=headers)
    assert response.status_code == 422
    assert message in response.text
    assert data["review"][:50] in response.text  # what the user typed is still in the box
    assert ("<html" in response.text) is (headers is None)
    assert "no-store" in response.headers["Cache-Control"] and "HX-Request" in response.headers["Vary"]
    assert_exact(app, tool_id_of(app), 0)
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Rating)) == 0


def test_an_invalid_edit_changes_nothing(app, catalog):
    client, user_id = signed_in(app)
    post_rating(client, {"stars": "3", "review": "Original"})
    assert post_rating(client, {"stars": "9", "review": "Replaced"}).status_code == 422
    with app.app_context():
        assert db.session.scalar(select(Rating.review).where(Rating.user_id == user_id)) == "Original"


def test_a_review_is_escaped_plain_text_with_its_line_breaks(app, catalog):
    client, _ = signed_in(app)
    post_rating(client, {"stars": "1", "review": "<script>alert(1)</script>\r\n<b>bold</b> & more"})
    for html in (client.get(TOOL).text, app.test_client().get(TOOL).text):
        section = section_of(html)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>&lt;b&gt;bold&lt;/b&gt; &amp; more" in section
        assert "<script>alert" not in html and "<b>bold" not in html


def test_a_new_accounts_review_waits_for_moderation_and_only_its_author_sees_it(app, catalog):
    client, _ = signed_in(app, "newbie", age=timedelta(hours=5))
    response = post_rating(client, {"stars": "1", "review": "Brand new opinion"})
    assert "moderator" in client.get(response.headers["Location"]).text
    mine = client.get(TOOL).text
    assert "Brand new opinion" in mine and "Waiting for moderation" in mine
    anonymous = app.test_client().get(TOOL).text
    assert "Brand new opinion" not in anonymous and "No ratings yet." in anonymous
    assert_exact(app, tool_id_of(app), 0)


def test_the_anonymous_tool_page_shows_reviews_without_any_csrf_token_or_form(app, catalog):
    rate(app, seller(app, "reviewer", phone="+8613912345678"), tool_id_of(app), 4, "Public review")
    response = app.test_client().get(TOOL)
    assert "Public review" in response.text and "Reviewer" in response.text
    assert "csrf" not in response.text.lower()
    assert "reviewer" not in response.text and "12345678" not in response.text  # display name only
    assert "Sign in to rate" in response.text and 'action="/en/t/alpha-scout/rating"' not in response.text
    assert "/en/sign-in?next=/en/t/alpha-scout%23ratings" in response.text
    assert "Set-Cookie" not in response.headers


def test_a_rating_shows_on_the_next_anonymous_request(app, catalog):
    visitor = app.test_client()
    assert visitor.get(TOOL).headers["X-Cache"] == "MISS"
    assert visitor.get(TOOL).headers["X-Cache"] == "HIT"
    client, _ = signed_in(app)
    post_rating(client, {"stars": "5", "review": "Fresh review"})
    fresh = visitor.get(TOOL)
    assert fresh.headers["X-Cache"] == "MISS" and "Fresh review" in fresh.text
    post_form(client, TOOL, {}, action=f"{TOOL}/rating/delete")
    assert "Fresh review" not in visitor.get(TOOL).text


def test_unverified_users_are_told_why_and_sent_to_verify_their_phone(app, catalog):
    client, _ = signed_in(app, "wxuser", verified=False)
    page = client.get(TOOL).text
    assert "need a verified mobile phone" in page and "/en/verify-phone?next=" in page
    assert 'action="/en/t/alpha-scout/rating"' not in page
    response = post_rating(client, {"stars": "5"})
    assert response.status_code == 303 and "/en/verify-phone?next=" in response.headers["Location"]
    assert_exact(app, tool_id_of(app), 0)


def test_visitors_are_sent_to_sign_in_and_htmx_visitors_get_hx_redirect(app, catalog):
    client = app.test_client()
    token = csrf_from(client.get("/en/sign-in").text)  # visitors have a session only to sign in
    response = client.post(f"{TOOL}/rating", data={"csrf_token": token, "stars": "5"})
    assert response.status_code == 303 and response.headers["Location"].startswith("/en/sign-in?next=")
    response = client.post(f"{TOOL}/rating", data={"csrf_token": token, "stars": "5"}, headers=HTMX)
    assert response.status_code == 204 and response.headers["HX-Redirect"].startswith("/en/sign-in?next=")
    assert client.get("/en/my/ratings").status_code in (302, 303)
    assert_exact(app, tool_id_of(app), 0)


def test_banned_users_get_403_with_the_reason_and_nothing_changes(app, catalog):
    tool_id = tool_id_of(app)
    rating = rate(app, seller(app, "author"), tool_id, 4, "Helpful text")
    client, _ = signed_in(app, "banned1", status="banned", ban_reason="Fake reviews")
    for action, data in ((f"{TOOL}/rating", {"stars": "1"}), (f"/en/reviews/{rating.id}/helpful", {}),
                         (f"{TOOL}/report", {"reason": "spam"})):
        response = post_form(client, TOOL, data, action=action)
        assert response.status_code == 403 and "Fake reviews" in response.text, action
    assert_exact(app, tool_id, 1, 4.0)
    with app.app_context():
        assert db.session.get(Rating, rating.id).helpful_count == 0


def test_every_rating_route_refuses_a_missing_csrf_token(app, catalog):
    rating = rate(app, seller(app, "author"), tool_id_of(app), 4, "Text")
    client, _ = signed_in(app)
    for action in (f"{TOOL}/rating", f"{TOOL}/rating/delete", f"/en/reviews/{rating.id}/helpful",
                   f"{TOOL}/report", f"/en/reviews/{rating.id}/report"):
        response = client.post(action, data={"stars": "5", "reason": "spam"}, headers={"User-Agent": CHROME})
        assert response.status_code == 400 and "Your form expired" in response.text, action
    assert_exact(app, tool_id_of(app), 1, 4.0)


def test_rating_is_rate_limited_per_user_with_retry_after(app, catalog):
    client, _ = signed_in(app)
    token = csrf_from(client.get(TOOL).text)
    statuses = [client.post(f"{TOOL}/rating", data={"csrf_token": token, "stars": str(n % 5 + 1)}).status_code
                for n in range(31)]
    assert statuses[:30] == [303] * 30 and statuses[30] == 429
    limited = client.post(f"{TOOL}/rating", data={"csrf_token": token, "stars": "1"})
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    other, _ = signed_in(app, "seller2")  # the limit is per account, not per address
    assert post_rating(other, {"stars": "2"}).status_code == 303


def test_helpful_votes_toggle_with_and_without_htmx(app, catalog):
    review = rate(app, seller(app, "author"), tool_id_of(app), 4, "Useful review")
    client, _ = signed_in(app)
    page = client.get(TOOL).text
    assert f'action="/en/reviews/{review.id}/helpful"' in page
    response = post_form(client, TOOL, {"next": f"{TOOL}#review-{review.id}"},
                         action=f"/en/reviews/{review.id}/helpful", headers=HTMX)
    assert response.status_code == 200 and "<html" not in response.text
    assert 'aria-pressed="true"' in response.text and '<span class="helpful-count">1</span>' in response.text
    assert "HX-Request" in response.headers["Vary"] and "no-store" in response.headers["Cache-Control"]
    response = post_form(client, TOOL, {"next": f"{TOOL}#review-{review.id}"},
                         action=f"/en/reviews/{review.id}/helpful")
    assert response.status_code == 303 and response.headers["Location"] == f"{TOOL}#review-{review.id}"
    assert "Your vote is withdrawn." in client.get(TOOL).text
    with app.app_context():
        assert db.session.get(Rating, review.id).helpful_count == 0


def test_voting_for_my_own_review_is_refused_and_hidden_reviews_are_404(app, catalog):
    client, me = signed_in(app)
    mine = rate(app, me, tool_id_of(app), 5, "My own")
    assert f'action="/en/reviews/{mine.id}/helpful"' not in client.get(TOOL).text
    response = post_form(client, TOOL, {}, action=f"/en/reviews/{mine.id}/helpful")
    assert response.status_code == 403 and "your own review" in response.text
    held = rate(app, seller(app, "newbie", age=timedelta(0)), tool_id_of(app), 2, "Held")
    assert post_form(client, TOOL, {}, action=f"/en/reviews/{held.id}/helpful").status_code == 404
    assert post_form(client, TOOL, {}, action="/en/reviews/999999/helpful").status_code == 404
    with app.app_context():
        assert db.session.get(Rating, mine.id).helpful_count == 0


def test_reviews_are_sorted_helpful_first_then_newest_on_the_page(app, catalog):
    from services import clock

    clock.freeze(clock.now())
    tool_id = tool_id_of(app)
    old = rate(app, seller(app, "early"), tool_id, 4, "Early review")
    clock.advance(timedelta(hours=1))
    rate(app, seller(app, "later"), tool_id, 4, "Later review")
    client, _ = signed_in(app)
    page = section_of(client.get(TOOL).text)
    assert page.index("Later review") < page.index("Early review")
    post_form(client, TOOL, {}, action=f"/en/reviews/{old.id}/helpful")
    page = section_of(client.get(TOOL).text)
    assert page.index("Early review") < page.index("Later review")


def test_my_ratings_page_lists_my_ratings_with_their_states(app, catalog):
    client, me = signed_in(app)
    rate(app, me, tool_id_of(app), 4, "Visible one")
    hidden = rate(app, me, tool_id_of(app, "zulu-ai"), 2, "Hidden one")
    from services import ratings

    with app.app_context():
        ratings.set_review_state(hidden.id, "hidden")
    response = client.get("/en/my/ratings")
    assert response.status_code == 200 and "no-store" in response.headers["Cache-Control"]
    assert "Visible one" in response.text and "Hidden by staff" in response.text and "Published" in response.text
    assert '/en/t/zulu-ai#ratings' in response.text
    unverified, _ = signed_in(app, "wxuser", verified=False)
    assert "You have not rated any tools yet." in unverified.get("/en/my/ratings").text


def test_the_rating_url_itself_leads_back_to_the_tool_page(app, catalog):
    response = app.test_client().get(f"{TOOL}/rating")
    assert response.status_code == 302 and response.headers["Location"] == "/en/t/alpha-scout#ratings"


def test_aggregate_rating_is_in_the_json_ld_once_rated(app, catalog):
    def json_ld():
        html = app.test_client().get(TOOL).text
        return json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))

    assert "aggregateRating" not in json_ld()
    tool_id = tool_id_of(app)
    rate(app, seller(app, "a1"), tool_id, 5)
    rate(app, seller(app, "a2"), tool_id, 4)
    assert json_ld()["aggregateRating"] == {"@type": "AggregateRating", "ratingValue": 4.5, "ratingCount": 2,
                                            "bestRating": 5, "worstRating": 1}


def test_cards_show_the_average_and_lists_sort_by_it(app, catalog):
    rate(app, seller(app, "a1"), tool_id_of(app, "mai-jia"), 5)
    rate(app, seller(app, "a2"), tool_id_of(app), 3)
    page = app.test_client().get("/en/c/pr-amazon?sort=rating").text
    assert "★ 5.0" in page and "★ 3.0" in page
    assert page.index('id="tool-mai-jia"') < page.index('id="tool-alpha-scout"') < page.index('id="tool-old-tool"')
    assert aggregates(app, tool_id_of(app)) == (1, 3.0)


def test_the_home_page_lists_top_rated_tools_once_they_have_three_ratings(app, catalog):
    assert "Top rated" not in app.test_client().get("/en/").text
    raters = [seller(app, f"r{n}") for n in range(3)]
    for n, user_id in enumerate(raters):
        rate(app, user_id, tool_id_of(app, "zulu-ai"), 5 - n % 2)
    home = app.test_client().get("/en/").text
    top = home[home.index("Top rated"):]
    assert "Zulu AI" in top[:2000]


def _tool_page_queries(app, client, count_queries) -> int:
    with count_queries() as counter:
        assert client.get(TOOL).status_code == 200
    return counter.count


def test_the_tool_page_costs_a_fixed_number_of_queries_however_many_reviews(app, catalog, count_queries):
    app.config["PAGE_CACHE_ENABLED"] = False
    client, me = signed_in(app)
    tool_id = tool_id_of(app)
    rate(app, seller(app, "first"), tool_id, 4, "First")
    rate(app, me, tool_id, 5, "Mine")
    anonymous = app.test_client()
    # The first visit also records the tool in the browsing history and the language preference, once.
    _tool_page_queries(app, client, count_queries)
    few = (_tool_page_queries(app, client, count_queries), _tool_page_queries(app, anonymous, count_queries))
    for n in range(12):
        review = rate(app, seller(app, f"many{n}"), tool_id, n % 5 + 1, f"Review {n}")
        if n % 3 == 0:
            post_form(client, TOOL, {}, action=f"/en/reviews/{review.id}/helpful")
    many = (_tool_page_queries(app, client, count_queries), _tool_page_queries(app, anonymous, count_queries))
    assert few == many
    assert many[1] <= 8, many  # the anonymous budget of tests/test_query_counts.py
