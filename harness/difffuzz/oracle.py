"""The oracle: the reference's decision (the core, in-process) and the rules' verdicts.

Nothing is judged here that the report does not judge the same way: an input becomes a `Case`
as the corpus loader would build it (its reason is the core's decision), the exchange becomes an
`Observation` through observe.py, and compare.classify applies the rules table (harness/rules).
A finding is a broken MUST rule (a Fail) of one server, or a *divergence*: a server that switched
protocols where the reference refuses the request for a MUST-level reason, the one place where
the rules leave a server a single class of answer (not a switch) that no specific rule names. On
a chain to the sentinel (a proxy in front of apps/sentinel.py) the observation carries what the
backend received, and the chain rules' SECURITY verdicts (a request let past the proxy) are
findings too, of kind "security".
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from .. import catalog, compare, core, observe
from ..cases import Case, retarget
from ..compare import Verdict
from ..observe import Observation
from ..rules.message import framing_may_be_valid

FUZZ_TOPIC = "fuzz"
DIVERGENCE = "divergence-switch"        # the rule id a divergence is filed under
# the HTTP/2 connection preface (RFC 9113 §3.4): HTTP/2 frames are an allowed answer to it, as the
# corpus's `allow_http2` cases say (prior knowledge, RFC 9113 §3.3)
H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def input_id(raw: bytes) -> str:
    return hashlib.sha1(raw).hexdigest()[:12]


def case_for(raw: bytes) -> Case | None:
    """The input as a corpus case: None when the core does not decide it (the head or its content
    does not end: every server would wait, and only a deadline would answer)."""
    try:
        f = core.facts(raw)
    except ValueError:
        return None
    if not f.decided:
        return None
    info = core.reason_info(f.reason)
    tail = "ws" if f.fate == "switch" and f.proto == "websocket" else "http"
    # bytes of the input's own after the message (a pipelined request), or after the head of a
    # request the core refuses (a server may read them as a request of its own): they, not a
    # probe, are what comes next on the connection, and the tail rules would judge the probe
    end = f.message_len if f.error is None else f.head_len
    if len(raw) > min(f.consumed, end or len(raw)) or not end:
        tail = None
    return Case(id=f"{FUZZ_TOPIC}/x{input_id(raw)}", raw=raw, reason=f.reason,
                description="a differential-fuzzing input", status=info.status, rfc=info.rfc,
                level=info.level, modes=("whole",), tail=tail,
                allow_http2=raw.startswith(H2_PREFACE))


def sent_for(case: Case, paths: dict) -> bytes:
    """The bytes a server gets: its WebSocket endpoint and plain resource where the reference's are
    (matrix.run_one does the same)."""
    return retarget(case.raw, catalog.path_map(paths))


@dataclass(frozen=True)
class Judged:
    verdict: Verdict
    fails: tuple[compare.Finding, ...]     # broken MUST rules (Fail) and, on a chain, SECURITY
    divergence: compare.Finding | None     # verdicts of the chain rules, in table order


# Reasons whose sentence leaves a server one class of answer, "do not switch": a MUST to refuse
# (RFC 9112 §3.2 Host, §5.1, §2.2, §6.3 framing) or to ignore the Upgrade (RFC 9110 §7.8, HTTP/1.0). Left out on purpose: limits a server chooses (414, 431,
# 413), reasons that allow processing (obs-fold, bare CR, CTLs: reject OR replace), SHOULDs.
NO_SWITCH = frozenset({
    "UPGRADE_IGNORED_HTTP10", "HOST_MISSING", "HOST_REPEATED", "HOST_INVALID",
    "CONTENT_LENGTH_INVALID", "CONTENT_LENGTH_REPEATED", "TE_UNSUPPORTED", "SPACE_BEFORE_COLON",
    "SPACE_AFTER_START_LINE"})
# The handshake's own rules (RFC 6455 §4.2.1) forbid a switch *to WebSocket* only: a switch to
# another offered protocol (h2c) on the same request is the server's choice. Not here: a version
# other than 13 (RFC 6455 §4.4 lets a server speak others) and WebSocket not offered (a switch to
# what was offered is allowed; to websocket, switch-to-offered names it).
NO_WS_SWITCH = frozenset({
    "WS_HTTP10", "WS_NO_CONNECTION_UPGRADE", "WS_VERSION_MISSING", "WS_METHOD",
    "WS_VERSION_REPEATED", "WS_KEY_MISSING", "WS_KEY_REPEATED", "WS_KEY_INVALID"})


def divergence(case: Case, obs: Observation) -> compare.Finding | None:
    """A switch where the reference refuses for a NO_SWITCH reason."""
    f = core.facts(case.raw)
    to_ws = any(v.strip().lower().startswith("websocket") for v in obs.header("Upgrade"))
    if obs.status != 101 or not (f.reason in NO_SWITCH or (f.reason in NO_WS_SWITCH and to_ws)):
        return None
    if framing_may_be_valid(f.reason, case.raw):
        return None         # the framing rules' own exception: a recipient may read it
    info = core.reason_info(f.reason)
    return compare.Finding(DIVERGENCE, info.rfc, "MUST", compare.FAIL,
                           f"switched (101) where the reference refuses with {f.status} "
                           f"{f.reason}: {info.text}", f"[{info.rfc}, MUST] {info.text}")


FINDING_VERDICTS = (compare.FAIL, compare.SECURITY)


def judge(case: Case, obs: Observation, supports: tuple[str, ...] | None,
          role: str = "origin") -> Judged:
    """The rules' verdict as the report gives it for a server of this `role` (a proxy or a chain
    relays answers it did not make: compare.classify)."""
    v = compare.classify(case, obs, supports, role)
    fails = tuple(x for x in v.findings if x.verdict in FINDING_VERDICTS)
    # a divergence only where no rule already names what is wrong with the answer; never on a
    # chain to the sentinel, which switches on any offer (the chain rules judge that row)
    chained = obs.backend is not None
    div = divergence(case, obs) if not fails and not chained and v.verdict != compare.ERROR else None
    return Judged(v, fails, div)


def kind_of(f: compare.Finding, j: Judged) -> str:
    if f is j.divergence:
        return "divergence"
    return "security" if f.verdict == compare.SECURITY else "fail"


def observation(case: Case, ex, sent: bytes) -> Observation:
    """observe.py's Observation of one exchange (the report's own path)."""
    return observe.observe(case, ex, sent)
