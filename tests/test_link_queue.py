"""The staff queue of dead, changed and refused links: what waits, the three decisions, and the refusals."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from extensions import db
from models import AuditEntry, LinkCheck, Tool
from services.catalog_version import current_catalog_version
from tests.accounts import csrf_from, make_user, sign_in
from tests.link_server import fake_dns, link_server  # noqa: F401  (fixtures)
from tests.test_moderation import audit_entries, token


@pytest.fixture
def app_config(link_server):  # noqa: F811
    return {"LINK_CHECK_ALLOWED_HOSTS": f"127.0.0.1:{link_server.port}", "LINK_CHECK_TIMEOUT": 0.3,
            "LINK_CHECK_RETRIES": 0, "LINK_CHECK_BACKOFF_SECONDS": 0}


def check(app, server, slug: str, path: str) -> LinkCheck:
    """Point the tool at ``path`` on the test server, run ``flask check-links --only-slug``, return its row."""
    url = path if "://" in path else server.url(path)
    with app.app_context():
        tool = db.session.scalar(select(Tool).where(Tool.slug == slug))
        if tool.url != url:
            tool.url, tool.url_normalized = url, f"{slug}.{url}"
            db.session.commit()
    result = app.test_cli_runner().invoke(args=["check-links", "--only-slug", slug])
    assert result.exit_code == 0, result.output
    with app.app_context():
        row = db.session.scalar(select(LinkCheck).order_by(LinkCheck.id.desc()).limit(1))
        db.session.expunge(row)
        return row


def tool(app, slug: str) -> Tool:
    with app.app_context():
        found = db.session.scalar(select(Tool).where(Tool.slug == slug))
        db.session.expunge(found)
        return found


def decide(client, check_id: int, decision: str, reason: str = "", htmx: bool = True):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(f"/en/staff/links/{check_id}/decide",
                       data={"csrf_token": token(client), "decision": decision, "reason": reason}, headers=headers)


def queue_item(html: str, check_id: int) -> str:
    """The queue row of one check, up to the next row (or the end of the page)."""
    return html.split(f'id="link-{check_id}"', 1)[1].split('<li class="queue-item', 1)[0]


def reviewed(app, check_id: int) -> LinkCheck:
    with app.app_context():
        row = db.session.get(LinkCheck, check_id)
        db.session.expunge(row)
        return row


def test_dead_moved_and_refused_links_wait_with_their_details_and_history(app, moderator, link_server):  # noqa: F811
    check(app, link_server, "alpha-scout", "/missing")
    dead = check(app, link_server, "alpha-scout", "/missing")  # a second run: history of two
    moved = check(app, link_server, "mai-jia", "/moved")
    refused = check(app, link_server, "zulu-ai", "http://169.254.169.254/latest/meta-data/")
    page = moderator.get("/en/staff/links")
    assert page.status_code == 200
    assert 'id="queue-count-links">3<' in page.text
    item = queue_item(page.text, dead.id)
    assert link_server.url("/missing") in item and "HTTP 404" in item and "404" in item
    assert item.count("<time") == 3  # last checked, and the two checks in the history
    moved_item = queue_item(page.text, moved.id)
    assert link_server.url("/new-home") in moved_item and 'value="update_url"' in moved_item.split("</form>")[0]
    assert f'id="link-{refused.id}"' in page.text and "refused: private address" in page.text
    assert 'value="update_url"' not in item.split("</form>")[0]  # only a moved link has a new URL
    only_moved = moderator.get("/en/staff/links?kind=changed").text
    assert f'id="link-{moved.id}"' in only_moved and f'id="link-{dead.id}"' not in only_moved


def test_live_and_anti_bot_links_do_not_wait(app, moderator, link_server):  # noqa: F811
    check(app, link_server, "alpha-scout", "/live")
    check(app, link_server, "mai-jia", "/cloudflare")
    check(app, link_server, "shopee-sea", "/slash")
    page = moderator.get("/staff/links").text
    assert 'id="queue-count-links">0<' in page
    assert "live 2, dead 0, moved 0, unknown 1" in moderator.get("/en/staff/links").text


def test_a_link_that_recovers_leaves_the_queue(app, moderator, link_server):  # noqa: F811
    check(app, link_server, "alpha-scout", "/missing")
    link_server.flaky_failures = 0
    check(app, link_server, "alpha-scout", "/flaky")
    assert 'id="queue-count-links">0<' in moderator.get("/staff/links").text


def test_mark_dead_changes_the_tool_page_and_is_on_record(app, moderator, link_server):  # noqa: F811
    dead = check(app, link_server, "alpha-scout", "/missing")
    version = _catalog_version(app)
    response = decide(moderator, dead.id, "mark_dead", "404 for a month")
    assert response.status_code == 200 and "<html" not in response.text
    assert "HX-Request" in response.headers["Vary"]
    assert 'id="queue-count-links" hx-swap-oob="true">0<' in response.text
    assert tool(app, "alpha-scout").status == "dead_link"
    assert "unreachable" in app.test_client().get("/en/t/alpha-scout").text
    row = reviewed(app, dead.id)
    assert (row.decision, row.reviewed_at is not None, row.reviewed_by_id is not None) == ("mark_dead", True, True)
    [entry] = audit_entries(app, "link.mark_dead")
    assert (json.loads(entry.before)["status"], json.loads(entry.after), entry.reason) == (
        "published", {"status": "dead_link"}, "404 for a month")
    assert _catalog_version(app) == version + 1


def test_use_the_new_url_updates_the_tool_and_its_outbound_link(app, moderator, link_server):  # noqa: F811
    moved = check(app, link_server, "mai-jia", "/moved")
    response = decide(moderator, moved.id, "update_url", htmx=False)
    assert response.status_code == 303  # without JavaScript: flash and back to the queue
    updated = tool(app, "mai-jia")
    assert updated.url == link_server.url("/new-home")
    assert updated.url_normalized == f"127.0.0.1:{link_server.port}/new-home"
    assert updated.status == "published"
    assert app.test_client().get("/go/mai-jia").headers["Location"] == link_server.url("/new-home")
    [entry] = audit_entries(app, "link.update_url")
    assert (json.loads(entry.before)["url"], json.loads(entry.after)["url"]) == (
        link_server.url("/moved"), link_server.url("/new-home"))
    assert reviewed(app, moved.id).decision == "update_url"
    assert check(app, link_server, "mai-jia", link_server.url("/new-home")).outcome == "live"


def test_the_new_url_is_refused_when_another_tool_has_it(app, moderator, link_server):  # noqa: F811
    moved = check(app, link_server, "mai-jia", "/moved")
    with app.app_context():
        other = db.session.scalar(select(Tool).where(Tool.slug == "shopee-sea"))
        other.url, other.url_normalized = "https://127.0.0.1/new-home", f"127.0.0.1:{link_server.port}/new-home"
        db.session.commit()
    response = decide(moderator, moved.id, "update_url")
    assert response.status_code == 422 and "Shopee Kit" in response.text
    assert tool(app, "mai-jia").url == link_server.url("/moved")
    assert reviewed(app, moved.id).reviewed_at is None
    assert audit_entries(app, "link.update_url") == []


def test_keep_is_not_queued_again_for_the_same_final_url_but_is_for_a_new_one(
        app, moderator, link_server):  # noqa: F811
    moved = check(app, link_server, "mai-jia", "/moved")
    assert decide(moderator, moved.id, "keep", "the new page is a language redirect").status_code == 200
    assert [e.reason for e in audit_entries(app, "link.keep")] == ["the new page is a language redirect"]
    again = check(app, link_server, "mai-jia", "/moved")
    assert again.outcome == "changed" and again.id != moved.id
    assert 'id="queue-count-links">0<' in moderator.get("/staff/links").text
    link_server.moved_target = "/elsewhere-entirely"
    check(app, link_server, "mai-jia", "/moved")
    assert 'id="queue-count-links">1<' in moderator.get("/staff/links").text


def test_a_dead_link_kept_comes_back_while_it_stays_dead(app, moderator, link_server):  # noqa: F811
    dead = check(app, link_server, "alpha-scout", "/missing")
    decide(moderator, dead.id, "keep")
    assert 'id="queue-count-links">0<' in moderator.get("/staff/links").text
    check(app, link_server, "alpha-scout", "/missing")
    assert 'id="queue-count-links">1<' in moderator.get("/staff/links").text
    assert tool(app, "alpha-scout").status == "published"


def test_refused_decisions_change_nothing(app, moderator, link_server):  # noqa: F811
    dead = check(app, link_server, "alpha-scout", "/missing")
    assert decide(moderator, dead.id, "delete_everything").status_code == 422
    assert decide(moderator, dead.id, "update_url").status_code == 422  # not a moved link
    assert decide(moderator, 999999, "keep").status_code == 404
    missing_token = moderator.post(f"/staff/links/{dead.id}/decide", data={"decision": "mark_dead"})
    assert missing_token.status_code == 400
    with app.app_context():
        db.session.execute(Tool.__table__.update().where(Tool.slug == "alpha-scout").values(status="hidden"))
        db.session.commit()
    hidden = decide(moderator, dead.id, "mark_dead")
    assert hidden.status_code == 422 and "published" in hidden.text
    assert tool(app, "alpha-scout").status == "hidden"  # a hidden tool never becomes public by a link decision
    assert reviewed(app, dead.id).reviewed_at is None
    with app.app_context():
        assert db.session.scalar(select(AuditEntry.id)) is None


def test_a_decided_or_replaced_check_cannot_be_decided_again(app, moderator, link_server):  # noqa: F811
    first = check(app, link_server, "alpha-scout", "/missing")
    newer = check(app, link_server, "alpha-scout", "/missing")
    assert decide(moderator, first.id, "keep").status_code == 422  # a newer check replaced it
    assert decide(moderator, newer.id, "keep").status_code == 200
    again = decide(moderator, newer.id, "mark_dead")
    assert again.status_code == 422
    assert tool(app, "alpha-scout").status == "published"
    assert len(audit_entries(app, "link.keep")) == 1


def test_visitors_sign_in_and_users_are_refused(app, catalog, link_server):  # noqa: F811
    dead = check(app, link_server, "alpha-scout", "/missing")
    visitor = app.test_client()
    assert "/sign-in" in visitor.get("/staff/links").headers["Location"]
    make_user(app, "plainuser", phone="+8613800000061")
    user = app.test_client()
    sign_in(user, "plainuser")
    assert user.get("/staff/links").status_code == 403
    refused = user.post(f"/staff/links/{dead.id}/decide",
                        data={"csrf_token": csrf_from(user.get("/").text), "decision": "mark_dead"})
    assert refused.status_code == 403
    assert tool(app, "alpha-scout").status == "published"


def test_an_admin_decides_too(app, admin, link_server):  # noqa: F811
    dead = check(app, link_server, "alpha-scout", "/missing")
    assert decide(admin, dead.id, "mark_dead").status_code == 200
    assert tool(app, "alpha-scout").status == "dead_link"
    assert 'id="queue-count-links">0<' in admin.get("/staff").text


def _catalog_version(app) -> int:
    with app.app_context():
        return current_catalog_version()
