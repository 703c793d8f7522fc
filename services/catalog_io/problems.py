"""What can be wrong with an import file or one of its rows, as codes; ``describe`` words them.

The service deals in codes so the staff page says them in the reader's language and the
command line in English (it wraps the call in ``force_locale("en")``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _


@dataclass
class Problem:
    """One broken rule: a code, the column it is about (empty for the whole row or file), details."""

    code: str
    column: str = ""
    details: dict = field(default_factory=dict)


class ImportFileError(ValueError):
    """The file cannot be read at all (not text, not CSV/JSON/bookmarks, too many rows); nothing was written."""

    def __init__(self, code: str, **details):
        super().__init__(code)
        self.problem = Problem(code, details=details)


def _file_message(code: str, d: dict) -> str | None:
    return {
        "empty": lambda: _("The file is empty."),
        "too_large": lambda: _("The file is larger than %(size)s MB.", size=d["megabytes"]),
        "not_text": lambda: _("The file is not text in UTF-8 (or GB18030 for CSV): is it really a CSV, JSON or "
                              "bookmarks file?"),
        "unknown_format": lambda: _("Choose CSV, JSON or browser bookmarks (HTML)."),
        "too_many_rows": lambda: _("The file has more than %(max)s rows; split it into smaller files.", max=d["max"]),
        "no_rows": lambda: _("The file has no rows to import."),
        "csv_error": lambda: _("The CSV cannot be read at line %(line)s: %(error)s", line=d["line"],
                               error=d["error"]),
        "csv_missing_columns": lambda: _("The CSV has no column %(columns)s in its first line (the header).",
                                         columns=", ".join(d["columns"])),
        "csv_repeated_columns": lambda: _("The CSV header names a column twice: %(columns)s.",
                                          columns=", ".join(d["columns"])),
        "json_error": lambda: _("The file is not valid JSON (line %(line)s, column %(column)s: %(error)s).",
                                line=d["line"], column=d["column"], error=d["error"]),
        "json_shape": lambda: _("The JSON must be a list of tools, or an object with a “tools” list."),
        "json_too_deep": lambda: _("The JSON is nested too deeply to be a catalog file."),
        "no_bookmarks": lambda: _("No bookmarks were found in this file: export them from the browser’s bookmark "
                                  "manager as HTML."),
    }.get(code, lambda: None)()


def _row_message(code: str, column: str, d: dict) -> str | None:
    return {
        "missing": lambda: _("%(column)s is empty.", column=column),
        "too_long": lambda: _("%(column)s is longer than %(max)s characters.", column=column, max=d["max"]),
        "control_characters": lambda: _("%(column)s holds control characters.", column=column),
        "not_text": lambda: _("%(column)s must be text.", column=column),
        "url_not_web": lambda: _("Only http:// and https:// addresses can be imported (this one is %(scheme)s).",
                                 scheme=d["scheme"]),
        "url_invalid": lambda: _("url: not a web address; write it in full, starting with https:// or http://."),
        "url_credentials": lambda: _("url: an address with a user name before @ is refused (it reads as one site "
                                     "and leads to another)."),
        "slug_format": lambda: _("slug: use lower-case letters, digits and single hyphens."),
        "slug_taken": lambda: _("slug: another tool has this address (%(name)s).", name=d["name"]),
        "slug_redirect": lambda: _("slug: this address still redirects to another tool (a merged or renamed one)."),
        "slug_repeated": lambda: _("slug: row %(row)s already uses this address.", row=d["row"]),
        "unknown_category": lambda: _("category: no category is called “%(value)s”.", value=d["value"]),
        "category_has_children": lambda: _("category: “%(name)s” has sub-categories; a tool goes into one of "
                                           "them.", name=d["name"]),
        "no_category": lambda: _("No category: fill the category column or choose a default category."),
        "no_folder": lambda: _("Outside any folder: choose a default category for it."),
        "folder_has_subfolders": lambda: _("Its folder “%(name)s” also holds folders, which become its "
                                           "sub-categories; choose a default category for the bookmarks beside "
                                           "them.", name=d["name"]),
        "unknown_tags": lambda: _("tags: unknown %(values)s.", values=", ".join(d["values"])),
        "unknown_platforms": lambda: _("platforms: unknown %(values)s.", values=", ".join(d["values"])),
        "bad_choice": lambda: _("%(column)s must be one of %(choices)s.", column=column,
                                choices=", ".join(d["choices"])),
        "bad_fact": lambda: _("%(column)s must be true, false or empty (not known).", column=column),
        "bad_price": lambda: _("%(column)s: enter an amount from 0 to 99,999,999.99 with at most two decimals.",
                               column=column),
        "bad_days": lambda: _("%(column)s: enter a whole number of days from 0 to %(max)s.", column=column,
                              max=d["max"]),
        "bad_time": lambda: _("%(column)s: enter a past date and time such as 2025-03-01T08:00:00+00:00.",
                              column=column),
        "texts_required": lambda: _("A %(status)s tool needs taglines and descriptions in Chinese and English; "
                                    "leave status empty to import it as pending.", status=d["status"]),
        "unknown_successor": lambda: _("successor: no tool has the address “%(slug)s”.", slug=d["slug"]),
        "own_successor": lambda: _("successor: a tool cannot be its own successor."),
        "successor_not_imported": lambda: _("successor: “%(slug)s” is in this file but is not imported.",
                                            slug=d["slug"]),
        "not_an_object": lambda: _("The entry is not an object with named fields."),
        "extra_cells": lambda: _("The row has more cells than the header has columns (check the quoting)."),
    }.get(code, lambda: None)()


def _warning_message(code: str, d: dict) -> str | None:
    return {
        "ignored_columns": lambda: _("These columns are not catalog fields and were not read: %(columns)s.",
                                     columns=", ".join(d["columns"])),
        "read_as_gb18030": lambda: _("The file is not UTF-8; it was read as GB18030 (as Excel saves CSV on "
                                     "Chinese Windows). Check that the names below look right."),
    }.get(code, lambda: None)()


def describe(problem: Problem) -> str:
    """The problem in the current language (the code itself if it has no words yet)."""
    return (_file_message(problem.code, problem.details)
            or _row_message(problem.code, problem.column, problem.details)
            or _warning_message(problem.code, problem.details)
            or problem.code)
