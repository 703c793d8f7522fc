"""Suggested edits: verified users propose corrections, staff see a field-by-field diff and accept some fields."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from extensions import db
from models import AuditEntry, EditSuggestion, Notification, Tool, User
from services.catalog_version import current_catalog_version
from services.search import search_tools
from services.search.params import SearchQuery
from services.urls import normalize_url
from tests.accounts import make_user, sign_in
from tests.test_moderation import audit_entries, token
from tests.test_vendor_claims import certified_client, make_vendor, tool_row

LIMIT = 3


@pytest.fixture
def app_config():
    return {"EDIT_SUGGESTIONS_DAILY_LIMIT": LIMIT}


@pytest.fixture
def user(app, catalog):
    user_id = make_user(app, "helper", phone="+8613800000061")
    client = app.test_client()
    sign_in(client, "helper")
    client.user_id = user_id
    return client


def form_values(html: str) -> dict[str, str]:
    """The suggestion form's fields as the browser would send them untouched."""
    values = {}
    for name, value in re.findall(r'<input[^>]*?name="([^"]+)"[^>]*?value="([^"]*)"', html):
        values[name] = value
    for name, value in re.findall(r'<textarea[^>]*?name="([^"]+)"[^>]*>\n?(.*?)</textarea>', html, re.S):
        values[name] = value
    for name, options in re.findall(r'<select[^>]*?name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        values[name] = re.search(r'<option selected value="([^"]*)"|<option[^>]*value="([^"]*)" selected',
                                 options).group(1)
    return {name: unescape(value) for name, value in values.items()}


def unescape(text: str) -> str:
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&#34;", '"').replace("&#39;", "'")
            .replace("&quot;", '"').replace("&amp;", "&"))


def suggest(client, slug="alpha-scout", **changes):
    """Open the form (English, so tests read the messages), change some fields, send."""
    page = client.get(f"/en/t/{slug}/suggest")
    assert page.status_code == 200
    data = {**form_values(page.text), **changes}
    return client.post(f"/en/t/{slug}/suggest", data=data)


