"""The public read API, /api/v1: JSON, documented by an OpenAPI 3.1 file generated from the code.

The blueprint has no URL prefix of its own: it serves the API under /api/v1
and, beside it, the human documentation page at /api (and /en/api).
"""

from flask import Blueprint

bp = Blueprint("api", __name__)

from blueprints.api import docs, operations, problems, views  # noqa: E402,F401
