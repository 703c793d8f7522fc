"""The staff area (/staff): queues, users, the audit log; and the role commands.

``cli_group=None`` puts ``flask create-admin`` and ``flask set-role`` at the top level.
"""

from flask import Blueprint

bp = Blueprint("moderation", __name__, cli_group=None)

from blueprints.moderation import (  # noqa: E402,F401
    audit_log,
    catalog_io,
    catalog_tools,
    certifications,
    commands,
    contributions,
    deletions,
    links,
    records,
    reports,
    reviews,
    search_words,
    site_settings,
    stats,
    submissions,
    taxonomy,
    tickets,
    users,
    views,
)
