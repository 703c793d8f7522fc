"""Search cases shared by both databases: the suite runs them on SQLite, and on
PostgreSQL when TEST_DATABASE_URL is set; every case expects the same ordered slugs."""

import pytest
from sqlalchemy import delete, select

from extensions import db
from models import Tool
from models.search import ToolSearch
from services import search as search_service
from services.search import engine, sync_tools
from services.search.analysis import analyse
from services.search.backends import Plan
from services.search.estimate import TermSample
from services.search.matching import Atom, MatchQuery
from services.search.params import SearchQuery
from services.search.text import highlight, query_terms
from services.search.vocabulary import vocabulary
from services.seeding import seed_catalog
from tests.factories import small_catalog


def found(app, q: str, **params) -> list[str]:
    """Slugs of every result of ``q`` (first page of 100), in ranked order."""
    with app.test_request_context():
        query = SearchQuery(q=q, **params)
        results = search_service.search_tools(q, query, "zh", 100)
        return [tool.slug for tool in results.pagination.items]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("卖", ["mai-jia"]),  # one Chinese character: names and tags, through the gram table
        # Two characters: the names first (a tie in clicks breaks on id), then the tools of AI 助手 (its category).
        ("助手", ["mai-jia", "temu-full-helper", "zulu-ai", "escape-test"]),
        ("国产", ["mai-jia"]),  # two characters found in a tag's name (国产工具)
        ("全托管助手", ["temu-full-helper"]),
        ("ＡＬＰＨＡ", ["alpha-scout"]),  # full-width folds to ASCII
        ("ALPHA scout", ["alpha-scout"]),  # case-insensitive
        ("scout alpha", ["alpha-scout"]),  # several words: all must match, any order
        ("helper 卖家", ["mai-jia"]),  # mixed Chinese and English, across name and English name
        ("amazon 卖家", ["mai-jia"]),  # across fields: its platform and its name
        ("walmart 卖家", []),  # every word must match somewhere
        ("keywords jp", ["jp-keywords"]),
        ("全托管", ["temu-full-helper"]),  # 3+ Chinese characters, through the trigram index
        ("托管", ["temu-full-helper"]),
        ("alpha, scout!", ["alpha-scout"]),  # punctuation separates and is dropped
        ("，。！？", []),  # symbols only: no results, never an error
        ("%", []),
        ("_", []),
        ("<script>alert(1)</script>", ["escape-test"]),  # markup is just text to match
    ],
)
def test_search_finds_the_same_ordered_tools_on_both_databases(catalog, q, expected):
    assert found(catalog, q) == expected


def test_exact_name_then_prefix_then_contains_then_other_fields(catalog):
    # "helper" is in two English names (same tier, same clicks): the lower id first.
    assert found(catalog, "helper") == ["mai-jia", "temu-full-helper"]
    with catalog.app_context():
        db.session.execute(Tool.__table__.update().where(Tool.slug == "temu-full-helper").values(click_count=9))
        db.session.commit()
    # Live clicks break the tie within the same tier on both databases.
    assert found(catalog, "helper") == ["temu-full-helper", "mai-jia"]
    # An exact name beats a prefix, which beats "contains", whatever the clicks.
    assert found(catalog, "echo design") == ["echo-design"]
    assert found(catalog, "tool")[:1] == ["old-tool"]  # "old tool" contains the word in its name
    with catalog.app_context():
        tiers = engine.search_tools("zulu ai", SearchQuery(q="zulu ai"), "zh", 10).tiers
        assert next(iter(tiers.values())) == 0  # exact name


def test_every_public_tool_is_found_by_a_word_of_its_description(catalog):
    slugs = found(catalog, "tests")  # "… is a tool for tests."
    assert len(slugs) == 12 and len(set(slugs)) == 12


def test_filters_apply_to_search_like_to_every_list(catalog):
    assert found(catalog, "助手", platform="temu") == ["temu-full-helper"]
    assert found(catalog, "助手", pricing="freemium") == ["mai-jia", "zulu-ai"]
    assert found(catalog, "tests", facts=("chinese_support",)) == ["mai-jia", "temu-full-helper", "delta-pay"]


def test_sorts_other_than_relevance(catalog):
    assert found(catalog, "helper", sort="name") == ["mai-jia", "temu-full-helper"]  # pinyin: mai… < quan…
    by_name = found(catalog, "tests", sort="name")
    assert by_name[0] == "escape-test"  # "<script>…" sorts before letters


def test_an_edited_tool_is_found_by_its_new_name_and_not_its_old_one(catalog):
    edited = small_catalog()
    entry = next(t for t in edited.tools if t["slug"] == "alpha-scout")
    entry.update(name="Omega Radar", tagline={"zh": "新的介绍", "en": "renamed"},
                 description={"zh": "改名以后", "en": "after the rename"})
    with catalog.app_context():
        seed_catalog(edited)
    assert found(catalog, "omega") == ["alpha-scout"]
    assert found(catalog, "雷达") == []  # its Chinese name is its only name: "Omega Radar"
    assert found(catalog, "alpha") == []


