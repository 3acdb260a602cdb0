"""What follows a 101 to h2c or to TLS, spoken by the driver (issue 16).

After a 101 whose Upgrade names h2c, the connection speaks HTTP/2: python3-h2 (Debian) sends the
client preface and reads the server's frames; the answer to the upgraded request comes on stream
1 (RFC 7540 §3.2). After a 101 whose Upgrade names TLS (RFC 2817 §3.3), Python's ssl runs a
client handshake over memory BIOs on the same socket (no verification: the certificate is the
server's business here) and reads the HTTP/1.1 answer inside TLS.

The outcome is one short string for the decision tuple (normalise.Decision.after_switch):
  "h2:200"          the server's SETTINGS came first and stream 1 answered 200
  "h2:no-settings"  the first HTTP/2 frame was not SETTINGS (RFC 7540 §3.5)
  "h2:no-answer"    no response on stream 1 before the deadline or the close
  "h2:error"        the frames did not parse as HTTP/2 (h2's ProtocolError)
  "tls:200"         the handshake completed and the answer inside TLS is a 200
  "tls:no-answer"   the handshake completed, no HTTP answer inside TLS
  "tls:failed"      the handshake failed (alert, close, or not TLS)
None: the answer was not a 101 to h2c or TLS, and nothing was spoken. Every loop is bounded in
time and in bytes.
"""
from __future__ import annotations

import select
import socket
import ssl
import time
from typing import Callable

from . import response

MAX_BYTES = 1 << 20       # bytes read after the switch, at most
STEP = 0.05               # one wait for bytes


def upgrade_to(first: bytes) -> str | None:
    """"h2c", "tls" or None: what the 101 at the start of `first` switches to."""
    r = response.parse(first)
    if not (r.head_complete and r.status == 101):
        return None
    up = ",".join(v.decode("latin-1") for n, v in r.headers if n.lower() == b"upgrade")
    tokens = [t.strip().lower() for t in up.split(",") if t.strip()]
    if "h2c" in tokens:
        return "h2c"
    if any(t.startswith("tls/") or t == "tls" for t in tokens):
        return "tls"
    return None


def _recv(sock: socket.socket, deadline: float) -> bytes | None:
    """Bytes, b"" at EOF, None when nothing came before the deadline."""
    left = deadline - time.monotonic()
    if left <= 0 or not select.select([sock], [], [], min(left, STEP))[0]:
        return None
    try:
        return sock.recv(65536)
    except OSError:
        return b""


def speak_h2(sock: socket.socket, already: bytes, timeout: float) -> str:
    import h2.config
    import h2.connection
    import h2.events
    import h2.exceptions

    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    conn.initiate_upgrade_connection()          # stream 1 is the upgraded request (half-closed)
    try:
        sock.sendall(conn.data_to_send())       # the client preface (RFC 7540 §3.5)
    except OSError:
        pass
    first_frame, status = None, None
    data, total = already, 0
    deadline = time.monotonic() + timeout
    while total < MAX_BYTES:
        if data:
            total += len(data)
            try:
                events = conn.receive_data(data)
            except h2.exceptions.ProtocolError:
                return "h2:error"
            for ev in events:
                if first_frame is None:
                    first_frame = isinstance(ev, h2.events.RemoteSettingsChanged)
                if isinstance(ev, h2.events.ResponseReceived) and ev.stream_id == 1:
                    status = dict(ev.headers).get(b":status", b"?").decode("latin-1")
            try:
                sock.sendall(conn.data_to_send())
            except OSError:
                pass
            if first_frame is False:
                return "h2:no-settings"
            if status is not None:
                return f"h2:{status}"
        data = _recv(sock, deadline)
        if data is None:
            if time.monotonic() >= deadline:
                break
            data = b""
        elif data == b"":
            break
    return "h2:no-settings" if first_frame is False else "h2:no-answer"


def speak_tls(sock: socket.socket, already: bytes, timeout: float) -> str:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    rbio, wbio = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(rbio, wbio, server_hostname="localhost")
    if already:
        rbio.write(already)
    deadline = time.monotonic() + timeout
    done, plain, total = False, b"", 0
    while total < MAX_BYTES:
        try:
            if not done:
                tls.do_handshake()
                done = True
            chunk = tls.read(65536)
            if not chunk:
                break                           # close_notify
            plain += chunk
            r = response.parse(plain)
            if r.complete:
                break
        except ssl.SSLWantReadError:
            pass
        except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
            break
        except ssl.SSLError:
            return "tls:failed" if not done else "tls:no-answer"
        out = wbio.read()
        if out:
            try:
                sock.sendall(out)
            except OSError:
                break
        data = _recv(sock, deadline)
        if data is None:
            if time.monotonic() >= deadline:
                break
            continue
        if data == b"":
            rbio.write_eof()
        else:
            total += len(data)
            rbio.write(data)
    if not done:
        return "tls:failed"
    r = response.parse(plain, eof=True)
    return f"tls:{r.status}" if r.head_complete else "tls:no-answer"


def client(timeout: float = 1.0) -> Callable[[socket.socket, bytes], str | None]:
    """For wire.exchange(after_switch=...): given the socket and the bytes read so far, speak the
    new protocol when they begin with a 101 to h2c or TLS."""
    def after_switch(sock: socket.socket, first: bytes) -> str | None:
        to = upgrade_to(first)
        if to is None:
            return None
        already = response.parse(first).after
        return speak_h2(sock, already, timeout) if to == "h2c" else speak_tls(sock, already, timeout)
    return after_switch
