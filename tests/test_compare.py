"""Compare 2–4 tools side by side at a shareable URL; bad requests explained, never a 500."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from extensions import db
from models import Tool
from services.compare import clean_slugs


def _compare(client, *slugs, lang="en", headers=None):
    query = "&".join(f"t={slug}" for slug in slugs)
    return client.get(f"{'/en' if lang == 'en' else ''}/compare?{query}", headers=headers or {})


@pytest.mark.parametrize("slugs", [
    ("alpha-scout", "mai-jia"),
    ("zulu-ai", "alpha-scout", "delta-pay"),
    ("delta-pay", "bravo-ads", "mai-jia", "alpha-scout"),
])
def test_two_to_four_tools_side_by_side_in_the_order_asked(client, catalog, slugs):
    response = _compare(client, *slugs)
    assert response.status_code == 200
    html = response.text
    positions = [html.index(f'href="/en/t/{slug}"') for slug in slugs]
    assert positions == sorted(positions)
    assert "HX-Request" in response.headers["Vary"]


def test_the_comparison_shows_pricing_facts_marketplaces_ratings_and_category(client, catalog):
    with catalog.app_context():
        db.session.execute(update(Tool).where(Tool.slug == "alpha-scout")
                           .values(rating_count=12, rating_avg=4.25, price_note_en="From $29 a month"))
        db.session.commit()
    html = _compare(client, "alpha-scout", "mai-jia").text
    assert "Paid" in html and "Freemium" in html and "From $29 a month" in html
    assert "★ 4.2" in html and "12 ratings" in html and "No ratings yet" in html
    assert "Works in mainland China without a VPN" in html
    assert 'class="fact fact-yes">Yes' in html  # mai-jia: china_direct
    assert 'class="fact fact-no">No' in html  # alpha-scout: no Chinese support
    assert 'class="fact fact-unknown">Unknown' in html
    assert "Amazon · United States" in html or "Amazon · US" in html
    assert 'href="/en/c/pr-amazon"' in html


def test_the_chinese_comparison(client, catalog):
    response = _compare(client, "alpha-scout", "mai-jia", lang="zh")
    assert response.status_code == 200
    assert 'lang="zh-CN"' in response.text and "卖家助手" in response.text


def test_duplicates_and_blanks_are_removed_keeping_the_order(client, catalog):
    response = client.get("/en/compare?t=zulu-ai&t=alpha-scout&t=zulu-ai&t=")
    assert response.status_code == 302
    assert response.headers["Location"] == "/en/compare?t=zulu-ai&t=alpha-scout"
    assert clean_slugs([" b ", "a", "b", ""]) == ["b", "a"]


def test_the_language_switch_keeps_the_tools(client, catalog):
    html = _compare(client, "zulu-ai", "alpha-scout").text
    assert 'class="lang-switch" href="/compare?t=zulu-ai&amp;t=alpha-scout"' in html
    assert 'rel="canonical" href="http://localhost/en/compare?t=zulu-ai&amp;t=alpha-scout"' in html


@pytest.mark.parametrize(("slugs", "message"), [
    ((), "Pick at least 2 tools to compare."),
    (("alpha-scout",), "Pick at least 2 tools to compare."),
    (("alpha-scout", "alpha-scout"), "Pick at least 2 tools to compare."),
    (("alpha-scout", "mai-jia", "zulu-ai", "bravo-ads", "delta-pay"), "You can compare at most 4 tools at a time."),
    (("alpha-scout", "no-such-tool"), "We could not find these tools: no-such-tool."),
    (("ghost-1", "ghost-2"), "We could not find these tools: ghost-1, ghost-2."),
    (("alpha-scout", "<script>x</script>"), "We could not find these tools: &lt;script&gt;x&lt;/script&gt;."),
])
def test_bad_comparisons_are_400_with_an_explanation(client, catalog, slugs, message):
    response = _compare(client, *slugs)
    assert response.status_code == 400
    assert message in response.text
    assert "<script>x" not in response.text


def test_a_hidden_tool_cannot_be_compared(client, catalog):
    with catalog.app_context():
        db.session.execute(update(Tool).where(Tool.slug == "zulu-ai").values(status="hidden"))
        db.session.commit()
    assert _compare(client, "alpha-scout", "zulu-ai").status_code == 400


def test_bad_comparisons_are_explained_on_the_chinese_site_too(client, catalog):
    response = _compare(client, "alpha-scout", lang="zh")
    assert response.status_code == 400
    assert 'lang="zh-CN"' in response.text and "请至少选择 2 个工具进行对比。" in response.text


def test_htmx_gets_only_the_comparison(client, catalog):
    response = _compare(client, "alpha-scout", "mai-jia", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text and 'id="compare"' in response.text
    assert "HX-Request" in response.headers["Vary"]


def test_a_comparison_costs_the_same_queries_for_two_or_four_tools(client, catalog, count_queries):
    _compare(client, "alpha-scout", "mai-jia")  # warm up anything loaded once per process
    with count_queries() as two:
        assert _compare(client, "alpha-scout", "mai-jia").status_code == 200
    with count_queries() as four:
        assert _compare(client, "alpha-scout", "mai-jia", "bravo-ads", "jp-keywords").status_code == 200
    assert two.count == four.count
    assert four.count <= 3


def test_list_pages_carry_the_compare_form(client, catalog):
    html = client.get("/en/c/pr-amazon").text
    assert '<form id="compare-form" class="compare-bar" method="get" action="/en/compare">' in html
    assert "Compare selected" in html
