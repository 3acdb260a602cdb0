"""The chain sentinel: a backend that records every byte it receives, per connection, and answers
by script, so that the harness sees what a proxy in front of it forwarded (issue 15).

    sentinel.py HOST PORT LOG BUILD      (BUILD: the directory of libsycore.so)

LOG gets one JSON line per event, flushed at once (the harness reads it after each case):
  {"c": N, "e": "open"}
  {"c": N, "e": "recv", "off": STREAM_OFFSET, "b": BASE64, "mode": "http"|"tunnel"|"h2"|"raw"}
  {"c": N, "e": "answer", "status": S, "end": END, "rx": RX}  an answer to the HTTP/1 message that
        ends at stream offset END, sent when RX bytes had been received on the connection
  {"c": N, "e": "switch", "proto": P}                        after a 101
  {"c": N, "e": "h2req", "stream": ID, "path": P, "method": M}  a request inside HTTP/2 (h2c)
  {"c": N, "e": "close"}

Script (RFC 9110 §7.8 leaves accepting or refusing an upgrade to the server): a request that
offers an upgrade (Upgrade plus the "upgrade" connection option, HTTP/1.1) is accepted with a 101,
unless its `Sy-Script` field says `refuse-426` or `refuse-400`; then it gets that status and the
connection stays HTTP/1.1 (the next bytes are read as requests). After a 101 to websocket (or any
other protocol but h2c) the bytes are recorded and echoed; after a 101 to h2c the connection
speaks HTTP/2 (python3-h2). `/admin` answers 200 with a marker, so a request that got past a
proxy's deny rule is visible at both ends. A message the core cannot read gets a 400 and every
later byte on that connection is only recorded. Upgrade answers wait ANSWER_DELAY seconds, so
that bytes a proxy forwards before the backend's answer are seen to come before it.

Requests are read by the reference core (harness/core.py, libsycore.so), never by a Python parser.
"""
from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))   # the repository root
if len(sys.argv) > 4:                  # the core library of the harness that started us
    os.environ["SY_BUILD"] = sys.argv[4]

from harness import core  # noqa: E402

ANSWER_DELAY = 0.03          # seconds an upgrade request waits for its answer
MAX_BUFFER = 1 << 20         # HTTP bytes kept unread per connection before it is cut off
WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"   # RFC 6455 §1.3
ADMIN = "/admin"
MARKER = b"sentinel: /admin reached the backend\n"


class Log:
    def __init__(self, path: str):
        self.f = open(path, "ab", buffering=0)

    def __call__(self, **event) -> None:
        self.f.write(json.dumps(event, separators=(",", ":")).encode() + b"\n")


def _response(status: int, reason: str, fields: list[tuple[str, str]], body: bytes = b"") -> bytes:
    head = [f"HTTP/1.1 {status} {reason}"] + [f"{n}: {v}" for n, v in fields]
    if status != 101:
        head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


def _first(f: core.RequestFacts, name: str) -> str:
    vals = f.values(name)
    return vals[0].decode("latin-1").strip() if vals else ""