def suggestions(app) -> list[EditSuggestion]:
    with app.app_context():
        rows = db.session.scalars(select(EditSuggestion).order_by(EditSuggestion.id)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def changes_of(suggestion: EditSuggestion) -> dict:
    return json.loads(suggestion.changes)


def decide(client, suggestion_id: int, fields=(), decision="accept", reason="", htmx=True):
    return client.post(f"/en/staff/suggestions/{suggestion_id}/decide",
                       data={"csrf_token": token(client), "decision": decision, "field": list(fields),
                             "reason": reason},
                       headers={"HX-Request": "true"} if htmx else {})


# ---- who may suggest -------------------------------------------------------------------------------

def test_a_visitor_is_sent_to_sign_in(app, catalog):
    response = app.test_client().get("/t/alpha-scout/suggest")
    assert response.status_code == 303 and "/sign-in" in response.headers["Location"]


def test_an_unverified_user_is_sent_to_verify_and_a_banned_one_refused(app, catalog):
    make_user(app, "fresh", phone="+8613800000052", verified=False)
    make_user(app, "banned", phone="+8613800000053", status="banned", ban_reason="spam")
    unverified, banned = app.test_client(), app.test_client()
    sign_in(unverified, "fresh")
    sign_in(banned, "banned")
    gated = unverified.get("/t/alpha-scout/suggest")
    assert gated.status_code == 303 and "/verify-phone" in gated.headers["Location"]
    assert banned.get("/t/alpha-scout/suggest").status_code == 403


def test_a_suggestion_without_a_csrf_token_is_refused(app, user):
    assert user.post("/t/alpha-scout/suggest", data={"name": "X"}).status_code == 400
    assert suggestions(app) == []


def test_every_tool_page_offers_suggest_an_edit(app, catalog):
    page = app.test_client().get("/en/t/alpha-scout").text
    assert "/en/t/alpha-scout/suggest" in page and "Suggest an edit" in page


# ---- suggesting ------------------------------------------------------------------------------------

def test_the_form_is_prefilled_and_only_changed_fields_are_stored(app, user):
    page = user.get("/en/t/alpha-scout/suggest")
    values = form_values(page.text)
    assert values["name"] == "Alpha Scout" and values["url"] == "https://alpha-scout.example.com/"
    assert values["pricing"] == "paid" and values["lifecycle"] == "active"
    response = suggest(user, price_from_usd="29", trial_days="14", lifecycle="shut_down", successor="Bravo-Ads",
                       note="Their pricing page: https://alpha-scout.example.com/pricing")
    assert response.status_code == 303 and response.headers["Location"].endswith("/t/alpha-scout")
    [suggestion] = suggestions(app)
    assert changes_of(suggestion) == {
        "price_from_usd": {"from": "", "to": "29.00"},
        "trial_days": {"from": "", "to": "14"},
        "lifecycle": {"from": "active", "to": "shut_down"},
        "successor": {"from": "", "to": "bravo-ads"},
    }
    assert (suggestion.state, suggestion.from_vendor, suggestion.user_id) == ("pending", False, user.user_id)
    assert suggestion.note.startswith("Their pricing page")
    assert tool_row(app).lifecycle == "active"  # nothing changes before staff accept


def test_sending_the_form_unchanged_is_422(app, user):
    response = suggest(user, name="  Alpha   Scout ")  # the same once spaces are tidied
    assert response.status_code == 422
    assert "did not change anything" in response.text
    assert suggestions(app) == []


def test_spacing_the_browser_changes_is_not_a_change(app, user):
    with app.app_context():
        db.session.execute(update(Tool).where(Tool.slug == "alpha-scout").values(
            tagline_en="Finds  products ", description_en="One.\nTwo.\n"))
        db.session.commit()
    page = user.get("/en/t/alpha-scout/suggest")
    data = {**form_values(page.text), "description_en": "One.\r\nTwo.\r\n"}  # browsers send CRLF
    response = user.post("/en/t/alpha-scout/suggest", data=data)
    assert response.status_code == 422 and "did not change anything" in response.text


def test_fields_left_out_of_the_request_are_not_proposed_as_empty(app, user):
    page = user.get("/en/t/alpha-scout/suggest")
    values = form_values(page.text)
    data = {"csrf_token": values["csrf_token"], "seen": values["seen"], "trial_days": "5"}
    assert user.post("/en/t/alpha-scout/suggest", data=data).status_code == 303
    assert changes_of(suggestions(app)[0]) == {"trial_days": {"from": "", "to": "5"}}


@pytest.mark.parametrize("field, value, message", [
    ("url", "ftp://alpha.example.com", "http://"),
    ("url", "https://bravo-ads.example.com/", "Another tool"),
    ("price_from_cny", "12.345", "two decimal places"),
    ("price_from_cny", "-1", "two decimal places"),
    ("trial_days", "forever", "number of days"),
    ("successor", "no-such-tool", "No tool has this address"),
    ("successor", "alpha-scout", "own successor"),
    ("name", "", "required"),
    ("pricing", "gratis", "Choose one"),
    ("tagline_en", "x" * 201, "too long"),
])
def test_bad_input_is_422_with_the_input_kept_and_nothing_stored(app, user, field, value, message):
    response = suggest(user, **{field: value, "note": "kept note <b>"})
    assert response.status_code == 422
    assert message in response.text
    assert "kept note &lt;b&gt;" in response.text
    if value and field != "pricing":
        assert value in unescape(response.text)
    assert suggestions(app) == []


def test_the_daily_limit_answers_429_and_keeps_the_input(app, user):
    for price in range(1, LIMIT + 1):
        assert suggest(user, price_from_cny=str(price)).status_code == 303
    response = suggest(user, price_from_cny="777", note="still here")
    assert response.status_code == 429
    assert "24 hours" in response.text and "777" in response.text and "still here" in response.text
    assert len(suggestions(app)) == LIMIT


def test_a_field_changed_by_staff_after_the_form_was_opened_is_not_sent_back(app, user):
    page = user.get("/t/alpha-scout/suggest")
    with app.app_context():
        db.session.execute(update(Tool).where(Tool.slug == "alpha-scout").values(tagline_en="New staff tagline"))
        db.session.commit()
    data = {**form_values(page.text), "trial_days": "7"}
    assert user.post("/t/alpha-scout/suggest", data=data).status_code == 303
    [suggestion] = suggestions(app)
    assert list(changes_of(suggestion)) == ["trial_days"]  # the old tagline in the form is not a "change"


def test_a_tampered_seen_field_counts_as_the_current_values(app, user):
    page = user.get("/t/alpha-scout/suggest")
    data = {**form_values(page.text), "seen": "forged", "name": "Alpha Scout Pro"}
    assert user.post("/t/alpha-scout/suggest", data=data).status_code == 303
    assert changes_of(suggestions(app)[0]) == {"name": {"from": "Alpha Scout", "to": "Alpha Scout Pro"}}


def test_the_tools_vendor_proposes_edits_labelled_as_from_the_vendor(app, catalog, moderator):
    vendor = certified_client(app)
    make_vendor(app, vendor.user_id)
    page = vendor.get("/en/t/alpha-scout/suggest").text
    assert "Propose an edit" in page
    assert suggest(vendor, price_note_en="per seat").status_code == 303
    [suggestion] = suggestions(app)
    assert suggestion.from_vendor is True
    assert "From the vendor" in moderator.get("/en/staff/suggestions").text


# ---- the staff diff and decisions ------------------------------------------------------------------

def test_staff_see_current_and_proposed_values_escaped(app, user, moderator):
    suggest(user, name="<b>Alpha</b> Scout", description_en="Line one\n<script>alert(1)</script>")
    page = moderator.get("/en/staff/suggestions")
    assert page.status_code == 200 and 'id="queue-count-suggestions">1<' in page.text
    assert "&lt;b&gt;Alpha&lt;/b&gt; Scout" in page.text and "<b>Alpha</b>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "Alpha Scout is a tool for tests." in page.text  # the current description beside it
    assert 'name="field" value="name"' in page.text and 'name="field" value="description_en"' in page.text


def test_accepting_some_fields_changes_only_those_with_audit_search_and_notice(app, user, moderator):
    suggest(user, name="Quokka Scout", price_from_usd="19.5", trial_days="30")
    [suggestion] = suggestions(app)
    anonymous = app.test_client()
    assert "Quokka" not in anonymous.get("/en/t/alpha-scout").text  # cached now
    with app.app_context():
        version = current_catalog_version()
    response = decide(moderator, suggestion.id, ["name", "price_from_usd"], reason="checked the site")
    assert response.status_code == 200 and 'id="queue-count-suggestions" hx-swap-oob="true">0<' in response.text
    tool = tool_row(app)
    assert (tool.name, tool.price_from_usd, tool.trial_days) == ("Quokka Scout", Decimal("19.50"), None)
    [decided] = suggestions(app)
    assert decided.state == "approved" and json.loads(decided.accepted_fields) == ["name", "price_from_usd"]
    assert decided.decided_by_id is not None
    [entry] = audit_entries(app, "suggestion.accept")
    assert json.loads(entry.after)["accepted"] == ["name", "price_from_usd"]
    [edit] = audit_entries(app, "tool.edit")
    assert json.loads(edit.after) == {"name": "Quokka Scout", "price_from_usd": "19.50"}
    assert f"#{suggestion.id}" in edit.reason
    with app.app_context():
        assert current_catalog_version() > version
        found = search_tools("quokka", SearchQuery(), "en", 10).pagination.items
        assert [t.slug for t in found] == ["alpha-scout"]
        detail = json.loads(db.session.scalar(select(Notification.detail).where(
            Notification.user_id == user.user_id, Notification.kind == "suggestion_decided")))
    assert detail["accepted"] == ["name", "price_from_usd"] and detail["state"] == "approved"
    assert "Quokka Scout" in anonymous.get("/en/t/alpha-scout").text
    inbox = user.get("/en/inbox").text
    assert "is accepted: Name, From (USD)" in inbox


def test_accepting_a_lifecycle_and_successor_shows_the_successor(app, user, admin):
    suggest(user, lifecycle="acquired", successor="bravo-ads")
    [suggestion] = suggestions(app)
    assert decide(admin, suggestion.id, ["lifecycle", "successor"], htmx=False).status_code == 303
    page = app.test_client().get("/en/t/alpha-scout").text
    assert "This tool has been acquired." in page and "/en/t/bravo-ads" in page


def test_a_rejection_needs_a_reason_and_accepting_nothing_is_a_rejection(app, user, moderator):
    suggest(user, name="Wrong Name")
    [suggestion] = suggestions(app)
    refused = decide(moderator, suggestion.id, decision="reject")
    assert refused.status_code == 422 and suggestions(app)[0].state == "pending"
    nothing_ticked = decide(moderator, suggestion.id, [], decision="accept")
    assert nothing_ticked.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(AuditEntry.id)) is None
    done = decide(moderator, suggestion.id, [], decision="accept", reason="官网上仍是旧名<>")
    assert done.status_code == 200
    [decided] = suggestions(app)
    assert (decided.state, decided.reason, json.loads(decided.accepted_fields)) == (
        "rejected", "官网上仍是旧名<>", [])
    assert tool_row(app).name == "Alpha Scout"
    assert len(audit_entries(app, "suggestion.reject")) == 1 and audit_entries(app, "tool.edit") == []
    inbox = user.get("/en/inbox").text
    assert "was not accepted" in inbox and "官网上仍是旧名&lt;&gt;" in inbox


