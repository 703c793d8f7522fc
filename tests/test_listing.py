"""List pages: the shared filters, sorting and pagination, and the htmx fragment."""

import re

import pytest


def _tool_slugs(html: str) -> list[str]:
    return re.findall(r'<article class="card" id="tool-([^"]+)"', html)


def test_a_top_level_category_lists_its_sub_categories_tools(client, catalog):
    slugs = _tool_slugs(client.get("/c/product-research").text)
    assert {"alpha-scout", "mai-jia", "old-tool"} <= set(slugs)
    assert "jp-keywords" not in slugs


def test_filtering_by_a_platform_includes_its_modes(client, catalog):
    assert _tool_slugs(client.get("/p/temu").text) == ["temu-full-helper"]
    assert _tool_slugs(client.get("/c/erp?platform=temu").text) == ["temu-full-helper"]
    assert _tool_slugs(client.get("/c/erp?platform=temu-semi").text) == []


def test_filtering_by_market_includes_tools_that_serve_all_markets(client, catalog):
    jp = set(_tool_slugs(client.get("/c/product-research?platform=amazon&market=jp").text))
    assert jp == {"mai-jia"}  # "Amazon, all markets"; Alpha Scout serves Amazon US only
    us = set(_tool_slugs(client.get("/m/us").text))
    assert {"alpha-scout", "mai-jia", "bravo-ads", "shopee-sea"} <= us
    assert "jp-keywords" not in us


def test_fact_and_pricing_filters(client, catalog):
    assert set(_tool_slugs(client.get("/c/product-research?zh=1").text)) == {"mai-jia"}
    assert set(_tool_slugs(client.get("/c/product-research?direct=1&cnpay=1").text)) == {"mai-jia"}
    assert set(_tool_slugs(client.get("/c/payments?pricing=free").text)) == {"delta-pay"}
    assert set(_tool_slugs(client.get("/c/logistics?invoice=1").text)) == {"charlie-ship"}


def test_sorting_by_name_uses_pinyin_for_chinese_names(client, catalog):
    slugs = _tool_slugs(client.get("/c/product-research?sort=name").text)
    # Alpha Scout, then 卖家助手 (pinyin "mai jia"), then Old Tool.
    assert slugs == ["alpha-scout", "mai-jia", "old-tool"]
    # In English the same tool is "Seller Helper", so it sorts under S.
    assert _tool_slugs(client.get("/en/c/product-research?sort=name").text) == ["alpha-scout", "old-tool", "mai-jia"]


@pytest.mark.parametrize(
    "query",
    ["sort=cheapest", "pricing=gratis", "page=0", "page=abc", "zh=yes", "platform=<script>", "page=99999999"],
)
def test_a_bad_list_parameter_is_a_clear_400(client, catalog, query):
    response = client.get(f"/en/c/product-research?{query}")
    assert response.status_code == 400
    assert "has a value we do not recognise" in response.text
    zh = client.get(f"/c/product-research?{query}")
    assert zh.status_code == 400 and "无法识别" in zh.text


def test_pagination_links_keep_filters_and_a_page_past_the_end_is_404(app, client, catalog):
    app.config["PER_PAGE"] = 2
    first = client.get("/c/product-research?sort=name").text
    assert 'href="/c/product-research?sort=name&amp;page=2"' in first
    second = client.get("/c/product-research?sort=name&page=2").text
    assert _tool_slugs(second) == ["old-tool"]
    assert client.get("/c/product-research?sort=name&page=3").status_code == 404


def test_htmx_gets_only_the_list_and_both_answers_vary_on_hx_request(client, catalog):
    page = client.get("/c/product-research")
    fragment = client.get("/c/product-research", headers={"HX-Request": "true"})
    assert "<html" in page.text and "<html" not in fragment.text
    assert fragment.text.lstrip().startswith('<section id="tool-list"')
    for response in (page, fragment):
        assert "HX-Request" in response.headers["Vary"]
    boosted = client.get("/c/product-research", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in boosted.text


def test_filters_work_as_a_plain_get_form(client, catalog):
    page = client.get("/c/product-research").text
    assert '<form class="filters" method="get" action="/c/product-research"' in page
    assert 'name="platform"' in page and 'name="sort"' in page and 'name="zh"' in page
