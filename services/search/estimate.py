"""How common a term is among the most popular tools: a small cached sample that steers retrieval.

PostgreSQL can walk candidates most popular first and stop once the pool is full,
which is cheap exactly when the query matches often near the top of that order;
otherwise collecting every match through GIN is (``engine.plan_for``).
The sample is exactly that region: the token documents of the first
``SAMPLE_SIZE`` tools in pool order, held as one bitset per token (bit i: the
i-th sampled tool has it). A query is evaluated on it with a few integer ANDs
and ORs per atom — microseconds, where checking 1,000 documents one by one cost
10–15 ms for a synonym-expanded query — and no database query.

It only chooses *how* to retrieve, never *what* is found: every plan returns the same rows. So a sample a few
minutes old, or one from before an edit, costs speed at worst, never correctness.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from dataclasses import dataclass
from functools import cached_property

from flask import current_app
from sqlalchemy import select

from extensions import db
from models.search import ToolSearch
from services.search.matching import Atom, MatchQuery

SAMPLE_SIZE = 1000
SAMPLE_SECONDS = 600


@dataclass
class TermSample:
    """The top of pool order: each sampled tool's tokens, sorted."""

    documents: list[list[str]]

    @cached_property
    def _bits(self) -> dict[str, int]:
        """Token → bitset of the sampled documents holding it."""
        bits: dict[str, int] = {}
        for index, tokens in enumerate(self.documents):
            bit = 1 << index
            for token in tokens:
                bits[token] = bits.get(token, 0) | bit
        return bits

    @cached_property
    def _tokens(self) -> list[str]:
        """Every sampled token, sorted: a prefix atom's tokens are one contiguous run."""
        return sorted(self._bits)

    def _atom_bits(self, atom: Atom) -> int:
        if not atom.prefix:
            return self._bits.get(atom.token, 0)
        found = 0
        for token in self._tokens[bisect_left(self._tokens, atom.token):]:
            if not token.startswith(atom.token):
                break
            found |= self._bits[token]
        return found

    def share(self, match: MatchQuery) -> float:
        """The fraction of sampled tools whose document satisfies ``match`` (as ``match.matches`` says)."""
        if not self.documents or not match:
            return 0.0
        everyone = (1 << len(self.documents)) - 1
        result = everyone
        for term in match.terms:
            term_bits = 0
            for alternative in term:
                bits = everyone
                for atom in alternative:
                    bits &= self._atom_bits(atom)
                    if not bits:
                        break
                term_bits |= bits
            result &= term_bits
            if not result:
                return 0.0
        return result.bit_count() / len(self.documents)

    def cut_after(self, rows: float) -> int | None:
        """A pool_key below which about ``rows`` tools lie; None when that is (nearly) all of them."""
        if len(self.percentiles) < 3 or self.rows <= 0:
            return None
        steps = len(self.percentiles) - 1
        index = int(rows * steps / self.rows) + 1
        return self.percentiles[index] if index < steps else None


def load_sample() -> TermSample:
    """Read the sample from the database (one indexed read of SAMPLE_SIZE rows)."""
    rows = db.session.scalars(select(ToolSearch.tokens).order_by(ToolSearch.pool_key).limit(SAMPLE_SIZE))
    return TermSample(documents=[tokens.split(" ") for tokens in rows])


def term_sample() -> TermSample:
    """This app's sample, read again every SAMPLE_SECONDS (per process: it only steers speed)."""
    cached = current_app.extensions.get("search_term_sample")
    now = time.monotonic()
    if cached is None or cached[0] <= now:
        cached = (now + SAMPLE_SECONDS, load_sample())
        current_app.extensions["search_term_sample"] = cached
    return cached[1]
