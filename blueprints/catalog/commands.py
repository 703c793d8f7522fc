"""``flask catalog import FILE`` and ``flask catalog export``: the staff page's import and export, from a shell.

The import prints the same preview the page shows (new, duplicate and invalid rows, new categories),
then writes the new rows in one transaction with a progress bar, unless ``--dry-run``. Its audit
entries have no staff member: the command line is the actor, as for ``flask set-role``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask_babel import force_locale
from sqlalchemy import func, select

from blueprints.catalog import bp
from extensions import db
from models import Category, Tool
from services.catalog_io import (
    EXPORT_FORMATS,
    FORMATS,
    ImportFileError,
    ImportPlan,
    ImportRefused,
    NewCategory,
    apply_plan,
    build_plan,
    describe,
    export_catalog,
    read_import_file,
)

bp.cli.short_help = "Catalog import and export."
MAX_FILE_BYTES = 64 * 1024 * 1024  # far above any real catalog; keeps a wrong file from filling memory


def _category_name(category) -> str:
    if isinstance(category, NewCategory):
        parent = f"{_category_name(category.parent)} › " if category.parent is not None else ""
        return f"{parent}{category.name_zh} (new: {category.slug})"
    return category.slug if category is not None else "-"


def _print_plan(plan: ImportPlan, *, verbose: bool) -> None:
    """What the import would do: every problem row and new category; the new rows too with ``--verbose``."""
    for warning in plan.warnings:
        click.echo(f"warning: {describe(warning)}", err=True)
    for category in plan.new_categories:
        click.echo(f"new category: {_category_name(category)}")
    for row in plan.rows:
        if row.kind == "new" and not verbose:
            continue
        if row.kind == "new":
            click.echo(f"row {row.number}: new {row.draft.slug} ({row.draft.status}) in {_category_name(row.category)}")
        elif row.kind == "duplicate":
            same = f"tool {row.duplicate_of}" if row.duplicate_of else f"row {row.duplicate_row}"
            click.echo(f"row {row.number}: duplicate of {same}: {row.url}")
        else:
            reasons = "; ".join(describe(problem) for problem in row.problems)
            click.echo(f"row {row.number}: invalid: {reasons}")
    counts = plan.counts
    click.echo(f"{counts['new']} new, {counts['duplicate']} duplicate, {counts['invalid']} invalid, "
               f"{len(plan.new_categories)} new categories")


def _default_category(slug: str) -> Category | None:
    if not slug:
        return None
    category = db.session.scalar(select(Category).where(Category.slug == slug))
    if category is None:
        raise click.BadParameter(f"no category has the slug {slug!r}", param_hint="--default-category")
    if db.session.scalar(select(Category.id).where(Category.parent_id == category.id).limit(1)) is not None:
        raise click.BadParameter(f"{slug!r} has sub-categories; choose one of them", param_hint="--default-category")
    return category


@bp.cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["auto", *FORMATS]), default="auto", show_default=True,
              help="The file's format; auto goes by the extension, then the content.")
@click.option("--default-category", default="", metavar="SLUG",
              help="The category for rows without one (and bookmarks outside any folder).")
@click.option("--dry-run", is_flag=True, help="Show what would be imported and write nothing.")
@click.option("--verbose", "-v", is_flag=True, help="List the new rows too, not only duplicates and invalid rows.")
def import_command(file: Path, fmt: str, default_category: str, dry_run: bool, verbose: bool):
    """Import tools from a CSV, JSON or browser bookmarks FILE: new rows only, all in one transaction."""
    if file.stat().st_size > MAX_FILE_BYTES:
        raise click.ClickException(f"{file} is larger than {MAX_FILE_BYTES // 1024 // 1024} MB")
    with force_locale("en"):
        try:
            imported = read_import_file(file.read_bytes(), fmt, file.name)
        except ImportFileError as error:
            raise click.ClickException(f"{file}: {describe(error.problem)} Nothing was imported.") from error
        plan = build_plan(imported, default_category=_default_category(default_category))
        _print_plan(plan, verbose=verbose)
    if dry_run:
        click.echo("dry run: nothing was written")
        return
    if not plan.new_rows:
        click.echo("nothing to import")
        return
    try:
        with click.progressbar(length=len(plan.new_rows), label="importing tools") as bar:
            result = apply_plan(plan, actor_id=None, progress=bar.update)
    except ImportRefused as error:
        raise click.ClickException("another tool took one of these addresses meanwhile; nothing was imported, "
                                   "run the command again") from error
    click.echo(f"imported {len(result.tool_ids)} tools, created {len(result.category_ids)} categories")


@bp.cli.command("export")
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="csv", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Write to this file instead of standard output.")
def export_command(fmt: str, output: Path | None):
    """Write every tool with every staff-set field as CSV (for spreadsheets) or JSON."""
    if output is None:
        click.echo(export_catalog(fmt), nl=False)  # bytes: written as they are
        return
    total = db.session.scalar(select(func.count()).select_from(Tool).where(Tool.is_synthetic.is_(False))) or 0
    with click.progressbar(length=total, label="exporting tools", file=sys.stderr) as bar:
        body = export_catalog(fmt, progress=bar.update)
    output.write_bytes(body)
    click.echo(f"wrote {output} ({len(body)} bytes)", err=True)
