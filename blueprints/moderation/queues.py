"""The registries /staff reads: a new queue is one ``register_queue`` call, a new page one ``register_page``.

Each source keeps its own state; the registry only knows how to count it and where it lives.
A module registers its own queue or page next to its views, so adding one touches no shared file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from services import tickets
from services.moderation import certifications, deletions, reports, reviews


@dataclass(frozen=True)
class QueueSource:
    key: str
    label: object  # a lazy string, rendered in the reader's language
    endpoint: str
    count: Callable[[], int]


@dataclass(frozen=True)
class StaffPage:
    """A staff page that is not a queue (catalog, settings, charts), linked from the staff navigation."""

    key: str
    label: object
    endpoint: str
    admin_only: bool = False
    also_current: tuple[str, ...] = ()  # endpoints of its sub-pages, which mark the link current


_QUEUES: dict[str, QueueSource] = {}
_PAGES: dict[str, StaffPage] = {}


def register_queue(source: QueueSource) -> None:
    _QUEUES[source.key] = source


def register_page(page: StaffPage) -> None:
    _PAGES[page.key] = page


def staff_pages(role: str) -> list[StaffPage]:
    """The pages this role may open, in the order they were registered."""
    return [page for page in _PAGES.values() if role == "admin" or not page.admin_only]


def queue_sources() -> list[QueueSource]:
    """Queues in the order they were registered."""
    return list(_QUEUES.values())


def queue_counts() -> list[tuple[QueueSource, int]]:
    """Each queue with its current size (one small COUNT per queue)."""
    return [(source, source.count()) for source in _QUEUES.values()]


register_queue(QueueSource("reviews", _l("Held reviews"), "moderation.held_reviews", reviews.held_count))
register_queue(QueueSource("reports", _l("Reports"), "moderation.reports", reports.open_count))
register_queue(QueueSource("tickets", _l("Feedback and appeals"), "moderation.ticket_queue", tickets.count_open))
register_queue(QueueSource("certifications", _l("Enterprise certifications"), "moderation.certification_queue",
                           certifications.submitted_count))
register_queue(QueueSource("deletions", _l("Deletion requests"), "moderation.deletion_queue",
                           deletions.pending_count))
