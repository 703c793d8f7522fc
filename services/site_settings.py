"""Site settings admins change at run time: the site's name, 备案 numbers, contact details, retention
periods and the SMS budget.

The configuration holds every default; a ``SiteSetting`` row overrides one key. Code that needs one of
these values calls ``effective(key)`` instead of reading ``current_app.config``.

Reading costs no query of its own. Public pages read the catalog version anyway (the page and card
caches key on it); this module reads it in the same statement as a second counter, the settings version,
and leaves it in ``g.catalog_version`` for the card cache, so a page still reads the counters once. Each
app process keeps one snapshot of the override rows, labelled with the settings version it was read
under, and reads the rows again only when that version moved; before any admin saved a setting there is
no settings version and nothing to read. Saving bumps both counters in the same transaction as the rows:
with several app servers every one of them sees the change on its next request, and cached anonymous
pages, keyed by the catalog version, are rendered anew with the new footer at once. There is no
time-to-live to wait out. A page that did not read the catalog version before (no cards, not cached)
pays that one small read. Write overrides only through ``save`` and ``reset``, which bump the version;
after restoring the database from a backup, restart the app servers so no snapshot outlives it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import NamedTuple

from flask import current_app, g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update

from extensions import db
from models import SiteCounter, SiteSetting
from services import audit, clock
from services.catalog_version import CATALOG_VERSION, bump_catalog_version
from services.upsert import insert_on_conflict

# Newlines, other control characters and anything that looks like markup are refused in every text.
_UNSAFE = re.compile(r"[<>\x00-\x1f\x7f]")
_ICP = re.compile(r"ICP", re.IGNORECASE)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^[0-9+()\- ]{5,30}$")
_DIGITS = re.compile(r"^[0-9]{6,20}$")
_INTEGER = re.compile(r"^-?[0-9]{1,9}$")


@dataclass(frozen=True)
class SettingSpec:
    """One editable setting: its configuration key, how it is entered and where the public sees it."""

    key: str
    group: str  # "site", "contact", "retention" or "sms": the fieldset it sits in
    label: object  # lazy strings, rendered in the reader's language
    help: object
    shown_on: object
    kind: str = "text"  # "text" or "int"
    minimum: int = 0
    maximum: int = 0
    max_length: int = 0
    required: bool = False

    def parse(self, raw: str) -> str | int:
        """The value typed into the form, checked; raises ValueError with a message for the admin."""
        raw = (raw or "").strip()
        if self.kind == "int":
            raw = unicodedata.normalize("NFKC", raw)  # full-width digits from a Chinese input method
            if not _INTEGER.match(raw):
                raise ValueError(_("Enter a whole number."))
            number = int(raw)
            if not self.minimum <= number <= self.maximum:
                raise ValueError(_("Enter a number from %(low)s to %(high)s.", low=self.minimum, high=self.maximum))
            return number
        if _UNSAFE.search(raw):
            raise ValueError(_("Use one line of plain text, without < or >."))
        if len(raw) > self.max_length:
            raise ValueError(_("Use at most %(count)s characters.", count=self.max_length))
        if not raw:
            if self.required:
                raise ValueError(_("This cannot be empty."))
            return raw
        check = _TEXT_CHECKS.get(self.key)
        if check is not None and not check[0](raw):
            raise ValueError(str(check[1]))
        return raw


_TEXT_CHECKS = {
    # Lenient on purpose: provinces, 备/证 and the "-1" site suffix vary; the number itself must be there.
    "ICP_RECORD": (lambda v: bool(_ICP.search(v)) and sum(c.isdigit() for c in v) >= 4,
                   _l("An ICP record looks like 京ICP备12345678号-1.")),
    "PSB_RECORD": (lambda v: "公网安备" in v and sum(c.isdigit() for c in v) >= 6,
                   _l("A public security record looks like 京公网安备11010502030143号.")),
    "PSB_RECORD_CODE": (lambda v: bool(_DIGITS.match(v)),
                        _l("Only the digits of the public security record, such as 11010502030143.")),
    "CONTACT_EMAIL": (lambda v: bool(_EMAIL.match(v)), _l("Enter an email address such as privacy@example.com.")),
    "CONTACT_PHONE": (lambda v: bool(_PHONE.match(v)), _l("Digits, spaces, +, - and brackets only.")),
}

_FOOTER = _l("Every page's header and footer")
_PRIVACY = _l("The privacy policy page")

SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec("SITE_NAME", "site", _l("Site name"), _l("Shown in page titles, the header and the footer."),
                _FOOTER, max_length=40, required=True),
    SettingSpec("ICP_RECORD", "site", _l("ICP record number (ICP备案号)"),
                _l("Shown in the footer, linked to beian.miit.gov.cn. Leave empty to show none."),
                _l("The footer"), max_length=40),
    SettingSpec("PSB_RECORD", "site", _l("Public security record (公安备案号)"),
                _l("Shown in the footer, linked to beian.mps.gov.cn. Leave empty to show none."),
                _l("The footer"), max_length=60),
    SettingSpec("PSB_RECORD_CODE", "site", _l("Public security record code"),
                _l("The digits the beian.mps.gov.cn link looks up."), _l("The footer (the link)"), max_length=20),
    SettingSpec("CONTACT_EMAIL", "contact", _l("Contact email"),
                _l("Where users reach the operator about privacy and complaints."), _PRIVACY, max_length=120),
    SettingSpec("CONTACT_PHONE", "contact", _l("Contact phone"), _l("A service line, such as 010-12345678."),
                _PRIVACY, max_length=30),
    SettingSpec("CONTACT_ADDRESS", "contact", _l("Contact address"), _l("The operator's postal address."),
                _PRIVACY, max_length=200),
    SettingSpec("LOG_RETENTION_DAYS", "retention", _l("Access and security log retention (days)"),
                _l("After this, `flask anonymise-logs` removes IP addresses and accounts from the logs. "
                   "A shorter period applies at the next run; a longer one cannot bring back what is removed."),
                _PRIVACY, kind="int", minimum=1, maximum=3650),
    SettingSpec("BACKUP_RETENTION_DAYS", "retention", _l("Backup retention (days)"),
                _l("What the privacy policy promises; the backup job must keep to it."),
                _PRIVACY, kind="int", minimum=1, maximum=3650),
    SettingSpec("DELETION_GRACE_DAYS", "retention", _l("Account deletion grace period (days)"),
                _l("Applies to deletion requests made from now on; pending requests keep their date."),
                _PRIVACY, kind="int", minimum=1, maximum=365),
    SettingSpec("SMS_DAILY_BUDGET", "sms", _l("SMS codes a day, for the whole site"),
                _l("Against SMS pumping: once this many codes went out today (China time), no more are sent "
                   "until midnight. 0 stops sending codes."),
                _l("Nowhere public"), kind="int", minimum=0, maximum=1_000_000),
)
SPECS: dict[str, SettingSpec] = {spec.key: spec for spec in SETTINGS}
GROUPS = {
    "site": _l("Site and 备案"),
    "contact": _l("Contact details"),
    "retention": _l("Retention periods"),
    "sms": _l("SMS"),
}


SETTINGS_VERSION = "site_settings_version"


class _Snapshot(NamedTuple):
    settings_version: int
    values: dict[str, str | int]


def effective(key: str) -> str | int:
    """The value in force: the admin's override if there is one, else the configuration's."""
    overridden = _overrides()
    return overridden[key] if key in overridden else current_app.config[key]


def default(key: str) -> str | int:
    """The configuration's value, which "reset to default" returns to."""
    return current_app.config[key]