def test_a_deleted_tool_leaves_the_index(catalog):
    with catalog.app_context():
        tool_id = db.session.scalar(select(Tool.id).where(Tool.slug == "zulu-ai"))
        db.session.execute(delete(Tool).where(Tool.id == tool_id))
        sync_tools([tool_id])
        db.session.commit()
        assert db.session.get(ToolSearch, tool_id) is None
    assert found(catalog, "zulu") == []


def test_hidden_tools_are_never_found(catalog):
    with catalog.app_context():
        db.session.execute(Tool.__table__.update().where(Tool.slug == "bravo-ads").values(status="hidden"))
        db.session.commit()
    assert found(catalog, "bravo") == []


def test_a_very_common_term_is_capped_instead_of_counted(catalog, monkeypatch):
    monkeypatch.setattr(engine, "POOL", 5)
    with catalog.test_request_context():
        results = engine.search_tools("tests", SearchQuery(q="tests"), "zh", 3)
        assert results.capped and results.total == 5 and results.pagination.pages == 2
        # The cap keeps the most popular matches, ranked: the same on both databases.
        assert [t.slug for t in results.pagination.items] == ["alpha-scout", "mai-jia", "temu-full-helper"]


def test_query_terms_fold_width_and_case_and_drop_symbols():
    assert query_terms("  ＡＬＰＨＡ　Scout ") == ["alpha", "scout"]
    assert query_terms("amazon 关键词") == ["amazon", "关键词"]
    assert query_terms("!!! ### ，。") == []
    assert query_terms("e-commerce 1688.com") == ["e-commerce", "1688.com"]
    assert query_terms("a a A") == ["a"]


def test_highlight_escapes_first_and_marks_the_original_text():
    assert str(highlight("<b>Alpha</b>", ["alpha"])) == "&lt;b&gt;<mark>Alpha</mark>&lt;/b&gt;"
    assert str(highlight("ＡＬＰＨＡ Scout", ["alpha"])) == "<mark>ＡＬＰＨＡ</mark> Scout"
    assert str(highlight("卖家助手", ["助手"])) == "卖家<mark>助手</mark>"


PLAN_QUERIES = ["助手", "卖 助手", "helper 卖家", "tests", "tests 助", "helper tool", "a", "ai tests", "scout alpha",
                "助 国产", "tests is", "qqq 助"]


@pytest.mark.parametrize("pool", [engine.POOL, 3])
def test_every_retrieval_plan_finds_the_same_pool(catalog, monkeypatch, pool):
    # The plan (which pool_key bands PostgreSQL reads) only steers speed: whatever the
    # sample suggests, every plan must return the same rows in the same order.
    with catalog.app_context():
        ids = db.session.scalars(select(Tool.id).order_by(Tool.id)).all()
        for n, tool_id in enumerate(ids):
            db.session.execute(Tool.__table__.update().where(Tool.id == tool_id).values(click_count=(n * 7) % 5))
        sync_tools(ids)
        db.session.commit()
    monkeypatch.setattr(engine, "POOL", pool)
    found_any = 0
    for q in PLAN_QUERIES:
        with catalog.test_request_context():
            match = analyse(q, vocabulary()).match_query()
            cuts = sorted(db.session.scalars(select(ToolSearch.pool_key)))
            query = SearchQuery(q=q)
            expected = [tuple(row) for row in engine.pool_rows(match, query)]
            for plan in (Plan(match), Plan(match, cuts=cuts[::2]), Plan(match, cuts=cuts)):
                assert [tuple(row) for row in engine.pool_rows(match, query, plan=plan)] == expected, (q, plan)
            found_any += bool(expected)
    assert found_any >= 8


def test_a_short_term_found_in_several_tags_lists_each_tool_once(catalog):
    # "a" is in many tag names: its gram rows are merged arm by arm, and a tool with
    # several of those tags (or the letter in its name too) must still come once.
    slugs = found(catalog, "a")
    assert slugs and len(slugs) == len(set(slugs))


def test_the_term_sample_counts_matches_near_the_top_of_pool_order():
    sample = TermSample(documents=[["alpha", "seo", "tests"], ["beta", "tests"]],
                        percentiles=list(range(0, 101)), rows=100)
    tests, al, zz = ((Atom("tests"),),), ((Atom("al", prefix=True),),), ((Atom("zz"),),)
    assert sample.share(MatchQuery((tests,))) == 1.0
    assert sample.share(MatchQuery((tests, al))) == 0.5
    assert sample.share(MatchQuery((zz,))) == 0.0
    assert sample.cut_after(10) == 11  # a little past 10 % of the rows
    assert sample.cut_after(99.5) is None  # (nearly) everything: no band
    assert TermSample(documents=[]).cut_after(10) is None
