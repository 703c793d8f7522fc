"""Staff teach search: synonym groups and tool aliases from the searches that found nothing (admins only)."""

from __future__ import annotations

import re

from sqlalchemy import select

from extensions import db
from models import AuditEntry, Category, Tool, User
from models.search import SearchSynonym, SearchWordProposal
from services.search.synonyms import SynonymGroup, seed_synonyms
from services.seeding import staff_changes
from tests.accounts import csrf_from

PAGE = "/staff/search-words"


def post(client, path: str, data: dict):
    token = csrf_from(client.get(PAGE).text)
    return client.post(path, data={"csrf_token": token, **data})


def results(client, q: str) -> list[str]:
    return re.findall(r'<article[^>]*id="tool-([^"]+)"', client.get("/search", query_string={"q": q}).text)


def audit(app, action: str) -> list[AuditEntry]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()
        for row in rows:
            db.session.expunge(row)
        return list(rows)


def test_an_admin_adds_a_synonym_group_and_the_next_search_uses_it(app, admin):
    assert results(admin, "小工具包") == []
    page = admin.get(PAGE, query_string={"q": "小工具包"})
    assert page.status_code == 200 and "小工具包" in page.text  # the query fills the form
    answer = post(admin, f"{PAGE}/synonyms", {"terms": "小工具包\nkit", "reason": "zero-result search"})
    assert answer.status_code == 303
    assert results(admin, "小工具包") == ["shopee-sea"]  # Shopee Kit, at once
    entry, = audit(app, "search_synonym.create")
    assert entry.reason == "zero-result search" and entry.actor_id is not None


def test_terms_with_a_category_join_its_group_and_name_it(app, admin):
    with app.app_context():
        category_id = db.session.scalar(select(Category.id).where(Category.slug == "parcel-express"))
    assert post(admin, f"{PAGE}/synonyms", {"terms": "发包", "category_id": str(category_id)}).status_code == 303
    assert results(admin, "发包") == ["charlie-ship"]
    assert post(admin, f"{PAGE}/synonyms", {"terms": "寄件", "category_id": str(category_id)}).status_code == 303
    with app.app_context():
        group = db.session.scalar(select(SearchSynonym).where(SearchSynonym.category_id == category_id))
        assert group.term_list == ["发包", "寄件"]  # one group per category
    assert len(audit(app, "search_synonym.edit")) == 1


def test_bad_synonyms_are_refused_with_a_message_and_the_form_kept(app, admin):
    answer = post(admin, f"{PAGE}/synonyms", {"terms": "孤单"})
    assert answer.status_code == 422
    assert "at least two terms" in answer.text or "至少" in answer.text
    assert "孤单" in answer.text  # what was typed stays
    long_term = "长" * 31
    answer = post(admin, f"{PAGE}/synonyms", {"terms": f"{long_term}, 短"})
    assert answer.status_code == 422 and long_term in answer.text
    answer = post(admin, f"{PAGE}/synonyms", {"terms": "a, b", "category_id": "99999"})
    assert answer.status_code == 422
    answer = post(admin, f"{PAGE}/synonyms", {"terms": "a, b", "category_id": "x"})
    assert answer.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(SearchSynonym).limit(1)) is None


def test_a_term_names_one_category_only(app, admin):
    with app.app_context():
        ids = dict(db.session.execute(select(Category.slug, Category.id)).all())
    assert post(admin, f"{PAGE}/synonyms", {"terms": "发包", "category_id": ids["parcel-express"]}).status_code == 303
    answer = post(admin, f"{PAGE}/synonyms", {"terms": "发包", "category_id": ids["freight"]})
    assert answer.status_code == 422 and "发包" in answer.text


def test_a_deleted_group_stays_deleted_when_seeding_again(app, admin):
    with app.app_context():
        seed_synonyms([SynonymGroup("group-kit", ("kit", "套件"))], staff_changes())
        db.session.commit()
        group_id = db.session.scalar(select(SearchSynonym.id))
    assert post(admin, f"{PAGE}/synonyms/{group_id}/delete", {}).status_code == 303
    with app.app_context():
        assert seed_synonyms([SynonymGroup("group-kit", ("kit", "套件"))], staff_changes()) == 0
        db.session.commit()
        assert db.session.scalar(select(SearchSynonym).limit(1)) is None
    assert post(admin, f"{PAGE}/synonyms/{group_id}/delete", {}).status_code == 404


