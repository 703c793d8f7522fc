"""The staff side: the queue with its duplicate warnings, edits before approval, and the decisions.

Approving creates the tool through ``services.moderation.catalog_tools.create_tool``, so validation,
the slug, search rows, the catalog version and the ``tool.create`` audit entry are the editor's own.
A submission carries its tagline, description and price note in one language; the tool needs both,
so the other language starts as a copy (a Chinese tagline on the English page beats an empty one)
unless staff give a translation when they approve from the edit form.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, fields

from sqlalchemy import func, select, update

from extensions import db
from models import Category, ContributionState, Pricing, Tool, ToolSubmission, User
from services import audit, clock, notifications
from services.moderation import catalog_tools
from services.moderation.catalog_tools import ToolActionError, ToolFields
from services.submissions.intake import SubmissionRefused, web_address

PENDING = ContributionState.PENDING.value
STATES = tuple(state.value for state in ContributionState)
PER_PAGE = 50


def pending_count() -> int:
    """Submissions waiting for staff: the queue's number in the staff navigation."""
    return db.session.scalar(
        select(func.count()).select_from(ToolSubmission).where(ToolSubmission.state == PENDING)
    ) or 0


# ---- the queue -----------------------------------------------------------------------------------

@dataclass
class QueueRow:
    submission: ToolSubmission
    submitter: User | None  # None once the submitter's account is erased
    category: Category | None
    parent: Category | None
    listed_tool: Tool | None = None  # a tool (any status) with the same normalised address
    same_address: list[ToolSubmission] = field(default_factory=list)  # other pending ones of the same address


def queue_page(state: str, page: int, per_page: int = PER_PAGE):
    """A page of submissions in ``state`` ("" for all), oldest first, each with its duplicates.

    Five queries whatever the page size: the page (and its count), submitters, categories, tools and
    submissions sharing an address.
    """
    statement = select(ToolSubmission)
    if state:
        statement = statement.where(ToolSubmission.state == state)
    pagination = db.paginate(statement.order_by(ToolSubmission.created_at, ToolSubmission.id),
                             page=page, per_page=per_page, error_out=False, count=True)
    submissions = list(pagination.items)
    user_ids = {s.user_id for s in submissions if s.user_id is not None}
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(user_ids)))} if user_ids else {}
    categories = {category.id: (category, parent) for category, parent in catalog_tools.categories_in_order()}
    addresses = {s.url_normalized for s in submissions}
    tools, others = {}, defaultdict(list)
    if addresses:
        listed = db.session.scalars(select(Tool).where(Tool.url_normalized.in_(addresses)))
        tools = {tool.url_normalized: tool for tool in listed}
        for other in db.session.scalars(
            select(ToolSubmission).where(ToolSubmission.url_normalized.in_(addresses), ToolSubmission.state == PENDING)
            .order_by(ToolSubmission.created_at, ToolSubmission.id)
        ):
            others[other.url_normalized].append(other)
    rows = []
    for submission in submissions:
        category, parent = categories.get(submission.category_id, (None, None))
        rows.append(QueueRow(
            submission, users.get(submission.user_id), category, parent,
            listed_tool=tools.get(submission.url_normalized),
            same_address=[o for o in others[submission.url_normalized] if o.id != submission.id],
        ))
    pagination.items = rows
    return pagination


def submission_for_edit(submission_id: int) -> ToolSubmission | None:
    """One submission, any state, freshly read (the edit form compares against what is stored now)."""
    return db.session.get(ToolSubmission, submission_id, populate_existing=True)


# ---- decisions -----------------------------------------------------------------------------------

def _lock_pending(submission_id: int) -> ToolSubmission:
    """The submission, locked until commit (a row lock on PostgreSQL, the write lock on SQLite), if still pending.

    The no-op UPDATE is the lock: a second moderator's decision waits, then finds it decided.
    """
    locked = db.session.execute(
        update(ToolSubmission).where(ToolSubmission.id == submission_id, ToolSubmission.state == PENDING)
        .values(state=ToolSubmission.state).execution_options(synchronize_session=False)
    ).rowcount
    if not locked:
        db.session.rollback()
        exists = db.session.scalar(select(ToolSubmission.id).where(ToolSubmission.id == submission_id))
        raise SubmissionRefused("missing" if exists is None else "decided")
    return db.session.get(ToolSubmission, submission_id, populate_existing=True)


@dataclass(frozen=True)
class SubmissionChanges:
    """The submission's fields as staff set them in the edit form (already checked by the form)."""

    url: str
    name: str
    name_en: str | None
    category_id: int | None
    platforms: str
    pricing: str
    price_note: str
    tagline: str
    description: str
    language: str


EDITABLE = tuple(each.name for each in fields(SubmissionChanges))


