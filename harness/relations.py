"""Judgements across cells: a valid request declined against the textbook control, and requests
RFC 9110 makes equivalent decided differently. Pure: cells in, cells out.

Per cell, the rule `declined-valid` (rules/message.py) marks a valid handshake the server did not
switch on. Whether that is an interoperability finding depends on another cell: the same
server's answer, in the same delivery mode, to the textbook handshake (CONTROL). If the server
switched there, it accepts WebSocket and declines this valid variant: INTEROP. If it did not, the
server declines WebSocket on the whole (its right, RFC 9110 §7.8) and the finding is dropped.

A manifest's `equivalent_to` names a case whose request RFC 9110 makes equivalent to this one
(§5.3: one field line or the same list over several; token case; §5.6.1: OWS and empty list
elements). A server whose decision class differs between the two, in the same mode, gets the
rule `equivalent-requests` (INTEROP) on the variant, naming the pair.
"""
from __future__ import annotations

from dataclasses import replace

from . import compare
from .cases import CONTROL, Case
from .compare import Finding
from .matrix import Cell
from .normalise import decision
from .rules import BY_ID

def _declined(f: Finding, control: Cell | None) -> Finding | None:
    if control is None:
        return replace(f, detail=f"{f.detail}; the control {CONTROL} was not run in this mode, so "
                                 f"whether the server accepts the textbook handshake is unknown")
    if control.obs.status != 101:
        return None
    return replace(f, detail=f"{f.detail}, while it switches on the textbook handshake "
                             f"{CONTROL} (101) in the same mode")


def _equivalence(case: Case, cell: Cell, other: Cell | None) -> Finding | None:
    if other is None or other.event or cell.event:
        return None
    mine, theirs = decision(cell.obs), decision(other.obs)
    if mine.decision == theirs.decision:
        return None
    rule = BY_ID["equivalent-requests"]
    return Finding(rule.id, case.equivalence_rfc or rule.rfc, rule.level, compare.INTEROP,
                   f"{mine.decision} {mine.status or ''} here, {theirs.decision} "
                   f"{theirs.status or ''} to the equivalent request {case.equivalent_to} "
                   f"({case.equivalence_rfc or rule.rfc})".replace("  ", " "), rule.sentence)


def resolve(cells: list[Cell], cases: list[Case]) -> list[Cell]:
    """Every cell with its cross-cell findings resolved and its verdict recomputed."""
    by_id = {c.id: c for c in cases}
    at = {(c.server, c.case, c.mode): c for c in cells}
    out = []
    for cell in cells:
        case = by_id.get(cell.case)
        v = cell.verdict
        if case is None or v.verdict in (compare.ERROR, compare.SKIP):
            out.append(cell)
            continue
        found: list[Finding] = []
        for f in v.findings:
            if f.rule == "declined-valid":
                f = _declined(f, at.get((cell.server, CONTROL, cell.mode)))
            if f is not None:
                found.append(f)
        if case.equivalent_to:
            eq = _equivalence(case, cell, at.get((cell.server, case.equivalent_to, cell.mode)))
            if eq is not None:
                found.append(eq)
        if tuple(found) != v.findings:
            cell = replace(cell, verdict=compare.worst(tuple(found), case, cell.obs))
        out.append(cell)
    return out
