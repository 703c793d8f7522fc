"""flask backup and flask restore: a round trip that keeps erased accounts erased, retention, refusals.

Runs on SQLite, and on PostgreSQL with TEST_DATABASE_URL (pg_dump and pg_restore must then be installed:
`apt-get install -y postgresql-client`).
"""

from __future__ import annotations

import json
import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import func, select, text

from extensions import db
from models import Favorite, Tool, User
from services import clock, deletion, favorites, ratings
from services.backup.errors import BackupError
from services.backup.naming import PARTIAL_PREFIX, complete_backups
from services.backup.retention import prune_backups
from services.backup.revision import check_replaceable
from tests.accounts import find_user, make_user
from tests.conftest import make_app

START = datetime(2030, 3, 1, 4, 0, tzinfo=UTC)


@pytest.fixture
def app_config(tmp_path):
    return {"UPLOAD_DIR": str(tmp_path / "uploads"), "BACKUP_DIR": str(tmp_path / "backups")}


@pytest.fixture(autouse=True)
def frozen_clock():
    clock.freeze(START)
    yield
    clock.unfreeze()


def _backup_dir(app) -> Path:
    return Path(app.config["BACKUP_DIR"])


def _upload(app, relative: str, content: bytes) -> str:
    path = Path(app.config["UPLOAD_DIR"]) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return relative


def _uploads(app) -> dict[str, bytes]:
    root = Path(app.config["UPLOAD_DIR"])
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def snapshot(app) -> dict[str, dict[tuple, dict]]:
    """Every row of every table, keyed by table name and primary key."""
    with app.app_context():
        tables = {}
        for table in db.metadata.sorted_tables:
            key = list(table.primary_key.columns)
            rows = db.session.execute(select(table).order_by(*key)).mappings().all()
            tables[table.name] = {tuple(row[c.name] for c in key): dict(row) for row in rows}
        db.session.remove()
        return tables


def _backup(runner) -> Path:
    result = runner.invoke(args=["backup"])
    assert result.exit_code == 0, result.output
    return Path(result.output.split("Wrote ", 1)[1].split(":", 1)[0])


def _two_users(app) -> dict:
    """A keeper and a leaver, each with an avatar, a favourite; the leaver has a review too."""
    keeper = make_user(app, "keeper", phone="+8613800000021")
    leaver = make_user(app, "leaver", phone="+8613800000022")
    with app.app_context():
        tools = db.session.scalars(select(Tool).order_by(Tool.id).limit(3)).all()
        tool_ids = [t.id for t in tools]
        db.session.get(User, keeper).avatar_path = _upload(app, "avatars/keeper.webp", b"keeper's face")
        db.session.get(User, leaver).avatar_path = _upload(app, "avatars/leaver.webp", b"leaver's face")
        db.session.commit()
        favorites.collect(keeper, tool_ids[0])
        favorites.collect(leaver, tool_ids[1])
        ratings.rate_tool(db.session.get(User, leaver), tool_ids[1], 4, "Written before the backup.")
    return {"keeper": keeper, "leaver": leaver, "tool_ids": tool_ids}


def _change_everything_after_the_backup(app, people: dict) -> None:
    keeper, tool_ids = people["keeper"], people["tool_ids"]
    with app.app_context():
        favorites.collect(keeper, tool_ids[2])
        db.session.get(Tool, tool_ids[0]).name = "Renamed after the backup"
        db.session.commit()
        ratings.rate_tool(db.session.get(User, keeper), tool_ids[2], 2, "Written after the backup.")
    _upload(app, "avatars/keeper-new.webp", b"a new face")


def _erase_through_the_purge(app, runner, user_id: int) -> datetime:
    """Request deletion, let the grace period pass, run the daily purge; when the purge ran."""
    with app.app_context():
        deletion.request_deletion(db.session.get(User, user_id))
        clock.advance(timedelta(days=deletion.grace_days(), hours=1))
    result = runner.invoke(args=["purge-deleted"])
    assert result.exit_code == 0 and "Erased 1 account(s)." in result.output, result.output
    return clock.now()


