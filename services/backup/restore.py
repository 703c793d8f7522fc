"""`flask restore`: check a backup, put its database and uploads back, then re-apply the erasure ledger."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask_migrate import upgrade

from extensions import db
from services import deletion, site_settings
from services.backup import cache_versions, database, ledger
from services.backup.errors import BackupError
from services.backup.manifest import verified_manifest
from services.backup.revision import check_replaceable, code_head, known_to_code, live_revision
from services.backup.uploads import UPLOADS, count_files, replace_uploads


@dataclass(frozen=True)
class RestorePlan:
    """A verified backup and what restoring it would overwrite."""

    path: Path
    manifest: dict
    target: str
    upload_dir: Path

    def describe(self) -> list[str]:
        """What a restore would do, line by line, for the operator to confirm."""
        m = self.manifest
        return [
            f"Backup {self.path} (made {m['created_at']}, {m['database']}, migration {m['alembic_revision']}):"
            " checksums verified.",
            f"It would overwrite {self.target}.",
            f"It would replace the {count_files(self.upload_dir)} file(s) in {self.upload_dir} "
            f"with the {count_files(self.path / UPLOADS)} in the backup.",
        ]


@dataclass(frozen=True)
class RestoreSummary:
    """What a restore did."""

    upload_files: int
    migrated_to: str | None
    ledger_rows_added: int
    erased_again: list[int]


def plan_restore(path: Path, upload_dir: Path) -> RestorePlan:
    """Verify the backup at ``path`` and that this site can take it; nothing is changed."""
    if not path.is_dir():
        raise BackupError(f"There is no backup at {path}.")
    manifest = verified_manifest(path)
    kind = database.kind_of(db.engine)
    database.check_tools(db.engine, restoring=True)
    if manifest["database"] != kind:
        raise BackupError(f"{path} holds a {manifest['database']} database; this site is configured for {kind}.")
    if manifest["database_file"] not in manifest["files"]:
        raise BackupError(f"{path} does not list its database file in the manifest. Refusing to restore it.")
    revision = manifest["alembic_revision"]
    if not known_to_code(revision):
        raise BackupError(f"{path} was made at migration {revision}, newer than this code's newest migration "
                          f"({code_head()}). Deploy the code that made it first, then restore.")
    check_replaceable(kind, live_revision(db.engine), revision)
    return RestorePlan(path, manifest, database.describe(db.engine), upload_dir)


def restore_backup(plan: RestorePlan, *, busy_timeout: float) -> RestoreSummary:
    """Overwrite the database and uploads with the backup, then erase again everyone in the live ledger."""
    engine = db.engine
    # Read before anything is overwritten: these exist only in the live database.
    live_ledger = ledger.read_ledger(engine) or []
    live_versions = cache_versions.read_versions(engine)
    db.session.remove()
    engine.dispose()  # no pooled connection may hold a lock or a stale schema through the restore
    database.load_database(engine, plan.path / plan.manifest["database_file"], busy_timeout=busy_timeout)
    engine.dispose()
    upload_files = replace_uploads(plan.upload_dir, plan.path / UPLOADS)
    migrated_to = None
    if plan.manifest["alembic_revision"] != code_head():
        upgrade()  # an older backup: bring its schema to this code's before the ORM touches it
        migrated_to = code_head()
    added = ledger.add_missing(live_ledger)
    ledger.keep_erased_ids_taken(live_ledger)
    cache_versions.move_past(live_versions)
    site_settings.forget_snapshot()
    erased_again = deletion.reapply_erasures()  # also removes their avatars and licences restored above
    return RestoreSummary(upload_files, migrated_to, added, erased_again)