def test_a_reject_button_ignores_ticked_fields(app, user, moderator):
    suggest(user, name="Wrong Name")
    [suggestion] = suggestions(app)
    assert decide(moderator, suggestion.id, ["name"], decision="reject", reason="no").status_code == 200
    assert tool_row(app).name == "Alpha Scout" and suggestions(app)[0].state == "rejected"


def test_a_second_decision_is_refused(app, user, moderator):
    suggest(user, name="Quokka Scout")
    [suggestion] = suggestions(app)
    assert decide(moderator, suggestion.id, ["name"]).status_code == 200
    again = decide(moderator, suggestion.id, decision="reject", reason="oops")
    assert again.status_code == 422 and "a moment ago" in again.text
    assert suggestions(app)[0].state == "approved"
    assert len(audit_entries(app, "suggestion.accept")) == 1 and audit_entries(app, "suggestion.reject") == []
    assert decide(moderator, 999, ["name"], htmx=False).status_code == 404


def test_a_value_that_no_longer_passes_the_checks_refuses_the_whole_decision(app, user, moderator):
    suggest(user, url="https://alpha-new.example.com/", name="Alpha Two")
    [suggestion] = suggestions(app)
    with app.app_context():  # another tool takes that address before staff decide
        normalized = db.session.scalar(select(Tool.url_normalized).where(Tool.slug == "alpha-scout"))
        db.session.execute(update(Tool).where(Tool.slug == "bravo-ads").values(
            url="https://alpha-new.example.com/", url_normalized=normalize_url("https://alpha-new.example.com/")))
        db.session.commit()
    response = decide(moderator, suggestion.id, ["url", "name"])
    assert response.status_code == 422 and "Another tool" in response.text and "Website" in response.text
    tool = tool_row(app)
    assert (tool.name, tool.url_normalized) == ("Alpha Scout", normalized)
    assert suggestions(app)[0].state == "pending"
    with app.app_context():
        assert db.session.scalar(select(AuditEntry.id)) is None
        assert db.session.scalar(select(Notification.id)) is None