def test_an_alias_with_its_source_finds_the_tool(app, admin):
    answer = post(admin, f"{PAGE}/aliases", {"tool": "alpha-scout", "alias": "阿尔法侦察",
                                            "source": "https://alpha-scout.example.com/zh"})
    assert answer.status_code == 303
    assert results(admin, "阿尔法侦察") == ["alpha-scout"]
    with app.app_context():
        tool = db.session.scalar(select(Tool).where(Tool.slug == "alpha-scout"))
        assert tool.aliases == [{"name": "阿尔法侦察", "source": "https://alpha-scout.example.com/zh"}]
    assert len(audit(app, "tool.alias_add")) == 1
    assert "alpha-scout" in staff_changes_tools(app)  # seeding keeps the staff's version of the tool


def staff_changes_tools(app) -> set[str]:
    with app.app_context():
        edited = staff_changes().edited.get(Tool, set())
        return set(db.session.scalars(select(Tool.slug).where(Tool.id.in_(edited))))


def test_an_alias_that_is_another_name_needs_a_source_a_spelling_variant_does_not(app, admin):
    answer = post(admin, f"{PAGE}/aliases", {"tool": "alpha-scout", "alias": "Beta Finder"})
    assert answer.status_code == 422 and ("source" in answer.text.lower() or "来源" in answer.text)
    assert post(admin, f"{PAGE}/aliases", {"tool": "alpha-scout", "alias": "AlphaScout"}).status_code == 303
    answer = post(admin, f"{PAGE}/aliases", {"tool": "alpha-scout", "alias": "alphascout"})
    assert answer.status_code == 422  # already there
    answer = post(admin, f"{PAGE}/aliases", {"tool": "alpha-scout", "alias": "Gamma", "source": "http://x.example"})
    assert answer.status_code == 422  # https only
    assert post(admin, f"{PAGE}/aliases", {"tool": "no-such-tool", "alias": "X Y"}).status_code == 422


def test_staff_reach_search_words_and_every_post_checks_csrf(app, admin, moderator):
    assert moderator.get(PAGE).status_code == 200  # moderators propose
    assert moderator.post(f"{PAGE}/synonyms", data={"terms": "a, b"}).status_code in (400, 422)  # no token
    assert app.test_client().get(PAGE).status_code in (302, 303)
    assert admin.post(f"{PAGE}/synonyms", data={"terms": "甲, 乙"}).status_code in (400, 422)  # no CSRF token
    assert admin.post(f"{PAGE}/aliases", data={"tool": "alpha-scout", "alias": "AlphaScout"}).status_code in (400, 422)
    with app.app_context():
        assert db.session.scalar(select(SearchSynonym).limit(1)) is None
        assert db.session.scalar(select(Tool.aliases).where(Tool.slug == "alpha-scout")) == []


def test_the_dashboard_offers_staff_the_actions_for_a_fruitless_search(app, admin, moderator):
    admin.get("/search?q=%E5%B0%8F%E5%B7%A5%E5%85%B7%E5%8C%85")  # 小工具包, submitted, finds nothing
    link = "/staff/search-words?q=%E5%B0%8F%E5%B7%A5%E5%85%B7%E5%8C%85#add-synonyms"
    assert link in admin.get("/staff").text
    assert link in moderator.get("/staff").text  # to propose


def _proposals(app) -> list[SearchWordProposal]:
    with app.app_context():
        rows = db.session.scalars(select(SearchWordProposal).order_by(SearchWordProposal.id)).all()
        for row in rows:
            db.session.expunge(row)
        return list(rows)


