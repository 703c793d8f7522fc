"""Backups and restores: `flask backup` and `flask restore`.

A backup is one directory, ``sellernav-<UTC time>`` in BACKUP_DIR, holding the database (an SQLite copy
made with the online backup API, or a ``pg_dump`` custom-format archive), the UPLOAD_DIR tree under
``uploads/``, and ``manifest.json`` (time, database kind, Alembic revision, SHA-256 of every file). It is
written under a hidden ``.partial-`` name and renamed when complete, so a half-written backup never looks
like one. A restore puts everything back, then re-applies the erasure ledger, so an account erased after
the backup was taken stays erased.

One job per module: ``naming`` (names and listing), ``retention``, ``manifest``, ``sqlite_file`` and
``postgres_dump`` (the database), ``uploads``, ``revision`` (Alembic), ``ledger`` and ``cache_versions``
(what a restore must carry over from the live database), ``create`` and ``restore`` (the two commands).
"""
