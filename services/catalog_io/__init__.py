"""Catalog import and export for staff: CSV, JSON and browser bookmarks in, CSV and JSON out.

The way through an import, each step its own module:

1. ``formats.read_import_file`` turns the bytes into rows (``bookmarks`` reads the Netscape HTML
   browsers export); a file that cannot be read raises ``ImportFileError`` and nothing happens.
2. ``plan.build_plan`` sorts the rows into new, duplicate and invalid, with reasons (``checks`` holds the
   rules of one row, ``vocabulary`` the catalog they are checked against), and works out the categories
   bookmark folders need. The preview page and ``flask catalog import --dry-run`` show it.
3. ``apply.apply_plan`` writes the new rows and categories in one transaction, all or nothing.

Between the preview and the confirmation the web keeps the file in a ``stash``; the confirmation
builds the plan again and writes only if its digest is the one the admin saw.
``export.export_catalog`` writes every tool as CSV or JSON in the same columns (``columns``), so an
export imported into an empty database (with the vocabularies seeded) gives the same catalog.
"""

from services.catalog_io.apply import ImportRefused, ImportResult, apply_plan
from services.catalog_io.export import EXPORT_FORMATS, export_catalog, export_filename
from services.catalog_io.formats import FORMATS, MAX_ROWS, ImportFile, read_import_file
from services.catalog_io.plan import ImportPlan, NewCategory, build_plan
from services.catalog_io.problems import ImportFileError, Problem, describe

__all__ = [
    "EXPORT_FORMATS", "FORMATS", "MAX_ROWS", "ImportFile", "ImportFileError", "ImportPlan", "ImportRefused",
    "ImportResult", "NewCategory", "Problem", "apply_plan", "build_plan", "describe", "export_catalog",
    "export_filename", "read_import_file",
]
