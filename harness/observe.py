"""Exchange (raw bytes from wire.py) + Case -> Observation (what the server decided, parsed by llhttp).

Nothing is judged here: compare.py judges, normalise.py decides what is benign.
"""
from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field

from . import core, response
from .cases import Case
from .wire import Exchange

WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"   # RFC 6455 §1.3
RAW_CAP = 8192                                       # response bytes kept for the report

# decision classes (the first element of the decision tuple)
SWITCH, REQUIRED, REJECT, SERVED, OTHER, CLOSE, TIMEOUT, INVALID, NOCONNECT = (
    "switch", "upgrade-required", "reject", "served", "other", "close", "timeout", "invalid",
    "no-connect")


@dataclass(frozen=True)
class Observation:
    decision: str                       # one of the classes above
    status: int | None = None
    version: str = ""
    reason_phrase: str = ""
    headers: tuple[tuple[str, str], ...] = ()      # in order, original case
    body_len: int = 0
    parse_error: str | None = None
    accept_ok: bool | None = None       # Sec-WebSocket-Accept recomputed (only for a 101)
    fate: str = ""                      # "open" | "closed" | "reset" after the exchange
    tail: str | None = None             # "http" | "protocol" | "silent" | "closed" | None (not sent)
    tail_status: int | None = None
    after_101: bytes = b""              # bytes that came after a 101 head (first + tail + late)
    extra_statuses: tuple[int, ...] = ()  # further responses on the connection (pipelining)
    raw: bytes = b""                    # everything received, capped at RAW_CAP
    elapsed: float = 0.0
    notes: tuple[str, ...] = field(default=())
    backend: tuple | None = None        # a chain to the sentinel: what it received during the
                                        # case (chain.BackendConn per connection); None otherwise
    after_switch: str | None = None     # after a 101 to h2c or TLS, what the driver saw when it
                                        # spoke that protocol ("h2:200", "tls:failed": switched.py)

    def header(self, name: str) -> list[str]:
        low = name.lower()
        return [v for n, v in self.headers if n.lower() == low]


def expected_accept(key: bytes) -> str:
    """RFC 6455 §4.2.2 step 5.4: base64(SHA-1(key + GUID)), with the key's surrounding spaces trimmed."""
    return base64.b64encode(hashlib.sha1(key.strip(b" \t") + WS_GUID).digest()).decode()


def _classify_status(status: int) -> str:
    if status == 101:
        return SWITCH
    if status == 426:
        return REQUIRED
    if 200 <= status < 400:
        return SERVED
    if status >= 400:
        return REJECT
    return OTHER


def _tail(case: Case, ex: Exchange, switched: bool) -> tuple[str | None, int | None]:
    if not ex.tail_sent:
        # a connection that closed once the answer was complete cannot take the tail: the same
        # observation as a tail sent just before that close (which of the two it was is timing)
        if case.tail and ex.first_complete and (ex.eof or ex.reset):
            return "closed", None
        return None, None
    if ex.tail:
        if not switched or ex.tail.startswith(b"HTTP/"):
            r = response.parse(ex.tail, eof=ex.eof)
            if r.head_complete or (r.error is None and ex.tail.startswith(b"HTTP/")):
                return "http", r.status or None
        return "protocol", None
    if ex.eof or ex.reset:
        return "closed", None
    return "silent", None


def observe(case: Case, ex: Exchange, sent: bytes | None = None) -> Observation:
    """Turn one exchange into an Observation. `sent` is the request bytes if not case.raw."""
    sent = case.raw if sent is None else sent
    raw = (ex.first + ex.tail + ex.late)[:RAW_CAP]
    fate = "reset" if ex.reset and not ex.eof else ("closed" if ex.eof else "open")
    notes = []
    if ex.truncated:
        notes.append("response truncated at wire.MAX_READ")
    if not ex.paced:
        notes.append("delivery not paced (sock_diag unavailable): may not repeat")
    if ex.stalled_at >= 0:
        notes.append(f"the server stopped reading after {ex.stalled_at} bytes; the rest went in one write")
    if ex.connect_error:
        return Observation(decision=NOCONNECT, fate="closed", notes=(ex.connect_error,),
                           elapsed=ex.elapsed)
    if not ex.first:
        decision = TIMEOUT if ex.first_timeout else CLOSE
        return Observation(decision=decision, fate=fate, raw=raw, elapsed=ex.elapsed,
                           tail=None, notes=tuple(notes))
    eof_in_first = ex.eof and ex.eof_phase in ("send", "first")
    resps, _ = response.parse_all(ex.first + (b"" if ex.tail_sent else ex.late), eof=eof_in_first,
                                  no_body=sent.startswith(b"HEAD "))
    interim = [x.status for x in resps if 100 <= x.status < 200 and x.status != 101 and x.complete]
    if interim and len(resps) > len(interim):
        notes.append(f"interim {','.join(map(str, interim))} first")
        resps = resps[len(interim):]
    r = resps[0]
    if r.error and not r.head_complete:
        return Observation(decision=INVALID, fate=fate, raw=raw, parse_error=r.error,
                           elapsed=ex.elapsed, notes=tuple(notes))
    headers = tuple((n.decode("latin-1"), v.decode("latin-1")) for n, v in r.headers)
    switched = r.upgrade and r.status == 101
    accept_ok = None
    if switched:
        # the key as the reference core read the request: a key past the point where the core
        # stopped (an error before the end of the head) is unknown, and then so is the accept
        req = core.facts(sent)
        keys = req.values("Sec-WebSocket-Key")
        got = [v for n, v in headers if n.lower() == "sec-websocket-accept"]
        if keys and got:
            accept_ok = len(got) == 1 and got[0].strip() == expected_accept(keys[0])
        elif not keys and not req.complete:
            notes.append(f"Sec-WebSocket-Accept not checked: the reference core stopped reading "
                         f"the request at byte {req.error_offset} ({req.error or 'incomplete'}) "
                         f"before any Sec-WebSocket-Key")
        elif got or any(v.lower().strip() == "websocket" for n, v in headers if n.lower() == "upgrade"):
            accept_ok = False
    if r.error:
        notes.append(f"llhttp: {r.error}")
    if not r.complete:
        notes.append("response incomplete")
    tail, tail_status = _tail(case, ex, switched)
    after = (r.after + ex.tail + ex.late) if switched else b""
    extra = tuple(x.status for x in resps[1:] if x.head_complete)
    return Observation(
        decision=_classify_status(r.status) if r.head_complete else INVALID,
        status=r.status if r.head_complete else None,
        version=r.version,
        reason_phrase=r.reason.decode("latin-1"),
        headers=headers,
        body_len=len(r.body),
        parse_error=r.error,
        accept_ok=accept_ok,
        fate=fate,
        tail=tail,
        tail_status=tail_status,
        after_101=after[:RAW_CAP],
        after_switch=ex.after_switch if switched else None,
        extra_statuses=extra,
        raw=raw,
        elapsed=ex.elapsed,
        notes=tuple(notes),
    )
