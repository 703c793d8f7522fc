"""Vendor replies: one public reply per review by the tool's vendor, editable, hidden by staff, on the tool page."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, update

from extensions import db
from models import Notification, Rating, Tool, User, VendorReply
from services import ratings
from tests.accounts import csrf_from, make_user, sign_in
from tests.test_moderation import audit_entries, token
from tests.test_ratings import rate, seller, tool_id_of
from tests.test_vendor_claims import ENTERPRISE, certified_client, make_vendor

REVIEW = "Keyword data is good, but the refund took a month."


@pytest.fixture
def vendor(app, catalog):
    client = certified_client(app)
    make_vendor(app, client.user_id)
    return client


@pytest.fixture
def review(app, catalog) -> Rating:
    return rate(app, seller(app, "reviewer"), tool_id_of(app), 3, REVIEW)


def reply_url(rating_id: int, slug="alpha-scout", edit=False) -> str:
    return f"/t/{slug}/reviews/{rating_id}/reply" + ("/edit" if edit else "")


def send_reply(client, rating_id: int, body: str, *, edit=False, slug="alpha-scout"):
    page = client.get(f"/t/{slug}")
    return client.post(reply_url(rating_id, slug, edit), data={"csrf_token": csrf_from(page.text), "body": body})


def replies(app) -> list[VendorReply]:
    with app.app_context():
        rows = db.session.scalars(select(VendorReply).order_by(VendorReply.id)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


# ---- writing a reply -------------------------------------------------------------------------------

def test_the_vendor_replies_once_and_the_reply_shows_under_the_review_with_its_enterprise(app, vendor, review):
    anonymous = app.test_client()
    assert "Reply from the vendor" not in anonymous.get("/en/t/alpha-scout").text  # cached now
    page = vendor.get("/en/t/alpha-scout").text
    assert f"/en/t/alpha-scout/reviews/{review.id}/reply" in page and "Reply as the vendor" in page
    form = vendor.get(f"/en{reply_url(review.id)}")
    assert form.status_code == 200 and REVIEW in form.text
    response = send_reply(vendor, review.id, "Sorry!\nRefunds now take 3 days. <script>alert(1)</script>")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"#review-{review.id}")
    [reply] = replies(app)
    assert (reply.rating_id, reply.author_id) == (review.id, vendor.user_id)
    public = anonymous.get("/en/t/alpha-scout").text  # the catalog version moved: not the cached copy
    assert "Reply from the vendor" in public and ENTERPRISE in public
    assert "Sorry!<br>Refunds now take 3 days. &lt;script&gt;alert(1)&lt;/script&gt;" in public
    assert "<script>alert(1)" not in public
    assert "Reply as the vendor" not in vendor.get("/en/t/alpha-scout").text
    assert "Edit the reply" in vendor.get("/en/t/alpha-scout").text


def test_a_second_reply_is_refused_and_the_first_is_edited_instead(app, vendor, review):
    assert send_reply(vendor, review.id, "First answer").status_code == 303
    second = send_reply(vendor, review.id, "Second answer")
    assert second.status_code == 409
    assert "Second answer" in second.text  # the input is kept
    assert [r.body for r in replies(app)] == ["First answer"]
    assert send_reply(vendor, review.id, "Better answer", edit=True).status_code == 303
    assert [r.body for r in replies(app)] == ["Better answer"]
    assert "Better answer" in app.test_client().get("/t/alpha-scout").text


def test_two_replies_at_once_leave_one(app, vendor, review):
    with app.app_context():
        from services import vendor_replies

        user = db.session.get(User, vendor.user_id)
        tool = db.session.get(Tool, review.tool_id)
        vendor_replies.reply_to_review(user, tool, review.id, "one")
        with pytest.raises(vendor_replies.ReplyRefused) as refused:
            vendor_replies.reply_to_review(user, tool, review.id, "two")
        assert refused.value.reason == "exists"
    assert len(replies(app)) == 1


def test_editing_without_a_reply_is_404(app, vendor, review):
    assert send_reply(vendor, review.id, "Nothing to edit", edit=True).status_code == 404
    assert replies(app) == []


@pytest.mark.parametrize("body", ["", "   ", "长" * 1001])
def test_an_empty_or_too_long_reply_is_422_with_the_input_kept(app, vendor, review, body):
    response = send_reply(vendor, review.id, body)
    assert response.status_code == 422
    if body.strip():
        assert body in response.text
    assert replies(app) == []


def test_a_reply_without_a_csrf_token_is_refused(app, vendor, review):
    assert vendor.post(reply_url(review.id), data={"body": "hi"}).status_code == 400
    assert replies(app) == []


# ---- who may reply ---------------------------------------------------------------------------------

def test_a_visitor_is_sent_to_sign_in_and_an_unverified_user_to_verify(app, review):
    visitor = app.test_client()
    response = visitor.get(reply_url(review.id))
    assert response.status_code == 303 and "/sign-in" in response.headers["Location"]
    make_user(app, "fresh", phone="+8613800000052", verified=False)
    unverified = app.test_client()
    sign_in(unverified, "fresh")
    gated = unverified.get(reply_url(review.id))
    assert gated.status_code == 303 and "/verify-phone" in gated.headers["Location"]


def test_someone_who_is_not_the_vendor_gets_403(app, review):
    other = certified_client(app, "otherco", "+8613800000054", "别的公司")  # certified, but not this tool's vendor
    assert other.get(reply_url(review.id)).status_code == 403
    assert send_reply(other, review.id, "We are better").status_code == 403
    make_user(app, "plain", phone="+8613800000053")
    plain = app.test_client()
    sign_in(plain, "plain")
    assert send_reply(plain, review.id, "hi").status_code == 403
    assert "Reply as the vendor" not in plain.get("/en/t/alpha-scout").text
    assert replies(app) == []


def test_a_vendor_who_lost_the_certification_cannot_reply(app, vendor, review):
    with app.app_context():
        db.session.execute(update(User).where(User.id == vendor.user_id).values(certified_at=None))
        db.session.commit()
    assert send_reply(vendor, review.id, "hi").status_code == 403


def test_only_published_reviews_of_the_vendors_tool_can_be_answered(app, vendor, review):
    other_tool_review = rate(app, seller(app, "second"), tool_id_of(app, "bravo-ads"), 2, "Slow")
    assert vendor.get(reply_url(other_tool_review.id)).status_code == 404
    assert vendor.get(reply_url(other_tool_review.id, slug="bravo-ads")).status_code == 403
    with app.app_context():
        ratings.set_review_state(review.id, "hidden")
    assert send_reply(vendor, review.id, "hi").status_code == 404
    assert replies(app) == []


# ---- staff -----------------------------------------------------------------------------------------

def test_staff_hide_a_reply_with_a_reason_and_the_vendor_is_told(app, vendor, review, moderator):
    send_reply(vendor, review.id, "Call us at our hotline for a discount code")
    [reply] = replies(app)
    anonymous = app.test_client()
    assert "hotline" in anonymous.get("/t/alpha-scout").text
    listing = moderator.get("/staff/claims/replies")
    assert "hotline" in listing.text and REVIEW in listing.text
    refused = moderator.post(f"/staff/vendor-replies/{reply.id}/hide", data={"csrf_token": token(moderator)})
    assert refused.status_code == 422 and replies(app)[0].hidden_at is None
    done = moderator.post(f"/staff/vendor-replies/{reply.id}/hide",
                          data={"csrf_token": token(moderator), "reason": "advertising"},
                          headers={"HX-Request": "true"})
    assert done.status_code == 200 and "<html" not in done.text
    assert replies(app)[0].hidden_at is not None
    assert "hotline" not in anonymous.get("/t/alpha-scout").text
    own_view = vendor.get("/en/t/alpha-scout").text
    assert "hotline" in own_view and "Hidden by staff" in own_view and "Edit the reply" not in own_view
    [entry] = audit_entries(app, "vendor_reply.hide")
    assert entry.reason == "advertising" and json.loads(entry.after)["hidden"] is True
    with app.app_context():
        kinds = db.session.scalars(select(Notification.kind).where(Notification.user_id == vendor.user_id)).all()
    assert kinds == ["vendor_reply_hidden"]
    assert "advertising" in vendor.get("/en/inbox").text
    assert send_reply(vendor, review.id, "edited", edit=True).status_code == 409
    again = moderator.post(f"/staff/vendor-replies/{reply.id}/hide",
                           data={"csrf_token": token(moderator), "reason": "again"}, headers={"HX-Request": "true"})
    assert again.status_code == 422
    assert moderator.post("/staff/vendor-replies/999/hide",
                          data={"csrf_token": token(moderator), "reason": "x"}).status_code == 404


def test_a_revoked_vendors_replies_are_no_longer_shown_as_the_vendors(app, vendor, review):
    send_reply(vendor, review.id, "We fixed it")
    with app.app_context():
        db.session.execute(update(Tool).where(Tool.slug == "alpha-scout").values(vendor_id=None))
        db.session.commit()
    assert "We fixed it" not in app.test_client().get("/t/alpha-scout").text


def test_the_tool_page_loads_replies_for_all_reviews_in_one_query(app, vendor, count_queries):
    app.config["PAGE_CACHE_ENABLED"] = False
    tool_id = tool_id_of(app)
    reviewers = [seller(app, f"reviewer{n}") for n in range(6)]
    for user_id in reviewers[:2]:
        rating = rate(app, user_id, tool_id, 4, f"review by {user_id}")
        send_reply(vendor, rating.id, f"thanks {user_id}")
    client = app.test_client()
    with count_queries() as few:
        assert client.get("/t/alpha-scout").status_code == 200
    for user_id in reviewers[2:]:
        rating = rate(app, user_id, tool_id, 4, f"review by {user_id}")
        send_reply(vendor, rating.id, f"thanks {user_id}")
    with count_queries() as many:
        page = client.get("/t/alpha-scout")
    assert page.text.count("vendor-reply") == 6
    assert many.count == few.count


def test_parallel_replies_to_one_review_leave_exactly_one(app, vendor, review):
    from concurrent.futures import ThreadPoolExecutor

    from services import vendor_replies

    def reply_from_thread(number: int) -> str:
        with app.app_context():
            try:
                user = db.session.get(User, vendor.user_id)
                tool = db.session.get(Tool, review.tool_id)
                vendor_replies.reply_to_review(user, tool, review.id, f"reply {number}")
                return "saved"
            except vendor_replies.ReplyRefused as refused:
                return refused.reason
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(reply_from_thread, range(8)))
    assert outcomes.count("saved") == 1 and set(outcomes) == {"saved", "exists"}
    assert len(replies(app)) == 1
