"""``flask search reindex``: rebuild every tool's search rows, with a progress bar."""

from __future__ import annotations

import click
from sqlalchemy import func, select

from blueprints.search import bp
from extensions import db
from models import Tool
from services.search import index

bp.cli.short_help = "Search index tasks."


@bp.cli.command("reindex")
def reindex_command():
    """Rebuild the normalised search rows (and their FTS5 / trigram index) for every tool."""
    total = db.session.scalar(select(func.count()).select_from(Tool)) or 0
    with click.progressbar(length=total, label="search rows") as bar:
        done = index.reindex(progress=bar.update)
    click.echo(f"indexed {done} tools")