def test_a_moderator_proposes_synonyms_and_an_admin_accepts_them(app, admin, moderator):
    answer = post(moderator, f"{PAGE}/synonyms",
                  {"terms": "小工具包, kit", "q": "小工具包", "reason": "sellers say it"})
    assert answer.status_code == 303
    assert results(moderator, "小工具包") == []  # nothing changes before an admin decides
    proposal, = _proposals(app)
    assert (proposal.kind, proposal.state, proposal.query) == ("synonym", "pending", "小工具包")
    assert len(audit(app, "search_word_proposal.create")) == 1
    page = admin.get(PAGE).text
    assert f'id="proposal-{proposal.id}"' in page and "sellers say it" in page
    assert moderator.post(f"{PAGE}/proposals/{proposal.id}/accept",
                          data={"csrf_token": csrf_from(moderator.get(PAGE).text)}).status_code == 403
    assert post(admin, f"{PAGE}/proposals/{proposal.id}/accept", {}).status_code == 303
    assert results(admin, "小工具包") == ["shopee-sea"]
    assert _proposals(app)[0].state == "accepted"
    created, = audit(app, "search_synonym.create")
    assert created.actor_id == _proposals(app)[0].decided_by_id  # applied as the admin's change
    assert post(admin, f"{PAGE}/proposals/{proposal.id}/accept", {}).status_code == 409  # decided once


def test_a_declined_alias_proposal_changes_nothing(app, admin, moderator):
    assert post(moderator, f"{PAGE}/aliases", {"tool": "alpha-scout", "alias": "AlphaScout"}).status_code == 303
    proposal, = _proposals(app)
    assert post(admin, f"{PAGE}/proposals/{proposal.id}/decline", {"reason": "not used"}).status_code == 303
    assert _proposals(app)[0].state == "declined"
    with app.app_context():
        assert db.session.scalar(select(Tool.aliases).where(Tool.slug == "alpha-scout")) == []


def test_a_proposal_is_checked_when_made_and_nobody_decides_their_own(app, admin, moderator):
    answer = post(moderator, f"{PAGE}/aliases", {"tool": "alpha-scout", "alias": "Beta Finder"})
    assert answer.status_code == 422 and not _proposals(app)  # another name without a source
    assert post(moderator, f"{PAGE}/synonyms/1/delete", {}).status_code == 403  # deleting is an admin's
    from services.moderation.taxonomy import TaxonomyRefused
    from services.search import proposals
    with app.app_context():
        admin_id = db.session.scalar(select(User.id).where(User.account_name == "adminuser"))
        proposal = proposals.propose_synonyms(["甲", "乙"], None, query="", actor_id=admin_id)
        db.session.commit()
        try:
            proposals.accept(proposal.id, actor_id=admin_id)
        except TaxonomyRefused as refusal:
            assert refusal.problems[0].reason == "proposal_own"
        else:
            raise AssertionError("an admin accepted their own proposal")


STAFF_POSTS = [f"{PAGE}/synonyms", f"{PAGE}/aliases", f"{PAGE}/synonyms/1/delete",
               f"{PAGE}/proposals/1/accept", f"{PAGE}/proposals/1/decline"]
ADMIN_ONLY = STAFF_POSTS[2:]


def test_visitors_and_users_are_refused_every_search_words_route(app, catalog):
    from tests.accounts import signed_in_client
    visitor = app.test_client()
    assert visitor.get(PAGE).status_code in (302, 303)
    user = signed_in_client(app, "plainuser", phone="+8613800000021")
    assert user.get(PAGE).status_code == 403
    token = csrf_from(user.get("/en/").text)
    for path in STAFF_POSTS:
        assert visitor.post(path, data={"terms": "甲, 乙"}).status_code in (400, 302, 303), path
        assert user.post(path, data={"csrf_token": token, "terms": "甲, 乙", "tool": "alpha-scout",
                                     "alias": "AlphaScout"}).status_code == 403, path
    with app.app_context():
        assert db.session.scalar(select(SearchSynonym).limit(1)) is None
        assert db.session.scalar(select(SearchWordProposal).limit(1)) is None


def test_moderators_are_refused_the_admin_only_routes(app, moderator):
    with app.app_context():
        seed_synonyms([SynonymGroup("group-kit", ("kit", "套件"))], staff_changes())
        db.session.commit()
        group_id = db.session.scalar(select(SearchSynonym.id))
    assert post(moderator, f"{PAGE}/synonyms/{group_id}/delete", {}).status_code == 403
    for path in ADMIN_ONLY[1:]:
        assert post(moderator, path, {}).status_code == 403, path
    with app.app_context():
        assert db.session.get(SearchSynonym, group_id) is not None
