"""The signed-in user's own pages: profile, security, notifications and consent, enterprise
certification, store accounts, appeals, Clear Data, export, deletion, and the inbox.

One module per concern; every page extends ``settings/_layout.html``.
"""

from flask import Blueprint

bp = Blueprint("settings", __name__)

from blueprints.settings import (  # noqa: E402,F401
    api_tokens,
    appeals,
    channels,
    clear_data,
    deletion,
    enterprise,
    export,
    history,
    language_memory,
    profile,
    reauth,
    stores,
    views,
    wechat_unbind,
)
from blueprints.settings.nav import settings_nav  # noqa: E402


@bp.app_context_processor
def settings_navigation():
    """The settings side navigation, computed only when a template asks for it."""
    return {"settings_nav": settings_nav}
