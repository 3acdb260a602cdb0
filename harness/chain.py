"""Chains (issue 15): a proxy in front of the reference or of the sentinel (apps/sentinel.py).

What the sentinel received is the other end of a chain observation: `Log.mark()` before a case,
`Log.since(mark)` after it gives every backend connection that saw something during the case, as
`BackendConn` records (the bytes, and where the sentinel answered or switched). `messages()`
reads the HTTP/1 bytes a connection carried with the reference core (harness/core.py), message by
message, so that the chain rules (harness/rules/chain.py) judge from bytes, not from what the
sentinel thought. Pure but for the log file read.

Which cases a row runs: a chain row runs the `chain` topic (its rules need the sentinel; a
chain to the reference runs them too, to compare with the reference's own row; with
--chains-full it runs every case); the reference runs everything; other servers skip the `chain`
topic (its cases test what a proxy forwards).
"""
from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from . import core

TOPIC = "chain"
SENTINEL = "sentinel"
LOG_NAME = "sentinel.log"
MAX_LOG_READ = 4 << 20       # bytes of the log read per case (a case sends a few KiB)
# After the client's exchange the proxy may still be forwarding (a tunnel's bytes follow the
# backend's refusal): the log is read once it has not grown for SETTLE_QUIET s, at most SETTLE_BOUND s.
SETTLE_QUIET = 0.05
SETTLE_BOUND = 0.5


@dataclass(frozen=True)
class Answer:
    status: int
    end: int                 # the answered message ends here (offset in the window's bytes)
    rx: int                  # bytes received on the connection when the answer went out


@dataclass(frozen=True)
class Message:
    start: int
    end: int
    facts: core.RequestFacts | None      # None: the bytes are no HTTP/1 request (see `kind`)
    kind: str = "http"                   # "http" | "garbage" (the core refused its syntax) |
                                         # "incomplete" | "tunnel" (after a 101) | "raw"
                                         # (after a framing error: only recorded)


@dataclass(frozen=True)
class BackendConn:
    """One backend connection as the sentinel logged it during one case. Offsets are relative
    to the first byte it received in the case (a connection the proxy reused starts mid-stream)."""
    id: int
    data: bytes = b""
    answers: tuple[Answer, ...] = ()
    switched: str | None = None          # the protocol of a 101 the sentinel sent
    h2_paths: tuple[str, ...] = ()       # requests the sentinel read inside HTTP/2 (h2c)
    closed: bool = False
    modes: tuple[tuple[int, str], ...] = field(default=())   # (offset, sentinel mode) per chunk

    def http_end(self) -> int:
        """Where the bytes the sentinel read as HTTP/1 end (a switch or a framing error ends
        them); len(data) when they never did."""
        ends = [off for off, mode in self.modes if mode != "http"]
        ends += [a.end for a in self.answers if a.status == 101]
        return min(ends, default=len(self.data))

    def messages(self) -> list[Message]:
        """The HTTP/1 messages in the bytes, read by the core from the start of the window, then
        what came after a 101 (`tunnel`)."""
        out: list[Message] = []
        end = self.http_end()
        pos = 0
        while pos < end:
            f = core.facts(self.data[pos:end])
            if f.error is not None:
                out.append(Message(pos, end, None, "garbage"))
                pos = end
                break
            if not f.decided or f.message_len == 0:
                out.append(Message(pos, end, f if f.complete else None, "incomplete"))
                pos = end
                break
            out.append(Message(pos, pos + f.message_len, f))
            pos += f.message_len
        if pos < len(self.data) and end < len(self.data):
            out.append(Message(end, len(self.data), None, "tunnel" if self.switched else "raw"))
        return out

    def answer_to(self, msg: Message) -> Answer | None:
        return next((a for a in self.answers if a.end == msg.end), None)