def test_staff_are_shown_a_field_the_tool_changed_since_the_suggestion(app, user, moderator):
    suggest(user, tagline_en="Better tagline", name="Alpha Scout 2")
    with app.app_context():
        db.session.execute(update(Tool).where(Tool.slug == "alpha-scout").values(tagline_en="Staff tagline"))
        db.session.commit()
    page = moderator.get("/en/staff/suggestions").text
    assert page.count("Changed since the suggestion was made") == 1
    assert "Staff tagline" in page and "Alpha Scout in one line" in page
    # The changed field is not ticked by default; the untouched one is.
    assert re.search(r'value="tagline_en" id="[^"]+">', page)
    assert re.search(r'value="name" id="[^"]+" checked>', page)


def test_accepting_a_value_the_tool_already_has_records_the_decision_without_an_edit(app, user, moderator):
    suggest(user, trial_days="10")
    [suggestion] = suggestions(app)
    with app.app_context():
        db.session.execute(update(Tool).where(Tool.slug == "alpha-scout").values(trial_days=10))
        db.session.commit()
    assert decide(moderator, suggestion.id, ["trial_days"]).status_code == 200
    assert suggestions(app)[0].state == "approved"
    assert audit_entries(app, "tool.edit") == [] and len(audit_entries(app, "suggestion.accept")) == 1


