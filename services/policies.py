"""Privacy policy and terms as versioned records: the current version, publishing, acceptance.

A version takes effect at ``effective_at``; until then it is "announced". A major version
must be announced ``POLICY_NOTICE_WORKING_DAYS`` full working days (China's calendar) before
it takes effect; publishing one tells every account through the inbox and, where the user
chose it, by SMS or email through the outbox; signed-in users must then accept it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import yaml
from flask import current_app
from sqlalchemy import and_, exists, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from extensions import db
from models import Notification, PolicyAcceptance, PolicyKind, PolicyVersion, User, UserStatus
from services import clock, outbox, site_settings
from services.catalog_version import bump_catalog_version
from services.upsert import insert_on_conflict
from services.working_days import CHINA, add_working_days, local_day

KINDS = tuple(kind.value for kind in PolicyKind)
NOTICE_KIND = "policy_changed"  # the inbox notice's kind
FAN_OUT_BATCH = 1000  # accounts read and notified per round trip when a major version is published
PATHS = {"privacy": "/privacy", "terms": "/terms"}
NAMES_ZH = {"privacy": "隐私政策", "terms": "用户协议"}
NAMES_EN = {"privacy": "privacy policy", "terms": "terms of service"}
POLICY_DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "policies"  # the first versions


class PolicyError(ValueError):
    """A version that cannot be published as asked."""


class NoticeTooShort(PolicyError):
    def __init__(self, earliest: datetime):
        super().__init__(f"a major version may take effect no sooner than {earliest.isoformat()}")
        self.earliest = earliest


class VersionExists(PolicyError):
    def __init__(self, kind: str, version: str):
        super().__init__(f"{kind} version {version} already exists")


@dataclass(frozen=True)
class PolicyView:
    """What a policy page shows: the version in force and the next one, if announced."""

    current: PolicyVersion | None
    upcoming: PolicyVersion | None


def china_midnight(day) -> datetime:
    """The start of ``day`` in China, as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=CHINA)


def notice_working_days() -> int:
    """How many working days' notice a major version needs."""
    return current_app.config["POLICY_NOTICE_WORKING_DAYS"]


def earliest_major_effective_at(now: datetime | None = None) -> datetime:
    """The earliest moment a major version announced ``now`` may take effect.

    The notice runs for N whole working days after the day of the announcement, so the
    change starts at midnight (China time) after the N-th working day.
    """
    now = now or clock.now()
    last_notice_day = add_working_days(local_day(now), notice_working_days()).day
    return china_midnight(last_notice_day + timedelta(days=1))


def _in_force(kind, now: datetime):
    return and_(PolicyVersion.kind == kind, PolicyVersion.effective_at <= now)


def current_version(kind: str, now: datetime | None = None) -> PolicyVersion | None:
    """The newest version of ``kind`` with effective_at <= now."""
    now = now or clock.now()
    return db.session.scalar(
        select(PolicyVersion).where(_in_force(kind, now))
        .order_by(PolicyVersion.effective_at.desc(), PolicyVersion.id.desc()).limit(1)
    )


def upcoming_version(kind: str, now: datetime | None = None) -> PolicyVersion | None:
    """The next announced version of ``kind`` that is not in force yet."""
    now = now or clock.now()
    return db.session.scalar(
        select(PolicyVersion).where(PolicyVersion.kind == kind, PolicyVersion.effective_at > now)
        .order_by(PolicyVersion.effective_at, PolicyVersion.id).limit(1)
    )


def policy_view(kind: str, now: datetime | None = None) -> PolicyView:
    now = now or clock.now()
    return PolicyView(current_version(kind, now), upcoming_version(kind, now))


def versions_in_force(now: datetime | None = None) -> int:
    """How many versions have taken effect: changes when an announced version takes effect,
    so it keys cached policy pages (publishing bumps the catalog version as well)."""
    now = now or clock.now()
    return db.session.scalar(
        select(func.count()).select_from(PolicyVersion).where(PolicyVersion.effective_at <= now)
    ) or 0


