"""Command-line tasks: ``flask seed`` and the periodic click pruning."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask

from services import clicks, policies, seeding
from services.catalog_file import DEFAULT_DIR, CatalogFileError, load_catalog_file
from services.search.synonyms import load_synonym_file


def init_app(app: Flask) -> None:
    @app.cli.command("seed")
    @click.option("--synthetic", type=int, default=0, help="Also add N generated tools (for benchmarks).")
    @click.option("--synthetic-seed", type=int, default=1, help="Random seed for generated tools.")
    @click.option("--drop-synthetic", is_flag=True, help="Remove every generated tool and stop.")
    @click.option(
        "--data", type=click.Path(exists=True, file_okay=False, path_type=Path), default=DEFAULT_DIR,
        show_default=True, help="The catalog directory.",
    )
    def seed_command(synthetic: int, synthetic_seed: int, drop_synthetic: bool, data: Path):
        """Load data/catalog into the database (safe to run again: updates in place, keeps staff edits)."""
        if drop_synthetic:
            click.echo(f"removed {seeding.drop_synthetic()} synthetic tools")
            return
        try:
            report = seeding.seed_catalog(load_catalog_file(data))
        except CatalogFileError as error:
            raise click.ClickException(f"the catalog file has problems:\n{error}") from error
        click.echo(f"tools: {report.created} created, {report.updated} updated, {report.unchanged} unchanged, "
                   f"{report.kept} kept as staff changed them")
        try:
            changed = seeding.seed_search_synonyms(load_synonym_file())
        except CatalogFileError as error:
            raise click.ClickException(f"the synonym file has problems:\n{error}") from error
        click.echo(f"search synonyms: {changed} created or updated")
        created = policies.seed_initial_versions()
        if created:
            click.echo(f"policies: {created} first versions created")
        if synthetic:
            with click.progressbar(length=synthetic, label="synthetic tools") as bar:
                seeding.seed_synthetic(synthetic, seed=synthetic_seed, progress=bar.update)

    @app.cli.command("prune-clicks")
    def prune_clicks_command():
        """Forget repeat-click records older than an hour (run from cron)."""
        click.echo(f"pruned {clicks.prune_recent_clicks()} records")