def test_a_restore_brings_back_the_backup_but_an_account_erased_since_stays_erased(catalog, runner):
    people = _two_users(catalog)
    leaver, keeper = people["leaver"], people["keeper"]
    backup = _backup(runner)
    backed_up = snapshot(catalog)
    uploads_backed_up = _uploads(catalog)
    _change_everything_after_the_backup(catalog, people)
    erased_at = _erase_through_the_purge(catalog, runner, leaver)
    assert "avatars/leaver.webp" not in _uploads(catalog)
    versions_before = snapshot(catalog)["site_counter"]

    result = runner.invoke(args=["restore", backup.name, "--yes"])

    assert result.exit_code == 0, result.output
    assert "1 row(s) carried over from the live database; 1 account(s) erased again." in result.output
    restored = snapshot(catalog)
    derived = {"user_account", "favorite", "tool", "erasure_record", "site_counter"}
    for table in set(backed_up) - derived:  # everything else exactly as backed up: the changes since are gone
        assert restored[table] == backed_up[table], table
    # The erased account is a stub again, everyone else exactly as backed up.
    users = restored["user_account"]
    assert {k: v for k, v in users.items() if k != (leaver,)} == \
        {k: v for k, v in backed_up["user_account"].items() if k != (leaver,)}
    stub = users[(leaver,)]
    assert (stub["account_name"], stub["phone"], stub["email"], stub["display_name"], stub["avatar_path"],
            stub["password_hash"], stub["status"]) == (None, None, None, "", None, None, "deleted")
    assert users[(keeper,)]["avatar_path"] == "avatars/keeper.webp"
    # The erased account's favourite is gone again, and its tool's counter with it; the rename is undone.
    assert restored["favorite"] == {k: v for k, v in backed_up["favorite"].items() if v["user_id"] != leaver}
    for key, tool in backed_up["tool"].items():
        if key == (people["tool_ids"][1],):  # the counter's UPDATE stamps the tool, as the purge's does
            tool = {**tool, "favorite_count": tool["favorite_count"] - 1, "updated_at": clock.now()}
        assert restored["tool"][key] == tool
    assert [(r["user_id"], r["erased_at"]) for r in restored["erasure_record"].values()] == [(leaver, erased_at)]
    # Cached pages of every earlier version (the erased name among them) can never be served again.
    assert restored["site_counter"].keys() == backed_up["site_counter"].keys()
    for key, counter in restored["site_counter"].items():
        assert counter["value"] > max(versions_before[key]["value"], backed_up["site_counter"][key]["value"])
    # The review stays under "deleted user", as the purge leaves it.
    assert [r["review"] for r in restored["rating"].values() if r["user_id"] == leaver] == \
        ["Written before the backup."]
    # Uploads: the backup's, without the erased account's avatar; the file added since is gone.
    assert _uploads(catalog) == {k: v for k, v in uploads_backed_up.items() if k != "avatars/leaver.webp"}


def test_a_backup_holds_the_database_the_uploads_and_a_checksummed_manifest(catalog, runner):
    _upload(catalog, "private/licences/a.webp", b"licence")
    result = runner.invoke(args=["backup"])
    assert result.exit_code == 0, result.output
    [backup] = complete_backups(_backup_dir(catalog))
    assert backup.name == "sellernav-20300301T040000Z"
    assert "1 upload file(s)" in result.output and "Pruned nothing" in result.output
    manifest = json.loads((backup / "manifest.json").read_text())
    with catalog.app_context():
        kind = db.engine.dialect.name
        revision = db.session.scalar(text("SELECT version_num FROM alembic_version"))
    assert (manifest["database"], manifest["alembic_revision"], manifest["created_at"]) == \
        (kind, revision, "2030-03-01T04:00:00+00:00")
    assert set(manifest["files"]) == {manifest["database_file"], "uploads/private/licences/a.webp"}
    assert (backup / "uploads/private/licences/a.webp").read_bytes() == b"licence"
    assert not [p for p in _backup_dir(catalog).iterdir() if p.name.startswith(PARTIAL_PREFIX)]


def test_two_backups_in_one_second_get_two_names(app, runner):
    first, second = _backup(runner), _backup(runner)
    assert (first.name, second.name) == ("sellernav-20300301T040000Z", "sellernav-20300301T040000Z-1")
    assert complete_backups(_backup_dir(app)) == [first, second]


def test_retention_removes_only_complete_backups_older_than_the_setting(app, runner):
    partial = _backup_dir(app) / (PARTIAL_PREFIX + "sellernav-20200101T000000Z")
    partial.mkdir(parents=True)
    other = _backup_dir(app) / "notes.txt"
    other.write_text("the operator's own file")
    oldest = _backup(runner)
    clock.advance(timedelta(days=10))
    middle = _backup(runner)
    clock.advance(timedelta(days=30))  # oldest is 40 days old, middle exactly 30: only the oldest goes

    result = runner.invoke(args=["backup"])

    assert result.exit_code == 0, result.output
    assert f"Pruned {oldest} (older than 30 days)." in result.output
    assert [p.name for p in complete_backups(_backup_dir(app))] == \
        [middle.name, "sellernav-20300410T040000Z"]
    assert partial.is_dir() and other.is_file()  # an incomplete backup and other files are not retention's


