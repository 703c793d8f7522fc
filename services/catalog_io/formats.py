"""Reading an import file into rows: CSV, JSON or a browser bookmarks file, chosen by name or content.

Each reader only turns the file into ``RawRow`` values as written; ``plan`` checks them. A file
that cannot be read at all raises ``ImportFileError`` with a code that says why, before anything
is looked up or written. Files are read defensively: one size limit, a row limit, no NUL bytes,
JSON nesting bounded by Python's parser (a too-deep file is an error, not a crash), and bookmarks
through the standard library's tokenizing HTML parser, which expands no external entities.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import PurePath

from services.catalog_io.bookmarks import read_bookmarks
from services.catalog_io.columns import COLUMNS, restore_cell
from services.catalog_io.problems import ImportFileError, Problem

FORMATS = ("csv", "json", "bookmarks")
MAX_ROWS = 20_000
_EXTENSIONS = {".csv": "csv", ".json": "json", ".html": "bookmarks", ".htm": "bookmarks"}
# Seed-file style entries ({"tagline": {"zh": …, "en": …}}) are read as the two flat columns.
_BILINGUAL = ("tagline", "description")


@dataclass
class RawRow:
    """One tool as the file gives it: column → value (text in CSV, typed in JSON), and its folders."""

    number: int  # what a person finds in the file: the spreadsheet row, the JSON entry, the n-th bookmark
    values: dict[str, object]
    folders: tuple[str, ...] = ()  # bookmarks: the folders it sits in, outermost first
    problems: list[Problem] = field(default_factory=list)  # found while reading (a malformed row)


@dataclass
class ImportFile:
    format: str
    rows: list[RawRow]
    warnings: list[Problem] = field(default_factory=list)


def detect_format(data: bytes, filename: str = "") -> str:
    """The format a file is in: its extension first, else its first characters."""
    by_name = _EXTENSIONS.get(PurePath(filename or "").suffix.lower())
    if by_name:
        return by_name
    start = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start[:1] in (b"{", b"["):
        return "json"
    if start.startswith((b"<!doctype netscape", b"<dl", b"<dt", b"<!doctype html", b"<html", b"<meta", b"<title")):
        return "bookmarks"
    return "csv"


def _decode(data: bytes, fmt: str) -> tuple[str, list[Problem]]:
    if not data.strip():
        raise ImportFileError("empty")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text" is UTF-16 with a BOM
        try:
            data = data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError as error:
            raise ImportFileError("not_text") from error
    if b"\x00" in data:
        raise ImportFileError("not_text")
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as error:
        if fmt != "csv":
            raise ImportFileError("not_text") from error
    try:
        return data.decode("gb18030"), [Problem("read_as_gb18030")]
    except UnicodeDecodeError as error:
        raise ImportFileError("not_text") from error


def read_import_file(data: bytes, fmt: str = "auto", filename: str = "") -> ImportFile:
    """The rows of an uploaded or given file; raises ImportFileError when it cannot be read."""
    if fmt == "auto":
        fmt = detect_format(data, filename)
    if fmt not in FORMATS:
        raise ImportFileError("unknown_format")
    text, warnings = _decode(data, fmt)
    if fmt == "csv":
        result = _read_csv(text)
    elif fmt == "json":
        result = _read_json(text)
    else:
        result = ImportFile("bookmarks", [RawRow(number, {"name": title, "url": href}, folders)
                                          for number, (title, href, folders) in
                                          enumerate(read_bookmarks(text, MAX_ROWS), start=1)])
    if not result.rows:
        raise ImportFileError("no_bookmarks" if fmt == "bookmarks" else "no_rows")
    result.warnings = warnings + result.warnings
    return result


def _header_key(name: str) -> str:
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def _delimiter(first_line: str) -> str:
    """Commas, or the semicolons (or tabs) some spreadsheets write: whichever puts ``url`` in a column of its own."""
    for delimiter in (",", ";", "\t"):
        if "url" in (_header_key(cell) for cell in first_line.split(delimiter)):
            return delimiter
    return ","


def _read_csv(text: str) -> ImportFile:
    delimiter = _delimiter(text.lstrip("\r\n").split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[RawRow] = []
    try:
        records = enumerate(reader, start=1)  # numbered as a spreadsheet shows them: a record is a row
        header = next((cells for _number, cells in records if any(cell.strip() for cell in cells)), [])
        header = [_header_key(cell) for cell in header]
        missing = [name for name in ("url", "name") if name not in header]
        if missing:
            raise ImportFileError("csv_missing_columns", columns=missing)
        repeated = sorted({name for name in header if name and header.count(name) > 1})
        if repeated:
            raise ImportFileError("csv_repeated_columns", columns=repeated)
        ignored = [name for name in header if name and name not in COLUMNS]
        for number, cells in records:
            if not any(cell.strip() for cell in cells):
                continue  # blank lines a spreadsheet leaves at the end
            if len(rows) >= MAX_ROWS:
                raise ImportFileError("too_many_rows", max=MAX_ROWS)
            values = {name: restore_cell(cell) for name, cell in zip(header, cells, strict=False)
                      if name in COLUMNS}
            extra = [cell for cell in cells[len(header):] if cell.strip()]
            rows.append(RawRow(number, values, problems=[Problem("extra_cells")] if extra else []))
    except csv.Error as error:
        raise ImportFileError("csv_error", line=reader.line_num, error=str(error)) from error
    warnings = [Problem("ignored_columns", details={"columns": ignored})] if ignored else []
    return ImportFile("csv", rows, warnings)


def _read_json(text: str) -> ImportFile:
    try:
        document = json.loads(text, parse_float=Decimal)  # prices stay exact
    except json.JSONDecodeError as error:
        raise ImportFileError("json_error", line=error.lineno, column=error.colno, error=error.msg) from error
    except RecursionError as error:
        raise ImportFileError("json_too_deep") from error
    except ValueError as error:  # an integer of thousands of digits
        raise ImportFileError("json_error", line="?", column="?", error=str(error)) from error
    entries = document.get("tools") if isinstance(document, dict) else document
    if not isinstance(entries, list):
        raise ImportFileError("json_shape")
    if len(entries) > MAX_ROWS:
        raise ImportFileError("too_many_rows", max=MAX_ROWS)
    rows, ignored = [], set()
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            rows.append(RawRow(number, {}, problems=[Problem("not_an_object")]))
            continue
        values = {}
        for key, value in entry.items():
            if key in _BILINGUAL and isinstance(value, dict):
                values[f"{key}_zh"], values[f"{key}_en"] = value.get("zh"), value.get("en")
            elif key in COLUMNS:
                values[key] = value
            else:
                ignored.add(str(key))
        rows.append(RawRow(number, values))
    warnings = [Problem("ignored_columns", details={"columns": sorted(ignored)})] if ignored else []
    return ImportFile("json", rows, warnings)
