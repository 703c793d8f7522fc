"""Moderators' proposals of search words: a synonym group or a tool alias, which an admin accepts or declines.

A proposal is checked by the same rules as the change itself when it is made and
again when it is accepted (the catalog may have moved on meanwhile); accepting
applies it as the admin's change (``staff_words``), so the audit log names both:
the proposal's entry its author, the change's entry the admin. Nobody decides
their own proposal. Services flush; the view commits.
"""

from __future__ import annotations

from sqlalchemy import func, select

from extensions import db
from models import Tool
from models.search import SearchWordProposal
from services import audit, clock
from services.moderation.taxonomy import REASON_MAX, Problem, clean_line, raise_if, refuse
from services.search import staff_words

PENDING, ACCEPTED, DECLINED = "pending", "accepted", "declined"


def pending_count() -> int:
    return db.session.scalar(select(func.count()).select_from(SearchWordProposal)
                             .where(SearchWordProposal.state == PENDING)) or 0


def pending() -> list[tuple[SearchWordProposal, Tool | None]]:
    """Open proposals, oldest first, each with its tool (aliases)."""
    return list(db.session.execute(
        select(SearchWordProposal, Tool).outerjoin(Tool, Tool.id == SearchWordProposal.tool_id)
        .where(SearchWordProposal.state == PENDING).order_by(SearchWordProposal.created_at, SearchWordProposal.id)))


def _recorded(proposal: SearchWordProposal, actor_id: int, action: str, note: str = "") -> None:
    audit.record(actor_id=actor_id, action=f"search_word_proposal.{action}", target_type="search_word_proposal",
                 target_id=proposal.id, before=None,
                 after={"kind": proposal.kind, "terms": proposal.terms, "category_id": proposal.category_id,
                        "tool_id": proposal.tool_id, "alias": proposal.alias, "source": proposal.source},
                 reason=(note or "")[:REASON_MAX])


def propose_synonyms(terms: list[str], category_id: int | None, *, query: str, actor_id: int,
                     note: str = "") -> SearchWordProposal:
    staff_words.check_synonyms(terms, category_id)
    proposal = SearchWordProposal(kind="synonym", query=clean_line(query)[:200], terms="\n".join(terms),
                                  category_id=category_id, proposed_by_id=actor_id, note=(note or "")[:500])
    db.session.add(proposal)
    db.session.flush()
    _recorded(proposal, actor_id, "create", note)
    return proposal


def propose_alias(tool_slug: str, fields: staff_words.AliasFields, *, query: str, actor_id: int,
                  note: str = "") -> SearchWordProposal:
    tool = staff_words.check_alias(tool_slug, fields)
    proposal = SearchWordProposal(kind="alias", query=clean_line(query)[:200], tool_id=tool.id, alias=fields.name,
                                  source=fields.source, proposed_by_id=actor_id, note=(note or "")[:500])
    db.session.add(proposal)
    db.session.flush()
    _recorded(proposal, actor_id, "create", note)
    return proposal


def _open(proposal_id: int, actor_id: int) -> SearchWordProposal:
    proposal = db.session.get(SearchWordProposal, proposal_id)
    if proposal is None or proposal.state != PENDING:
        raise refuse("proposal_decided")
    if proposal.proposed_by_id == actor_id:
        raise refuse("proposal_own")
    return proposal


def accept(proposal_id: int, *, actor_id: int, reason: str = "") -> SearchWordProposal:
    """Apply the proposal as the admin's change; refused when its rules no longer hold."""
    proposal = _open(proposal_id, actor_id)
    why = reason or f"proposal #{proposal.id}"
    if proposal.kind == "synonym":
        staff_words.add_synonyms(proposal.term_list, proposal.category_id, actor_id=actor_id, reason=why)
    else:
        tool = db.session.get(Tool, proposal.tool_id) if proposal.tool_id else None
        raise_if([] if tool else [Problem("tool", "tool_missing")])
        staff_words.add_alias(tool.slug, staff_words.AliasFields(proposal.alias, proposal.source),
                              actor_id=actor_id, reason=why)
    proposal.state, proposal.decided_by_id, proposal.decided_at = ACCEPTED, actor_id, clock.now()
    db.session.flush()
    _recorded(proposal, actor_id, "accept", reason)
    return proposal


def decline(proposal_id: int, *, actor_id: int, reason: str = "") -> SearchWordProposal:
    proposal = _open(proposal_id, actor_id)
    proposal.state, proposal.decided_by_id, proposal.decided_at = DECLINED, actor_id, clock.now()
    db.session.flush()
    _recorded(proposal, actor_id, "decline", reason)
    return proposal