def test_retention_never_removes_the_newest_backup_however_old(app, runner):
    only = _backup(runner)
    assert prune_backups(_backup_dir(app), START + timedelta(days=365), 30) == []
    assert complete_backups(_backup_dir(app)) == [only]


def test_restore_without_yes_says_what_it_would_overwrite_and_changes_nothing(catalog, runner):
    people = _two_users(catalog)
    backup = _backup(runner)
    _change_everything_after_the_backup(catalog, people)
    before, uploads_before = snapshot(catalog), _uploads(catalog)

    result = runner.invoke(args=["restore", str(backup)])

    assert result.exit_code == 1
    assert "checksums verified" in result.output and "It would overwrite the " in result.output
    assert "It would replace the 3 file(s)" in result.output and "with the 2 in the backup" in result.output
    assert "Nothing was changed" in result.output and "--yes" in result.output
    assert snapshot(catalog) == before and _uploads(catalog) == uploads_before


@pytest.mark.parametrize("damage", ["changed byte", "missing file", "extra file", "symbolic link"])
def test_a_damaged_backup_is_refused_and_nothing_changes(catalog, runner, damage):
    _two_users(catalog)
    backup = _backup(runner)
    avatar = backup / "uploads/avatars/keeper.webp"
    if damage == "changed byte":
        avatar.write_bytes(b"Keeper's face")
    elif damage == "missing file":
        avatar.unlink()
    elif damage == "extra file":
        (backup / "uploads/avatars/planted.webp").write_bytes(b"not from this site")
    else:  # would copy a file from elsewhere on the server into UPLOAD_DIR
        (backup / "uploads/avatars/planted.webp").symlink_to("/etc/hostname")
    before, uploads_before = snapshot(catalog), _uploads(catalog)

    result = runner.invoke(args=["restore", str(backup), "--yes"])

    assert result.exit_code == 1
    assert "Refusing to restore it." in result.output
    assert snapshot(catalog) == before and _uploads(catalog) == uploads_before


def test_an_incomplete_backup_is_not_restored(app, runner):
    partial = _backup_dir(app) / (PARTIAL_PREFIX + "sellernav-20300301T040000Z")
    partial.mkdir(parents=True)
    result = runner.invoke(args=["restore", str(partial), "--yes"])
    assert result.exit_code == 1 and "is not a complete backup" in result.output


def test_a_backup_from_a_newer_migration_is_refused(app, runner):
    backup = _backup(runner)
    manifest = json.loads((backup / "manifest.json").read_text())
    manifest["alembic_revision"] = "9999_from_the_future"
    (backup / "manifest.json").write_text(json.dumps(manifest))
    before = snapshot(app)

    result = runner.invoke(args=["restore", str(backup), "--yes"])

    assert result.exit_code == 1
    assert "made at migration 9999_from_the_future, newer than this code's newest migration" in result.output
    assert snapshot(app) == before


def test_a_missing_pg_dump_is_a_clear_error_and_writes_nothing(database_url, migrated, tmp_path, monkeypatch):
    # Only the program lookup runs before the error, so the database need not answer.
    url = database_url if database_url.startswith("postgresql") else "postgresql+psycopg://nobody@127.0.0.1:1/none"
    app = make_app(url, BACKUP_DIR=str(tmp_path / "backups"), UPLOAD_DIR=str(tmp_path / "uploads"))
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))

    result = app.test_cli_runner().invoke(args=["backup"])

    assert result.exit_code == 1
    assert "pg_dump was not found on PATH" in result.output
    assert "apt-get install -y postgresql-client" in result.output
    assert not (tmp_path / "backups").exists()


