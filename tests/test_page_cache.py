"""Anonymous pages are cached, shared safely between strangers, and refreshed by catalog edits."""

from sqlalchemy import update

from extensions import db
from models import Tool
from services.catalog_version import bump_catalog_version
from tests.conftest import make_app


def test_two_anonymous_visitors_get_the_same_bytes_and_no_cookie(app, catalog):
    first, second = app.test_client(), app.test_client()
    for path in ("/", "/en/c/product-research?sort=name", "/t/alpha-scout"):
        a = first.get(path, headers={"User-Agent": "Mozilla/5.0 A"})
        b = second.get(path, headers={"User-Agent": "Mozilla/5.0 B", "Accept-Language": "zh-CN"})
        assert a.data == b.data, path
        assert a.headers["X-Cache"] == "MISS" and b.headers["X-Cache"] == "HIT"
        for response in (a, b):
            assert "Set-Cookie" not in response.headers
            assert "csrf" not in response.text.lower()


def test_fragment_and_page_are_cached_apart(client, catalog):
    page = client.get("/c/product-research")
    fragment = client.get("/c/product-research", headers={"HX-Request": "true"})
    assert "<html" in page.text and "<html" not in fragment.text
    assert "<html" not in client.get("/c/product-research", headers={"HX-Request": "true"}).text


def test_list_parameters_are_part_of_the_key_and_junk_is_not(client, catalog):
    client.get("/c/product-research?sort=name")
    assert client.get("/c/product-research?sort=name&utm_source=x").headers["X-Cache"] == "HIT"
    assert client.get("/c/product-research?sort=newest").headers["X-Cache"] == "MISS"


def test_a_visitor_with_session_content_is_not_served_from_or_into_the_cache(app, client, catalog):
    with client.session_transaction() as session:
        session["_flashes"] = [("message", "hello")]
    response = client.get("/")
    assert "X-Cache" not in response.headers


def test_a_catalog_edit_shows_on_the_next_request_through_two_workers(database_url, catalog):
    # Two app instances stand for two gunicorn workers, each with its own memory cache.
    worker_a = make_app(database_url)
    worker_b = make_app(database_url)
    for worker in (worker_a, worker_b):
        assert "Alpha Scout in one line" in worker.test_client().get("/en/t/alpha-scout").text
        assert worker.test_client().get("/en/t/alpha-scout").headers["X-Cache"] == "HIT"
    with worker_a.app_context():
        db.session.execute(update(Tool).where(Tool.slug == "alpha-scout").values(tagline_en="Freshly edited"))
        bump_catalog_version()
        db.session.commit()
    for worker in (worker_b, worker_a):
        response = worker.test_client().get("/en/t/alpha-scout")
        assert "Freshly edited" in response.text
        assert response.headers["X-Cache"] == "MISS"
    for worker in (worker_a, worker_b):
        with worker.app_context():
            db.engine.dispose()


def test_the_redis_page_store_is_shared_between_workers(database_url, catalog):
    import os

    import redis

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    redis.Redis.from_url(url).flushdb()
    worker_a = make_app(database_url, REDIS_URL=url)
    worker_b = make_app(database_url, REDIS_URL=url)
    assert worker_a.test_client().get("/en/").headers["X-Cache"] == "MISS"
    assert worker_b.test_client().get("/en/").headers["X-Cache"] == "HIT"
    redis.Redis.from_url(url).flushdb()
    for worker in (worker_a, worker_b):
        with worker.app_context():
            db.engine.dispose()


def test_the_redis_store_keeps_a_short_local_copy_of_the_pages_a_worker_serves():
    import os

    import redis

    from services.page_cache import TieredPageStore, make_page_store

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    shared = redis.Redis.from_url(url)
    shared.flushdb()
    writer, reader = make_page_store(url), make_page_store(url)
    assert isinstance(writer, TieredPageStore)
    writer.set("v1|en|/en/", {"body": b"page"}, 300)
    assert reader.get("v1|en|/en/") == {"body": b"page"}  # from Redis: another worker wrote it
    shared.flushdb()
    assert reader.get("v1|en|/en/") == {"body": b"page"}  # now from the reader's own copy, no Redis round trip
    assert reader.get("v2|en|/en/") is None  # a new catalog version is a new key: no copy outlives an edit
    reader.local.clear()
    assert reader.get("v1|en|/en/") is None
    shared.flushdb()


# --- keys that cannot lie (security review findings 7 and 8) --------------------------------------------------

# A value for every URL argument of a cached page, from the small test catalog.
ARGUMENT_VALUES = {"slug": {"catalog.category": "pr-amazon", "catalog.tag": "chrome-extension",
                            "catalog.platform": "amazon", "catalog.market": "us", "catalog.tool": "alpha-scout"},
                   "kind": "privacy", "version": "2026-11-25", "number": "1"}
MARKER = "zz9hostile"


def _cached_pages(app) -> list[str]:
    paths = []
    for rule in app.url_map.iter_rules():
        if not getattr(app.view_functions[rule.endpoint], "page_cached", False) or "GET" not in rule.methods:
            continue
        values = {}
        for argument in rule.arguments - {"lang"}:
            value = ARGUMENT_VALUES[argument]
            values[argument] = value[rule.endpoint] if isinstance(value, dict) else value
        if "lang" in rule.arguments:
            values["lang"] = "en"
        paths.append(rule.build(values, append_unknown=False)[1])
    return sorted(set(paths))


def test_a_cached_page_never_shows_a_query_value_its_key_lacks(app, client, catalog):
    pages = _cached_pages(app)
    served = 0
    for path in pages:
        hostile = client.get(path, query_string={"q": MARKER, "utm_source": MARKER + "2", "sort": "name"})
        if hostile.status_code != 200:
            continue  # a page this catalog lacks (a policy version): nothing was cached
        served += 1
        assert MARKER not in hostile.text, path
        again = client.get(path, query_string={"sort": "name"})  # the same key: the stored copy
        assert again.headers.get("X-Cache") == "HIT" and MARKER not in again.text, path
    assert served >= 10, pages


def test_a_forged_host_gets_its_own_cache_entry_and_never_reaches_other_visitors(app, client, catalog):
    pages = [path for path in _cached_pages(app) if client.get(path).status_code == 200]
    for path in pages:
        forged = app.test_client().get(path, headers={"Host": "evil.example"})
        assert forged.headers.get("X-Cache") == "MISS", path  # not the copy the real host stored
        honest = app.test_client().get(path)
        assert honest.headers.get("X-Cache") == "HIT" and "evil.example" not in honest.text, path


def test_canonical_and_language_links_carry_the_list_parameters_and_nothing_else(client, catalog):
    page = client.get("/en/c/pr-amazon", query_string={"sort": "name", "q": MARKER, "utm_source": "x"}).text
    assert 'rel="canonical" href="http://localhost/en/c/pr-amazon?sort=name"' in page
    assert MARKER not in page and "utm_source" not in page
    search = client.get("/en/search", query_string={"q": "alpha", "utm_source": "x"}).text
    assert 'rel="canonical" href="http://localhost/en/search?q=alpha"' in search  # the search page reads q


def test_a_search_fragment_key_cannot_be_forged_from_an_encoded_ampersand(client, catalog):
    headers = {"HX-Request": "true", "HX-Target": "tool-list"}
    packed = client.get("/en/search?q=alpha%26sort%3Dname", headers=headers).text
    real = client.get("/en/search?q=alpha&sort=name", headers=headers).text
    assert packed != real
    assert 'class="result-count">1 result' in real and 'class="result-count">1 result' not in packed
