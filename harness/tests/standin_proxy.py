"""A stand-in proxy for the chain rules' tests (test_chain.py): one small HTTP/1.1 proxy that
forwards correctly, or breaks exactly one chain rule, chosen per client connection by the Host of
its first request (so one process serves every test):

  good      reads each request (the reference core), denies /admin (403), removes the fields
            named in Connection and Connection itself, forwards Upgrade only for a WebSocket
            upgrade request (as its own `Upgrade: websocket` and `Connection: Upgrade`), keeps
            content framed, holds bytes after a request until the backend's answer, and tunnels
            only after a 101
  named     keeps the fields the client named in Connection      (chain-connection-named)
  plain     forwards Upgrade without Connection: upgrade, adding its own  (chain-upgrade-not-offered)
  opaque    forwards any Upgrade (h2c, TLS/1.2)                   (chain-h2c-tls-relayed)
  intent    tunnels after an upgrade request whatever the answer   (chain-tunnel-no-101)
  early     forwards the bytes after a request at once             (chain-early-data)
  unframed  drops Content-Length/Transfer-Encoding of an upgrade request, sends its content after
            the head                                               (chain-body-smuggled)
  nodeny    does not deny /admin                                   (chain-admin-bypass)

argv: HOST PORT BACKEND_PORT. Not an adapter of the report; every wait here is bounded.
"""
from __future__ import annotations

import select
import socket
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))  # the repository root: run as a script

from harness import core, response  # noqa: E402

IO_TIMEOUT = 2.0             # seconds any one read waits
LIFE = 120.0                 # the process ends by itself after this long
FRAMING = (b"content-length", b"transfer-encoding")


def _head(f: core.RequestFacts, fault: str) -> bytes:
    opts = set(f.connection_options)
    ws = "websocket" in f.offered and "upgrade" in opts
    relay = (ws or (fault == "opaque" and "upgrade" in opts)
             or (fault == "plain" and f.upgrade_lines))
    out = [f"{f.method} {f.target} HTTP/1.1".encode("latin-1")]
    for name, value in f.headers:
        low = name.lower()
        if low in (b"connection", b"upgrade"):
            continue
        if fault != "named" and low.decode("latin-1") in opts:
            continue
        if fault == "unframed" and f.offered and low in FRAMING:
            continue
        out.append(name + b": " + value)
    if relay:
        # only what it can tunnel (WebSocket), unless its fault is to relay any Upgrade
        offer = [v for v in f.values("Upgrade")] if fault in ("opaque", "plain") else [b"websocket"]
        out += [b"Upgrade: " + b", ".join(offer), b"Connection: Upgrade"]
    return b"\r\n".join(out) + b"\r\n\r\n"


def _answer(back: socket.socket) -> bytes:
    raw = b""
    while True:
        r = response.parse(raw)
        if r.complete or (r.head_complete and r.status == 101):
            return raw[:r.consumed] if r.status != 101 else raw
        chunk = back.recv(65536)
        if not chunk:
            return raw
        raw += chunk


def _tunnel(a: socket.socket, b: socket.socket, first: bytes = b"") -> None:
    if first:
        b.sendall(first)
    end = time.monotonic() + IO_TIMEOUT * 2
    while time.monotonic() < end:
        ready, _, _ = select.select([a, b], [], [], 0.2)
        for s in ready:
            data = s.recv(65536)
            if not data:
                return
            (b if s is a else a).sendall(data)


def handle(client: socket.socket, backend_port: int) -> None:
    buf, fault, back = b"", None, None
    try:
        while True:
            f = core.facts(buf) if buf else None
            if f is None or (not f.decided and f.error is None):
                data = client.recv(65536)
                if not data:
                    return
                buf += data
                continue
            if f.error is not None:
                client.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                return
            if fault is None:
                fault = (f.values("Host") or [b"good"])[0].decode("latin-1")
            msg, buf = buf[:f.message_len], buf[f.message_len:]
            if (f.path or "").startswith("/admin") and fault != "nodeny":
                client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                continue
            if back is None:
                back = socket.create_connection(("127.0.0.1", backend_port), timeout=IO_TIMEOUT)
            early, buf = (buf, b"") if fault == "early" else (b"", buf)
            # one write with the request, so that the early bytes reach the sentinel before its
            # answer however the scheduler treats this thread
            back.sendall(_head(f, fault) + msg[f.head_len:] + early)
            answer = _answer(back)
            client.sendall(answer)
            status = response.parse(answer).status
            if status == 101 or (fault == "intent" and f.offered):
                return _tunnel(client, back, buf)
    except OSError:
        return
    finally:
        client.close()
        if back is not None:
            back.close()


def main(host: str, port: int, backend_port: int) -> None:
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((host, port))
    srv.listen(32)
    srv.settimeout(1.0)
    deadline = time.monotonic() + LIFE
    while time.monotonic() < deadline:
        try:
            conn, _ = srv.accept()
        except socket.timeout:
            continue
        conn.settimeout(IO_TIMEOUT)
        threading.Thread(target=handle, args=(conn, backend_port), daemon=True).start()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