def test_a_backup_restores_onto_an_empty_database_as_on_a_fresh_server(catalog, runner, database_url, tmp_path):
    _two_users(catalog)
    backup = _backup(runner)
    backed_up, uploads_backed_up = snapshot(catalog), _uploads(catalog)
    if database_url.startswith("postgresql"):
        with catalog.app_context():
            db.session.remove()
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
            db.engine.dispose()
        fresh = catalog
    else:
        fresh = make_app(f"sqlite:///{tmp_path / 'fresh' / 'sellernav.db'}",
                         UPLOAD_DIR=str(tmp_path / "fresh-uploads"), BACKUP_DIR=str(tmp_path / "backups"))

    result = fresh.test_cli_runner().invoke(args=["restore", str(backup), "--yes"])

    assert result.exit_code == 0, result.output
    restored = snapshot(fresh)
    counters = restored.pop("site_counter")
    assert restored == {k: v for k, v in backed_up.items() if k != "site_counter"}
    assert all(counters[key]["value"] > row["value"] for key, row in backed_up["site_counter"].items())
    assert _uploads(fresh) == uploads_backed_up


def test_restoring_an_older_migrations_backup_upgrades_it(app_config, migrated, tmp_path):
    # Its own SQLite file at migration 0007, whichever database the suite runs on.
    from flask_migrate import upgrade

    old = make_app(f"sqlite:///{tmp_path / 'old.db'}", **app_config)
    with old.app_context():
        upgrade(revision="0007")
    result = old.test_cli_runner().invoke(args=["backup"])
    assert result.exit_code == 0 and "at migration 0007" in result.output, result.output
    [backup] = complete_backups(Path(app_config["BACKUP_DIR"]))

    result = old.test_cli_runner().invoke(args=["restore", str(backup), "--yes"])

    assert result.exit_code == 0, result.output
    head = ScriptDirectory(str(Path(__file__).resolve().parent.parent / "migrations")).get_current_head()
    assert f"Migrated the restored database to {head}." in result.output
    with old.app_context():
        assert db.session.scalar(text("SELECT version_num FROM alembic_version")) == head
    assert os.path.exists(tmp_path / "old.db")


@pytest.mark.parametrize(("kind", "live", "backup", "refused"), [
    ("postgresql", "0008", "0007", True),  # pg_restore --clean would leave 0008's tables behind
    ("postgresql", "0008", "0008", False),
    ("postgresql", None, "0007", False),  # an empty database, as on a fresh server
    ("sqlite", "0008", "0007", False),  # the whole file is replaced
])
def test_postgresql_is_restored_only_over_the_same_migration_or_an_empty_database(kind, live, backup, refused):
    if refused:
        with pytest.raises(BackupError, match="DROP SCHEMA public CASCADE"):
            check_replaceable(kind, live, backup)
    else:
        check_replaceable(kind, live, backup)


def test_a_backup_taken_while_the_site_writes_is_one_consistent_moment(catalog, runner):
    # Each write changes a favourite row and its tool's counter in one transaction; a copy that mixed
    # moments would hold a counter that disagrees with the rows.
    people = _two_users(catalog)
    keeper, tool_id = people["keeper"], people["tool_ids"][2]
    started, stop = threading.Event(), threading.Event()
    failures = []

    def keep_writing():
        try:
            with catalog.app_context():
                while not stop.is_set():
                    favorites.collect(keeper, tool_id)
                    favorites.uncollect(keeper, tool_id)
                    started.set()
                db.session.remove()
        except Exception as error:  # reported by the main thread
            failures.append(error)
            started.set()

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        assert started.wait(timeout=60), "the writer never committed"
        for _ in range(3):  # more chances to land in the middle of a write
            backup = _backup(runner)
    finally:
        stop.set()
        writer.join()
    assert not failures, failures

    result = runner.invoke(args=["restore", str(backup), "--yes"])

    assert result.exit_code == 0, result.output
    with catalog.app_context():
        rows = db.session.scalar(select(func.count()).select_from(Favorite).where(Favorite.tool_id == tool_id))
        assert db.session.get(Tool, tool_id).favorite_count == rows


def test_an_account_made_and_erased_after_the_backup_keeps_its_id_from_newcomers(app, runner):
    backup = _backup(runner)
    latecomer = make_user(app, "latecomer", phone="+8613800000023")
    with app.app_context():
        assert deletion.erase_account(latecomer)

    result = runner.invoke(args=["restore", str(backup), "--yes"])

    assert result.exit_code == 0, result.output
    stub = find_user(app, id=latecomer)
    assert (stub.status, stub.account_name, stub.phone, stub.display_name) == ("deleted", None, None, "")
    newcomer = make_user(app, "newcomer", phone="+8613800000024")
    assert newcomer > latecomer  # the ledger names the latecomer's id: no one else may be given it
    with app.app_context():
        assert deletion.reapply_erasures() == []