class Conn(asyncio.Protocol):
    count = 0

    def __init__(self, log: Log):
        Conn.count += 1
        self.id = Conn.count
        self.log = log
        self.buf = b""            # HTTP bytes not yet answered
        self.at = 0               # stream offset of buf[0]
        self.rx = 0               # bytes received so far
        self.mode = "http"
        self.pending = False      # an upgrade answer is scheduled
        self.h2 = None
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport
        self.log(c=self.id, e="open")

    def connection_lost(self, exc):
        self.log(c=self.id, e="close")

    def data_received(self, data: bytes):
        self.log(c=self.id, e="recv", off=self.rx, b=base64.b64encode(data).decode(), mode=self.mode)
        self.rx += len(data)
        if self.mode == "http":
            self.buf += data
            if len(self.buf) > MAX_BUFFER:
                self.mode = "raw"
            elif not self.pending:
                self.serve()
        elif self.mode == "tunnel":
            self.transport.write(data)
        elif self.mode == "h2":
            self.h2_data(data)

    # ---- HTTP/1.1 ----
    def serve(self):
        while self.mode == "http" and self.buf and not self.pending:
            f = core.facts(self.buf)
            if f.error is not None:
                return self.answer(400, "Bad Request", [], len(self.buf), close=True)
            if not f.decided or f.message_len == 0 or f.message_len > len(self.buf):
                return                                        # wait for the rest
            end = f.message_len
            if (f.path or "").startswith(ADMIN):
                self.answer(200, "OK", [("Content-Type", "text/plain")], end, MARKER)
            elif f.offered and "upgrade" in f.connection_options and f.version == (1, 1):
                self.pending = True
                asyncio.get_running_loop().call_later(ANSWER_DELAY, self.upgrade, f, end)
            else:
                self.answer(200, "OK", [("Content-Type", "text/plain")], end, b"sentinel\n")

    def answer(self, status: int, reason: str, fields, end: int, body: bytes = b"",
               close: bool = False):
        """Answer the message ending `end` bytes into buf."""
        self.log(c=self.id, e="answer", status=status, end=self.at + end, rx=self.rx)
        self.transport.write(_response(status, reason, fields, body))
        self.buf, self.at = self.buf[end:], self.at + end
        if close:
            self.mode = "raw"           # framing lost: every later byte is only recorded

    def upgrade(self, f: core.RequestFacts, end: int):
        self.pending = False
        script = _first(f, "Sy-Script").lower()
        if script in ("refuse-426", "refuse-400"):
            status = int(script[-3:])
            reason = "Upgrade Required" if status == 426 else "Bad Request"
            fields = [("Upgrade", "websocket"), ("Connection", "Upgrade")] if status == 426 else []
            self.answer(status, reason, fields, end)
            return self.serve()
        proto = f.offered[0]
        fields = [("Connection", "Upgrade"), ("Upgrade", proto)]
        key = _first(f, "Sec-WebSocket-Key")
        if proto == "websocket" and key:
            accept = base64.b64encode(hashlib.sha1(key.encode("latin-1") + WS_GUID).digest())
            fields.append(("Sec-WebSocket-Accept", accept.decode()))
        self.answer(101, "Switching Protocols", fields, end)
        self.log(c=self.id, e="switch", proto=proto)
        rest, self.buf = self.buf, b""
        if proto == "h2c":
            self.h2_start(_first(f, "HTTP2-Settings"), rest)
        else:
            self.mode = "tunnel"
            if rest:
                self.transport.write(rest)

    # ---- HTTP/2 after an h2c upgrade (RFC 7540 §3.2) ----
    def h2_start(self, settings: str, rest: bytes):
        import h2.config
        import h2.connection
        self.mode = "h2"
        self.h2 = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
        try:
            self.h2.initiate_upgrade_connection(settings_header=settings.encode("latin-1"))
        except Exception:           # a bad HTTP2-Settings: keep recording, answer nothing more
            self.mode = "raw"
            return
        self.h2_reply(1, "/(upgrade)")
        if rest:
            self.h2_data(rest)

    def h2_data(self, data: bytes):
        import h2.events
        try:
            events = self.h2.receive_data(data)
        except Exception:
            self.mode = "raw"
            return
        for ev in events:
            if isinstance(ev, h2.events.RequestReceived):
                hdr = {k.decode("latin-1") if isinstance(k, bytes) else k:
                       v.decode("latin-1") if isinstance(v, bytes) else v for k, v in ev.headers}
                path = hdr.get(":path", "")
                self.log(c=self.id, e="h2req", stream=ev.stream_id, path=path,
                         method=hdr.get(":method", ""))
                self.h2_reply(ev.stream_id, path)
        self.transport.write(self.h2.data_to_send())

    def h2_reply(self, stream: int, path: str):
        body = MARKER if path.startswith(ADMIN) else b"sentinel h2\n"
        self.h2.send_headers(stream, [(":status", "200"), ("content-length", str(len(body)))])
        self.h2.send_data(stream, body, end_stream=True)
        self.transport.write(self.h2.data_to_send())


async def main(host: str, port: int, log_path: str):
    log = Log(log_path)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Conn(log), host, port)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3]))
