"""Migrations upgrade an empty database to head and match the models, on SQLite and PostgreSQL."""

import uuid
import warnings

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from extensions import db
from tests.conftest import make_app


@pytest.fixture
def empty_database_url(database_url, tmp_path):
    """A brand-new empty database of the same kind as the suite's."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    name = f"sellernav_migrate_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(database_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(
            f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
        ))
    yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


EXPRESSION_INDEX = "uq_tool_platform_tool_platform_market"
# Search objects that exist per database and outside the models (migration 0010):
# SQLite's FTS5 token table with its shadow tables (0010), PostgreSQL's stored vectors and their GIN index (0013).
SEARCH_ENGINE_OBJECTS = ("tool_token_fts", "tool_token_vector")


def _index_names(connection) -> set[str]:
    if connection.dialect.name == "postgresql":
        return set(connection.execute(text("SELECT indexname FROM pg_indexes")).scalars())
    return set(connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'index'")).scalars())


def test_an_empty_database_upgrades_to_head_and_matches_the_models(empty_database_url):
    app = make_app(empty_database_url)
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"tool", "category", "tag", "platform", "market", "tool_platform", "tool_tag"} <= tables
        with db.engine.connect() as connection, warnings.catch_warnings():
            # Neither database reflects expression indexes; that one is checked by name below.
            warnings.filterwarnings("ignore", message=".*expression-based index")
            differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
            index_names = _index_names(connection)
        ignored = (EXPRESSION_INDEX, *SEARCH_ENGINE_OBJECTS)
        assert [d for d in differences if not any(name in str(d) for name in ignored)] == []
        assert EXPRESSION_INDEX in index_names
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_migration_0009_turns_recorded_session_ids_into_keyed_references(empty_database_url):
    from services.access_log import session_reference

    app = make_app(empty_database_url)
    paths = ["/settings/sessions/abcDEF123_-x/revoke", "/en/settings/sessions/zz9/revoke", "/settings/security"]
    with app.app_context():
        upgrade(revision="0008")
        with db.engine.begin() as connection:
            for path in paths:
                connection.execute(text(
                    "INSERT INTO access_record (created_at, method, path, status, user_agent, language) "
                    "VALUES (CURRENT_TIMESTAMP, 'POST', :path, 303, '', '')"), {"path": path})
        upgrade()
        with db.engine.connect() as connection:
            converted = list(connection.execute(text("SELECT path FROM access_record ORDER BY id")).scalars())
        db.engine.dispose()
    key = app.config["SECRET_KEY"]
    assert converted == [
        f"/settings/sessions/<session_id:{session_reference('abcDEF123_-x', key)}>/revoke",
        f"/en/settings/sessions/<session_id:{session_reference('zz9', key)}>/revoke",
        "/settings/security",
    ]


def test_migration_0013_builds_the_retrieval_tables_from_existing_search_rows(empty_database_url):
    # What the migration writes for an existing catalog is what sync_tools writes for it.
    from services.seeding import seed_catalog
    from tests.factories import small_catalog

    app = make_app(empty_database_url)
    queries = ["SELECT category_id, pool_key, tool_id FROM tool_search_category ORDER BY 1, 2"]
    if make_url(empty_database_url).get_backend_name() == "postgresql":
        queries.append("SELECT tool_id, pool_key, vector::text FROM tool_token_vector ORDER BY 1")
    with app.app_context():
        upgrade()
        seed_catalog(small_catalog())
        with db.engine.connect() as connection:
            synced = [connection.execute(text(q)).all() for q in queries]
        downgrade(revision="0012")
        upgrade()
        with db.engine.connect() as connection:
            migrated = [connection.execute(text(q)).all() for q in queries]
        db.engine.dispose()
    assert synced[0] and migrated == synced
