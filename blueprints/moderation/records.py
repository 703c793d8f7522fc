"""The records the site keeps, as staff see them: the access log and the security log, filtered and paged.

Staff see IP addresses because the privacy policy says staff do; rows the retention job has anonymised
are marked. Looking up one person (a user id or an IP) is written to the audit log; plain browsing is not.
"""

from __future__ import annotations

import ipaddress
from datetime import date

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from blueprints.auth.views import no_store
from blueprints.i18n import localized_route
from blueprints.moderation import bp
from blueprints.moderation.access import staff_required
from blueprints.moderation.queues import StaffPage, register_page
from blueprints.templating import METHOD_LABELS
from services.moderation import records

register_page(StaffPage("records", _l("Access and sign-in records"), "moderation.access_records",
                        also_current=("moderation.security_records",)))

TEXT_LIMIT = 200
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2999, 12, 31)
LARGEST_ID = 2**31 - 1  # ids are 32-bit integers: a larger number would be an error in PostgreSQL, not a miss


class Filters:
    """The filter form's fields as typed (shown back as they were), their parsed values, and what is wrong."""

    def __init__(self, args) -> None:
        # (A NUL never arrives: blueprints/input_guard.py refuses it for every page.)
        self.raw = {name: args.get(name, "").strip()[:TEXT_LIMIT] for name in
                    ("path", "ip", "user", "status", "since", "until", "kind", "method")}
        self.errors: dict[str, str] = {}
        self.ip = self._ip()
        self.user_id = self._number("user", _("A user id is a whole number, such as 42."))
        self.status = self._status()
        self.since = self._day("since")
        self.until = self._day("until")
        if self.since and self.until and self.since > self.until:
            self.errors["until"] = _("The last day comes before the first.")

    def _ip(self) -> str:
        typed = self.raw["ip"]
        if not typed:
            return ""
        try:
            return str(ipaddress.ip_address(typed))
        except ValueError:
            self.errors["ip"] = _("Not an IP address: type one such as 203.0.113.7 or 2001:db8::1.")
            return ""

    def _number(self, name: str, message: str) -> int | None:
        typed = self.raw[name]
        if not typed:
            return None
        if not (typed.isascii() and typed.isdigit()):
            self.errors[name] = message
            return None
        if int(typed) > LARGEST_ID:
            self.errors[name] = _("No record has a number that large.")
            return None
        return int(typed)

    def _status(self) -> int | None:
        status = self._number("status", _("A status is a three-digit HTTP code, such as 404."))
        if status is not None and not 100 <= status <= 599:
            self.errors["status"] = _("A status is a three-digit HTTP code, such as 404.")
            return None
        return status

    def _day(self, name: str) -> date | None:
        typed = self.raw[name]
        if not typed:
            return None
        try:
            day = date.fromisoformat(typed)
        except ValueError:
            self.errors[name] = _("Type a day as YYYY-MM-DD.")
            return None
        if not FIRST_DAY <= day <= LAST_DAY:  # also keeps the day's bounds in UTC inside what datetime can hold
            self.errors[name] = _("Choose a day between %(first)s and %(last)s.", first=FIRST_DAY.isoformat(),
                                  last=LAST_DAY.isoformat())
            return None
        return day


def _cursor(name: str) -> int | None:
    value = request.args.get(name, "")[:12]
    return int(value) if value.isascii() and value.isdigit() and int(value) <= LARGEST_ID else None


def _page_url(**cursor) -> str:
    """This page with the same filters and a new cursor (none: the newest)."""
    args = {key: value for key, value in request.args.items() if key not in ("before", "after") and value}
    return url_for(request.endpoint, **args, **cursor)


def _show(template: str, filters: Filters, page: records.RecordPage | None, log: str, **context):
    """Render the page; bad filters answer 422 with the form as typed and no rows."""
    before, after = _cursor("before"), _cursor("after")
    if page is not None and before is None and after is None:
        records.record_lookup(actor_id=current_user.id, log=log, user_id=filters.user_id, by_ip=bool(filters.ip))
    return no_store(render_template(
        template, filters=filters, page=page, page_url=_page_url, paged=before is not None or after is not None,
        **context,
    ), 422 if filters.errors else 200)


@localized_route(bp, "/staff/records")
@staff_required
def access_records():
    """The access log, newest first, filtered by path prefix, IP, user, status and days."""
    filters = Filters(request.args)
    page = None if filters.errors else records.access_records(
        records.AccessFilter(path_prefix=filters.raw["path"], ip=filters.ip, user_id=filters.user_id,
                             status=filters.status, since=filters.since, until=filters.until),
        before=_cursor("before"), after=_cursor("after"))
    return _show("moderation/records.html", filters, page, "access", anonymised=records.is_anonymised_access)


@localized_route(bp, "/staff/records/security")
@staff_required
def security_records():
    """The security log (sign-ins, failures, verification and binding), filtered like the access log."""
    filters = Filters(request.args)
    if filters.raw["method"] and filters.raw["method"] not in METHOD_LABELS:
        filters.errors["method"] = _("Choose a method from the list.")
    page = None if filters.errors else records.security_events(
        records.SecurityFilter(kind=filters.raw["kind"][:40], method=filters.raw["method"], ip=filters.ip,
                               user_id=filters.user_id, since=filters.since, until=filters.until),
        before=_cursor("before"), after=_cursor("after"))
    return _show("moderation/records_security.html", filters, page, "security",
                 anonymised=records.is_anonymised_event, kinds=records.security_kinds())
