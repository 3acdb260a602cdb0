"""Chain rules (issue 15): what a proxy forwarded to the sentinel behind it, judged from both ends.

A chain cell's observation carries `backend` (chain.BackendConn per backend connection the case
touched: the bytes the sentinel received, read by the core, and where it answered). Every check
here is NA for any other cell. Levels: MUST where a sentence of RFC 9110 §7.6.1 binds what an
intermediary forwards; SHOULD for §7.6.1's list of fields to remove; SECURITY for what no MUST
forbids in so many words but lets a request past the proxy (a tunnel the backend never agreed
to, bytes forwarded before the backend's answer, a body read as a request, a denied path reached,
an upgrade relayed to a protocol the proxy cannot read): a finding of its own, never a Fail.
"""
from __future__ import annotations

from .. import chain
from .ctx import NA, OK, Ctx, Outcome, Rule, broken, shown

ADMIN = "/admin"            # every proxy config denies it (403); the sentinel answers it
OPAQUE = ("h2c", "tls")     # protocols a proxy relays blind once switched (h2c smuggling)


def _conns(ctx: Ctx):
    return ctx.obs.backend


def _upgrade_offer(f) -> bool:
    # CONNECT opens a tunnel of its own with a 2xx (RFC 9110 §9.3.6): what follows it is no
    # upgrade's early data, and its 200 no refused upgrade
    return bool(f is not None and f.offered and "upgrade" in f.connection_options
                and f.method != "CONNECT")


def _http(conn: chain.BackendConn):
    return [m for m in conn.messages() if m.kind == "http"]


def _where(conn: chain.BackendConn) -> str:
    return f"backend connection {conn.id}"


# ---- tunnels and early data (RFC 9110 §7.8: the protocol changes only with a 101) ----

def tunnel_no_101(ctx: Ctx) -> Outcome:
    if _conns(ctx) is None:
        return NA
    for conn in _conns(ctx):
        msgs = conn.messages()
        for i, m in enumerate(msgs):
            if m.kind != "http" or not _upgrade_offer(m.facts):
                continue
            a = conn.answer_to(m)
            if a is None or a.status == 101:
                continue
            raw = [x for x in msgs[i + 1:] if x.kind in ("garbage", "raw")]
            if raw:
                return broken(f"the backend refused the upgrade ({a.status}), then received "
                              f"{shown(conn.data[raw[0].start:raw[0].end])} on the same "
                              f"connection ({_where(conn)}): bytes that are no HTTP request, "
                              f"relayed as if the connection had switched")
    return OK


def early_data(ctx: Ctx) -> Outcome:
    if _conns(ctx) is None:
        return NA
    for conn in _conns(ctx):
        for m in _http(conn):
            if not _upgrade_offer(m.facts):
                continue
            a = conn.answer_to(m)
            if a is not None and a.rx > m.end:
                return broken(f"{a.rx - m.end} byte(s) after the upgrade request "
                              f"({shown(conn.data[m.end:a.rx])}) reached the backend before its "
                              f"{a.status} ({_where(conn)})")
    return OK


# ---- smuggling and access rules ----

def body_smuggled(ctx: Ctx) -> Outcome:
    """The client's request had content; at the backend, after the head of that request as it
    was forwarded, a message starts inside the content. Only content the core framed counts
    (Content-Length or chunked): past a syntax error it reads no content, only bytes after."""
    f = ctx.facts
    if _conns(ctx) is None or not f.complete or f.error is not None or f.message_len <= f.head_len:
        return NA
    content = ctx.case.raw[f.head_len:f.message_len]
    for conn, fwd in _forwarded(ctx):
        # the content may also match the forwarded head's own bytes ("GET /" of "GET /live")
        at = conn.data.find(content, fwd.start + fwd.facts.head_len)
        if at < 0:
            continue
        for m in conn.messages():
            if at <= m.start < at + len(content):
                what = m.facts.method + " " + (m.facts.target or "") if m.facts else m.kind
                return broken(f"the request's content {shown(content, 40)} reached the backend "
                              f"as the start of another message ({what}: "
                              f"{shown(conn.data[m.start:m.end], 60)}, {_where(conn)})")
    return OK


def admin_bypass(ctx: Ctx) -> Outcome:
    if _conns(ctx) is None:
        return NA
    for conn in _conns(ctx):
        for m in _http(conn):
            if (m.facts.path or "").startswith(ADMIN):
                return broken(f"the backend received {shown(conn.data[m.start:m.end], 80)} as an "
                              f"HTTP/1.1 request ({_where(conn)}), past the proxy's deny rule")
        for p in conn.h2_paths:
            if p.startswith(ADMIN):
                return broken(f"the backend received an HTTP/2 request for {p} inside the h2c "
                              f"connection the proxy relayed ({_where(conn)}), past its deny rule")
    return OK


# ---- hop-by-hop fields (RFC 9110 §7.6.1, §7.8) ----

def _forwarded(ctx: Ctx):
    """The backend's reading of the client's (first) request: messages with its method and path."""
    f = ctx.facts
    for conn in _conns(ctx) or ():
        for m in _http(conn):
            if m.facts.method == f.method and m.facts.path == f.path:
                yield conn, m