def history(kind: str) -> list[PolicyVersion]:
    """Every version of ``kind``, newest first (announced ones included)."""
    return list(db.session.scalars(
        select(PolicyVersion).where(PolicyVersion.kind == kind)
        .order_by(PolicyVersion.effective_at.desc(), PolicyVersion.id.desc())
    ))


def get_version(kind: str, version: str) -> PolicyVersion | None:
    return db.session.scalar(
        select(PolicyVersion).where(PolicyVersion.kind == kind, PolicyVersion.version == version)
    )


def _current_ids(now: datetime):
    """A correlated subquery: the id of the version in force for the outer row's kind."""
    newer = aliased(PolicyVersion)
    return (
        select(newer.id).where(newer.kind == PolicyVersion.kind, newer.effective_at <= now)
        .order_by(newer.effective_at.desc(), newer.id.desc()).limit(1)
        .correlate(PolicyVersion).scalar_subquery()
    )


def needs_acceptance(user, now: datetime | None = None) -> list[PolicyVersion]:
    """The versions in force that are major and that ``user`` has not accepted, in one query.

    Runs on every signed-in page, so it is a single indexed query and nothing else.
    """
    now = now or clock.now()
    accepted = exists().where(
        PolicyAcceptance.user_id == user.id, PolicyAcceptance.policy_version_id == PolicyVersion.id
    )
    return list(db.session.scalars(
        select(PolicyVersion)
        .where(PolicyVersion.is_major.is_(True), PolicyVersion.id == _current_ids(now), ~accepted)
        .order_by(PolicyVersion.kind)
    ))


def accept(user_id: int, version_ids) -> int:
    """Record that ``user_id`` accepted these versions (unknown ids ignored; idempotent); commits.

    Returns how many acceptances are new.
    """
    wanted = {int(v) for v in version_ids}
    if not wanted:
        return 0
    known = set(db.session.scalars(select(PolicyVersion.id).where(PolicyVersion.id.in_(wanted))))
    now = clock.now()
    added = 0
    for version_id in sorted(known):
        statement = insert_on_conflict(PolicyAcceptance).values(
            user_id=user_id, policy_version_id=version_id, accepted_at=now
        ).on_conflict_do_nothing(index_elements=["user_id", "policy_version_id"])
        added += db.session.execute(statement).rowcount or 0
    db.session.commit()
    return added


def accept_current(user_id: int, now: datetime | None = None) -> None:
    """A new account accepts the versions in force of every kind; the caller commits."""
    now = now or clock.now()
    ids = db.session.scalars(select(PolicyVersion.id).where(PolicyVersion.id == _current_ids(now)))
    for version_id in ids:
        db.session.add(PolicyAcceptance(user_id=user_id, policy_version_id=version_id, accepted_at=now))


def publish_version(*, kind: str, version: str, title_zh: str, title_en: str, body_zh: str, body_en: str,
                    summary_zh: str = "", summary_en: str = "", is_major: bool, effective_at: datetime,
                    staff_id: int | None) -> PolicyVersion:
    """Publish a version (announced now) and, if major, tell every account; commits.

    Raises NoticeTooShort for a major version that would take effect too soon, and
    VersionExists when ``kind`` already has ``version``.
    """
    if kind not in KINDS:
        raise PolicyError(f"unknown policy kind {kind!r}")
    now = clock.now()
    if is_major and effective_at < earliest_major_effective_at(now):
        raise NoticeTooShort(earliest_major_effective_at(now))
    if get_version(kind, version) is not None:
        raise VersionExists(kind, version)
    row = PolicyVersion(
        kind=kind, version=version, title_zh=title_zh, title_en=title_en, body_zh=body_zh, body_en=body_en,
        summary_zh=summary_zh, summary_en=summary_en, is_major=is_major, announced_at=now,
        effective_at=effective_at, created_by_id=staff_id,
    )
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError as error:  # the same version published a moment ago by another request
        db.session.rollback()
        raise VersionExists(kind, version) from error
    if is_major:
        announce_major_version(row)
    bump_catalog_version()  # the policy pages are cached like catalog pages
    db.session.commit()
    return row


