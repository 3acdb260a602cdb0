"""Checks of the switch itself (RFC 9110 §7.8, §15.2.2, §15.5.22; RFC 7540 §3.2)."""
from __future__ import annotations

import re

from .. import observe as o
from ..normalise import tokens
from ..response import http2_settings
from .ctx import NA, OK, Ctx, Outcome, broken, http09_form, request_line, status_line

# ---- answers that are not HTTP/1.x ----

_HTTP_VERSION = re.compile(rb"HTTP/[0-9]\.[0-9]")


def _no_version(raw: bytes) -> bool:
    """The request line ends in no HTTP-version (method SP target, the form of an HTTP/0.9
    request, or a last part such as `HTP/1.1`): no HTTP/1.x request, so no rule says what kind
    of bytes answer it (servers answer 0.9's way, without a status line, or echo the token)."""
    return http09_form(raw) or not _HTTP_VERSION.fullmatch(request_line(raw).split()[-1])

def answer_is_http(ctx: Ctx) -> Outcome:
    if ctx.obs.decision != o.INVALID:
        return NA if ctx.obs.decision in (o.CLOSE, o.TIMEOUT, o.NOCONNECT) else OK
    if ctx.obs.parse_error == "HPE_INVALID_VERSION":
        return NA                                       # response-version judges it
    if ctx.facts.version == (0, 9) or _no_version(ctx.case.raw):
        return NA       # a request line without a version is HTTP/0.9's: its answer has no head
    if http2_settings(ctx.obs.raw):
        if ctx.case.allow_http2 or ctx.facts.version == (1, 0):
            return NA                                   # prior knowledge; or the HTTP/1.0 rule
        return broken("answered with HTTP/2 frames (a SETTINGS frame) and no 101: bytes that are "
                      "no HTTP/1.1 response on an HTTP/1.1 connection")
    return broken(f"the answer is no HTTP/1.1 response ({ctx.obs.parse_error or 'incomplete head'}): "
                  f"{status_line(ctx)}")


def response_version(ctx: Ctx) -> Outcome:
    if ctx.obs.decision == o.INVALID and ctx.obs.parse_error == "HPE_INVALID_VERSION":
        return broken(f"the status line {status_line(ctx)} names no HTTP/1.x version")
    return OK if ctx.answered else NA


# ---- the switch (101) ----

def names_protocol_101(ctx: Ctx) -> Outcome:
    if ctx.status != 101:
        return NA
    return OK if ctx.upgrade_tokens() else broken("a 101 without Upgrade")


def indicated(proto: str, offer: tuple[str, ...]) -> bool:
    """Whether switching to `proto` is switching to a protocol the client indicated (RFC 9110
    §7.8). protocol = protocol-name ["/" protocol-version]: the names must match; the versions
    only when both name one (a 101 `websocket` answers a `websocket/13` offer)."""
    name, _, version = proto.partition("/")
    for p in offer:
        n, _, v = p.partition("/")
        if n == name and (not version or not v or version == v):
            return True
    return False


def switch_to_offered(ctx: Ctx) -> Outcome:
    up = ctx.upgrade_tokens()
    if ctx.status != 101 or not up:
        return NA
    f = ctx.facts
    offer = f.offered
    stray = [p for p in up if not indicated(p, offer)]
    if not stray:
        return OK
    if not f.complete or f.offered_dropped or ctx.partial:
        return NA                   # the core did not read (or keep) the whole offer: it stopped
                                    # at an error before it (an obs-fold, which a server may
                                    # replace with SP, RFC 9112 §5.2, is one)
    return broken(f"switched to {', '.join(stray)}, which the request's Upgrade does not offer "
                  f"({', '.join(offer) or 'no Upgrade field in the header section'})")


def upgrade_needs_connection(ctx: Ctx) -> Outcome:
    if not ctx.answered or not ctx.obs.header("Upgrade"):
        return NA
    if "upgrade" in tokens(ctx.obs.header("Connection")):
        return OK
    conn = ", ".join(ctx.obs.header("Connection")) or "none"
    return broken(f"{ctx.status} sends Upgrade: {', '.join(ctx.obs.header('Upgrade'))} with "
                  f"Connection: {conn}")


def http10_upgrade_ignored(ctx: Ctx) -> Outcome:
    if ctx.facts.version != (1, 0) or not ctx.facts.offered:
        return NA
    if ctx.status == 101:
        return broken(f"101 switching to {', '.join(ctx.upgrade_tokens()) or '?'} on an HTTP/1.0 "
                      f"request")
    if ctx.obs.decision == o.INVALID and http2_settings(ctx.obs.raw):
        return broken("answered an HTTP/1.0 request's h2c offer with HTTP/2 frames")
    return OK if ctx.answered else NA


def h2c_one_settings(ctx: Ctx) -> Outcome:
    if ctx.status != 101 or "h2c" not in ctx.upgrade_tokens() or not ctx.facts.complete:
        return NA                   # lines past the core's first error are not counted
    n = len(ctx.facts.values("HTTP2-Settings"))
    return OK if n == 1 else broken(f"101 to h2c with {n} HTTP2-Settings field lines")


def h2_not_cleartext(ctx: Ctx) -> Outcome:
    if "h2" not in ctx.facts.offered:
        return NA
    if ctx.status == 101 and "h2" in ctx.upgrade_tokens():
        return broken("101 switching to h2 (HTTP/2 over TLS) on a cleartext connection")
    return OK if ctx.answered else NA


def names_protocol_426(ctx: Ctx) -> Outcome:
    """Binds the server that makes the 426. A proxy forwarding its backend's 426 MUST remove an
    Upgrade the backend named in Connection and SHOULD remove it otherwise (RFC 9110 §7.6.1), so
    a relayed 426 without Upgrade breaks no sentence of the proxy's; what it forwards is judged by
    the chain rules."""
    if ctx.status != 426:
        return NA
    if ctx.upgrade_tokens():
        return OK
    return NA if ctx.relays else broken("a 426 without Upgrade")
