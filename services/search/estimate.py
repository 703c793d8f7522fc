"""How common a term is among the most popular tools: a small cached sample that steers retrieval.

Retrieval walks candidates most popular first and stops after the pool is full,
so what decides its cost is how often the query matches near the top of that order.
The sample is exactly that region: the token documents of the first
``SAMPLE_SIZE`` tools in pool order. Evaluating a query on it is a few hundred
microseconds of Python and no query.

It only chooses *how* to retrieve (which term drives, how far a band reaches),
never *what* is found: every plan returns the same rows. So a sample a few
minutes old, or one from before an edit, costs speed at worst, never correctness.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select, text

from extensions import db
from models.search import ToolSearch
from services.search.matching import MatchQuery

SAMPLE_SIZE = 1000
SAMPLE_SECONDS = 600


@dataclass
class TermSample:
    """The top of pool order, and (PostgreSQL) where pool_key's percentiles fall."""

    documents: list[list[str]]  # each sampled tool's tokens, sorted
    # pool_key at 0 %, 1 %, … 100 % of the rows (PostgreSQL's own statistics), and the row count.
    percentiles: list[int] = field(default_factory=list)
    rows: int = 0

    def share(self, match: MatchQuery) -> float:
        """The fraction of sampled tools whose document satisfies ``match``."""
        if not self.documents:
            return 0.0
        return sum(1 for tokens in self.documents if match.matches(tokens)) / len(self.documents)

    def cut_after(self, rows: float) -> int | None:
        """A pool_key below which about ``rows`` tools lie; None when that is (nearly) all of them."""
        if len(self.percentiles) < 3 or self.rows <= 0:
            return None
        steps = len(self.percentiles) - 1
        index = int(rows * steps / self.rows) + 1
        return self.percentiles[index] if index < steps else None


def _postgres_percentiles() -> tuple[list[int], int]:
    """pool_key's histogram and the table's row estimate, as ANALYZE (or autovacuum) left them."""
    bounds = db.session.execute(text(
        "SELECT histogram_bounds::text FROM pg_stats "
        "WHERE schemaname = current_schema() AND tablename = 'tool_search' AND attname = 'pool_key'"
    )).scalar()
    rows = db.session.execute(text("SELECT reltuples FROM pg_class WHERE oid = 'tool_search'::regclass")).scalar()
    if not bounds or not rows or rows < 0:
        return [], 0
    return [int(value) for value in bounds.strip("{}").split(",")], int(rows)


def load_sample() -> TermSample:
    """Read the sample from the database (one indexed read of SAMPLE_SIZE rows)."""
    rows = db.session.scalars(select(ToolSearch.tokens).order_by(ToolSearch.pool_key).limit(SAMPLE_SIZE))
    sample = TermSample(documents=[tokens.split(" ") for tokens in rows])
    if db.session.get_bind().dialect.name == "postgresql":
        sample.percentiles, sample.rows = _postgres_percentiles()
    return sample


def term_sample() -> TermSample:
    """This app's sample, read again every SAMPLE_SECONDS (per process: it only steers speed)."""
    cached = current_app.extensions.get("search_term_sample")
    now = time.monotonic()
    if cached is None or cached[0] <= now:
        cached = (now + SAMPLE_SECONDS, load_sample())
        current_app.extensions["search_term_sample"] = cached
    return cached[1]