def _notice_texts(row: PolicyVersion) -> tuple[str, str, str]:
    """(SMS text, email subject, email body) for a major change, in Chinese and English."""
    day = local_day(row.effective_at).isoformat()
    site = site_settings.effective("SITE_NAME")
    base = current_app.config["SITE_URL"].rstrip("/")
    link_zh, link_en = base + PATHS[row.kind], base + "/en" + PATHS[row.kind]
    name_zh, name_en = NAMES_ZH[row.kind], NAMES_EN[row.kind]
    sms = f"【{site}】我们更新了《{name_zh}》，{day} 起生效。{row.summary_zh} 详见 {link_zh}"
    subject = f"{site}：《{name_zh}》将于 {day} 更新 / Our {name_en} changes on {day}"
    body = (
        f"我们更新了《{name_zh}》（版本 {row.version}），将于 {day} 起生效。\n{row.summary_zh}\n全文：{link_zh}\n\n"
        f"We have updated our {name_en} (version {row.version}); it takes effect on {day}.\n"
        f"{row.summary_en}\nRead it: {link_en}\n"
    )
    return sms, subject, body


def announce_major_version(row: PolicyVersion, batch_size: int = FAN_OUT_BATCH) -> int:
    """Inbox notice to every account that can sign in, and SMS/email where chosen; the caller commits.

    Accounts are read in id order, ``batch_size`` at a time, and each batch's notices are
    inserted in one statement, so 100,000 accounts mean ~100 round trips, not 200,000.
    Returns how many accounts were told.
    """
    sms_text, subject, email_body = _notice_texts(row)
    detail = json.dumps({
        "policy": row.kind, "version": row.version, "effective_on": local_day(row.effective_at).isoformat(),
        "summary_zh": row.summary_zh, "summary_en": row.summary_en,
    }, ensure_ascii=False)  # the same text for every account: encoded once
    last_id, told = 0, 0
    while True:
        batch = db.session.execute(
            select(User.id, User.security_notice_channel, User.email, User.email_verified_at,
                   User.phone, User.phone_verified_at)
            .where(User.status.in_((UserStatus.ACTIVE.value, UserStatus.BANNED.value)), User.id > last_id)
            .order_by(User.id).limit(batch_size)
        ).all()
        if not batch:
            return told
        now = clock.now()
        db.session.execute(insert(Notification), [
            {"user_id": user.id, "kind": NOTICE_KIND, "detail": detail, "created_at": now} for user in batch
        ])
        for user in batch:
            if user.security_notice_channel == "email" and user.email and user.email_verified_at:
                outbox.enqueue(channel="email", recipient=user.email, kind=NOTICE_KIND,
                               subject=subject, body=email_body, user_id=user.id)
            elif user.security_notice_channel == "sms" and user.phone and user.phone_verified_at:
                outbox.enqueue(channel="sms", recipient=user.phone, kind=NOTICE_KIND,
                               body=sms_text, user_id=user.id)
        db.session.flush()  # sent to the database now; the session holds no growing list of rows
        told += len(batch)
        last_id = batch[-1].id



def seed_initial_versions(directory: Path = POLICY_DATA_DIR) -> int:
    """Load the first versions from ``directory`` when no version exists yet; commits.

    Returns how many were created (0 once any version exists, so it is safe to run again).
    A version named by a date takes effect at that date's midnight in China, or now if later.
    """
    if db.session.scalar(select(PolicyVersion.id).limit(1)) is not None:
        return 0
    now = clock.now()
    entries = yaml.safe_load((directory / "versions.yaml").read_text(encoding="utf-8"))
    for entry in entries:
        kind, version = entry["kind"], str(entry["version"])
        body = {lang: (directory / f"{kind}-{version}.{lang}.md").read_text(encoding="utf-8") for lang in ("zh", "en")}
        try:
            effective_at = min(china_midnight(date.fromisoformat(version)), now)
        except ValueError:
            effective_at = now
        db.session.add(PolicyVersion(
            kind=kind, version=version, title_zh=entry["title_zh"], title_en=entry["title_en"],
            body_zh=body["zh"], body_en=body["en"], summary_zh="", summary_en="", is_major=False,
            announced_at=effective_at, effective_at=effective_at,
        ))
    bump_catalog_version()
    db.session.commit()
    return len(entries)
