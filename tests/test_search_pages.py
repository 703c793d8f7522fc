"""The search pages: full page and htmx fragments, no-JS form, history, keyword log, query count."""

import re
from datetime import UTC, date, datetime

from sqlalchemy import inspect, select

from extensions import db
from models.search import SearchHistory, SearchKeywordDay
from services import clock
from services.seeding import seed_synthetic
from tests.accounts import csrf_from, make_user, sign_in


def _slugs(html: str) -> list[str]:
    return re.findall(r'<article class="card search-hit" id="tool-([^"]+)"', html)


def _history(app) -> list[tuple[int, str]]:
    with app.app_context():
        return [(h.user_id, h.query) for h in db.session.scalars(select(SearchHistory).order_by(SearchHistory.id))]


def _keywords(app) -> dict[str, tuple[int, int, int]]:
    with app.app_context():
        rows = db.session.scalars(select(SearchKeywordDay))
        return {r.query: (r.searches, r.results, r.zero_result_searches) for r in rows}


def test_the_search_page_lists_ranked_results_in_both_languages(client, catalog):
    page = client.get("/search?q=助手")
    assert page.status_code == 200 and "<html" in page.text
    # The two names first, then the tools of the category AI 助手.
    assert _slugs(page.text) == ["mai-jia", "temu-full-helper", "zulu-ai", "escape-test"]
    assert "<mark>助手</mark>" in page.text
    english = client.get("/en/search?q=helper")
    assert _slugs(english.text) == ["mai-jia", "temu-full-helper"]
    assert "<mark>Helper</mark>" in english.text and "2 results" in english.text


def test_markup_in_the_query_is_escaped_everywhere(client, catalog):
    page = client.get("/en/search?q=<script>alert(1)</script>")
    assert _slugs(page.text) == ["escape-test"]
    assert "<script>alert(1)" not in page.text
    assert "&lt;<mark>script</mark>&gt;<mark>alert</mark>(<mark>1</mark>)" in page.text
    nothing = client.get("/en/search?q=<b>zzzz</b>")
    assert "<b>zzzz" not in nothing.text and "&lt;b&gt;zzzz" in nothing.text


def test_symbols_only_and_no_match_answer_a_clear_no_results(client, catalog):
    symbols = client.get("/en/search?q=%25%25%20%23%23")
    assert symbols.status_code == 200 and _slugs(symbols.text) == []
    assert "needs at least one letter, digit or Chinese character" in symbols.text
    none = client.get("/en/search?q=qqqzzz")
    assert none.status_code == 200 and "No tools match “qqqzzz”." in none.text
    assert "Popular categories" in none.text
    similar = client.get("/en/search?q=alphxz")  # two edits from a name's word: no result, but a suggestion
    assert "Did you mean" in similar.text and 'href="/en/search?q=alpha"' in similar.text


def test_the_htmx_fragment_and_the_page_vary_on_hx_request(client, catalog):
    page = client.get("/search?q=alpha")
    results = client.get("/search?q=alpha", headers={"HX-Request": "true", "HX-Target": "tool-list"})
    suggestions = client.get("/search?q=alpha", headers={"HX-Request": "true", "HX-Target": "site-search-results"})
    assert "<html" in page.text
    assert results.text.lstrip().startswith('<section id="tool-list"') and "<html" not in results.text
    assert '<ul class="suggestions"' in suggestions.text and "<html" not in suggestions.text
    for response in (page, results, suggestions):
        assert "HX-Request" in response.headers["Vary"] and "HX-Target" in response.headers["Vary"]


def test_filters_sort_and_pagination_keep_the_query(app, client, catalog):
    assert _slugs(client.get("/en/search?q=助手&platform=temu").text) == ["temu-full-helper"]
    assert _slugs(client.get("/en/search?q=tests&zh=1").text) == ["mai-jia", "temu-full-helper", "delta-pay"]
    assert client.get("/en/search?q=tests&sort=cheapest").status_code == 400
    app.config["PER_PAGE"] = 5
    first = client.get("/en/search?q=tests").text
    assert "12 results" in first and len(_slugs(first)) == 5
    assert 'href="/en/search?q=tests&amp;page=2"' in first
    third = client.get("/en/search?q=tests&page=3").text
    assert len(_slugs(third)) == 2
    assert client.get("/en/search?q=tests&page=4").status_code == 404
    by_name = client.get("/en/search?q=tests&sort=name").text
    assert 'href="/en/search?q=tests&amp;sort=name&amp;page=2"' in by_name


def test_the_form_works_without_javascript(client, catalog):
    page = client.get("/en/search").text
    assert '<form class="search-box" id="search-page" method="get" action="/en/search"' in page
    assert 'name="q"' in page and 'hx-sync="closest form:replace"' in page and 'hx-push-url="true"' in page
    assert '<input type="hidden" name="q" value="">' in page  # the filters form carries q too


