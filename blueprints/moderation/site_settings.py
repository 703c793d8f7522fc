"""Site settings (admins): the values the configuration gives and admins may override, and the holiday table."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from blueprints.auth.views import no_store
from blueprints.i18n import localized_route
from blueprints.moderation import bp
from blueprints.moderation.access import admin_required
from blueprints.moderation.queues import StaffPage, register_page
from blueprints.moderation.responses import decision_response
from services import clock, holiday_table, site_settings
from services.working_days import local_day

register_page(StaffPage("settings", _l("Site settings"), "moderation.site_settings", admin_only=True,
                        also_current=("moderation.holidays", "moderation.add_holiday")))


def _settings_page(entered: dict, errors: dict, status: int = 200):
    overrides = site_settings.overrides()
    rows = [
        {"spec": spec, "value": entered.get(spec.key, site_settings.effective(spec.key)),
         "default": site_settings.default(spec.key), "overridden": spec.key in overrides,
         "error": errors.get(spec.key)}
        for spec in site_settings.SETTINGS
    ]
    return no_store(render_template("moderation/settings.html", rows=rows, groups=site_settings.GROUPS,
                                    has_errors=bool(errors)), status)


@localized_route(bp, "/staff/settings", methods=["GET", "POST"], endpoint="site_settings")
@admin_required
def site_settings_page():
    """Every editable setting with the value in force and the configuration's default; save the changes."""
    if request.method == "GET":
        return _settings_page({}, {})
    values, errors = site_settings.validate(request.form)
    if errors:
        entered = {key: request.form.get(key, "")[:1000] for key in site_settings.SPECS if key in request.form}
        return _settings_page(entered, errors, 422)
    changed = site_settings.save(values, actor_id=current_user.id)
    if changed:
        flash(_("Saved: %(keys)s.", keys=", ".join(str(site_settings.SPECS[key].label) for key in changed)),
              "success")
    else:
        flash(_("Nothing changed."), "info")
    return redirect(url_for("moderation.site_settings"), code=303)


@localized_route(bp, "/staff/settings/reset", methods=["POST"])
@admin_required
def reset_site_setting():
    """Drop one override, so the configuration's value is in force again."""
    key = request.form.get("key", "")
    if key not in site_settings.SPECS:
        abort(404)
    label = site_settings.SPECS[key].label
    if site_settings.reset(key, actor_id=current_user.id):
        flash(_("%(setting)s follows the configuration again.", setting=label), "success")
    else:
        flash(_("%(setting)s already follows the configuration.", setting=label), "info")
    return redirect(url_for("moderation.site_settings"), code=303)


def _year() -> int:
    raw = request.args.get("year", "")
    if raw.isascii() and raw.isdigit() and holiday_table.FIRST_YEAR <= int(raw) <= holiday_table.LAST_YEAR:
        return int(raw)
    return local_day(clock.now()).year


def _holidays_page(year: int, entered: dict | None = None, error: holiday_table.HolidayError | None = None,
                   status: int = 200):
    today = local_day(clock.now())
    return no_store(render_template(
        "moderation/holidays.html", year=year, rows=holiday_table.table_rows(year),
        calendar=holiday_table.year_calendar(year), package_years=holiday_table.PACKAGE_YEARS,
        missing_years=holiday_table.years_needing_the_table(today), entered=entered or {}, error=error,
    ), status)


@localized_route(bp, "/staff/settings/holidays")
@admin_required
def holidays():
    """The holiday table for one year, and what the working-day calendar makes of that year."""
    return _holidays_page(_year())


@localized_route(bp, "/staff/settings/holidays", methods=["POST"])
@admin_required
def add_holiday():
    """Add a holiday or a make-up working day (or replace the entry for that day)."""
    entered = {name: request.form.get(name, "")[:200] for name in ("day", "kind", "name", "reason")}
    try:
        day = holiday_table.check_day(entered["day"])
        name = holiday_table.check_name(entered["name"])
        if entered["kind"] not in ("holiday", "working"):
            raise holiday_table.HolidayError(_("Choose a holiday or a make-up working day."), "kind")
    except holiday_table.HolidayError as error:
        year = _year_of(entered["day"])
        return _holidays_page(year, entered, error, 422)
    holiday_table.set_day(day, is_working_day=entered["kind"] == "working", name=name, actor_id=current_user.id,
                          reason=entered["reason"].strip())
    flash(_("%(day)s is in the holiday table.", day=day.isoformat()), "success")
    return redirect(url_for("moderation.holidays", year=day.year), code=303)


def _year_of(value: str) -> int:
    """The year typed at the start of a date, for the page to show again; this year when there is none."""
    head = value.strip()[:4]
    if head.isascii() and head.isdigit() and holiday_table.FIRST_YEAR <= int(head) <= holiday_table.LAST_YEAR:
        return int(head)
    return local_day(clock.now()).year


@localized_route(bp, "/staff/settings/holidays/remove", methods=["POST"])
@admin_required
def remove_holiday():
    """Take a day out of the table; the calendar then follows the package, or Monday to Friday."""
    try:
        day = holiday_table.check_day(request.form.get("day", ""))
    except holiday_table.HolidayError as error:
        return decision_response(str(error), "error", 422)
    reason = request.form.get("reason", "").strip()[:500]
    if not holiday_table.remove_day(day, actor_id=current_user.id, reason=reason):
        return decision_response(_("%(day)s is not in the holiday table.", day=day.isoformat()), "error", 404)
    return decision_response(_("%(day)s is no longer in the holiday table.", day=day.isoformat()))
