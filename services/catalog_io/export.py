"""Writing the catalog out: every staff-set field of every tool, as CSV or JSON.

What is in it: the columns of ``columns.COLUMNS``, with category, tags, platforms and successor by
their slugs, so the file reads the same on another site. What is not: ids and counters (clicks,
favorites, ratings belong to this site's visitors), logos (files, not fields), the vendor who claimed
the tool and the staff member who verified its pricing (accounts, not catalog), and the generated
tools of ``flask seed --synthetic`` (benchmark filler). The vocabularies (categories, tags, platforms,
markets) are not exported either: import requires them, and ``flask seed`` loads them from
``data/catalog`` on every site; a category staff made on the site must be made on the other one first.

CSV: UTF-8 with a byte-order mark (so Excel reads the Chinese), CRLF lines, and every cell that a
spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR) prefixed with a quote; the
import takes that quote off again. JSON is not opened by spreadsheets and keeps values exact and typed.
An export is a read: it changes nothing, holds nothing personal, and is not put in the audit log.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from extensions import db
from models import Category, Tool, ToolPlatform
from services import clock
from services.catalog_file import FACT_FIELDS
from services.catalog_io.columns import COLUMNS, LIST_COLUMNS, LIST_SEPARATOR, fact_text, neutralise_cell
from services.moderation.catalog_tools import platform_refs

EXPORT_FORMATS = ("csv", "json")
FORMAT_NAME = "sellernav-catalog"
FORMAT_VERSION = 1
BATCH = 1000


def export_records(progress: Callable[[int], None] | None = None) -> list[dict]:
    """Every tool but the synthetic ones, oldest first, as typed values keyed by column."""
    category_slugs = dict(db.session.execute(select(Category.id, Category.slug)).all())
    tool_slugs = dict(db.session.execute(select(Tool.id, Tool.slug)).all())
    ids = list(db.session.scalars(select(Tool.id).where(Tool.is_synthetic.is_(False)).order_by(Tool.id)))
    records = []
    for start in range(0, len(ids), BATCH):
        tools = db.session.scalars(
            select(Tool).where(Tool.id.in_(ids[start:start + BATCH])).order_by(Tool.id)
            .options(selectinload(Tool.tags), selectinload(Tool.platform_links).options(
                joinedload(ToolPlatform.platform), joinedload(ToolPlatform.market)))
        ).all()
        records += [_record(tool, category_slugs, tool_slugs) for tool in tools]
        if progress:
            progress(len(tools))
    return records


def _record(tool: Tool, category_slugs: dict[int, str], tool_slugs: dict[int, str]) -> dict:
    verified = tool.pricing_verified_at
    return {
        "slug": tool.slug, "name": tool.name, "name_en": tool.name_en, "url": tool.url,
        "category": category_slugs[tool.category_id],
        "tags": [tag.slug for tag in tool.tags],
        "platforms": platform_refs(tool),
        "pricing": tool.pricing, "price_note_zh": tool.price_note_zh, "price_note_en": tool.price_note_en,
        "price_from_cny": _money(tool.price_from_cny), "price_from_usd": _money(tool.price_from_usd),
        "trial_days": tool.trial_days,
        **{fact: getattr(tool, fact) for fact in FACT_FIELDS},
        "status": tool.status, "lifecycle": tool.lifecycle,
        "successor": tool_slugs.get(tool.successor_id) if tool.successor_id else None,
        "tagline_zh": tool.tagline_zh, "tagline_en": tool.tagline_en,
        "description_zh": tool.description_zh, "description_en": tool.description_en,
        "pricing_verified_at": verified.astimezone(UTC).isoformat() if verified else None,
    }


def _money(value) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal("0.01"))


def write_json(records: list[dict]) -> bytes:
    """The JSON file: a small header and the tools; prices are numbers, facts true, false or null."""
    document = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "exported_at": clock.now().isoformat(),
                "columns": list(COLUMNS), "tools": records}
    text = json.dumps(document, ensure_ascii=False, indent=1,
                      default=lambda value: float(value) if isinstance(value, Decimal) else str(value))
    return (text + "\n").encode()


def _cell(column: str, value) -> str:
    if value is None:
        return ""
    if column in LIST_COLUMNS:
        return LIST_SEPARATOR.join(value)
    if column in FACT_FIELDS:
        return fact_text(value)
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def write_csv(records: list[dict]) -> bytes:
    """The CSV file, for Excel and WPS: BOM, header, one row per tool, formula-like cells neutralised."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for record in records:
        writer.writerow([neutralise_cell(_cell(column, record[column])) for column in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode()


def export_catalog(fmt: str, progress: Callable[[int], None] | None = None) -> bytes:
    """The whole catalog as a ``csv`` or ``json`` file."""
    records = export_records(progress)
    return write_csv(records) if fmt == "csv" else write_json(records)


def export_filename(fmt: str, when: datetime | None = None) -> str:
    return f"sellernav-catalog-{clock.china_day(when):%Y%m%d}.{fmt}"
