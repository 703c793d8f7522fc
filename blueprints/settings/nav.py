"""The settings pages in the order the shared settings layout lists them."""

from flask import current_app
from flask_babel import lazy_gettext as _l

SETTINGS_PAGES = (
    ("settings.profile", _l("Profile")),
    ("settings.security", _l("Account security")),
    ("settings.notifications", _l("Notifications and consent")),
    ("settings.enterprise", _l("Enterprise certification")),
    ("settings.stores", _l("Linked store accounts")),
    ("settings.appeals", _l("Appeals")),
    ("settings.api_tokens", _l("API tokens")),
    ("settings.clear_data", _l("Clear Data")),
    ("settings.recently_viewed", _l("Recently viewed")),
    ("settings.export", _l("Export your data")),
    ("settings.delete_account", _l("Delete account")),
)


def settings_nav() -> list[tuple[str, str]]:
    """The pages that exist in this app, so the layout never links a missing endpoint."""
    return [(endpoint, label) for endpoint, label in SETTINGS_PAGES if endpoint in current_app.view_functions]
