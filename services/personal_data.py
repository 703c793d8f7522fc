"""The registry of personal data: every table column that refers to a user, how it is exported and erased.

One entry per (table, column) that holds a user id: a foreign key to ``user_account.id``, or one of
the known columns without a key (logs and the ledger outlive accounts). For each, the registry says
which file of the export carries it (or why it is deliberately left out), and what the purge does to
it. ``tests/test_personal_data_coverage.py`` walks the metadata, so a new table with a user column
fails the suite until someone adds its entry here and decides.

The erasers run in registry order for one account; ``user_account`` comes last because the others
need its phone and files first. Each takes an ``Erasure`` (the account's values before erasing) and
writes in the caller's transaction.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, or_, select, update

from extensions import db
from models import (
    AccessRecord,
    ApiToken,
    Collection,
    CollectionItem,
    ConsentRecord,
    EditSuggestion,
    EnterpriseCertification,
    Favorite,
    HelpfulVote,
    KnownBrowser,
    Notification,
    OutboxMessage,
    PolicyAcceptance,
    Rating,
    Report,
    ReviewState,
    SearchHistory,
    SecurityEvent,
    SmsCode,
    StoreAccount,
    Ticket,
    TicketMessage,
    Tool,
    ToolClaim,
    ToolSubmission,
    ToolView,
    User,
    UserPreference,
    UserSession,
    UserStatus,
    VendorReply,
    WechatIdentity,
)

# Columns that hold a user id without a foreign key; the coverage test adds them to the metadata walk.
KNOWN_UNKEYED_USER_COLUMNS = (
    ("access_record", "user_id"),
    ("erasure_record", "user_id"),
    ("audit_entry", "actor_id"),
    ("audit_entry", "target_id"),  # a user's id (as text) when target_type is "user"
    ("site_setting", "updated_by_id"),
)


@dataclass
class Erasure:
    """One account being erased: its values read before anything changed."""

    user_id: int
    phone: str | None
    email: str | None
    avatar_path: str | None
    was_banned: bool
    upload_dir: str
    # Tools whose rating aggregates the caller recomputes after committing.
    rated_tool_ids: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class Entry:
    """How one user column is exported and erased."""

    table: str
    column: str
    erase: Callable[[Erasure], None]
    erasure: str  # what the purge does, in words (shown to staff and tested)
    export_file: str | None = None  # the export's file that carries it
    excluded: str | None = None  # why it is deliberately not exported


def remove_upload(upload_dir: str, relative: str | None) -> None:
    """Delete one uploaded file, refusing any path that leaves UPLOAD_DIR."""
    if not relative:
        return
    root = Path(upload_dir).resolve()
    target = (root / relative).resolve()
    if root in target.parents and target.is_file():
        os.remove(target)


def _delete_where(model, column) -> Callable[[Erasure], None]:
    def erase(e: Erasure) -> None:
        db.session.execute(delete(model).where(column == e.user_id).execution_options(synchronize_session=False))

    return erase


def _keep(_e: Erasure) -> None:
    """The rows stay, pointing at the anonymised stub: they say nothing about the person any more."""


def _erase_favorites(e: Erasure) -> None:
    # Each removed favorite takes one off its tool's counter, so favorite_count stays exact.
    removed = db.session.execute(
        delete(Favorite).where(Favorite.user_id == e.user_id).returning(Favorite.tool_id)
    ).scalars().all()
    for tool_id in removed:
        db.session.execute(update(Tool).where(Tool.id == tool_id).values(favorite_count=Tool.favorite_count - 1))


def _erase_collections(e: Erasure) -> None:
    owned = select(Collection.id).where(Collection.user_id == e.user_id)
    db.session.execute(delete(CollectionItem).where(CollectionItem.collection_id.in_(owned)))
    db.session.execute(delete(Collection).where(Collection.user_id == e.user_id))


def _erase_helpful_votes(e: Erasure) -> None:
    # Votes go; each review's helpful_count drops by the votes removed, so the count equals the rows.
    removed = db.session.execute(
        delete(HelpfulVote).where(HelpfulVote.user_id == e.user_id).returning(HelpfulVote.rating_id)
    ).scalars().all()
    for rating_id in removed:
        db.session.execute(
            update(Rating).where(Rating.id == rating_id)
            .values(helpful_count=Rating.helpful_count - 1, updated_at=Rating.updated_at)
        )


def _erase_ratings(e: Erasure) -> None:
    # Reviews stay under "deleted user". A banned author's ratings were out of the aggregates because of
    # the ban; the stub is no longer "banned", so they are hidden to stay out (and the counts stay exact).
    e.rated_tool_ids |= set(db.session.scalars(select(Rating.tool_id).where(Rating.user_id == e.user_id)))
    if e.was_banned:
        db.session.execute(
            update(Rating).where(Rating.user_id == e.user_id)
            .values(state=ReviewState.HIDDEN.value, updated_at=Rating.updated_at)
        )


def _detach_reports(e: Erasure) -> None:
    # The report (target and reason) stays in the moderation queue; who sent it and their words do not.
    db.session.execute(update(Report).where(Report.reporter_id == e.user_id).values(reporter_id=None, note=""))


def _erase_tickets(e: Erasure) -> None:
    # Ticket numbers, kinds and dates stay for the record of deadlines met; what the person wrote goes.
    own = select(Ticket.id).where(Ticket.user_id == e.user_id)
    db.session.execute(update(TicketMessage).where(TicketMessage.ticket_id.in_(own)).values(body=""))
    db.session.execute(
        update(Ticket).where(Ticket.user_id == e.user_id)
        .values(contact="", subject="", body="", appeal_value=None)
    )


def _erase_certifications(e: Erasure) -> None:
    paths = db.session.scalars(
        select(EnterpriseCertification.licence_path).where(EnterpriseCertification.user_id == e.user_id)
    ).all()
    db.session.execute(delete(EnterpriseCertification).where(EnterpriseCertification.user_id == e.user_id))
    for path in paths:
        remove_upload(e.upload_dir, path)


def _erase_sms_codes(e: Erasure) -> None:
    # By phone too: codes asked for while signed out carry the number but no user id.
    conditions = [SmsCode.user_id == e.user_id]
    if e.phone:
        conditions.append(SmsCode.phone == e.phone)
    db.session.execute(delete(SmsCode).where(or_(*conditions)))


def _erase_outbox(e: Erasure) -> None:
    # Pending notices must not reach a number or address that may soon belong to someone else.
    conditions = [OutboxMessage.user_id == e.user_id]
    conditions += [OutboxMessage.recipient == value for value in (e.phone, e.email) if value]
    db.session.execute(delete(OutboxMessage).where(or_(*conditions)))


def _anonymise_access_records(e: Erasure) -> None:
    # The same as `flask anonymise-logs` does after the retention period, done now for this account.
    db.session.execute(
        update(AccessRecord).where(AccessRecord.user_id == e.user_id)
        .values(user_id=None, ip=None, user_agent="")
    )


def _detach(model, column) -> Callable[[Erasure], None]:
    def erase(e: Erasure) -> None:
        db.session.execute(update(model).where(column == e.user_id).values({column.key: None}))

    return erase


def _erase_vendor_role(e: Erasure) -> None:
    # The claims go; the tools stay, no longer "claimed by the vendor" (the enterprise can claim again).
    db.session.execute(update(Tool).where(Tool.vendor_id == e.user_id).values(vendor_id=None, vendor_since=None))
    db.session.execute(delete(ToolClaim).where(ToolClaim.user_id == e.user_id))


def _anonymise_user(e: Erasure) -> None:
    """The stub that keeps reviews attributable to "deleted user": every personal field emptied."""
    remove_upload(e.upload_dir, e.avatar_path)
    db.session.execute(
        update(User).where(User.id == e.user_id).values(
            account_name=None, account_name_key=None, display_name="", avatar_path=None, phone=None,
            phone_verified_at=None,
            email=None, email_verified_at=None, certified_at=None, password_hash=None,
            password_changed_at=None, must_change_password=False, role="user",
            status=UserStatus.DELETED.value, ban_reason=None, terms_version=None, terms_accepted_at=None,
            last_seen_at=None,
        )
    )


_STAFF_ACTION = ("A staff member's decision about someone else: it would disclose another user's data, "
                 "and after erasure it points at the anonymised stub.")

REGISTRY: tuple[Entry, ...] = (
    Entry("favorite", "user_id", _erase_favorites, "deleted; tools' favorite counts lowered",
          export_file="favorites.json"),
    Entry("collection", "user_id", _erase_collections, "deleted with their items",
          export_file="collections.json"),
    Entry("helpful_vote", "user_id", _erase_helpful_votes, "deleted; reviews' helpful counts lowered",
          export_file="helpful_votes.json"),
    Entry("rating", "user_id", _erase_ratings,
          "kept under the anonymised stub (\"deleted user\"); hidden if the author was banned",
          export_file="ratings.json"),
    Entry("report", "reporter_id", _detach_reports, "kept for moderation (target, reason); reporter and note removed",
          export_file="reports.json"),
    Entry("tool_view", "user_id", _delete_where(ToolView, ToolView.user_id), "deleted",
          export_file="browsing_history.json"),
    Entry("search_history", "user_id", _delete_where(SearchHistory, SearchHistory.user_id), "deleted",
          export_file="search_history.json"),
    Entry("user_session", "user_id", _delete_where(UserSession, UserSession.user_id), "deleted",
          export_file="sessions.json"),
    Entry("security_event", "user_id", _delete_where(SecurityEvent, SecurityEvent.user_id), "deleted",
          export_file="security_log.json"),
    Entry("known_browser", "user_id", _delete_where(KnownBrowser, KnownBrowser.user_id), "deleted",
          export_file="known_browsers.json"),
    Entry("notification", "user_id", _delete_where(Notification, Notification.user_id), "deleted",
          export_file="notifications.json"),
    Entry("consent_record", "user_id", _delete_where(ConsentRecord, ConsentRecord.user_id), "deleted",
          export_file="consents.json"),
    Entry("store_account", "user_id", _delete_where(StoreAccount, StoreAccount.user_id), "deleted",
          export_file="store_accounts.json"),
    Entry("user_preference", "user_id", _delete_where(UserPreference, UserPreference.user_id), "deleted",
          export_file="preferences.json"),
    Entry("policy_acceptance", "user_id", _delete_where(PolicyAcceptance, PolicyAcceptance.user_id), "deleted",
          export_file="policy_acceptances.json"),
    Entry("ticket", "user_id", _erase_tickets,
          "kept with number, kind and dates for the deadline record; contact, subject, text and messages emptied",
          export_file="tickets.json"),
    Entry("ticket_message", "author_id", _keep,
          "messages on the user's own tickets are emptied with the ticket; staff replies on other people's "
          "tickets stay, pointing at the stub",
          export_file="tickets.json"),
    Entry("enterprise_certification", "user_id", _erase_certifications, "deleted with the licence image files",
          export_file="certifications.json"),
    Entry("enterprise_certification", "decided_by_id", _keep, "kept, pointing at the stub",
          excluded=_STAFF_ACTION),
    Entry("report", "resolved_by_id", _keep, "kept, pointing at the stub", excluded=_STAFF_ACTION),
    Entry("tool", "pricing_verified_by_id", _keep, "kept, pointing at the stub",
          excluded="Which staff member last verified a tool's pricing: a staff action on the catalog."),
    Entry("link_check", "reviewed_by_id", _keep, "kept, pointing at the stub", excluded=_STAFF_ACTION),
    Entry("audit_entry", "actor_id", _keep, "kept: the log is append-only and holds no personal field",
          excluded="The staff audit log keeps user ids and non-personal snapshots only; it records staff "
                   "actions, and is append-only so it cannot be altered."),
    Entry("audit_entry", "target_id", _keep, "kept: the log is append-only and holds no personal field",
          excluded="The staff audit log keeps user ids and non-personal snapshots only; a decision about an "
                   "account is visible to its owner through its effects (ban reason, review states)."),
    Entry("site_setting", "updated_by_id", _keep, "kept, pointing at the erased id",
          excluded="Which admin last changed a site setting: a staff action, not data about the person's use."),
    Entry("policy_version", "created_by_id", _keep, "kept, pointing at the stub",
          excluded="Who published a public policy text: a staff action, not data about the person's own use."),
    Entry("deletion_request", "user_id", _keep,
          "kept as the record of the deletion (ids and dates only), marked completed",
          export_file="deletion_requests.json"),
    Entry("deletion_request", "expedited_by_id", _keep, "kept, pointing at the stub", excluded=_STAFF_ACTION),
    Entry("wechat_identity", "user_id", _delete_where(WechatIdentity, WechatIdentity.user_id),
          "deleted, so the WeChat account can register again", export_file="wechat_identities.json"),
    Entry("outbox_message", "user_id", _erase_outbox, "deleted, also any message addressed to the phone or email",
          export_file="messages_sent.json"),
    Entry("sms_code", "user_id", _erase_sms_codes, "deleted, also codes sent to the phone while signed out",
          excluded="Verification codes are transient and kept only as keyed hashes (HMAC): nothing readable "
                   "to give; the phone they went to is already in profile.json."),
    Entry("tool_submission", "user_id", _detach(ToolSubmission, ToolSubmission.user_id),
          "kept as catalog history, without the submitter", export_file="submissions.json"),
    Entry("tool_submission", "decided_by_id", _keep, "kept, pointing at the stub", excluded=_STAFF_ACTION),
    Entry("edit_suggestion", "user_id", _detach(EditSuggestion, EditSuggestion.user_id),
          "kept as catalog history, without the author", export_file="edit_suggestions.json"),
    Entry("edit_suggestion", "decided_by_id", _keep, "kept, pointing at the stub", excluded=_STAFF_ACTION),
    Entry("search_word_proposal", "proposed_by_id", _keep, "kept as catalog history, pointing at the stub",
          excluded="A moderator's proposed synonym or alias: a staff action on the catalog, not data about the "
                   "person's own use."),
    Entry("search_word_proposal", "decided_by_id", _keep, "kept, pointing at the stub", excluded=_STAFF_ACTION),
    Entry("tool_claim", "user_id", _erase_vendor_role, "deleted; the tools are no longer marked as claimed",
          export_file="vendor.json"),
    Entry("tool_claim", "decided_by_id", _keep, "kept, pointing at the stub", excluded=_STAFF_ACTION),
    Entry("tool", "vendor_id", _erase_vendor_role, "cleared with the claims", export_file="vendor.json"),
    Entry("vendor_reply", "author_id", _delete_where(VendorReply, VendorReply.author_id),
          "deleted: a vendor's reply speaks for an account that no longer exists", export_file="vendor.json"),
    Entry("api_token", "user_id", _delete_where(ApiToken, ApiToken.user_id), "deleted",
          export_file="api_tokens.json"),
    Entry("access_record", "user_id", _anonymise_access_records, "user id, IP and browser removed",
          export_file="access_log.json"),
    Entry("erasure_record", "user_id", _keep, "appended by the purge: the ledger a backup restore re-applies",
          excluded="The erasure ledger only has rows for accounts already erased; a live account has none."),
    Entry("user_account", "id", _anonymise_user,
          "kept as an anonymised stub (status deleted, every personal field emptied, avatar file deleted)",
          export_file="profile.json"),
)


def registry_keys() -> set[tuple[str, str]]:
    return {(entry.table, entry.column) for entry in REGISTRY}


def erase_personal_data(erasure: Erasure) -> None:
    """Run every entry's eraser for one account, in registry order; the caller commits."""
    for entry in REGISTRY:
        entry.erase(erasure)

