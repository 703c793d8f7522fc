"""The staff queue of submitted tools: duplicates flagged, edit before approving, approve into the catalog, reject."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from extensions import db
from models import AuditEntry, Category, Notification, Tool, ToolPlatform, ToolSubmission, User
from services import clock
from services.catalog_version import current_catalog_version
from services.submissions import review
from services.submissions.intake import SubmissionRefused
from services.urls import normalize_url
from tests.accounts import csrf_from, make_user, sign_in

URL = "https://www.keyword-owl.example.com/"


@pytest.fixture
def moderator(app, catalog):
    make_user(app, "moduser", phone="+8613800000042", role="moderator")
    client = app.test_client()
    sign_in(client, "moduser")
    return client


@pytest.fixture
def submitter(app, catalog) -> int:
    return make_user(app, "seller1", phone="+8613800000041")


def category_id(app, slug: str = "kw-research") -> int:
    with app.app_context():
        return db.session.scalar(select(Category.id).where(Category.slug == slug))


def add_submission(app, user_id: int | None, url: str = URL, *, name: str = "Keyword Owl", created=None,
                   **fields) -> int:
    values = {"category_id": category_id(app), "pricing": "freemium", "tagline": "亚马逊关键词反查",
              "description": "猫头鹰帮你找到竞品的流量词。", "language": "zh", "platforms": "amazon/us, shopee",
              "price_note": "¥99 起", **fields}
    with app.app_context():
        row = ToolSubmission(user_id=user_id, url=url, url_normalized=normalize_url(url), name=name,
                             created_at=created or clock.now(), **values)
        db.session.add(row)
        db.session.commit()
        return row.id


def submission(app, submission_id: int) -> ToolSubmission:
    with app.app_context():
        row = db.session.get(ToolSubmission, submission_id)
        db.session.expunge(row)
        return row


def tool_by_url(app, url: str = URL) -> Tool | None:
    with app.app_context():
        tool = db.session.scalar(select(Tool).where(Tool.url_normalized == normalize_url(url)))
        if tool is not None:
            db.session.expunge(tool)
        return tool


def audit_entries(app, action: str) -> list[AuditEntry]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def notices(app, user_id: int) -> list[tuple[str, dict]]:
    with app.app_context():
        return [(n.kind, json.loads(n.detail)) for n in db.session.scalars(
            select(Notification).where(Notification.user_id == user_id).order_by(Notification.id))]


def token(client) -> str:
    return csrf_from(client.get("/en/staff/submissions").text)


def decide(client, submission_id: int, decision: str, reason: str = "", **headers):
    return client.post(f"/en/staff/submissions/{submission_id}/decide",
                       data={"csrf_token": token(client), "decision": decision, "reason": reason}, headers=headers)


def edit_data(app, **overrides) -> dict:
    values = {"url": URL, "name": "Keyword Owl", "name_en": "", "category_id": str(category_id(app)),
              "pricing": "freemium", "price_note": "¥99 起", "language": "zh", "tagline": "亚马逊关键词反查",
              "description": "猫头鹰帮你找到竞品的流量词。", "platforms": "amazon/us, shopee", "tagline_other": "",
              "description_other": "", "reason": "", "action": "save"}
    values.update(overrides)
    return values


def edit(client, app, submission_id: int, **overrides):
    page = client.get(f"/en/staff/submissions/{submission_id}/edit")
    return client.post(f"/en/staff/submissions/{submission_id}/edit",
                       data={"csrf_token": csrf_from(page.text), **edit_data(app, **overrides)})


# ---- who may use it ------------------------------------------------------------------------------

def test_the_queue_is_for_staff(app, catalog, submitter):
    submission_id = add_submission(app, submitter)
    visitor = app.test_client()
    assert "/sign-in" in visitor.get("/en/staff/submissions").headers["Location"]
    user = app.test_client()
    sign_in(user, "seller1")
    assert user.get("/en/staff/submissions").status_code == 403
    home_token = csrf_from(user.get("/en/").text)
    assert user.post(f"/en/staff/submissions/{submission_id}/decide",
                     data={"csrf_token": home_token, "decision": "approve"}).status_code == 403
    assert user.post(f"/en/staff/submissions/{submission_id}/edit",
                     data={"csrf_token": home_token, **edit_data(app)}).status_code == 403
    assert submission(app, submission_id).state == "pending"


def test_a_decision_without_csrf_is_refused(app, moderator, submitter):
    submission_id = add_submission(app, submitter)
    no_token = moderator.post(f"/en/staff/submissions/{submission_id}/decide", data={"decision": "approve"})
    assert no_token.status_code == 400
    assert moderator.post(f"/en/staff/submissions/{submission_id}/edit", data=edit_data(app)).status_code == 400
    assert submission(app, submission_id).state == "pending"


# ---- the queue -----------------------------------------------------------------------------------

def test_the_queue_lists_pending_submissions_oldest_first_with_their_fields(app, moderator, submitter):
    now = clock.now()
    newer = add_submission(app, submitter, "https://newer.example.com/", name="Newer Tool", created=now)
    older = add_submission(app, submitter, "https://older.example.com/", name="Older Tool",
                           created=now - timedelta(days=1))
    add_submission(app, submitter, "https://gone.example.com/", name="Rejected Tool", state="rejected", reason="no")
    page = moderator.get("/en/staff/submissions")
    assert page.status_code == 200
    assert page.text.index(f'id="submission-{older}"') < page.text.index(f'id="submission-{newer}"')
    assert "Rejected Tool" not in page.text
    assert 'id="queue-count-submissions">2<' in page.text
    for shown in ("older.example.com", "Keyword research", "amazon/us, shopee", "Freemium", "¥99 起",
                  "亚马逊关键词反查", "猫头鹰帮你找到竞品的流量词。", "Seller1",
                  f'href="/en/staff/submissions/{older}/edit"'):
        assert shown in page.text, shown
    rejected = moderator.get("/en/staff/submissions?state=rejected")
    assert "Rejected Tool" in rejected.text and "Older Tool" not in rejected.text
    everything = moderator.get("/en/staff/submissions?state=all")
    assert all(name in everything.text for name in ("Newer Tool", "Older Tool", "Rejected Tool"))
    assert "Older Tool" in moderator.get("/en/staff/submissions?state=nonsense").text  # unknown: pending


def test_the_queue_flags_a_listed_tool_and_other_submissions_with_the_same_address(app, moderator, submitter):
    other = make_user(app, "other", phone="+8613800000043")
    first = add_submission(app, submitter, "https://twins.example.com/app")
    second = add_submission(app, other, "http://TWINS.example.com/app/", name="Twin")
    listed = add_submission(app, other, "https://alpha-scout.example.com", name="Alpha again")
    page = moderator.get("/en/staff/submissions")
    first_row = page.text[page.text.index(f'id="submission-{first}"'):page.text.index(f'id="submission-{second}"')]
    assert "Other pending submissions have the same address" in first_row and f"#{second} Twin" in first_row
    listed_row = page.text[page.text.index(f'id="submission-{listed}"'):]
    assert "already in the catalog" in listed_row and 'href="/en/t/alpha-scout"' in listed_row


def test_the_queue_answers_in_a_fixed_number_of_queries(app, moderator, submitter, count_queries):
    for number in range(3):
        add_submission(app, submitter, f"https://n{number}.example.com/")
    moderator.get("/en/staff/submissions")  # the first page of a session records it once
    with count_queries() as few:
        moderator.get("/en/staff/submissions")
    for number in range(3, 20):
        add_submission(app, submitter, f"https://n{number}.example.com/")
    with count_queries() as many:
        moderator.get("/en/staff/submissions")
    assert many.count == few.count


# ---- approve -------------------------------------------------------------------------------------

def test_approving_publishes_the_tool_in_its_category_and_search_and_tells_the_submitter(app, moderator, submitter):
    submission_id = add_submission(app, submitter, name_en="Keyword Owl EN")
    version = _catalog_version(app)
    response = decide(moderator, submission_id, "approve", "Welcome", **{"HX-Request": "true"})
    assert response.status_code == 200 and "<html" not in response.text
    assert "is published" in response.text
    assert 'id="queue-count-submissions" hx-swap-oob="true">0<' in response.text

    tool = tool_by_url(app)
    assert (tool.status, tool.name, tool.name_en, tool.slug) == ("published", "Keyword Owl", "Keyword Owl EN",
                                                                  "keyword-owl-en")
    assert (tool.url, tool.pricing, tool.category_id) == (URL, "freemium", category_id(app))
    # Given in Chinese: the English texts start as copies until someone translates them.
    assert tool.tagline_zh == tool.tagline_en == "亚马逊关键词反查"
    assert tool.description_zh == tool.description_en == "猫头鹰帮你找到竞品的流量词。"
    assert tool.price_note_zh == tool.price_note_en == "¥99 起"
    with app.app_context():
        links = db.session.execute(select(ToolPlatform.platform_id, ToolPlatform.market_id)
                                   .where(ToolPlatform.tool_id == tool.id)).all()
    assert len(links) == 2
    row = submission(app, submission_id)
    assert (row.state, row.tool_id, row.reason) == ("approved", tool.id, "Welcome")
    assert row.decided_by_id is not None and row.decided_at is not None
    assert _catalog_version(app) != version

    visitor = app.test_client()
    assert 'id="tool-keyword-owl-en"' in visitor.get("/en/c/kw-research").text
    assert "keyword-owl-en" in visitor.get("/en/search?q=Keyword Owl").text
    assert "keyword-owl-en" in visitor.get("/search?q=猫头鹰").text

    [(kind, detail)] = notices(app, submitter)
    assert kind == "submission_approved"
    assert detail == {"tool": "Keyword Owl", "slug": "keyword-owl-en", "reason": "Welcome"}
    [approve] = audit_entries(app, "submission.approve")
    assert json.loads(approve.before) == {"state": "pending"}
    assert json.loads(approve.after) == {"state": "approved", "tool": "keyword-owl-en"}
    assert approve.reason == "Welcome"
    [created] = audit_entries(app, "tool.create")
    assert created.target_id == str(tool.id) and f"submission #{submission_id}" in created.reason


def _catalog_version(app):
    with app.app_context():
        return current_catalog_version()


def test_the_submitters_inbox_and_list_show_the_decision(app, moderator, submitter):
    approved = add_submission(app, submitter)
    rejected = add_submission(app, submitter, "https://meh.example.com/", name="Meh")
    decide(moderator, approved, "approve", "Nice find")
    decide(moderator, rejected, "reject", "Not a tool for sellers")
    user = app.test_client()
    sign_in(user, "seller1")
    inbox = user.get("/en/inbox").text
    assert "Your submission “Keyword Owl” is approved and now listed." in inbox
    assert "Nice find" in inbox and 'href="/en/t/keyword-owl"' in inbox
    assert "Your submission “Meh” was not approved. Reason: Not a tool for sellers" in inbox
    mine = user.get("/en/my/submissions").text
    assert 'href="/en/t/keyword-owl"' in mine and "Not a tool for sellers" in mine
    assert "“Keyword Owl”" in user.get("/inbox").text  # the Chinese inbox renders too


def test_approving_without_javascript_redirects_back_with_a_flash(app, moderator, submitter):
    submission_id = add_submission(app, submitter)
    response = decide(moderator, submission_id, "approve", Referer="http://localhost/en/staff/submissions")
    assert response.status_code == 303
    assert "is published" in moderator.get(response.headers["Location"]).text


def test_approving_an_address_that_became_a_duplicate_creates_nothing(app, moderator, submitter):
    submission_id = add_submission(app, submitter, "https://late.example.com/")
    with app.app_context():  # meanwhile an admin put the same address on an existing tool
        db.session.execute(update(Tool).where(Tool.slug == "zulu-ai")
                           .values(url="http://late.example.com", url_normalized="late.example.com"))
        db.session.commit()
        tools_before = db.session.scalar(select(func.count()).select_from(Tool))
    for headers in ({"HX-Request": "true"}, {}):
        response = decide(moderator, submission_id, "approve", **headers)
        assert response.status_code == 422
        assert "already in the catalog" in response.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Tool)) == tools_before
    assert submission(app, submission_id).state == "pending"
    assert audit_entries(app, "submission.approve") == [] and notices(app, submitter) == []


def test_approving_a_submission_whose_category_was_deleted_asks_for_an_edit(app, moderator, submitter):
    submission_id = add_submission(app, submitter, category_id=None)
    response = decide(moderator, submission_id, "approve", **{"HX-Request": "true"})
    assert response.status_code == 422 and "Edit it and choose one" in response.text
    assert submission(app, submission_id).state == "pending" and tool_by_url(app) is None


def test_a_submission_decided_twice_is_refused_the_second_time(app, moderator, submitter):
    submission_id = add_submission(app, submitter)
    assert decide(moderator, submission_id, "approve").status_code == 303
    again = decide(moderator, submission_id, "reject", "changed my mind", **{"HX-Request": "true"})
    assert again.status_code == 409 and "decided this submission a moment ago" in again.text
    assert submission(app, submission_id).state == "approved"
    assert decide(moderator, 999999, "approve").status_code == 404
    assert decide(moderator, submission_id, "maybe").status_code == 422


def _approve_in_thread(app, submission_id: int, staff_id: int) -> str:
    with app.app_context():
        try:
            review.approve_submission(submission_id, staff_id=staff_id)
            return "approved"
        except SubmissionRefused as refused:
            return refused.reason
        finally:
            db.session.remove()


def test_parallel_approvals_of_one_submission_create_one_tool(app, moderator, submitter):
    submission_id = add_submission(app, submitter)
    with app.app_context():
        staff_id = db.session.scalar(select(User.id).where(User.account_name == "moduser"))
    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(lambda _: _approve_in_thread(app, submission_id, staff_id), range(4)))
    assert sorted(outcomes) == ["approved", "decided", "decided", "decided"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Tool).where(Tool.url == URL)) == 1
    assert len(audit_entries(app, "submission.approve")) == 1 and len(notices(app, submitter)) == 1


def test_a_withdrawn_submission_cannot_be_approved(app, moderator, submitter):
    submission_id = add_submission(app, submitter, state="withdrawn")
    assert decide(moderator, submission_id, "approve").status_code == 409
    assert tool_by_url(app) is None


def test_a_submission_from_an_erased_account_can_still_be_decided(app, moderator):
    submission_id = add_submission(app, None)
    page = moderator.get("/en/staff/submissions")
    assert "Deleted user" in page.text
    assert decide(moderator, submission_id, "approve").status_code == 303
    assert tool_by_url(app) is not None


# ---- reject --------------------------------------------------------------------------------------

def test_rejecting_needs_a_reason_and_tells_the_submitter(app, moderator, submitter):
    submission_id = add_submission(app, submitter)
    refused = decide(moderator, submission_id, "reject", "   ")
    assert refused.status_code == 422 and "Give a reason for the rejection" in refused.text
    assert submission(app, submission_id).state == "pending"
    assert audit_entries(app, "submission.reject") == []

    done = decide(moderator, submission_id, "reject", "Already covered by another listing", **{"HX-Request": "true"})
    assert done.status_code == 200 and "Rejected" in done.text
    row = submission(app, submission_id)
    assert (row.state, row.reason, row.tool_id) == ("rejected", "Already covered by another listing", None)
    [(kind, detail)] = notices(app, submitter)
    assert kind == "submission_rejected" and detail["reason"] == "Already covered by another listing"
    [entry] = audit_entries(app, "submission.reject")
    assert json.loads(entry.after) == {"state": "rejected"} and entry.reason == "Already covered by another listing"
    assert tool_by_url(app) is None


# ---- edit before approving -----------------------------------------------------------------------

def test_the_edit_form_shows_the_submission(app, moderator, submitter):
    submission_id = add_submission(app, submitter)
    page = moderator.get(f"/en/staff/submissions/{submission_id}/edit")
    assert page.status_code == 200
    assert f'value="{URL}"' in page.text and 'value="Keyword Owl"' in page.text
    assert "amazon/us, shopee" in page.text and "猫头鹰帮你找到竞品的流量词。" in page.text
    assert moderator.get("/en/staff/submissions/999999/edit").status_code == 404


@pytest.mark.parametrize(("overrides", "message"), [
    ({"name": ""}, "This field is required."),
    ({"url": "javascript:alert(1)"}, "Enter a full web address"),
    ({"platforms": "amazon/mars"}, "Unknown platform or market: amazon/mars"),
    ({"category_id": str(10**6)}, "Not a valid choice"),
    ({"tagline": "x" * 201}, "Use at most 200 characters."),
    ({"pricing": ""}, "Choose how the tool is paid for."),
])
def test_bad_edits_come_back_with_422_and_change_nothing(app, moderator, submitter, overrides, message):
    submission_id = add_submission(app, submitter)
    response = edit(moderator, app, submission_id, name_en="Kept input", **overrides)
    assert response.status_code == 422
    assert message in response.text and 'value="Kept input"' in response.text
    row = submission(app, submission_id)
    assert (row.name, row.name_en, row.url) == ("Keyword Owl", None, URL)
    assert audit_entries(app, "submission.edit") == []


def test_saving_an_edit_changes_the_submission_and_is_audited(app, moderator, submitter):
    submission_id = add_submission(app, submitter)
    response = edit(moderator, app, submission_id, name="Keyword Owl Pro", url="https://owl.example.com/pro",
                    category_id=str(category_id(app, "listing-optimization")), platforms="amazon/jp",
                    reason="official name")
    assert response.status_code == 303
    assert "Saved: url, name, category_id, platforms." in moderator.get(response.headers["Location"]).text
    row = submission(app, submission_id)
    assert (row.name, row.url, row.url_normalized, row.platforms, row.state) == (
        "Keyword Owl Pro", "https://owl.example.com/pro", "owl.example.com/pro", "amazon/jp", "pending")
    [entry] = audit_entries(app, "submission.edit")
    assert json.loads(entry.before)["name"] == "Keyword Owl" and json.loads(entry.after)["name"] == "Keyword Owl Pro"
    assert set(json.loads(entry.after)) == {"url", "name", "category_id", "platforms"}
    assert entry.reason == "official name"
    unchanged = edit(moderator, app, submission_id, name="Keyword Owl Pro", url="https://owl.example.com/pro",
                     category_id=str(category_id(app, "listing-optimization")), platforms="amazon/jp")
    assert "Nothing changed." in moderator.get(unchanged.headers["Location"]).text
    assert len(audit_entries(app, "submission.edit")) == 1


def test_save_and_approve_publishes_the_edited_tool_with_the_translation(app, moderator, submitter):
    submission_id = add_submission(app, submitter)
    response = edit(moderator, app, submission_id, action="approve", name_en="Keyword Owl",
                    tagline_other="Reverse-look-up competitors' keywords", description_other="", reason="translated")
    assert response.status_code == 303 and response.headers["Location"] == "/en/staff/submissions"
    tool = tool_by_url(app)
    assert tool.tagline_zh == "亚马逊关键词反查" and tool.tagline_en == "Reverse-look-up competitors' keywords"
    assert tool.description_en == tool.description_zh  # no translation given: copied
    assert submission(app, submission_id).state == "approved"
    assert [e.reason for e in audit_entries(app, "submission.approve")] == ["translated"]


def test_an_english_submission_fills_the_chinese_texts_from_the_english(app, moderator, submitter):
    submission_id = add_submission(app, submitter, language="en", tagline="Find keywords", description="An owl.")
    edit(moderator, app, submission_id, action="approve", language="en", tagline="Find keywords", description="An owl.",
         tagline_other="找关键词")
    tool = tool_by_url(app)
    assert (tool.tagline_en, tool.tagline_zh, tool.description_zh) == ("Find keywords", "找关键词", "An owl.")


def test_save_and_approve_onto_a_taken_address_saves_nothing(app, moderator, submitter):
    submission_id = add_submission(app, submitter)
    response = edit(moderator, app, submission_id, action="approve", url="https://bravo-ads.example.com",
                    name="Renamed")
    assert response.status_code == 422
    assert "already in the catalog" in response.text and 'value="Renamed"' in response.text
    row = submission(app, submission_id)
    assert (row.name, row.url, row.state) == ("Keyword Owl", URL, "pending")
    assert audit_entries(app, "submission.edit") == [] and audit_entries(app, "submission.approve") == []


def test_a_decided_submission_cannot_be_edited(app, moderator, submitter):
    submission_id = add_submission(app, submitter, state="rejected", reason="no")
    page = moderator.get(f"/en/staff/submissions/{submission_id}/edit")
    assert "Save and approve" not in page.text
    response = edit(moderator, app, submission_id, name="Sneaky")
    assert response.status_code == 409
    assert submission(app, submission_id).name == "Keyword Owl"


def test_the_staff_pages_render_in_chinese(app, moderator, submitter):
    submission_id = add_submission(app, submitter)
    assert moderator.get("/staff/submissions").status_code == 200
    assert moderator.get(f"/staff/submissions/{submission_id}/edit").status_code == 200


def test_approval_days_are_recorded_in_utc(app, moderator, submitter):
    clock.freeze(datetime(2026, 5, 1, 3, 0, tzinfo=UTC))
    submission_id = add_submission(app, submitter)
    decide(moderator, submission_id, "approve")
    assert submission(app, submission_id).decided_at == datetime(2026, 5, 1, 3, 0, tzinfo=UTC)
    with app.app_context():
        assert db.session.scalar(select(User.id).where(User.account_name == "moduser")) == \
            submission(app, submission_id).decided_by_id