class Log:
    """The sentinel's log, read by offset (the harness reads it after each case)."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def mark(self) -> int:
        try:
            return os.stat(self.path).st_size
        except OSError:
            return 0

    def settle_steps(self):
        """A generator of sleeps (seconds) for the caller to take, sync or async, until the log
        stops growing (SETTLE_QUIET) or SETTLE_BOUND passes."""
        waited, size = 0.0, self.mark()
        while waited < SETTLE_BOUND:
            yield SETTLE_QUIET
            waited += SETTLE_QUIET
            now = self.mark()
            if now == size:
                return
            size = now

    def since(self, mark: int) -> tuple[BackendConn, ...]:
        try:
            with open(self.path, "rb") as f:
                f.seek(mark)
                text = f.read(MAX_LOG_READ)
        except OSError:
            return ()
        return parse(text)


def parse(text: bytes) -> tuple[BackendConn, ...]:
    """Log lines (apps/sentinel.py's format) -> one BackendConn per connection, in order of first
    appearance. A partial last line (being written) is ignored."""
    conns: dict[int, dict] = {}
    for line in text.split(b"\n"):
        try:
            ev = json.loads(line)
        except ValueError:
            continue
        c = conns.setdefault(ev.get("c", 0), {"base": None, "data": bytearray(), "answers": [],
                                               "switched": None, "h2": [], "closed": False,
                                               "modes": []})
        kind = ev.get("e")
        if kind == "recv":
            if c["base"] is None:
                c["base"] = ev["off"]
            c["modes"].append((len(c["data"]), ev.get("mode", "http")))
            c["data"] += base64.b64decode(ev["b"])
        elif kind == "answer":
            base = c["base"] if c["base"] is not None else ev["end"]
            c["answers"].append(Answer(ev["status"], ev["end"] - base, ev["rx"] - base))
        elif kind == "switch":
            c["switched"] = ev["proto"]
        elif kind == "h2req":
            c["h2"].append(ev["path"])
        elif kind == "close":
            c["closed"] = True
    return tuple(BackendConn(i, bytes(c["data"]), tuple(c["answers"]), c["switched"],
                             tuple(c["h2"]), c["closed"], tuple(c["modes"]))
                 for i, c in conns.items() if c["data"] or c["answers"])


def to_json(conns: tuple[BackendConn, ...] | None) -> list[dict] | None:
    """report.json's `backend` of a result: what the sentinel received, per connection."""
    if conns is None:
        return None
    return [{"conn": c.id, "received_b64": base64.b64encode(c.data).decode(),
             "answers": [[a.status, a.end, a.rx] for a in c.answers], "switched": c.switched,
             "h2_paths": list(c.h2_paths), "closed": c.closed, "modes": [list(m) for m in c.modes]}
            for c in conns]


def from_json(rows: list[dict] | None) -> tuple[BackendConn, ...] | None:
    """The inverse of to_json (harness/rejudge.py judges a saved chain cell again)."""
    if rows is None:
        return None
    return tuple(BackendConn(r["conn"], base64.b64decode(r["received_b64"]),
                             tuple(Answer(*a) for a in r["answers"]), r.get("switched"),
                             tuple(r.get("h2_paths", ())), r.get("closed", False),
                             tuple(tuple(m) for m in r.get("modes", ())))
                 for r in rows)


def sentinel_log(server) -> Log | None:
    """The sentinel's log of a running chain (servers.Server), or None for any other server."""
    b = getattr(server, "backend", None)
    if b is None or b.adapter.name != SENTINEL or b.rundir is None:
        return None
    return Log(b.rundir / LOG_NAME)


def cases_for(adapter, cases: list, full: bool = False) -> list:
    """The cases a row runs (see the module's docstring); `full` (--chains-full): a chain to the
    reference runs every case, for a whole row to set against the reference's own."""
    if adapter.chain_of and not (full and adapter.backend != SENTINEL):
        return [c for c in cases if c.topic == TOPIC]
    if adapter.role == "reference" or adapter.chain_of:
        return cases
    return [c for c in cases if c.topic != TOPIC]


def shown(data: bytes, cap: int = 2000) -> str:
    """Bytes for a report: CRLF and controls escaped, capped."""
    text = data[:cap].decode("latin-1")
    text = "".join(c if 32 <= ord(c) < 127 else {"\r": "\\r", "\n": "\\n\n", "\t": "\\t"}.get(
        c, f"\\x{ord(c):02x}") for c in text)
    return text + (f"\n... ({len(data) - cap} more bytes)" if len(data) > cap else "")
