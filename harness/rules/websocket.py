"""Checks of WebSocket opening handshakes (RFC 6455 §4.2, §4.4)."""
from __future__ import annotations

import re

from .. import core
from .ctx import NA, OK, Ctx, Outcome, broken, shown

# ---- WebSocket (RFC 6455) ----

# Reasons for which the core, with the path as a WebSocket resource, finds the request is no valid
# opening handshake (RFC 6455 §4.2.1), whatever a server then answers.
WS_INVALID = frozenset({"WS_NO_CONNECTION_UPGRADE", "WS_NOT_OFFERED", "WS_KEY_MISSING",
                        "WS_KEY_REPEATED", "WS_KEY_INVALID", "WS_VERSION_REPEATED",
                        "WS_VERSION_MISSING", "WS_METHOD", "WS_HTTP10", "UPGRADE_SYNTAX",
                        "METHOD_NOT_IMPLEMENTED"})

# RFC 6455 §4.1: "version = DIGIT | (NZDIGIT DIGIT) | ("1" DIGIT DIGIT) | ("2" DIGIT DIGIT)";
# limited to 0-255 with no leading zeros.
_WS_VERSION = re.compile(rb"0|[1-9][0-9]{0,2}")


def requested_version(facts: core.RequestFacts) -> tuple[str, bytes | None]:
    """("missing", None); ("version", v) for one field line holding one version of the ABNF;
    ("malformed", v) for anything else (empty, a list, a leading zero, past 255, repeated)."""
    values = facts.values("Sec-WebSocket-Version")
    if not values:
        return "missing", None
    value = values[0].strip(b" \t")
    if len(values) == 1 and _WS_VERSION.fullmatch(value) and int(value) <= 255:
        return "version", value
    return "malformed", value


def _ws_attempt(ctx: Ctx) -> bool:
    """The request reads as an attempt at a WebSocket handshake: it offers websocket or sends a
    Sec-WebSocket-Key."""
    return (any(p.partition("/")[0] == "websocket" for p in ctx.facts.offered)
            or ctx.facts.ws_keys > 0)


def _ws_invalid_why(ctx: Ctx) -> str | None:
    """Why the core finds the handshake invalid at a WebSocket resource, or None when it is
    valid or only names a version the core does not speak (RFC 6455 §4.4 allows others)."""
    ws = ctx.ws
    if ws.reason in WS_INVALID:
        return f"{ws.reason}: {core.reason_info(ws.reason).text}"
    if ws.reason == "WS_VERSION_UNSUPPORTED":
        kind, value = requested_version(ctx.facts)
        if kind == "malformed":
            return f"Sec-WebSocket-Version {shown(value)} is no version (RFC 6455 §4.1 ABNF)"
    return None


def refuse_invalid(ctx: Ctx) -> Outcome:
    if not _ws_attempt(ctx):
        return NA
    why = _ws_invalid_why(ctx)
    if why is None:
        return NA
    if ctx.status == 101 and any(p.partition("/")[0] == "websocket" for p in ctx.upgrade_tokens()):
        return broken(f"101 to an invalid handshake ({why})")
    if (ctx.closed_unanswered and ctx.speaks("websocket") and ctx.facts.path == "/live"
            and ctx.facts.version != (1, 0)):
        return broken(f"closed without an HTTP answer to an invalid handshake ({why})")
    return OK if ctx.answered else NA


def accept(ctx: Ctx) -> Outcome:
    if ctx.status != 101 or "websocket" not in [p.partition("/")[0] for p in ctx.upgrade_tokens()]:
        return NA
    if ctx.facts.ws_keys != 1 or ctx.partial or not ctx.facts.ws_key_valid:
        return NA                   # no single valid key to compute from (a server must refuse
                                    # the handshake: refuse_invalid judges it); or the core
                                    # stopped before the end of the head (another key may follow)
    if ctx.obs.accept_ok:
        return OK
    got = ctx.obs.header("Sec-WebSocket-Accept")
    return broken(f"Sec-WebSocket-Accept {', '.join(got) or 'missing'} is not "
                  f"base64(SHA-1(key + GUID)) of the key {shown(ctx.facts.values('Sec-WebSocket-Key')[0])}")


_VERSION_LINE = re.compile(rb"(?im)^(sec-websocket-version[ \t]*:[ \t]*)[^\r\n]*")


def _only_version(ctx: Ctx) -> bool:
    """With version 13 instead, the core finds a valid handshake at the resource: the version is
    the handshake's one fault, so the refusal is for it (a server may refuse a request with
    several faults for any of them, and only this one asks for Sec-WebSocket-Version)."""
    raw = _VERSION_LINE.sub(lambda m: m.group(1) + b"13", ctx.case.raw, count=1)
    path = ctx.facts.path or ""
    return core.facts(raw, policy=f"route {path} websocket\n").reason == "WS_SWITCH"


def version_header(ctx: Ctx) -> Outcome:
    """Binds a server that speaks WebSocket at the resource (the adapter claims websocket and the
    core reached its version check there) for one version of the ABNF other than 13."""
    if ctx.facts.reason != "WS_VERSION_UNSUPPORTED" or not ctx.speaks("websocket"):
        return NA
    kind, value = requested_version(ctx.facts)
    if kind != "version" or ctx.status is None or ctx.status < 400 or not _only_version(ctx):
        return NA
    if ctx.obs.header("Sec-WebSocket-Version"):
        return OK
    return broken(f"{ctx.status} to the unsupported version {shown(value)} without "
                  f"Sec-WebSocket-Version")