def test_a_very_common_term_says_n_plus_instead_of_counting(client, catalog, monkeypatch):
    from services.search import engine

    monkeypatch.setattr(engine, "POOL", 5)  # the real pool is 300: "300+ results"
    page = client.get("/en/search?q=tests").text
    assert "5+ results" in page and len(_slugs(page)) == 5


def test_submitted_searches_are_remembered_for_signed_in_users_only(app, client, catalog):
    client.get("/search?q=alpha")  # anonymous: counted, not remembered
    user_id = make_user(app)
    sign_in(client)
    client.get("/search?q=助手")
    client.get("/search?q=助", headers={"HX-Request": "true", "HX-Target": "tool-list"})  # as you type
    client.get("/search?q=助手&page=1&zh=1")  # the same query again: one entry
    client.get("/search?q=tests&page=2")  # paging is not a new search
    assert _history(app) == [(user_id, "助手")]
    page = client.get("/search/history")
    assert "no-store" in page.headers["Cache-Control"] and "助手" in page.text


def test_history_items_are_deleted_one_by_one_or_all_with_csrf_and_ownership(app, client, catalog):
    make_user(app)
    other_id = make_user(app, "seller2", phone="+8613800000002")
    other = app.test_client()
    sign_in(other, "seller2")
    other.get("/search?q=secret")
    sign_in(client)
    for q in ("alpha", "bravo", "charlie"):
        client.get(f"/search?q={q}")
    with app.app_context():
        mine = {h.query: h.id for h in db.session.scalars(select(SearchHistory)) if h.user_id != other_id}
        theirs = db.session.scalar(select(SearchHistory.id).where(SearchHistory.user_id == other_id))
    token = csrf_from(client.get("/search/history").text)
    assert client.post(f"/search/history/{mine['alpha']}/delete").status_code == 400  # no CSRF token
    assert client.post(f"/search/history/{theirs}/delete", data={"csrf_token": token}).status_code == 404
    gone = client.post(f"/search/history/{mine['alpha']}/delete", data={"csrf_token": token})
    assert gone.status_code == 303 and gone.headers["Location"].endswith("/search/history")
    fragment = client.post(f"/search/history/{mine['bravo']}/delete", data={"csrf_token": token},
                           headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<section id="search-history"') and "charlie" in fragment.text
    assert client.post("/search/history/clear", data={"csrf_token": token}).status_code == 303
    assert [q for _, q in _history(app)] == ["secret"]  # someone else's history is untouched
    visitor = app.test_client()
    assert visitor.get("/search/history").status_code == 303
    assert visitor.post("/search/history/clear").status_code == 400


def test_the_keyword_log_counts_submitted_queries_and_zero_results_without_identity(app, client, catalog):
    client.get("/search?q=Alpha")
    client.get("/search?q=alpha")
    client.get("/search?q=qqqzzz")
    client.get("/search?q=qq", headers={"HX-Request": "true"})  # as-you-type: not counted
    assert _keywords(app) == {"alpha": (2, 1, 0), "qqqzzz": (1, 0, 1)}
    with app.app_context():
        columns = {c["name"] for c in inspect(db.engine).get_columns("search_keyword_day")}
    assert columns == {"day", "query", "searches", "results", "zero_result_searches"}


def test_a_submitted_search_counts_on_the_day_in_china(app, client, catalog):
    clock.freeze(datetime(2026, 11, 25, 16, 30, tzinfo=UTC))  # 00:30 on 26 November in China
    client.get("/search?q=alpha")
    with app.app_context():
        assert db.session.scalars(select(SearchKeywordDay.day)).all() == [date(2026, 11, 26)]


def test_the_search_page_runs_a_fixed_number_of_queries(app, catalog, count_queries):
    app.config["PAGE_CACHE_ENABLED"] = False
    client = app.test_client()
    paths = ["/search?q=alpha", "/search?q=助手", "/search?q=alpha 助", "/search?q=qqqzzz", "/search?q=!!"]

    def counts():
        result = {}
        for path in paths:
            with count_queries() as counter:
                assert client.get(path).status_code == 200
            result[path] = counter.count
        return result

    counts()  # a process's first search also reads the term sample (services.search.estimate), then keeps it
    small = counts()
    with app.app_context():
        seed_synthetic(500, seed=5)
    counts()  # the first search after a catalog change also reloads the vocabulary (services.search.vocabulary)
    assert counts() == small
    assert max(small.values()) <= 10, small


def test_flask_search_reindex_rebuilds_the_rows(app, catalog, runner):
    from models.search import ToolSearch

    with app.app_context():
        db.session.execute(ToolSearch.__table__.delete())
        db.session.commit()
    assert _slugs(app.test_client().get("/search?q=alpha").text) == []
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0 and "indexed 12 tools" in result.output
    assert _slugs(app.test_client().get("/search?q=alpha").text) == ["alpha-scout"]