def overrides() -> dict[str, str | int]:
    """Every key an admin has set, with its value."""
    return dict(_overrides())


def _overrides() -> dict[str, str | int]:
    """This request's view of the override rows: the process snapshot, re-read when the settings moved."""
    if "site_settings" in g:  # one view per request, so a page's header and footer agree
        return g.site_settings
    counters = dict(db.session.execute(
        select(SiteCounter.name, SiteCounter.value).where(SiteCounter.name.in_((CATALOG_VERSION, SETTINGS_VERSION)))
    ).all())
    if "catalog_version" not in g:  # the card cache reads it from here instead of asking again
        g.catalog_version = counters.get(CATALOG_VERSION) or 0
    settings_version = counters.get(SETTINGS_VERSION)
    if settings_version is None:  # no admin has saved a setting: the configuration decides everything
        g.site_settings = {}
        return g.site_settings
    snapshot = current_app.extensions.get("site_settings")
    if snapshot is None or snapshot.settings_version != settings_version:
        # The version is read before the rows, so a snapshot is never older than its label.
        snapshot = _Snapshot(settings_version, _read_rows())
        current_app.extensions["site_settings"] = snapshot  # one assignment: threads see old or new, whole
    g.site_settings = snapshot.values
    return snapshot.values


def _read_rows() -> dict[str, str | int]:
    values = {}
    for key, raw in db.session.execute(select(SiteSetting.key, SiteSetting.value)):
        spec = SPECS.get(key)
        if spec is None:
            continue  # a key this version no longer edits: the configuration decides
        try:
            values[key] = spec.parse(raw)
        except ValueError:  # stored under looser rules than today's: fall back rather than break pages
            current_app.logger.warning("site setting %s holds an invalid value; using the configuration", key)
    return values


