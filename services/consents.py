"""Marketing consents: product news and partners' offers, each per channel, off until granted.

Every grant and every withdrawal appends a ``ConsentRecord`` (time, policy version, channel); the
newest record for a purpose and channel is the current state, and the rows are the proof.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from extensions import db
from models import ConsentPurpose, ConsentRecord

CHANNELS = ("email", "sms")
PURPOSES = tuple(purpose.value for purpose in ConsentPurpose)


def current_policy_version() -> str:
    """The privacy-policy version a consent is given under (one place, so the policy pages can take it over)."""
    return str(current_app.config["TERMS_VERSION"])


def current_state(user_id: int) -> dict[tuple[str, str], bool]:
    """Whether each (purpose, channel) is granted now; never asked means not granted."""
    state = {(purpose, channel): False for purpose in PURPOSES for channel in CHANNELS}
    rows = db.session.execute(
        select(ConsentRecord.purpose, ConsentRecord.channel, ConsentRecord.granted)
        .where(ConsentRecord.user_id == user_id)
        .order_by(ConsentRecord.id)
    )
    for purpose, channel, granted in rows:  # oldest first, so the newest record wins
        state[(purpose, channel)] = granted
    return state


def has_consent(user_id: int, purpose: str, channel: str) -> bool:
    """Whether the user has granted ``purpose`` on ``channel`` and not withdrawn it since."""
    granted = db.session.scalar(
        select(ConsentRecord.granted)
        .where(ConsentRecord.user_id == user_id, ConsentRecord.purpose == purpose, ConsentRecord.channel == channel)
        .order_by(ConsentRecord.id.desc())
        .limit(1)
    )
    return bool(granted)


def set_consent(user_id: int, purpose: str, channel: str, granted: bool) -> ConsentRecord | None:
    """Grant or withdraw; appends a record when the state changes (None when it already was so).

    The caller commits.
    """
    if purpose not in PURPOSES or channel not in CHANNELS:
        raise ValueError(f"unknown consent {purpose!r} on {channel!r}")
    if has_consent(user_id, purpose, channel) == granted:
        return None
    record = ConsentRecord(
        user_id=user_id, purpose=purpose, channel=channel, granted=granted, policy_version=current_policy_version()
    )
    db.session.add(record)
    return record


def history(user_id: int, limit: int | None = None) -> list[ConsentRecord]:
    """The user's consent records, newest first, for the settings page and the data export."""
    query = select(ConsentRecord).where(ConsentRecord.user_id == user_id).order_by(ConsentRecord.id.desc())
    return list(db.session.scalars(query.limit(limit) if limit else query))
