"""Pure judgement: classify(case, observation) -> Verdict, and agreement with the reference.

Each check is a small named function returning a Finding or None. The verdict is the worst
finding. The rule, in one place:

* FAIL only for a MUST broken: the case's level is MUST and the status is outside `expect`
  (except a refusal where the case allows a refusal: see check_status), or a header rule of a
  101/426 is broken (Upgrade on 101/426, the accept value, a switch to a protocol not offered), or
  a WebSocket server's error answer to a version it does not support lacks Sec-WebSocket-Version
  (RFC 6455 §4.4, whatever the error status: see check_version_header), or
  a protocol rule (bytes after a 101 answered as HTTP, a close the RFC requires, an answer that
  is not HTTP/1.x, an HTTP/2 answer the case does not allow), or a close where the RFC requires
  an answer.
* WARN when the case's level is SHOULD or MAY and the status is outside `expect` (or the
  connection was closed without an answer), and for answers the RFC allows but does not prefer.
* PASS for every status in `expect`, unless the manifest's `prefer` names one: then the others warn.

Harness trouble (no connection, no answer before the deadline) is ERROR, never a server failure.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from . import observe as o
from .cases import Case, request_target
from .normalise import Decision, decision, differing, tokens
from .response import http2_settings, request_values

PASS, WARN, FAIL, ERROR, SKIP = "pass", "warn", "fail", "error", "skip"
RANK = {PASS: 0, SKIP: 0, WARN: 1, ERROR: 2, FAIL: 3}

# Rules whose text requires an HTTP response, so that a close without one breaks them (at the
# case's MUST level). Elsewhere a close refuses the request without saying why: a warning where
# the case allows a refusal (RFC 9112 §2.2, §5.5 of RFC 9110: "reject the message").
ANSWER_REQUIRED = {
    "RFC 9112 §3.2": "A server MUST respond with a 400 (Bad Request) status code to any HTTP/1.1 "
                     "request message that lacks a Host header field and to any request message "
                     "that contains more than one Host header field line or a Host header field "
                     "with an invalid field value",
    "RFC 9112 §5.1": "A server MUST reject, with a response status code of 400 (Bad Request), any "
                     "received request message that contains whitespace between a header field "
                     "name and colon",
    "RFC 9112 §5.2": "A server that receives an obs-fold in a request message ... MUST either "
                     "reject the message by sending a 400 (Bad Request) ... or replace each "
                     "received obs-fold with one or more SP octets",
    "RFC 9112 §6.3": "the server MUST respond with a 400 (Bad Request) status code and then close "
                     "the connection",
    "RFC 6455 §4.2.1": "the server MUST stop processing the client's handshake and return an HTTP "
                       "response with an appropriate error code (such as 400 Bad Request)",
    "RFC 6455 §4.4": "it MUST abort the WebSocket handshake described in this section and instead "
                     "send an appropriate HTTP error code (such as 426 Upgrade Required) and a "
                     "|Sec-WebSocket-Version| header field",
}


@dataclass(frozen=True)
class Finding:
    rule: str
    rfc: str
    level: str          # MUST | SHOULD | MAY
    verdict: str        # PASS (an accepted answer that ends the checks) | WARN | FAIL | ERROR
    detail: str


@dataclass(frozen=True)
class Verdict:
    verdict: str
    rule: str
    rfc: str
    level: str
    detail: str
    findings: tuple[Finding, ...] = ()


def offered(case: Case) -> tuple[tuple[str, ...], bool]:
    """The protocols the request's Upgrade lists (lower-case, in order; llhttp through
    libsyresp, obs-folds joined, any HTTP/x.y), and whether that list is all of them: False when
    llhttp refused the head before its end, so that fields after that point are unknown."""
    values, complete = request_values(case.raw, "Upgrade")
    return tokens([v.decode("latin-1") for v in values]), complete


def indicated(proto: str, offer: tuple[str, ...]) -> bool:
    """Whether switching to `proto` is switching to a protocol the client indicated (RFC 9110
    §7.8). protocol = protocol-name ["/" protocol-version]: the names must match; the versions
    only when both name one, since a protocol without a version names no particular version
    (a 101 `websocket` answers a `websocket/13` offer; `websocket/8` does not)."""
    name, _, version = proto.partition("/")
    for p in offer:
        n, _, v = p.partition("/")
        if n == name and (not version or not v or version == v):
            return True
    return False


def _speaks(supports: tuple[str, ...] | None, proto: str) -> bool:
    """Whether rules for servers that implement `proto` apply (None: not known, assume so)."""
    return supports is None or proto in supports


def _refusal(status: int | None) -> bool:
    return status is not None and status >= 400


def check_answered(case: Case, obs: o.Observation, supports=None) -> Finding | None:
    if obs.decision == o.NOCONNECT:
        return Finding("connect", "-", "MUST", ERROR, "could not connect: " + "; ".join(obs.notes))
    if obs.decision == o.TIMEOUT:
        return Finding("no-answer", "-", "MUST", ERROR, "no response before the deadline")
    if obs.decision == o.INVALID:
        if http2_settings(obs.raw):
            if case.allow_http2:
                return Finding("http2-answer", "RFC 9113 §3.3", case.level, PASS,
                               "answered with an HTTP/2 server preface (SETTINGS): prior knowledge")
            return Finding("http2-answer", "RFC 9110 §7.8", "MUST", FAIL,
                           "answered with HTTP/2 frames (a SETTINGS frame) and no 101: a switch "
                           "the request did not get (a protocol change is announced by a 101; an "
                           "HTTP/1.0 request's Upgrade must be ignored)")
        if obs.parse_error == "HPE_INVALID_VERSION":
            line = obs.raw.split(b"\r\n", 1)[0][:40].decode("latin-1")
            return Finding("invalid-response", "RFC 9110 §6.2", "MUST", FAIL,
                           f"the status line {line!r} names no HTTP/1.x version: a server MUST NOT "
                           f"send a version to which it is not conformant")
        return Finding("invalid-response", "RFC 9112 §4", "MUST", FAIL,
                       f"response is not valid HTTP/1.1 ({obs.parse_error or 'incomplete head'})")
    if obs.decision == o.CLOSE:
        return _closed(case, supports)
    return None


def _closed(case: Case, supports) -> Finding:
    """A close without an answer. A close refuses the request, saying nothing: it can stand in for
    an error status but never for a 101, a 2xx/3xx or a 426 (which must name a protocol)."""
    exp = _fmt(case.expect)
    if case.level != "MUST":
        return Finding("closed-without-status", case.rfc, case.level, WARN,
                       f"closed the connection without an answer; expected {exp}")
    required = ANSWER_REQUIRED.get(case.rfc)
    if required is not None and case.rfc.startswith("RFC 6455") and not _speaks(supports, "websocket"):
        required = None             # RFC 6455's server is a WebSocket server
    if required is not None:
        return Finding("closed-without-status", case.rfc, "MUST", FAIL,
                       f"closed the connection without an answer; expected {exp} ({case.rfc}: "
                       f"\"{required}\")")
    if any(_refusal(s) and s != 426 for s in case.expect):
        return Finding("closed-without-status", case.rfc, "MUST", WARN,
                       f"closed the connection without an answer; expected {exp} (a close refuses "
                       f"the request too, without saying why)")
    return Finding("closed-without-status", case.rfc, "MUST", FAIL,
                   f"closed the connection without an answer; expected {exp} (a close is no such "
                   f"answer)")


def check_status(case: Case, obs: o.Observation, supports=None) -> Finding | None:
    st = obs.status
    exp = _fmt(case.expect)
    if st in case.expect:
        if case.prefer is not None and st != case.prefer:
            return Finding("status", case.rfc, case.level, WARN,
                           f"{st}: allowed, but the manifest prefers {case.prefer}")
        return None
    if case.level != "MUST":
        return Finding("status", case.rfc, case.level, WARN, f"{st}; expected {exp}")
    if _refusal(st) and any(_refusal(s) for s in case.expect):
        return Finding("status", case.rfc, case.level, WARN,
                       f"refused with {st}; expected {exp} (a refusal either way)")
    return Finding("status", case.rfc, case.level, FAIL, f"{st}; expected {exp}")


def check_101_headers(case: Case, obs: o.Observation, supports=None) -> Finding | None:
    if obs.status != 101:
        return None
    up = tokens(obs.header("Upgrade"))
    if len(up) != 1:
        return Finding("101-upgrade", "RFC 9110 §15.2.2", "MUST", FAIL,
                       f"a 101 must name the one protocol switched to in Upgrade, got {up or 'none'}")
    offer, complete = offered(case)
    if not indicated(up[0], offer) and complete:
        return Finding("101-upgrade", "RFC 9110 §7.8", "MUST", FAIL,
                       f"switched to {up[0]!r}, which the client did not offer ({offer or 'none'})")
    if "upgrade" not in tokens(obs.header("Connection")):
        return Finding("101-connection", "RFC 9110 §7.8", "MUST", FAIL,
                       "a sender of Upgrade must also send the upgrade connection option")
    if up[0].partition("/")[0] == "websocket" and obs.accept_ok is not True:
        return Finding("101-accept", "RFC 6455 §4.2.2", "MUST", FAIL,
                       "Sec-WebSocket-Accept is missing or not SHA-1(key + GUID)")
    return None


def check_426_headers(case: Case, obs: o.Observation, supports=None) -> Finding | None:
    if obs.status != 426:
        return None
    if not tokens(obs.header("Upgrade")):
        return Finding("426-upgrade", "RFC 9110 §15.5.22", "MUST", FAIL,
                       "a 426 must send Upgrade naming the required protocol")
    if "upgrade" not in tokens(obs.header("Connection")):
        return Finding("426-connection", "RFC 9110 §7.8", "MUST", WARN,
                       "Upgrade sent without the upgrade connection option")
    return None


# RFC 6455 §4.1 (Sec-WebSocket-Version-Client = version): "version = DIGIT | (NZDIGIT DIGIT) |
# ("1" DIGIT DIGIT) | ("2" DIGIT DIGIT) ; Limited to 0-255 range, with no leading zeros"
_WS_VERSION = re.compile(rb"0|[1-9][0-9]{0,2}")


def requested_version(case: Case) -> tuple[str, bytes | None]:
    """What the request's Sec-WebSocket-Version asks for (llhttp through libsyresp):
    ("missing", None), ("version", value) for one field line holding one version of the ABNF
    (0-255, no leading zeros), or ("malformed", value) for anything else (an empty value, a list,
    a leading zero, a number past 255, the field repeated)."""
    values, _ = request_values(case.raw, "Sec-WebSocket-Version")
    if not values:
        return "missing", None
    value = values[0].strip(b" \t")
    if len(values) == 1 and _WS_VERSION.fullmatch(value) and int(value) <= 255:
        return "version", value
    return "malformed", value


def check_version_header(case: Case, obs: o.Observation, supports=None) -> Finding | None:
    """RFC 6455 §4.4: "If the server doesn't support the requested version, it MUST respond with a
    |Sec-WebSocket-Version| header field (or multiple |Sec-WebSocket-Version| header fields)
    containing all versions it is willing to use." (§4.2.2's /version/ step: "an appropriate HTTP
    error code (such as 426 Upgrade Required) and a |Sec-WebSocket-Version| header field"; §4.4's
    own example answers 400 Bad Request with it.) So every error answer counts, not only a 426.

    It binds a server that speaks WebSocket on the resource: the adapter claims `websocket` and
    the reference reached its version check on this request (reason WS_VERSION_*: the WebSocket
    endpoint, a handshake otherwise valid). A 426-only endpoint has no versions to name. The MUST
    is for a requested version the server does not support: one version of the ABNF that is not
    13. A value that is no version (empty, "13, 8", "013", "1337") makes the handshake invalid
    (§4.2.1: any error code, no header required) and is a version request only in a server's
    lenient reading, so its absence warns; so does it on a 426 to a request that named no version
    (nothing requested is unsupported)."""
    if not _refusal(obs.status) or obs.header("Sec-WebSocket-Version"):
        return None
    if not _speaks(supports, "websocket"):
        return None
    if case.reason == "WS_VERSION_UNSUPPORTED":
        kind, value = requested_version(case)
        shown = (value or b"").decode("latin-1")
        if kind == "version":
            return Finding("ws-version", "RFC 6455 §4.4", "MUST", FAIL,
                           f"{obs.status} to the unsupported version {shown!r} without "
                           f"Sec-WebSocket-Version naming the versions this server speaks")
        return Finding("ws-version", "RFC 6455 §4.4", "MUST", WARN,
                       f"{obs.status} without Sec-WebSocket-Version; the request's {shown!r} is no "
                       f"version of the ABNF (§4.2.1 allows any error for it; §4.4's MUST binds "
                       f"where the server read it as a version it does not support)")
    if case.reason == "WS_VERSION_MISSING" and obs.status == 426:
        return Finding("ws-version", "RFC 6455 §4.4", "SHOULD", WARN,
                       "no Sec-WebSocket-Version naming the versions this server speaks (the "
                       "request named none: §4.4's MUST is for a version it does not support)")
    return None


def check_tail(case: Case, obs: o.Observation, supports=None) -> Finding | None:
    if obs.tail is None or case.must_close:        # check_must_close judges a must-close tail
        return None
    if obs.status == 101:
        if obs.tail == "http":
            return Finding("tail-after-101", "RFC 9110 §7.8", "MUST", FAIL,
                           "bytes after a 101 were answered as HTTP/1.1")
        return None
    if obs.tail == "protocol":
        return Finding("tail-after-refusal", "RFC 9110 §7.8", "MUST", FAIL,
                       "after a refused upgrade the next bytes were not treated as HTTP/1.1")
    if obs.tail == "silent" and case.tail != "ws":
        # (frame bytes after a refusal are no complete request line: an HTTP/1.1 server that
        # waits for the rest of it is not tunnelling)
        return Finding("tail-after-refusal", "RFC 9110 §7.8", "SHOULD", WARN,
                       "a request sent after the refused upgrade got no answer (tunnel on intent?)")
    return None


def check_must_close(case: Case, obs: o.Observation, supports=None) -> Finding | None:
    """The manifest's `must_close`: the RFC requires the server to close after answering this
    request, whatever the answer (RFC 9112 §6.1 for Content-Length with Transfer-Encoding and for
    Transfer-Encoding in HTTP/1.0, §6.3 for framing it answers with 400)."""
    if not case.must_close or obs.status is None:
        return None
    if obs.tail == "http":
        return Finding("must-close", case.rfc, "MUST", FAIL,
                       f"answered {obs.status}, then answered another request on the same "
                       f"connection ({obs.tail_status}): the connection must be closed after "
                       f"responding")
    if obs.fate == "open":
        after = "a request sent after it got no answer and " if obs.tail == "silent" else ""
        return Finding("must-close", case.rfc, "MUST", FAIL,
                       f"answered {obs.status}, then {after}the connection stayed open: it must "
                       f"be closed after responding")
    return None


CHECKS = (check_answered, check_status, check_101_headers, check_426_headers, check_version_header,
          check_tail, check_must_close)


def classify(case: Case, obs: o.Observation, supports: tuple[str, ...] | None = None) -> Verdict:
    """The verdict for one server x case x mode: the worst finding, or PASS. `supports` is what
    the server claims to implement (the adapter's `supports`; None: not known)."""
    findings: list[Finding] = []
    for check in CHECKS:
        f = check(case, obs, supports)
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


def switch_targets(case: Case) -> tuple[str, ...]:
    """The protocols a case can only be passed by switching to, or () when some answer other
    than a switch passes it."""
    if any(s != 101 for s in case.expect):
        return ()
    return switch_protocols(case)


def switch_protocols(case: Case) -> tuple[str, ...]:
    """What a 101 to this case's request would switch to. A WebSocket handshake (websocket
    offered, Sec-WebSocket-Key sent) switches to WebSocket alone: the other protocols it lists
    cannot be switched to on it (h2c needs exactly one HTTP2-Settings, RFC 7540 §3.2.1)."""
    offer, _ = offered(case)
    names = tuple(dict.fromkeys(p.partition("/")[0] for p in offer))
    if "websocket" in names and request_values(case.raw, "Sec-WebSocket-Key")[0]:
        return ("websocket",)
    return names


def applicable(case: Case, supports: tuple[str, ...]) -> str | None:
    """Why a case does not apply to a server (None when it does): a case that only a switch can
    pass, to a protocol the server does not claim to implement. Every other case is judged."""
    targets = switch_targets(case)
    if not targets or any(p in supports for p in targets):
        return None
    return f"server does not claim {'/'.join(targets)}"


def _targets_ws_resource(case: Case) -> bool:
    """The request line names the WebSocket endpoint (/live, origin- or absolute-form)."""
    target = request_target(case.raw)
    if target is None:
        return False
    path = urlsplit(target).path if "://" in target else target.split("?", 1)[0]
    return path == "/live"


def judged_as(case: Case, supports: tuple[str, ...] | None) -> Case:
    """The case as a server without WebSocket is judged on it. Where the WebSocket endpoint's
    handshake expects a 101 beside other answers, such a server's 101 stands as its refusal, 426
    naming the protocol the resource requires (RFC 9110 §15.5.22): nginx-426 answers a handshake
    after an empty line as it answers one without. A 101 from it still fails."""
    if (supports is None or _speaks(supports, "websocket") or 101 not in case.expect
            or switch_protocols(case) != ("websocket",) or not _targets_ws_resource(case)):
        return case
    expect = tuple(dict.fromkeys(426 if s == 101 else s for s in case.expect))
    return replace(case, expect=expect, prefer=426 if case.prefer == 101 else case.prefer)


def classify_for(case: Case, obs: o.Observation, supports: tuple[str, ...]) -> Verdict:
    """classify(), with SKIP for a case the server does not claim to support (still observed),
    and a WebSocket endpoint's 101 read as 426 for a server without WebSocket (judged_as)."""
    why = applicable(case, supports)
    if why is not None:
        return Verdict(SKIP, "not-applicable", case.rfc, case.level, why)
    return classify(judged_as(case, supports), obs, supports)
