"""The token query: what retrieval asks of each tool's token document, in one form for both databases.

A query is an AND of terms; a term is an OR of its alternatives (the word as
typed, its synonyms, its pinyin reading, a near spelling, its pieces); an
alternative is an AND of atoms; an atom is one token, matched whole or as a
prefix. The same structure renders as an FTS5 MATCH expression (SQLite), as a
tsquery (PostgreSQL) and is evaluated in Python against a token set (the
sample that steers PostgreSQL's plan), so all three agree on what matches.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass


@dataclass(frozen=True)
class Atom:
    token: str
    prefix: bool = False  # a Latin word matches at the start of a word: "ship" finds "shipping"


Alternative = tuple[Atom, ...]


@dataclass(frozen=True)
class MatchQuery:
    terms: tuple[tuple[Alternative, ...], ...]  # AND of (OR of (AND of atoms))

    def __bool__(self) -> bool:
        return bool(self.terms) and all(self.terms)

    def fts5(self) -> str:
        """An FTS5 MATCH expression: ``("选品" OR ("product" AND "research"*)) AND "tiktok"*``."""
        def atom(a: Atom) -> str:
            return '"' + a.token.replace('"', '""') + '"' + (" *" if a.prefix else "")
        return " AND ".join(_join([_join([atom(a) for a in alt], " AND ") for alt in term], " OR ")
                            for term in self.terms)

    def tsquery(self) -> str:
        """The same as a tsquery literal: ``('选品' | ('product' & 'research':*)) & 'tiktok':*``."""
        def atom(a: Atom) -> str:
            return "'" + a.token.replace("\\", "\\\\").replace("'", "''") + "'" + (":*" if a.prefix else "")
        return " & ".join(_join([_join([atom(a) for a in alt], " & ") for alt in term], " | ")
                          for term in self.terms)

    def tsquery_terms(self) -> list[list[str]]:
        """Each term's alternatives as their own tsquery literals (AND of terms, OR within one)."""
        return [[MatchQuery(((alternative,),)).tsquery() for alternative in term] for term in self.terms]

    def matches(self, tokens: list[str]) -> bool:
        """Whether a sorted token list satisfies the query (Python's answer to the same question)."""
        return all(any(all(_has(tokens, a) for a in alt) for alt in term) for term in self.terms)


def _join(parts: list[str], operator: str) -> str:
    return parts[0] if len(parts) == 1 else "(" + operator.join(parts) + ")"


def _has(tokens: list[str], atom: Atom) -> bool:
    index = bisect_left(tokens, atom.token)
    if index == len(tokens):
        return False
    return tokens[index].startswith(atom.token) if atom.prefix else tokens[index] == atom.token
