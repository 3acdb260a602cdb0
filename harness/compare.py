"""Pure judgement: classify(case, observation) -> Verdict, and agreement with the reference.

Each check is a small named function returning a Finding or None. A finding at the case's MUST
level fails, a SHOULD/MAY or an RFC-allowed alternative warns. Harness trouble (no connection, no
answer before the deadline) is ERROR, never a server failure.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import observe as o
from .cases import Case
from .normalise import Decision, decision, differing, tokens
from .reasons import preferred_status
from .response import request_fields

PASS, WARN, FAIL, ERROR, SKIP = "pass", "warn", "fail", "error", "skip"
RANK = {PASS: 0, SKIP: 0, WARN: 1, ERROR: 2, FAIL: 3}


@dataclass(frozen=True)
class Finding:
    rule: str
    rfc: str
    level: str          # MUST | SHOULD | MAY
    verdict: str        # WARN | FAIL | ERROR
    detail: str


@dataclass(frozen=True)
class Verdict:
    verdict: str
    rule: str
    rfc: str
    level: str
    detail: str
    findings: tuple[Finding, ...] = ()


def _requested_protocols(case: Case) -> tuple[str, ...]:
    # llhttp (harness/respparse), not a Python parser; repeated field lines form one list
    return tokens([v.decode("latin-1") for v in request_fields(case.raw, "Upgrade")])


def check_answered(case: Case, obs: o.Observation) -> Finding | None:
    if obs.decision == o.NOCONNECT:
        return Finding("connect", "-", "MUST", ERROR, "could not connect: " + "; ".join(obs.notes))
    if obs.decision == o.TIMEOUT:
        return Finding("no-answer", "-", "MUST", ERROR, "no response before the deadline")
    if obs.decision == o.INVALID:
        return Finding("invalid-response", "RFC 9112 §4", "MUST", FAIL,
                       f"response is not valid HTTP/1.1 ({obs.parse_error or 'incomplete head'})")
    if obs.decision == o.CLOSE:
        if min(case.expect) >= 400:
            return Finding("closed-without-status", "RFC 9112 §9.6", "SHOULD", WARN,
                           "closed the connection instead of answering with an error status")
        return Finding("closed-without-status", case.rfc, case.level, FAIL,
                       f"closed the connection; expected {_fmt(case.expect)}")
    return None


def check_status(case: Case, obs: o.Observation) -> Finding | None:
    st = obs.status
    if st in case.expect:
        preferred = preferred_status(case.reason, case.expect)
        if st != preferred:
            return Finding("status", case.rfc, case.level, WARN,
                           f"{st}: an allowed alternative to {preferred} ({case.reason})")
        return None
    exp = _fmt(case.expect)
    if st == 101 or 101 in case.expect:
        verdict = FAIL if case.level == "MUST" else WARN
        return Finding("status", case.rfc, case.level, verdict, f"{st}; expected {exp}")
    if st is not None and st >= 400 and min(case.expect) >= 400:
        return Finding("status", case.rfc, case.level, WARN,
                       f"refused with {st}; expected {exp} (a refusal either way)")
    verdict = FAIL if case.level == "MUST" else WARN
    return Finding("status", case.rfc, case.level, verdict, f"{st}; expected {exp}")


def check_101_headers(case: Case, obs: o.Observation) -> Finding | None:
    if obs.status != 101:
        return None
    up = tokens(obs.header("Upgrade"))
    if len(up) != 1:
        return Finding("101-upgrade", "RFC 9110 §15.2.2", "MUST", FAIL,
                       f"a 101 must name the one protocol switched to in Upgrade, got {up or 'none'}")
    offered = _requested_protocols(case)
    if up[0] not in offered and up[0].split("/")[0] not in offered:
        return Finding("101-upgrade", "RFC 9110 §7.8", "MUST", FAIL,
                       f"switched to {up[0]!r}, which the client did not offer ({offered or 'none'})")
    if "upgrade" not in tokens(obs.header("Connection")):
        return Finding("101-connection", "RFC 9110 §7.8", "MUST", FAIL,
                       "a sender of Upgrade must also send the upgrade connection option")
    if up[0] == "websocket" and obs.accept_ok is not True:
        return Finding("101-accept", "RFC 6455 §4.2.2", "MUST", FAIL,
                       "Sec-WebSocket-Accept is missing or not SHA-1(key + GUID)")
    return None


def check_426_headers(case: Case, obs: o.Observation) -> Finding | None:
    if obs.status != 426:
        return None
    if not tokens(obs.header("Upgrade")):
        return Finding("426-upgrade", "RFC 9110 §15.5.22", "MUST", FAIL,
                       "a 426 must send Upgrade naming the required protocol")
    if "upgrade" not in tokens(obs.header("Connection")):
        return Finding("426-connection", "RFC 9110 §7.8", "MUST", WARN,
                       "Upgrade sent without the upgrade connection option")
    if case.reason in ("WS_VERSION_UNSUPPORTED", "WS_VERSION_MISSING") and not obs.header("Sec-WebSocket-Version"):
        return Finding("426-version", "RFC 6455 §4.4", "MUST", FAIL,
                       "a version mismatch must be answered with Sec-WebSocket-Version")
    return None


def check_tail(case: Case, obs: o.Observation) -> Finding | None:
    if obs.tail is None:
        return None
    if obs.status == 101:
        if obs.tail == "http":
            return Finding("tail-after-101", "RFC 9110 §7.8", "MUST", FAIL,
                           "bytes after a 101 were answered as HTTP/1.1")
        return None
    if obs.tail == "protocol":
        return Finding("tail-after-refusal", "RFC 9110 §7.8", "MUST", FAIL,
                       "after a refused upgrade the next bytes were not treated as HTTP/1.1")
    if obs.tail == "silent":
        return Finding("tail-after-refusal", "RFC 9110 §7.8", "SHOULD", WARN,
                       "a request sent after the refused upgrade got no answer (tunnel on intent?)")
    return None


CHECKS = (check_answered, check_status, check_101_headers, check_426_headers, check_tail)


def classify(case: Case, obs: o.Observation) -> Verdict:
    """The verdict for one server x case x mode: the worst finding, or PASS."""
    findings: list[Finding] = []
    for check in CHECKS:
        f = check(case, obs)
        if f is not None:
            findings.append(f)
            if check is check_answered:
                break
    if not findings:
        return Verdict(PASS, "status", case.rfc, case.level, f"{obs.status} as expected")
    worst = max(findings, key=lambda f: RANK[f.verdict])
    return Verdict(worst.verdict, worst.rule, worst.rfc, worst.level, worst.detail, tuple(findings))


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


def _fmt(expect: tuple[int, ...]) -> str:
    return " or ".join(str(x) for x in expect)


def applicable(case: Case, supports: tuple[str, ...]) -> str | None:
    """Why a case does not apply to a server (None when it does): a case that only a switch can
    pass, for a protocol the server does not claim to implement."""
    if case.expect != (101,):
        return None
    offered = _requested_protocols(case)
    if not offered or any(p.split("/")[0] in supports for p in offered):
        return None
    return f"server does not claim {'/'.join(offered)}"


def classify_for(case: Case, obs: o.Observation, supports: tuple[str, ...]) -> Verdict:
    """classify(), with SKIP for a case the server does not claim to support (still observed)."""
    why = applicable(case, supports)
    if why is not None:
        return Verdict(SKIP, "not-applicable", case.rfc, case.level, why)
    return classify(case, obs)