def edit_submission(submission_id: int, changes: SubmissionChanges, *, staff_id: int, reason: str = "",
                    commit: bool = True) -> list[str]:
    """Apply staff's corrections to a pending submission; returns the changed field names (audited)."""
    submission = _lock_pending(submission_id)
    address = web_address(changes.url)
    if address is None:
        db.session.rollback()
        raise SubmissionRefused("invalid_url")
    before = {name: getattr(submission, name) for name in EDITABLE}
    for name in EDITABLE:
        setattr(submission, name, getattr(changes, name))
    submission.url, submission.url_normalized = address
    after = {name: getattr(submission, name) for name in EDITABLE}
    changed = [name for name in EDITABLE if before[name] != after[name]]
    if changed:
        audit.record(actor_id=staff_id, action="submission.edit", target_type="submission", target_id=submission_id,
                     before={name: before[name] for name in changed}, after={name: after[name] for name in changed},
                     reason=reason)
    if commit:
        db.session.commit()
    else:
        db.session.flush()
    return changed


@dataclass(frozen=True)
class Translation:
    """Staff's text in the submission's other language; empty parts are copied from the given language."""

    tagline: str = ""
    description: str = ""


def tool_fields_for(submission: ToolSubmission, translation: Translation = Translation()) -> ToolFields:
    """The published tool a submission becomes; raises SubmissionRefused (``category``, ``platforms``, …)."""
    address = web_address(submission.url)
    if address is None:
        raise SubmissionRefused("invalid_url")
    category = db.session.get(Category, submission.category_id) if submission.category_id else None
    if category is None or db.session.scalar(select(Category.id).where(Category.parent_id == category.id).limit(1)):
        raise SubmissionRefused("category")  # gone, or has children: tools live in leaf categories
    platforms, unknown = catalog_tools.parse_platform_refs(submission.platforms)
    if unknown:
        raise SubmissionRefused("platforms")
    if submission.pricing not in {pricing.value for pricing in Pricing}:
        raise SubmissionRefused("pricing")
    given = "en" if submission.language == "en" else "zh"
    other = "zh" if given == "en" else "en"
    name_en = submission.name_en if submission.name_en and submission.name_en != submission.name else None
    note = submission.price_note or None
    texts = {
        f"tagline_{given}": submission.tagline, f"tagline_{other}": translation.tagline or submission.tagline,
        f"description_{given}": submission.description,
        f"description_{other}": translation.description or submission.description,
    }
    return ToolFields(
        name=submission.name, name_en=name_en, slug=catalog_tools.suggest_slug(submission.name, name_en),
        url=address[0], category_id=category.id, platforms=platforms, pricing=submission.pricing,
        price_note_zh=note, price_note_en=note, **texts,
    )


def approve_submission(submission_id: int, *, staff_id: int, reason: str = "",
                       translation: Translation = Translation()) -> Tool:
    """Publish the submitted tool, tell the submitter, audit both; a taken address refuses with nothing created."""
    submission = _lock_pending(submission_id)
    try:
        tool_fields = tool_fields_for(submission, translation)
    except SubmissionRefused:
        db.session.rollback()
        raise
    if catalog_tools.url_taken_by(tool_fields.url, None) is not None:
        db.session.rollback()
        raise SubmissionRefused("duplicate")
    now = clock.now()
    submission.state = ContributionState.APPROVED.value
    submission.reason = reason
    submission.decided_by_id = staff_id
    submission.decided_at = now
    # Audit entry and notice join the session first: create_tool commits them together with the tool.
    audit.record(actor_id=staff_id, action="submission.approve", target_type="submission", target_id=submission_id,
                 before={"state": PENDING}, after={"state": submission.state, "tool": tool_fields.slug}, reason=reason)
    if submission.user_id is not None:
        notifications.notify(submission.user_id, "submission_approved", tool=submission.name,
                             slug=tool_fields.slug, reason=reason)
    try:
        tool = catalog_tools.create_tool(tool_fields, actor_id=staff_id,
                                         reason=f"submission #{submission_id}" + (f": {reason}" if reason else ""))
    except ToolActionError as error:  # the address or slug was taken a moment ago; everything rolled back
        raise SubmissionRefused("taken") from error
    # create_tool has committed; only the link to the new tool is left (the notice already carries its slug).
    db.session.execute(update(ToolSubmission).where(ToolSubmission.id == submission_id).values(tool_id=tool.id)
                       .execution_options(synchronize_session=False))
    db.session.commit()
    return tool


def reject_submission(submission_id: int, *, staff_id: int, reason: str) -> ToolSubmission:
    """Refuse with a reason the submitter reads in the inbox. Commits."""
    reason = (reason or "").strip()
    if not reason:
        raise SubmissionRefused("reason")
    submission = _lock_pending(submission_id)
    submission.state = ContributionState.REJECTED.value
    submission.reason = reason
    submission.decided_by_id = staff_id
    submission.decided_at = clock.now()
    audit.record(actor_id=staff_id, action="submission.reject", target_type="submission", target_id=submission_id,
                 before={"state": PENDING}, after={"state": submission.state}, reason=reason)
    if submission.user_id is not None:
        notifications.notify(submission.user_id, "submission_rejected", tool=submission.name, reason=reason)
    db.session.commit()
    return submission
