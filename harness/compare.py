"""Pure judgement: classify(case, observation) -> Verdict, and agreement with the reference.

The rules are a table (harness/rules): each names its RFC sentence, its level and a check over
the request's facts (from the core, in-process) and the observation. The verdict is the worst
broken rule: FAIL only for a MUST or MUST NOT sentence the observed bytes contradict; WARN for a
SHOULD (or the manifest's `prefer`); INTEROP for a valid request declined or two equivalent
requests split (resolved across cells by relations.py); PASS otherwise, a choice the RFC leaves
open included. Harness trouble (no connection, no answer before the deadline) is ERROR, never a
server failure; a valid handshake to a server that does not claim WebSocket and did not switch is
SKIP (still observed and compared).
"""
from __future__ import annotations

from dataclasses import dataclass

from . import observe as o
from .cases import Case
from .normalise import Decision, decision, differing
from .rules import CHAIN_RULES, RULES, Ctx

PASS, INTEROP, WARN, FAIL, ERROR, SKIP = "pass", "interop", "warn", "fail", "error", "skip"
SECURITY = "security"       # a chain let a request past the proxy (rules/chain.py); not a Fail
RANK = {PASS: 0, SKIP: 0, INTEROP: 1, WARN: 2, SECURITY: 3, ERROR: 3, FAIL: 4}
VERDICT_OF_LEVEL = {"MUST": FAIL, "SHOULD": WARN, "INTEROP": INTEROP, "PREFER": WARN,
                    "SECURITY": SECURITY}


@dataclass(frozen=True)
class Finding:
    rule: str
    rfc: str
    level: str          # the rule's level: MUST | SHOULD | INTEROP | PREFER (or "-" for ERROR)
    verdict: str
    detail: str
    sentence: str = ""  # the requirement's sentence, quoted short


@dataclass(frozen=True)
class Verdict:
    verdict: str
    rule: str
    rfc: str
    level: str
    detail: str
    findings: tuple[Finding, ...] = ()
    sentence: str = ""


def _harness_trouble(obs: o.Observation) -> Verdict | None:
    if obs.decision == o.NOCONNECT:
        return Verdict(ERROR, "connect", "-", "-", "could not connect: " + "; ".join(obs.notes))
    if obs.decision == o.TIMEOUT:
        return Verdict(ERROR, "no-answer", "-", "-", "no response before the deadline")
    return None


def findings(ctx: Ctx) -> tuple[Finding, ...]:
    """Every broken rule of the table for one cell, in table order (a chain to the sentinel:
    of CHAIN_RULES, see rules/__init__.py)."""
    out = []
    for rule in (CHAIN_RULES if ctx.obs.backend is not None else RULES):
        res = rule.check(ctx)
        if res.state == "broken":
            out.append(Finding(rule.id, rule.rfc, rule.level, VERDICT_OF_LEVEL[rule.level],
                               res.detail, rule.sentence))
    return tuple(out)


def worst(found: tuple[Finding, ...], case: Case, obs: o.Observation) -> Verdict:
    if not found:
        return Verdict(PASS, "-", case.rfc, case.level,
                       f"{obs.status or obs.decision}: no rule broken ({case.reason})")
    w = max(found, key=lambda f: RANK[f.verdict])
    return Verdict(w.verdict, w.rule, w.rfc, w.level, w.detail, found, w.sentence)


RELAYING_ROLES = ("proxy", "chain")


def classify(case: Case, obs: o.Observation, supports: tuple[str, ...] | None = None,
             role: str = "origin") -> Verdict:
    """The verdict for one server x case x mode. `supports` is what the server claims to
    implement (the adapter's `supports`; None: not known, every rule binds); `role` the adapter's
    (a proxy or chain row forwards answers it did not make: rules/upgrade.py names_protocol_426)."""
    relays = role in RELAYING_ROLES
    if obs.backend is not None:          # a chain: what reached the backend counts, answered or not
        found = findings(Ctx(case, obs, supports, relays))
        return worst(found, case, obs) if found else (_harness_trouble(obs) or worst((), case, obs))
    trouble = _harness_trouble(obs)
    if trouble is not None:
        return trouble
    ctx = Ctx(case, obs, supports, relays)
    if (ctx.facts.reason == "WS_SWITCH" and not ctx.speaks("websocket") and obs.status != 101):
        return Verdict(SKIP, "not-applicable", case.rfc, case.level,
                       "a valid WebSocket handshake to a server that does not claim websocket")
    return worst(findings(ctx), case, obs)


classify_for = classify

def agreement(ref: o.Observation | None, obs: o.Observation) -> tuple[bool | None, tuple[str, ...]]:
    """(agrees, fields that differ) against the reference's observation of the same case and mode."""
    if ref is None:
        return None, ()
    diff = differing(decision(ref), decision(obs))
    return not diff, diff


def signature(case_id: str, by_server: dict[str, Decision], ref: str) -> tuple:
    """A divergence signature: which servers split from the reference, on which fields.

    Minimisation preserves it; deduplication groups by it."""
    base = by_server.get(ref)
    if base is None:
        return ()
    parts = []
    for name in sorted(by_server):
        if name == ref:
            continue
        diff = differing(base, by_server[name])
        if diff:
            parts.append((name, diff))
    return tuple(parts)
