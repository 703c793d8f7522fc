"""The public read API, /api/v1: JSON, documented by an OpenAPI 3.1 file generated from the code."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from blueprints.api import views  # noqa: E402,F401
