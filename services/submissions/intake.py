"""The submitter's side: check the address, propose the tool within the daily allowance, follow or withdraw it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time

from sqlalchemy import false, func, select, update

from extensions import db
from models import Category, ContributionState, Tool, ToolSubmission, User
from models.catalog import PUBLIC_STATUSES
from services import clock
from services.moderation.catalog_tools import clean_url
from services.urls import normalize_url

URL_MAX = 500  # ToolSubmission.url and Tool.url are String(500)
PENDING = ContributionState.PENDING.value


class SubmissionRefused(ValueError):
    """Why a submission or a withdrawal is refused.

    ``invalid_url``, ``listed`` (a public tool has the address: ``tool``), ``under_review`` (a hidden or
    pending tool, or someone's pending submission), ``yours_pending``, ``daily_limit``, ``missing``, ``decided``.
    """

    def __init__(self, reason: str, tool: Tool | None = None):
        super().__init__(reason)
        self.reason = reason
        self.tool = tool


@dataclass(frozen=True)
class UrlVerdict:
    """What the catalog already knows about an address. ``outcome`` is ``new`` or a refusal reason."""

    outcome: str
    url: str = ""  # as it would be stored
    normalized: str = ""
    tool: Tool | None = None  # only for ``listed``: never a hidden tool's details


def web_address(raw: str) -> tuple[str, str] | None:
    """``(url as stored, normalised url)`` for a plain http(s) address, else None (javascript:, spaces, a bad port)."""
    raw = (raw or "").strip()
    if len(raw) > URL_MAX:
        return None
    url = clean_url(raw)
    if url is None:
        return None
    try:
        return url, normalize_url(url)
    except ValueError:  # urlsplit accepts "example.com:99999"; reading the port refuses it
        return None


def check_url(raw: str, user_id: int | None) -> UrlVerdict:
    """Step 1: is this address new to the catalog and to the queue?"""
    address = web_address(raw)
    if address is None:
        return UrlVerdict("invalid_url")
    url, normalized = address
    tool = db.session.scalar(select(Tool).where(Tool.url_normalized == normalized))
    if tool is not None:
        if tool.status in PUBLIC_STATUSES:
            return UrlVerdict("listed", url, normalized, tool)
        return UrlVerdict("under_review", url, normalized)  # hidden or pending: say no more about it
    submitters = set(db.session.scalars(
        select(ToolSubmission.user_id).where(ToolSubmission.url_normalized == normalized,
                                             ToolSubmission.state == PENDING)
    ))
    if user_id is not None and user_id in submitters:
        return UrlVerdict("yours_pending", url, normalized)
    if submitters:
        return UrlVerdict("under_review", url, normalized)
    return UrlVerdict("new", url, normalized)


def day_start(moment: datetime | None = None) -> datetime:
    """Midnight of the current day in China, in UTC: the daily allowance starts again then."""
    return datetime.combine(clock.china_day(moment), time.min, clock.CHINA).astimezone(UTC)


def submissions_today(user_id: int) -> int:
    """How many tools the user proposed since midnight in China (withdrawn ones count: they were sent)."""
    return db.session.scalar(
        select(func.count()).select_from(ToolSubmission)
        .where(ToolSubmission.user_id == user_id, ToolSubmission.created_at >= day_start())
    ) or 0


@dataclass(frozen=True)
class SubmissionInput:
    """What the submitter filled in, already checked by the form (lengths, choices)."""

    url: str
    name: str
    category_id: int | None
    pricing: str
    tagline: str
    description: str
    language: str = "zh"  # the language of tagline, description and price note
    name_en: str | None = None
    platforms: str = ""  # platform refs, as the catalog file writes them: "amazon/us, shopee"
    price_note: str = ""


def _serialise_user(user_id: int) -> None:
    """Hold a lock until commit so one user's parallel submits see each other (duplicates, the daily count)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(User.id).where(User.id == user_id).with_for_update())
    else:
        # SQLite: a write that matches no row still takes the database's single write lock.
        db.session.execute(update(ToolSubmission).where(false()).values(state=ToolSubmission.state)
                           .execution_options(synchronize_session=False))


def submit_tool(user_id: int, data: SubmissionInput, *, daily_limit: int) -> ToolSubmission:
    """A pending submission; refused for a known address or past the daily allowance. Commits."""
    _serialise_user(user_id)
    verdict = check_url(data.url, user_id)
    if verdict.outcome != "new":
        db.session.rollback()
        raise SubmissionRefused(verdict.outcome, verdict.tool)
    if submissions_today(user_id) >= daily_limit:
        db.session.rollback()
        raise SubmissionRefused("daily_limit")
    submission = ToolSubmission(
        user_id=user_id, url=verdict.url, url_normalized=verdict.normalized, name=data.name.strip(),
        name_en=(data.name_en or "").strip() or None, category_id=data.category_id, platforms=data.platforms,
        pricing=data.pricing, price_note=data.price_note.strip(), tagline=data.tagline.strip(),
        description=data.description.strip(), language=data.language, state=PENDING, created_at=clock.now(),
    )
    db.session.add(submission)
    db.session.commit()
    return submission


@dataclass(frozen=True)
class MySubmission:
    submission: ToolSubmission
    tool_slug: str | None  # set once approved, while the tool is public
    category_name_zh: str | None
    category_name_en: str | None

    def category_name(self, lang: str) -> str | None:
        return self.category_name_en if lang == "en" else self.category_name_zh


def user_submissions(user_id: int, limit: int = 200) -> list[MySubmission]:
    """The user's submissions, newest first, with the public tool each approved one became (one query)."""
    rows = db.session.execute(
        select(ToolSubmission, Tool.slug, Tool.status, Category.name_zh, Category.name_en)
        .outerjoin(Tool, Tool.id == ToolSubmission.tool_id)
        .outerjoin(Category, Category.id == ToolSubmission.category_id)
        .where(ToolSubmission.user_id == user_id)
        .order_by(ToolSubmission.created_at.desc(), ToolSubmission.id.desc())
        .limit(limit)
    ).all()
    return [MySubmission(submission, slug if status in PUBLIC_STATUSES else None, name_zh, name_en)
            for submission, slug, status, name_zh, name_en in rows]


def withdraw_submission(submission_id: int, user_id: int) -> None:
    """The submitter takes back a pending submission; someone else's is ``missing``. Commits."""
    taken_back = db.session.execute(
        update(ToolSubmission)
        .where(ToolSubmission.id == submission_id, ToolSubmission.user_id == user_id,
               ToolSubmission.state == PENDING)
        .values(state=ContributionState.WITHDRAWN.value)
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken_back:
        db.session.commit()
        return
    db.session.rollback()
    owned = db.session.scalar(select(ToolSubmission.id).where(ToolSubmission.id == submission_id,
                                                              ToolSubmission.user_id == user_id))
    raise SubmissionRefused("decided" if owned is not None else "missing")
