"""The seed catalog file: real-looking, complete, consistent (the URL lint)."""

from collections import Counter

import pytest

from services.catalog_file import load_catalog_file, validate_catalog
from services.urls import is_web_url, normalize_url


@pytest.fixture(scope="module")
def catalog():
    return load_catalog_file()


def test_catalog_file_has_no_problems(catalog):
    assert validate_catalog(catalog) == []


def test_catalog_has_at_least_300_tools_in_20_categories(catalog):
    assert len(catalog.tools) >= 300
    assert len({tool["category"] for tool in catalog.tools}) >= 20


def test_every_seeded_url_is_absolute_http_and_unique_after_normalisation(catalog):
    urls = [tool["url"] for tool in catalog.tools]
    assert all(is_web_url(url) for url in urls)
    duplicates = [u for u, n in Counter(normalize_url(url) for url in urls).items() if n > 1]
    assert duplicates == []


def test_every_tool_has_both_languages_and_a_category(catalog):
    leaves = catalog.leaf_category_slugs()
    for tool in catalog.tools:
        assert tool["category"] in leaves, tool["slug"]
        for field in ("tagline", "description"):
            assert tool[field]["zh"].strip() and tool[field]["en"].strip(), tool["slug"]


def test_every_category_has_names_in_both_languages(catalog):
    for top in catalog.categories:
        for category in [top, *top.get("children", [])]:
            assert category["zh"].strip() and category["en"].strip()


@pytest.mark.parametrize(
    ("url", "valid"),
    [
        ("https://www.junglescout.com/", True),
        ("http://example.com", True),
        ("javascript:alert(1)", False),
        ("data:text/html,hi", False),
        ("ftp://example.com/", False),
        ("//example.com/", False),
        ("https://", False),
        ("not a url", False),
        ("https://example.com:8443/app", True),
        ("https://example.com:99999/", False),  # normalize_url could not read this port
        ("https://example.com:port/", False),
    ],
)
def test_only_absolute_http_urls_are_web_urls(url, valid):
    assert is_web_url(url) is valid


def test_normalisation_ignores_scheme_www_case_and_trailing_slash_but_keeps_the_path():
    assert normalize_url("http://Example.com/") == normalize_url("https://www.example.com")
    assert normalize_url("https://apps.shopify.com/a") != normalize_url("https://apps.shopify.com/b")
    assert normalize_url("https://example.com/#top") == normalize_url("https://example.com")


def test_validation_names_each_problem():
    from tests.factories import small_catalog

    catalog = small_catalog()
    catalog.tools[0]["url"] = "javascript:alert(1)"
    catalog.tools[1]["tagline"] = {"zh": "只有中文"}
    catalog.tools[2]["category"] = "no-such-category"
    catalog.tools[3]["tags"] = ["no-such-tag"]
    catalog.tools[4]["china_direct"] = "yes"
    problems = "\n".join(validate_catalog(catalog))
    assert "url must be an absolute http(s) URL" in problems
    assert "tagline needs non-empty zh and en" in problems
    assert "'no-such-category' is not a leaf category" in problems
    assert "unknown tag 'no-such-tag'" in problems
    assert "china_direct must be true or false" in problems


def test_an_unquoted_comma_that_splits_a_description_is_reported():
    """YAML reads ``{en: Sales, BSR and reviews}`` as two keys; the text would silently lose its tail."""
    import yaml

    from tests.factories import small_catalog

    catalog = small_catalog()
    catalog.categories[0]["description"] = yaml.safe_load("{zh: 选品, en: Sales, BSR and reviews}")
    catalog.tools[0]["description"] = yaml.safe_load("{zh: 工具, en: Listings, keywords}")
    problems = "\n".join(validate_catalog(catalog))
    assert f"categories.yaml:{catalog.categories[0]['slug']}: description has keys other than zh and en" in problems
    assert "description has keys other than zh and en ['keywords']" in problems