def connection_named(ctx: Ctx) -> Outcome:
    f = ctx.facts
    if _conns(ctx) is None or not f.complete:
        return NA
    # "upgrade" names Upgrade, which a proxy relaying an upgrade sends as its own option; what
    # it relays is judged by upgrade-not-offered and h2c-tls-relayed
    named = [o for o in f.connection_options if o != "upgrade" and f.values(o)]
    if not named:
        return NA
    for conn, m in _forwarded(ctx):
        seen = []
        for opt in named:
            mine = [v for v in f.values(opt) if v]
            got = [g for g in m.facts.values(opt) if any(v in g for v in mine)]
            if got:
                seen.append(f"{opt}: {shown(got[0], 60)}")
        if seen:
            return broken(f"the client named {', '.join(named)} in Connection; the backend "
                          f"received {'; '.join(seen)} ({_where(conn)})")
    return OK


def upgrade_not_offered(ctx: Ctx) -> Outcome:
    f = ctx.facts
    if _conns(ctx) is None or not f.complete or not f.upgrade_lines or "upgrade" in f.connection_options:
        return NA
    for conn, m in _forwarded(ctx):
        if m.facts.upgrade_lines:
            conn_opts = ", ".join(m.facts.connection_options) or "none"
            return broken(f"the client sent Upgrade without the upgrade connection option (no "
                          f"upgrade request); the backend received Upgrade: "
                          f"{', '.join(m.facts.offered) or '?'} (Connection: {conn_opts}; "
                          f"{_where(conn)})")
    return OK


def opaque_relayed(ctx: Ctx) -> Outcome:
    f = ctx.facts
    mine = [p for p in f.offered if p.split("/")[0] in OPAQUE]
    if _conns(ctx) is None or not f.complete or not mine:
        return NA
    for conn, m in _forwarded(ctx):
        theirs = [p for p in m.facts.offered if p.split("/")[0] in OPAQUE]
        if theirs:
            return broken(f"the client's Upgrade: {', '.join(mine)} reached the backend as "
                          f"Upgrade: {', '.join(theirs)} ({_where(conn)})"
                          + (f"; it switched to {conn.switched}" if conn.switched else ""))
    return OK


CHAIN_RULES: tuple[Rule, ...] = (
    Rule("chain-connection-named", "RFC 9110 §7.6.1", "MUST",
         "Intermediaries MUST parse a received Connection header field before a message is "
         "forwarded and, for each connection-option in this field, remove any header or trailer "
         "field(s) from the message with the same name as the connection-option, and then remove "
         "the Connection header field itself (or replace it with the intermediary's own control "
         "options for the forwarded message).", connection_named),
    Rule("chain-upgrade-not-offered", "RFC 9110 §7.6.1", "SHOULD",
         "Furthermore, intermediaries SHOULD remove or replace fields that are known to require "
         "removal before forwarding, whether or not they appear as a connection-option, after "
         "applying those fields' semantics. This includes but is not limited to: Proxy-Connection, "
         "Keep-Alive, TE, Transfer-Encoding, and Upgrade. [An Upgrade the client did not name in "
         "Connection is no upgrade request; forwarded, it lets the backend switch.]",
         upgrade_not_offered),
    Rule("chain-h2c-tls-relayed", "RFC 9110 §7.8", "SECURITY",
         "A sender of Upgrade MUST also send an \"Upgrade\" connection option in the Connection "
         "header field (Section 7.6.1) to inform intermediaries not to forward this field. [A "
         "proxy that relays an h2c or TLS upgrade to its backend then tunnels a protocol it does "
         "not read: requests inside it are never seen by its access rules (h2c smuggling).]",
         opaque_relayed),
    Rule("chain-tunnel-no-101", "RFC 9110 §7.8", "SECURITY",
         "A server MAY ignore a received Upgrade header field if it wishes to continue using the "
         "current protocol on that connection. [The backend refused the upgrade: its connection "
         "is still HTTP/1.1, and the proxy relayed bytes that are no HTTP request onto it, as a "
         "tunnel opened on the client's intent.]", tunnel_no_101),
    Rule("chain-early-data", "RFC 9110 §7.8", "SECURITY",
         "A server MAY ignore a received Upgrade header field if it wishes to continue using the "
         "current protocol on that connection. [Until the backend's 101 the connection is "
         "HTTP/1.1: bytes the client sent after the upgrade request and the proxy forwarded "
         "before that answer are read as HTTP if the backend refuses.]", early_data),
    Rule("chain-body-smuggled", "RFC 9112 §11.2", "SECURITY",
         "Request smuggling ([Linhart]) is a technique that exploits differences in protocol "
         "parsing among various recipients to hide additional requests (which might otherwise be "
         "blocked or disabled by policy) within an apparently harmless request. [The content of "
         "an upgrade request reached the backend as the start of another request.]",
         body_smuggled),
    Rule("chain-admin-bypass", "proxy access rule", "SECURITY",
         "[Every proxy config denies /admin with 403. The backend received a request for /admin: "
         "through a tunnel the proxy opened, or inside a protocol it relayed (0ang3el's "
         "WebSocket and BishopFox's h2c smuggling classes).]", admin_bypass),
)
