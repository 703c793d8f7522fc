"""Pages render with a fixed number of SQL queries whatever the catalog size."""

import pytest

from extensions import db
from services.catalog_file import load_catalog_file
from services.seeding import seed_catalog, seed_synthetic

PAGES = [
    "/",
    "/en/",
    "/c/product-research",
    "/c/pr-amazon?platform=amazon&market=us&zh=1&sort=name",
    "/c/erp?page=2",
    "/tag/saas",
    "/p/amazon",
    "/m/us?sort=newest",
    "/t/jungle-scout",
]


def _query_counts(app, count_queries, client=None) -> dict[str, int]:
    app.config["PAGE_CACHE_ENABLED"] = False
    client = client or app.test_client()
    counts = {}
    for path in PAGES:
        with count_queries() as counter:
            assert client.get(path).status_code == 200, path
        counts[path] = counter.count
    return counts


@pytest.fixture
def real_catalog(app):
    with app.app_context():
        seed_catalog(load_catalog_file())
    return app


def test_query_count_is_the_same_with_300_and_3000_tools(real_catalog, count_queries):
    app = real_catalog
    small = _query_counts(app, count_queries)
    with app.app_context():
        seed_synthetic(2700, seed=3)
        db.session.remove()
    large = _query_counts(app, count_queries)
    assert small == large
    assert max(small.values()) <= 8, small


def test_a_signed_in_users_pages_also_run_a_fixed_number_of_queries(real_catalog, count_queries):
    from tests.accounts import make_user, post_form, sign_in

    app = real_catalog
    make_user(app)
    client = app.test_client()
    sign_in(client)
    for slug in ("jungle-scout", "helium-10"):
        post_form(client, "/t/" + slug, {}, action=f"/t/{slug}/collect")
    small = _query_counts(app, count_queries, client)
    with app.app_context():
        seed_synthetic(2700, seed=4)
        db.session.remove()
    large = _query_counts(app, count_queries, client)
    assert small == large
    assert max(small.values()) <= 14, small