def test_a_deleted_author_leaves_the_suggestion_decidable(app, user, moderator):
    suggest(user, name="Quokka Scout")
    [suggestion] = suggestions(app)
    with app.app_context():
        db.session.execute(update(EditSuggestion).values(user_id=None))
        db.session.commit()
    assert "Deleted user" in moderator.get("/en/staff/suggestions").text
    assert decide(moderator, suggestion.id, ["name"]).status_code == 200
    with app.app_context():
        assert db.session.scalar(select(Notification.id)) is None
        assert db.session.get(User, user.user_id) is not None


def test_parallel_suggestions_stop_at_the_daily_limit(app, user):
    from concurrent.futures import ThreadPoolExecutor

    from services import edit_suggestions

    tool_id = tool_row(app).id

    def suggest_from_thread(number: int) -> str:
        with app.app_context():
            try:
                edit_suggestions.suggest_edit(user.user_id, tool_id, {"trial_days": {"from": "", "to": str(number)}},
                                              "", from_vendor=False, daily_limit=LIMIT)
                return "saved"
            except edit_suggestions.SuggestionRefused as refused:
                return refused.reason
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(suggest_from_thread, range(8)))
    assert outcomes.count("saved") == LIMIT and outcomes.count("limit") == 8 - LIMIT
    assert len(suggestions(app)) == LIMIT


def test_parallel_decisions_on_one_suggestion_decide_it_once(app, user, moderator):
    from concurrent.futures import ThreadPoolExecutor

    from services import edit_suggestions

    suggest(user, trial_days="21")
    [suggestion] = suggestions(app)
    staff_id = make_user(app, "mod2", phone="+8613800000062", role="moderator")

    def decide_from_thread(number: int) -> str:
        with app.app_context():
            try:
                edit_suggestions.decide_suggestion(suggestion.id, ["trial_days"] if number % 2 else [],
                                                   staff_id=staff_id, reason=f"decision {number}")
                return "done"
            except edit_suggestions.SuggestionRefused as refused:
                return refused.reason
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(decide_from_thread, range(6)))
    assert outcomes.count("done") == 1 and set(outcomes) == {"done", "decided"}
    with app.app_context():
        assert len(db.session.scalars(select(AuditEntry).where(AuditEntry.target_type == "edit_suggestion")).all()) == 1
