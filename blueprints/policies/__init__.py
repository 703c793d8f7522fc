"""Privacy policy and terms: versioned pages, their history, acceptance, and the cookie notice."""

from flask import Blueprint

bp = Blueprint("policies", __name__)

from blueprints.policies import cookie_notice, views  # noqa: E402,F401
