"""Catalog pages: content, languages and their twins, SEO tags, errors."""

import json
import re

import pytest

BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0"}


@pytest.mark.parametrize(
    "path",
    ["/", "/c/product-research", "/c/pr-amazon", "/tag/made-in-china", "/p/amazon", "/m/us", "/t/alpha-scout"],
)
def test_every_page_answers_in_both_languages(client, catalog, path):
    zh = client.get(path)
    en = client.get("/en" + path)
    assert zh.status_code == en.status_code == 200
    assert '<html lang="zh-CN">' in zh.text
    assert '<html lang="en">' in en.text


def test_each_page_links_its_twin_with_hreflang_and_its_canonical_url(client, catalog):
    page = client.get("/c/pr-amazon?sort=name&utm_source=x").text
    assert '<link rel="canonical" href="http://localhost/c/pr-amazon?sort=name">' in page
    assert '<link rel="alternate" hreflang="en" href="http://localhost/en/c/pr-amazon?sort=name">' in page
    assert '<link rel="alternate" hreflang="zh-CN" href="http://localhost/c/pr-amazon?sort=name">' in page
    assert 'href="/en/c/pr-amazon?sort=name"' in page  # the language switch is a plain link
    assert 'href="/c/pr-amazon?sort=name"' in client.get("/en/c/pr-amazon?sort=name").text


def test_links_on_an_english_page_stay_in_english(client, catalog):
    page = client.get("/en/").text
    assert 'href="/en/t/alpha-scout"' in page
    assert 'href="/en/c/product-research"' in page


def test_home_groups_tools_by_category_with_a_jumping_sidebar(client, catalog):
    page = client.get("/").text
    assert 'href="#c-product-research"' in page
    assert 'id="c-product-research"' in page
    assert "Alpha Scout" in page
    assert "全部 4 个工具" in page or "4" in page  # the "all N tools" link


def test_home_shows_chinese_text_at_the_root_and_english_under_en(client, catalog):
    assert "卖家助手" in client.get("/").text
    en = client.get("/en/").text
    assert "Seller Helper" in en
    assert "Alpha Scout in one line" in en


def test_an_english_speaking_first_visitor_sees_a_suggestion_but_is_not_redirected(client, catalog):
    english = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert english.status_code == 200
    assert "View SellerNav in English" in english.text
    assert "Accept-Language" in english.headers["Vary"]
    chinese = client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    assert "View SellerNav in English" not in chinese.text
    within_site = client.get("/", headers={"Accept-Language": "en", "Referer": "http://localhost/c/ads"})
    assert "View SellerNav in English" not in within_site.text


def test_tool_page_shows_its_facts_platforms_and_structured_data(client, catalog):
    page = client.get("/en/t/mai-jia").text
    assert "Seller Helper" in page and "卖家助手" in page
    assert "Works in mainland China without a VPN" in page
    assert 'href="/en/p/amazon"' in page
    assert "Not yet verified by our staff" in page
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))
    assert data["@type"] == "SoftwareApplication"
    assert data["name"] == "Seller Helper"
    assert data["url"] == "http://localhost/en/t/mai-jia"
    assert '<meta property="og:title"' in page
    assert '<meta property="og:image" content="http://localhost/t/mai-jia/logo.svg">' in page


def test_outbound_links_go_through_go_and_are_nofollow(client, catalog):
    page = client.get("/t/alpha-scout").text
    assert re.search(r'<a class="button" href="/go/alpha-scout" rel="nofollow noopener">', page)
    assert "https://alpha-scout.example.com/" not in re.findall(r'href="([^"]+)"', page)


def test_names_are_escaped_everywhere(client, catalog):
    for path in ("/", "/c/ai-tools", "/t/escape-test", "/en/t/escape-test"):
        page = client.get(path).text
        assert "<script>alert(1)</script>" not in page, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, path


def test_structured_data_cannot_break_out_of_its_script_tag(client, catalog):
    page = client.get("/t/escape-test").text
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1)
    assert "<" not in block
    assert json.loads(block)["name"] == "<script>alert(1)</script>"


def test_a_shut_down_tool_says_so_and_points_to_its_successor(client, catalog):
    page = client.get("/en/t/old-tool").text
    assert "This tool has shut down." in page
    assert 'href="/en/t/alpha-scout"' in page


def test_generated_logo_is_an_svg_monogram(client, catalog):
    response = client.get("/t/alpha-scout/logo.svg")
    assert response.mimetype == "image/svg+xml"
    assert ">AS</text>" in response.text
    escaped = client.get("/t/escape-test/logo.svg").text
    assert "<script>" not in escaped


@pytest.mark.parametrize(
    ("path", "status"),
    [("/t/no-such-tool", 404), ("/c/no-such", 404), ("/tag/no-such", 404), ("/p/no-such", 404),
     ("/m/no-such", 404), ("/en/no-such-page", 404), ("/fr/", 404)],
)
def test_unknown_pages_answer_404_in_the_sites_style(client, catalog, path, status):
    response = client.get(path)
    assert response.status_code == status
    assert "site-header" in response.text


def test_the_404_page_speaks_the_visitors_language(client, catalog):
    assert "Page not found" in client.get("/en/t/nope").text
    assert "页面不存在" in client.get("/t/nope").text


def test_hidden_and_pending_tools_are_not_shown(client, catalog):
    from sqlalchemy import update

    from extensions import db
    from models import Tool

    with catalog.app_context():
        db.session.execute(update(Tool).where(Tool.slug == "alpha-scout").values(status="hidden"))
        db.session.execute(update(Tool).where(Tool.slug == "bravo-ads").values(status="pending"))
        db.session.commit()
    assert client.get("/t/alpha-scout").status_code == 404
    assert client.get("/t/bravo-ads").status_code == 404
    assert "Alpha Scout" not in client.get("/").text
    assert "Bravo Ads" not in client.get("/c/ads").text


@pytest.mark.own_app  # adds a route
def test_a_server_error_shows_the_500_page(app, client):
    @app.route("/boom")
    def boom():
        raise RuntimeError("boom")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/boom")
    assert response.status_code == 500
    assert "服务器" in response.text or "出错" in response.text


def test_robots_and_sitemap_list_both_languages(client, catalog):
    robots = client.get("/robots.txt").text
    assert "Sitemap: http://localhost/sitemap.xml" in robots
    sitemap = client.get("/sitemap.xml")
    assert sitemap.mimetype == "application/xml"
    assert "<loc>http://localhost/t/alpha-scout</loc>" in sitemap.text
    assert "<loc>http://localhost/en/t/alpha-scout</loc>" in sitemap.text
    assert 'hreflang="en" href="http://localhost/en/c/pr-amazon"' in sitemap.text


def test_sitemap_becomes_an_index_when_urls_exceed_one_file(app, client, catalog):
    app.config["SITEMAP_MAX_URLS"] = 20  # 10 entries (20 URLs) a file
    index = client.get("/sitemap.xml").text
    assert "<sitemapindex" in index
    files = re.findall(r"<loc>http://localhost(/sitemap-\d+\.xml)</loc>", index)
    assert len(files) > 1
    seen = []
    for path in files:
        part = client.get(path)
        assert part.status_code == 200
        seen += re.findall(r"<url><loc>([^<]+)</loc>", part.text)
    assert len(seen) == len(set(seen))
    assert "http://localhost/t/alpha-scout" in seen and "http://localhost/en/t/zulu-ai" in seen
    assert client.get(f"/sitemap-{len(files) + 1}.xml").status_code == 404