def forget_snapshot() -> None:
    """Drop this process's snapshot and the request's view, so the next read sees the database."""
    current_app.extensions.pop("site_settings", None)
    g.pop("site_settings", None)
    g.pop("catalog_version", None)


def validate(form) -> tuple[dict[str, str | int], dict[str, str]]:
    """(values, errors) for the keys present in ``form``; a key left out of the form is left as it is."""
    values, errors = {}, {}
    for spec in SETTINGS:
        if spec.key not in form:
            continue
        try:
            values[spec.key] = spec.parse(form[spec.key])
        except ValueError as error:
            errors[spec.key] = str(error)
    return values, errors


def save(values: dict[str, str | int], *, actor_id: int) -> list[str]:
    """Apply the values that differ from what is in force, with an audit entry each; commits.

    A value equal to the configuration's removes the override, so the site follows the configuration
    again. Returns the keys that changed.
    """
    changed = []
    for key, value in values.items():
        before = effective(key)
        if value == before:
            continue
        if value == default(key):
            db.session.execute(delete(SiteSetting).where(SiteSetting.key == key))
        else:
            _store(key, value, actor_id)
        audit.record(actor_id=actor_id, action="settings.change", target_type="site_setting", target_id=key,
                     before={"value": before}, after={"value": value})
        changed.append(key)
    if changed:
        _commit()
    return changed


def reset(key: str, *, actor_id: int) -> bool:
    """Delete the override of ``key`` so the configuration decides again; False when there was none."""
    if key not in SPECS:
        raise KeyError(key)
    overridden = _overrides()
    if key not in overridden:
        return False
    db.session.execute(delete(SiteSetting).where(SiteSetting.key == key))
    audit.record(actor_id=actor_id, action="settings.reset", target_type="site_setting", target_id=key,
                 before={"value": overridden[key]}, after={"value": default(key)})
    _commit()
    return True


def _store(key: str, value: str | int, actor_id: int) -> None:
    row = {"key": key, "value": str(value), "updated_by_id": actor_id, "updated_at": clock.now()}
    statement = insert_on_conflict(SiteSetting).values(**row)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=[SiteSetting.key],
        set_={"value": statement.excluded.value, "updated_by_id": statement.excluded.updated_by_id,
              "updated_at": statement.excluded.updated_at},
    ))


def _commit() -> None:
    _bump_settings_version()  # every server re-reads the rows on its next request
    bump_catalog_version()  # cached anonymous pages are rendered again, with the new footer
    db.session.commit()
    forget_snapshot()


def _bump_settings_version() -> None:
    updated = db.session.execute(
        update(SiteCounter).where(SiteCounter.name == SETTINGS_VERSION).values(value=SiteCounter.value + 1)
    ).rowcount
    if not updated:
        db.session.add(SiteCounter(name=SETTINGS_VERSION, value=1))
