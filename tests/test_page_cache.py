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
