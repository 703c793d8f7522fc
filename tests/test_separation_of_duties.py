"""Nobody decides on their own content or request: every staff decision route, walked with the author as the staff.

Security review finding 6: a moderator approved their own held review, their own enterprise certification and
their own vendor claim; submissions, suggestions and appeals followed the same path.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from extensions import db
from models import (
    DeletionRequest,
    EditSuggestion,
    EnterpriseCertification,
    Rating,
    Report,
    Tool,
    ToolClaim,
    ToolSubmission,
    User,
    VendorReply,
)
from services import clock, tickets
from services.moderation import own_items
from tests.accounts import csrf_from, make_user, sign_in

REFUSAL = "This is your own content or request, so another staff member decides it."
NOTE = "Your own content or request: another staff member decides it."
# Each decision route, the form it posts, and the queue page that lists the item.
ROUTES = {
    "review": ("/en/staff/reviews/{id}/decide", {"decision": "approve"}, "/en/staff/reviews"),
    "report": ("/en/staff/reports/{id}/resolve", {"action": "dismiss"}, "/en/staff/reports"),
    "certification": ("/en/staff/certifications/{id}/decide", {"decision": "approve"}, "/en/staff/certifications"),
    "claim": ("/en/staff/claims/{id}/decide", {"decision": "approve"}, "/en/staff/claims"),
    "vendor": ("/en/staff/tools/{id}/vendor/revoke", {}, "/en/staff/claims/vendors"),
    "vendor_reply": ("/en/staff/vendor-replies/{id}/hide", {}, "/en/staff/claims/replies"),
    "suggestion": ("/en/staff/suggestions/{id}/decide", {"decision": "reject"}, "/en/staff/suggestions"),
    "submission": ("/en/staff/submissions/{id}/decide", {"decision": "reject"}, "/en/staff/submissions"),
    "ticket": ("/en/staff/tickets/{id}/act", {"action": "close"}, "/en/staff/tickets"),
    "deletion": ("/en/staff/deletions/{id}/expedite", {}, "/en/staff/deletions"),
}


def _own_item(kind: str, staff_id: int, other_id: int) -> int:
    """An item of ``kind`` that belongs to ``staff_id`` (``other_id`` is someone else, for reports)."""
    tool = db.session.scalar(select(Tool).where(Tool.slug == "alpha-scout"))
    now = clock.now()
    if kind in ("review", "report", "vendor_reply"):
        author = staff_id if kind != "vendor_reply" else other_id
        rating = Rating(user_id=author, tool_id=tool.id, stars=4, review="Own words about it", state="held")
        db.session.add(rating)
        db.session.flush()
        if kind == "review":
            return rating.id
        if kind == "report":  # about a review the staff member wrote, filed by someone else
            item = Report(reporter_id=other_id, target_type="review", rating_id=rating.id, tool_id=tool.id,
                          reason="spam")
        else:
            item = VendorReply(rating_id=rating.id, author_id=staff_id, body="Thanks, from the vendor")
    elif kind == "certification":
        item = EnterpriseCertification(user_id=staff_id, enterprise_name="我的公司", credit_code="91350100M000100Y43",
                                       licence_path="private/licences/x.webp", contact_person="王")
    elif kind == "claim":
        item = ToolClaim(tool_id=tool.id, user_id=staff_id)
    elif kind == "vendor":
        tool.vendor_id = staff_id
        db.session.flush()
        return tool.id
    elif kind == "suggestion":
        item = EditSuggestion(tool_id=tool.id, user_id=staff_id, changes='{"tagline": "mine"}')
    elif kind == "submission":
        item = ToolSubmission(user_id=staff_id, url="https://example.com/mine", url_normalized="example.com/mine",
                              name="My Own Tool")
    elif kind == "ticket":
        return tickets.open_ticket(kind="appeal", body="Please lift this", user_id=staff_id).id
    else:
        item = DeletionRequest(user_id=staff_id, purge_after=now + timedelta(days=15))
    db.session.add(item)
    db.session.flush()
    return item.id


@pytest.fixture
def staff(app, catalog):
    """An admin (who may open every queue, deletions included) signed in, and another account."""
    staff_id = make_user(app, "adminself", phone="+8613800000071", role="admin")
    other_id = make_user(app, "someoneelse", phone="+8613800000072")
    client = app.test_client()
    sign_in(client, "adminself")
    return client, staff_id, other_id


def test_every_decision_route_names_its_kind_and_every_kind_has_a_route(app):
    guarded = {getattr(view, "decided_by_another", None) for view in app.view_functions.values()} - {None}
    assert guarded == set(own_items.PEOPLE) == set(ROUTES)


@pytest.mark.parametrize("kind", sorted(ROUTES))
def test_staff_cannot_decide_their_own_item_and_its_row_says_who_will(app, staff, kind):
    client, staff_id, other_id = staff
    with app.app_context():
        item_id = _own_item(kind, staff_id, other_id)
        db.session.commit()
        assert own_items.is_own(kind, item_id, staff_id)
    path, form, queue = ROUTES[kind]
    token = csrf_from(client.get("/en/staff").text)
    response = client.post(path.format(id=item_id), data={"csrf_token": token, "reason": "mine", **form},
                           headers={"HX-Request": "true"})
    assert response.status_code == 403 and REFUSAL in response.text
    with app.app_context():
        assert own_items.is_own(kind, item_id, staff_id)  # nothing changed hands
    page = client.get(queue).text
    assert path.format(id=item_id).replace("/en", "", 1) not in page.replace("/en/", "/")  # no decision form
    assert NOTE in page


def test_another_staff_member_decides_the_item(app, staff):
    _, staff_id, other_id = staff
    with app.app_context():
        rating_id = _own_item("review", staff_id, other_id)
        db.session.commit()
    make_user(app, "colleague", phone="+8613800000073", role="moderator")
    colleague = app.test_client()
    sign_in(colleague, "colleague")
    token = csrf_from(colleague.get("/en/staff").text)
    response = colleague.post(f"/en/staff/reviews/{rating_id}/decide",
                              data={"csrf_token": token, "decision": "approve"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(Rating, rating_id).state == "visible"
        assert db.session.get(User, staff_id).role == "admin"
