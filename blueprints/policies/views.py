"""Policy pages, history, acceptance and the cookie notice."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.auth.views import no_store
from blueprints.caching import cached_page
from blueprints.gates import login_required, role_required
from blueprints.i18n import localized_route
from blueprints.policies import bp
from blueprints.policies.cookie_notice import COOKIE_NOTICE, remember_dismissal
from blueprints.policies.forms import PublishPolicyForm
from blueprints.redirects import redirect_back
from extensions import db
from services import clock, policies, preferences
from services.cookies import cookie_registry
from services.markdown import render_markdown
from services.numbers import whole_number
from services.working_days import local_day

KINDS = "<any(privacy, terms):kind>"

bp.add_app_template_filter(render_markdown, "markdown")


def _in_force_key() -> str:
    # A cached policy page must not outlive the moment an announced version takes effect.
    return str(policies.versions_in_force())


@localized_route(bp, "/" + KINDS)
@cached_page(variant=_in_force_key)
def policy(kind: str):
    """The version in force, and the next one if it is announced."""
    view = policies.policy_view(kind)
    if view.current is None and view.upcoming is None:
        abort(404)
    return render_template("policies/policy.html", kind=kind, row=view.current, upcoming=view.upcoming,
                           now=clock.now())


@localized_route(bp, "/" + KINDS + "/history")
@cached_page(variant=_in_force_key)
def history(kind: str):
    """Every version, with its major flag and its announced and effective dates."""
    return render_template("policies/history.html", kind=kind, rows=policies.history(kind), now=clock.now())


@localized_route(bp, "/" + KINDS + "/v/<version>")
@cached_page(variant=_in_force_key)
def version(kind: str, version: str):
    """One version's text, whether in force, announced or replaced."""
    row = policies.get_version(kind, version)
    if row is None:
        abort(404)
    current = policies.current_version(kind)
    return render_template("policies/policy.html", kind=kind, row=row, upcoming=None, now=clock.now(),
                           current=current, single=True)


@localized_route(bp, "/policies/accept", methods=["POST"])
@login_required
def accept():
    """"I have read and accept": records acceptance of the versions the banner showed."""
    ids = {whole_number(value) for value in request.form.getlist("version_id")}
    pending = {row.id for row in policies.needs_acceptance(current_user)}
    policies.accept(current_user.id, sorted(ids & pending))
    if _is_htmx():
        return ""  # htmx swaps the banner out for nothing
    flash(_("Thank you: your acceptance is recorded."), "success")
    return redirect_back()


@localized_route(bp, "/policies/new", methods=["GET", "POST"])
@role_required("admin")
def new():
    """Staff publish a new version of the privacy policy or the terms."""
    form = PublishPolicyForm()
    row = _publish(form) if form.validate_on_submit() else None
    if row is None:
        status = 422 if request.method == "POST" else 200
        earliest = local_day(policies.earliest_major_effective_at())
        return no_store(render_template("policies/new.html", form=form, earliest=earliest), status)
    flash(_("Version %(version)s is published.", version=row.version), "success")
    return redirect(url_for("policies.version", kind=row.kind, version=row.version), code=303)


def _publish(form: PublishPolicyForm):
    """Publish what the valid form holds; None (with the field's error) when the service refuses."""
    if form.effective_on.data < local_day(clock.now()):
        form.effective_on.errors.append(_("The day it takes effect cannot be in the past."))
        return None
    # Today means now; a later day means its midnight in China.
    effective_at = max(policies.china_midnight(form.effective_on.data), clock.now())
    fields = {name: getattr(form, name).data.strip() for name in
              ("kind", "version", "title_zh", "title_en", "summary_zh", "summary_en")}
    try:
        return policies.publish_version(
            **fields, body_zh=form.body_zh.data, body_en=form.body_en.data, is_major=form.is_major.data,
            effective_at=effective_at, staff_id=current_user.id,
        )
    except policies.NoticeTooShort as error:
        form.effective_on.errors.append(_(
            "A major change needs %(days)s working days' notice: choose %(day)s or later.",
            days=policies.notice_working_days(), day=local_day(error.earliest).isoformat()))
    except policies.VersionExists:
        form.version.errors.append(_("This version already exists. Choose another name."))
    return None


@localized_route(bp, "/cookies")
@cached_page()
def cookies():
    """Which cookies the site sets, why, and for how long."""
    return render_template("policies/cookies.html", cookie_registry=cookie_registry(current_app.config))


@localized_route(bp, "/cookies/ok")
def cookie_notice_ok():
    """A visitor closes the cookie notice: only a cookie in their own browser changes.

    A GET, because the notice sits on cached anonymous pages that carry no CSRF token;
    signed-in users post to ``dismiss_cookie_notice`` instead, which also keeps it for the account.
    """
    return remember_dismissal("" if _is_htmx() else redirect_back())


@localized_route(bp, "/cookies/dismiss", methods=["POST"])
@login_required
def dismiss_cookie_notice():
    """A signed-in user closes the cookie notice, for this browser and the account."""
    preferences.dismiss_notice(current_user.id, COOKIE_NOTICE)
    db.session.commit()
    return remember_dismissal("" if _is_htmx() else redirect_back())


def _is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"
