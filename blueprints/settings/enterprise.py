"""Enterprise certification: apply, see the state, and the private licence image."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.auth.views import no_store
from blueprints.gates import login_required, verified_required
from blueprints.i18n import localized_route
from blueprints.settings import bp
from blueprints.settings.forms_enterprise import CertificationForm
from blueprints.settings.optional_links import optional_url
from extensions import db, limiter
from models import CertificationState, EnterpriseCertification, User
from services import enterprise as certifications
from services.images import ImageRejected, delete_upload, store_upload


def _refusal_message(reason: str) -> str:
    if reason == "open":
        return _("Your application is already waiting for review; you can apply again after the decision.")
    if reason == "certified":
        return _("Your enterprise is already certified. Changes go through an appeal.")
    return _("Check the unified social credit code.")


def _enterprise_page(form=None, status: int = 200):
    user: User = current_user._get_current_object()
    latest = certifications.latest_certification(user.id)
    if form is None:
        form = CertificationForm(formdata=None)
        if latest is not None and latest.state == CertificationState.REJECTED.value:
            # Start again from what was sent; the licence image may be kept too.
            form.enterprise_name.data = latest.enterprise_name
            form.credit_code.data = latest.credit_code
            form.contact_person.data = latest.contact_person
    return no_store(render_template(
        "settings/enterprise.html", user=user, latest=latest, form=form,
        appeals_url=optional_url("settings.appeals"),
    ), status)


@localized_route(bp, "/settings/enterprise", endpoint="enterprise")
@login_required
def enterprise_page():
    """The application form, or the application's state, or the certified data read-only."""
    return _enterprise_page()


def _licence_for(form: CertificationForm, previous: EnterpriseCertification | None) -> str | None:
    """A newly stored licence image, or the one sent with a rejected application; None after a form error."""
    if form.has_licence_upload():
        try:
            data = certifications.reencode_licence(form.licence.data.read())
        except ImageRejected:
            form.licence.errors.append(_("The licence must be a JPEG, PNG or WebP image under 5 MB."))
            return None
        return store_upload(current_app.config["UPLOAD_DIR"], certifications.LICENCE_FOLDER, data)
    if previous is not None and previous.state == CertificationState.REJECTED.value:
        return previous.licence_path
    form.licence.errors.append(_("Upload a photo or scan of the business licence."))
    return None


@localized_route(bp, "/settings/enterprise/apply", methods=["POST"])
@verified_required
@limiter.limit("10 per hour", methods=["POST"])
def apply_enterprise():
    """Apply for certification: enterprise name, credit code, licence image and contact person."""
    user: User = current_user._get_current_object()
    previous = certifications.latest_certification(user.id)
    if previous is not None and previous.state != CertificationState.REJECTED.value:
        flash(_refusal_message("open" if previous.state == CertificationState.SUBMITTED.value else "certified"),
              "error")
        return redirect(url_for("settings.enterprise"), code=303)
    form = CertificationForm()
    valid = form.validate_on_submit()
    licence_path = _licence_for(form, previous) if valid else None
    if licence_path is None:
        return _enterprise_page(form=form, status=422)
    try:
        certifications.apply_for_certification(
            user.id, enterprise_name=form.enterprise_name.data, credit_code=form.credit_code.data,
            contact_person=form.contact_person.data, licence_path=licence_path,
        )
    except certifications.CertificationRefused as refused:  # a parallel submit won the race
        db.session.rollback()
        if previous is None or licence_path != previous.licence_path:
            delete_upload(current_app.config["UPLOAD_DIR"], licence_path)
        flash(_refusal_message(refused.reason), "error")
        return redirect(url_for("settings.enterprise"), code=303)
    flash(_("Your application is sent. Our staff will review it; the decision arrives in your inbox."), "success")
    return redirect(url_for("settings.enterprise"), code=303)


@localized_route(bp, "/settings/enterprise/licence/<int:cert_id>")
@login_required
def enterprise_licence(cert_id: int):
    """The licence image, only to the applicant and to staff; never cached, never sniffed."""
    certification = db.get_or_404(EnterpriseCertification, cert_id)
    if certification.user_id != current_user.id and not current_user.is_staff:
        abort(403)
    path = certifications.licence_file(current_app.config["UPLOAD_DIR"], certification) or abort(404)
    response = send_file(path, mimetype="image/webp", max_age=0, conditional=False)
    response.cache_control.no_store = True
    response.cache_control.private = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.app_template_global()
def certified_ids(user_ids) -> set[int]:
    """For review lists and collection pages: which authors get the certified badge (one query per list)."""
    return certifications.certified_user_ids(user_ids)
