"""Reports of tools and reviews: stored open for the moderation queue, no duplicates, every refusal."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from extensions import db
from models import Report, User
from services import reports
from services.moderation import reports as moderation_reports
from services.ratings import NotAllowed, NotFound
from tests.accounts import CHROME, csrf_from, post_form
from tests.test_ratings import rate, seller, tool_id_of
from tests.test_ratings_views import HTMX, TOOL, signed_in


def stored(app) -> list[tuple]:
    with app.app_context():
        return [tuple(row) for row in db.session.execute(
            select(Report.target_type, Report.tool_id, Report.rating_id, Report.reason, Report.note, Report.state)
            .order_by(Report.id)
        )]


def test_reporting_a_tool_and_a_review_stores_open_reports(app, catalog):
    tool_id, me = tool_id_of(app), seller(app)
    review = rate(app, seller(app, "author"), tool_id, 1, "Spammy text")
    with app.app_context():
        user = db.session.get(User, me)
        assert reports.report_tool(user, tool_id, "dead_link", "  Site is down  ").created
        assert reports.report_review(user, review.id, "spam", "").created
        assert [report.reason for report, _tool, _rating in moderation_reports.open_reports()] == ["dead_link", "spam"]
    assert stored(app) == [("tool", tool_id, None, "dead_link", "Site is down", "open"),
                           ("review", tool_id, review.id, "spam", "", "open")]


def test_reporting_the_same_target_twice_while_open_makes_no_duplicate(app, catalog):
    tool_id, me, other = tool_id_of(app), seller(app), seller(app, "other")
    with app.app_context():
        first = reports.report_tool(db.session.get(User, me), tool_id, "wrong_info", "Price is wrong")
        again = reports.report_tool(db.session.get(User, me), tool_id, "spam", "")
        assert not again.created and again.report.id == first.report.id
        assert reports.report_tool(db.session.get(User, other), tool_id, "wrong_info", "").created
        db.session.get(Report, first.report.id).state = "resolved"
        db.session.commit()
        assert reports.report_tool(db.session.get(User, me), tool_id, "wrong_info", "Wrong again").created
    assert len(stored(app)) == 3


@pytest.mark.parametrize(("reason", "note"), [("rude", ""), ("spam", "x" * 1001)])
def test_an_unknown_reason_or_a_long_note_is_refused_by_the_service(app, catalog, reason, note):
    tool_id, me = tool_id_of(app), seller(app)
    with app.app_context(), pytest.raises(reports.InvalidReport):
        reports.report_tool(db.session.get(User, me), tool_id, reason, note)
    assert stored(app) == []


def test_my_own_review_and_reviews_others_cannot_see_cannot_be_reported(app, catalog):
    tool_id, me = tool_id_of(app), seller(app)
    mine = rate(app, me, tool_id, 4, "Mine")
    held = rate(app, seller(app, "newbie", age=timedelta(0)), tool_id, 1, "Held")
    with app.app_context():
        with pytest.raises(NotAllowed):
            reports.report_review(db.session.get(User, me), mine.id, "spam", "")
        with pytest.raises(NotFound):
            reports.report_review(db.session.get(User, me), held.id, "spam", "")
    assert stored(app) == []


def test_the_report_page_works_without_javascript(app, catalog):
    client, _ = signed_in(app)
    page = client.get(f"{TOOL}/report")
    assert page.status_code == 200 and "<html" in page.text and "no-store" in page.headers["Cache-Control"]
    assert "Wrong information" in page.text and "Intellectual-property complaint" in page.text
    response = post_form(client, f"{TOOL}/report", {"reason": "ip_complaint", "note": "Copies our logo"})
    assert response.status_code == 303 and response.headers["Location"] == TOOL
    assert "Our staff will look at your report." in client.get(TOOL).text
    again = post_form(client, f"{TOOL}/report", {"reason": "ip_complaint"})
    assert "You have already reported this." in client.get(again.headers["Location"]).text
    assert [row[3:] for row in stored(app)] == [("ip_complaint", "Copies our logo", "open")]


def test_the_report_form_loads_and_posts_in_place_with_htmx(app, catalog):
    review = rate(app, seller(app, "author"), tool_id_of(app), 1, "Fake")
    client, _ = signed_in(app)
    form = client.get(f"/en/reviews/{review.id}/report", headers=HTMX)
    assert form.status_code == 200 and "<html" not in form.text and '<form class="report-form' in form.text
    assert "HX-Request" in form.headers["Vary"] and "no-store" in form.headers["Cache-Control"]
    token = csrf_from(form.text)
    done = client.post(f"/en/reviews/{review.id}/report", data={"csrf_token": token, "reason": "spam"}, headers=HTMX)
    assert done.status_code == 200 and "<html" not in done.text and "Our staff will look" in done.text
    invalid = client.post(f"/en/reviews/{review.id}/report", data={"csrf_token": token, "note": "why"}, headers=HTMX)
    assert invalid.status_code == 422 and "Choose a reason." in invalid.text and "why" in invalid.text
    assert "<html" not in invalid.text
    assert len(stored(app)) == 1


def test_an_invalid_report_page_is_422_and_keeps_the_note(app, catalog):
    client, _ = signed_in(app)
    response = post_form(client, f"{TOOL}/report", {"reason": "spam", "note": "长" * 1001})
    assert response.status_code == 422 and "Keep the note to 1000 characters or fewer." in response.text
    assert "长" * 1001 in response.text and "<html" in response.text
    assert stored(app) == []


def test_reporting_refuses_visitors_unverified_and_my_own_review(app, catalog):
    visitor = app.test_client().get(f"{TOOL}/report")
    assert visitor.headers["Location"].startswith("/en/sign-in?next=/en/t/alpha-scout/report")
    unverified, _ = signed_in(app, "wxuser", verified=False)
    assert "/en/verify-phone?next=" in unverified.get(f"{TOOL}/report").headers["Location"]
    client, me = signed_in(app)
    mine = rate(app, me, tool_id_of(app), 4, "Mine")
    response = post_form(client, TOOL, {"reason": "spam"}, action=f"/en/reviews/{mine.id}/report")
    assert response.status_code == 403 and "your own review" in response.text
    assert client.get("/en/t/no-such-tool/report").status_code == 404
    assert stored(app) == []


def test_reporting_is_rate_limited(app, catalog):
    client, _ = signed_in(app)
    token = csrf_from(client.get(f"{TOOL}/report").text)
    statuses = [client.post(f"{TOOL}/report", data={"csrf_token": token, "reason": "spam"},
                            headers={"User-Agent": CHROME}).status_code for _ in range(21)]
    assert statuses[:20] == [303] * 20 and statuses[20] == 429
