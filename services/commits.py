"""Committing a small write made after a page is rendered, without reloading what the page used."""

from extensions import db


def commit_keeping_loaded() -> None:
    """Commit, leaving loaded objects as they are (a plain commit expires them all).

    For writes to rows the request never loaded (browsing history, a preference):
    expiring the signed-in user would only cost a reload in a later hook.
    """
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True
