"""Search cases shared by both databases: the suite runs them on SQLite, and on
PostgreSQL when TEST_DATABASE_URL is set; every case expects the same ordered slugs."""

import pytest
from sqlalchemy import delete, select, text

from extensions import db
from models import Category, Tool
from models.search import ToolSearch, ToolSearchCategory
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


def _retrieval_rows(tool_id: int) -> tuple[set, list]:
    """A tool's category keys, and (PostgreSQL) its stored vector's pool_key beside tool_search's."""
    categories = set(db.session.execute(
        select(ToolSearchCategory.category_id, ToolSearchCategory.pool_key)
        .where(ToolSearchCategory.tool_id == tool_id)).all())
    vectors = []
    if db.session.get_bind().dialect.name == "postgresql":
        vectors = db.session.execute(text(
            "SELECT v.pool_key, s.pool_key FROM tool_token_vector v "
            "JOIN tool_search s ON s.tool_id = v.tool_id WHERE v.tool_id = :id"), {"id": tool_id}).all()
    return categories, vectors


def test_the_category_keys_and_stored_vectors_follow_every_edit_and_deletion(catalog):
    with catalog.app_context():
        tool = db.session.scalar(select(Tool).where(Tool.slug == "zulu-ai"))
        category = db.session.get(Category, tool.category_id)
        other = db.session.scalar(select(Category).where(Category.slug == "collection"))
        key = db.session.get(ToolSearch, tool.id).pool_key
        categories, vectors = _retrieval_rows(tool.id)
        assert categories == {(category.id, key), (category.parent_id, key)}  # its own and the parent
        if vectors:
            assert vectors == [(key, key)]
        tool.category_id, tool.click_count = other.id, 7  # moved, and more popular: a new pool_key
        db.session.flush()
        sync_tools([tool.id])
        new_key = db.session.get(ToolSearch, tool.id).pool_key
        categories, vectors = _retrieval_rows(tool.id)
        assert new_key != key and categories == {(other.id, new_key), (other.parent_id, new_key)}
        if vectors:
            assert vectors == [(new_key, new_key)]
        db.session.execute(delete(Tool).where(Tool.id == tool.id))
        sync_tools([tool.id])
        assert _retrieval_rows(tool.id) == (set(), [])
        db.session.rollback()


def test_a_named_category_brings_its_most_popular_tools_into_the_pool(catalog, monkeypatch):
    # Through the (category, pool_key) keys: with a pool of 1 the category's tools still come, most popular first.
    monkeypatch.setattr(engine, "CATEGORY_POOL", 1)
    with catalog.app_context():
        db.session.execute(Tool.__table__.update().where(Tool.slug == "escape-test").values(click_count=5))
        sync_tools(db.session.scalars(select(Tool.id)))
        db.session.commit()
    with catalog.test_request_context():
        name = db.session.scalar(select(Category.name_zh).where(Category.slug == "ai-assistants"))
        category_ids = sorted(analyse(name, vocabulary()).whole_categories)
        assert category_ids
        rows = engine._category_rows(category_ids, SearchQuery(q=name))
        slugs = db.session.scalars(select(Tool.slug).where(Tool.id.in_([row[0] for row in rows]))).all()
    assert slugs == ["escape-test"]


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
    # The plan (whether PostgreSQL walks pool order or collects through GIN) only steers
    # speed: whatever the sample suggests, every plan must return the same rows in the same order.
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
            query = SearchQuery(q=q)
            expected = [tuple(row) for row in engine.pool_rows(match, query)]
            for plan in (Plan(match, walk=False), Plan(match, walk=True)):
                assert [tuple(row) for row in engine.pool_rows(match, query, plan=plan)] == expected, (q, plan)
            found_any += bool(expected)
    assert found_any >= 8


def test_a_short_term_found_in_several_tags_lists_each_tool_once(catalog):
    # "a" is in many tag names: its gram rows are merged arm by arm, and a tool with
    # several of those tags (or the letter in its name too) must still come once.
    slugs = found(catalog, "a")
    assert slugs and len(slugs) == len(set(slugs))


def test_the_term_sample_counts_matches_near_the_top_of_pool_order():
    sample = TermSample(documents=[["alpha", "seo", "tests"], ["beta", "tests"]])
    tests, al, zz = ((Atom("tests"),),), ((Atom("al", prefix=True),),), ((Atom("zz"),),)
    assert sample.share(MatchQuery((tests,))) == 1.0
    assert sample.share(MatchQuery((tests, al))) == 0.5
    assert sample.share(MatchQuery((zz,))) == 0.0
    assert TermSample(documents=[]).share(MatchQuery((tests,))) == 0.0


def test_the_term_sample_share_is_exactly_the_share_of_documents_that_match():
    """The bitset evaluation agrees with matching each document one by one, prefixes and ANDs included."""
    documents = [sorted(doc) for doc in (
        {"seller", "sellersprite", "选品", "数据"}, {"sell", "ship", "shipping", "物流"},
        {"seo", "选品", "ship"}, set(), {"sellerboard", "profit", "数据", "物流"},
    )]
    sample = TermSample(documents=documents)
    atoms = [Atom("seller", prefix=True), Atom("sell"), Atom("ship", prefix=True), Atom("选品"), Atom("数据"),
             Atom("物流"), Atom("s", prefix=True), Atom("absent"), Atom("zz", prefix=True)]
    # A query is terms (AND) of alternatives (OR) of atoms (AND).
    queries = [MatchQuery((((a,),),)) for a in atoms]
    queries += [MatchQuery((((a, b), (c,)),)) for a, b, c in zip(atoms, atoms[1:], atoms[2:], strict=False)]
    queries += [MatchQuery((((a,),), ((b,),))) for a, b in zip(atoms, reversed(atoms), strict=True)]
    assert {sample.share(match) for match in queries} >= {0.0, 0.2, 0.4}  # the cases differ
    for match in queries:
        expected = sum(1 for tokens in documents if match.matches(tokens)) / len(documents)
        assert sample.share(match) == expected, match
