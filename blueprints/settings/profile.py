"""Profile: avatar, display name; the account name shown fixed."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.auth.forms import avatar_error_message
from blueprints.auth.views import no_store
from blueprints.gates import login_required
from blueprints.i18n import localized_route
from blueprints.settings import bp
from blueprints.settings.forms_profile import AvatarForm, DisplayNameForm, EmptyForm
from blueprints.settings.optional_links import optional_url
from extensions import db, limiter
from models import User
from services.images import ImageRejected, delete_upload, reencode_avatar, store_upload

PROFILE_LIMIT = "30 per hour"


def _profile_page(name_form=None, avatar_form=None, status: int = 200):
    user: User = current_user._get_current_object()
    return no_store(render_template(
        "settings/profile.html",
        user=user,
        name_form=name_form or DisplayNameForm(formdata=None, display_name=user.display_name),
        avatar_form=avatar_form or AvatarForm(formdata=None),
        remove_form=EmptyForm(formdata=None),
        appeals_url=optional_url("settings.appeals"),
        notifications_url=optional_url("settings.notifications"),
    ), status)


def _refuse_banned(user: User) -> None:
    """Banned accounts keep reading, exporting and deleting, but their public face stays as it is."""
    if user.is_banned:
        abort(403, description=_("Your account is banned, so it cannot change its display name or avatar. "
                                 "Reason: %(reason)s", reason=user.ban_reason or "—"))


@localized_route(bp, "/settings")
@login_required
def index():
    """The settings pages start at the profile."""
    return redirect(url_for("settings.profile"))


@localized_route(bp, "/settings/profile")
@login_required
def profile():
    """Avatar, display name, the fixed account name, and where email is managed."""
    return _profile_page()


@localized_route(bp, "/settings/profile/name", methods=["POST"])
@login_required
@limiter.limit(PROFILE_LIMIT, methods=["POST"])
def change_display_name():
    """Change the name shown on reviews and collections."""
    user: User = current_user._get_current_object()
    _refuse_banned(user)
    form = DisplayNameForm()
    if not form.validate_on_submit():
        return _profile_page(name_form=form, status=422)
    user.display_name = form.display_name.data
    db.session.commit()
    flash(_("Your display name is now “%(name)s”.", name=user.display_name), "success")
    return redirect(url_for("settings.profile"), code=303)


@localized_route(bp, "/settings/profile/avatar", methods=["POST"])
@login_required
@limiter.limit(PROFILE_LIMIT, methods=["POST"])
def change_avatar():
    """Upload a new avatar: re-encoded without metadata, like at registration; the old file is removed."""
    user: User = current_user._get_current_object()
    _refuse_banned(user)
    form = AvatarForm()
    avatar = None
    if form.validate_on_submit():
        try:
            avatar = reencode_avatar(form.avatar.data.read())
        except ImageRejected as error:
            form.avatar.errors.append(avatar_error_message(error))
    if avatar is None:
        return _profile_page(avatar_form=form, status=422)
    upload_dir = current_app.config["UPLOAD_DIR"]
    old_path = user.avatar_path
    user.avatar_path = store_upload(upload_dir, "avatars", avatar)
    db.session.commit()
    delete_upload(upload_dir, old_path)  # only after the new path is saved: never a row pointing nowhere
    flash(_("Your avatar is changed."), "success")
    return redirect(url_for("settings.profile"), code=303)


@localized_route(bp, "/settings/profile/avatar/remove", methods=["POST"])
@login_required
def remove_avatar():
    """Remove the avatar, and its file."""
    user: User = current_user._get_current_object()
    _refuse_banned(user)  # CSRF was checked by CSRFProtect before the view ran
    old_path = user.avatar_path
    user.avatar_path = None
    db.session.commit()
    delete_upload(current_app.config["UPLOAD_DIR"], old_path)
    flash(_("Your avatar is removed."), "success")
    return redirect(url_for("settings.profile"), code=303)
