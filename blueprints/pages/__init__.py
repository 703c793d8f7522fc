"""Site-wide pages: robots.txt, the sitemap, and error pages."""

from flask import Blueprint

bp = Blueprint("pages", __name__)

from blueprints.pages import views  # noqa: E402,F401
