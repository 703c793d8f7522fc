"""Export: everything the site keeps about you, as one zip file."""

from __future__ import annotations

from flask import current_app, make_response, render_template
from flask_login import current_user

from blueprints.auth.views import no_store
from blueprints.gates import login_required
from blueprints.i18n import current_lang, localized_route
from blueprints.settings import bp
from blueprints.settings.confirm import (
    ConfirmForm,
    confirm_attempts,
    confirm_method,
    confirmation_step,
)
from blueprints.signin import client_agent, client_ip
from extensions import db
from models import User
from services import auth_sessions
from services.export import SECTIONS, build_export


def _export_page(form: ConfirmForm, status: int = 200, code_message: str | None = None, code_sent: bool = False):
    user: User = current_user._get_current_object()
    files = [(name, zh if current_lang() == "zh" else en) for name, (_builder, zh, en) in SECTIONS.items()]
    return no_store(render_template("settings/export.html", form=form, method=confirm_method(user), files=files,
                                    code_message=code_message, code_sent=code_sent), status)


@localized_route(bp, "/settings/export", methods=["GET", "POST"])
@login_required
@confirm_attempts
def export():
    """Confirm it is you, then download everything the site keeps about you."""
    user: User = current_user._get_current_object()
    step = confirmation_step(user, ConfirmForm(), _export_page, "export")
    if step is not None:
        return step
    filename, data = build_export(user, current_app.config["UPLOAD_DIR"])
    auth_sessions.log_event(user.id, "data_exported", ip=client_ip(), user_agent=client_agent())
    db.session.commit()
    response = make_response(data)
    response.mimetype = "application/zip"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.cache_control.no_store = True
    return response
