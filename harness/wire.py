"""The only socket code of the driver: free ports, readiness connects, and one exchange per case.

An exchange sends a case's bytes in one delivery mode, reads until the caller's `complete`
predicate says the first response is whole (or the peer closes, or a deadline passes), optionally
sends a tail probe and reads its answer, then waits a short grace period to see whether the server
closes. Every loop here is bounded in time and in bytes.
"""
from __future__ import annotations

import errno
import selectors
import socket
import time
from dataclasses import dataclass
from typing import Callable

MODES = ("whole", "bytewise", "split_after_head")
MAX_READ = 1 << 20          # bytes kept per phase; more is truncated (and noted)
SPLIT_PAUSE = 0.01          # seconds between the two halves of split_after_head


def free_port(host: str = "127.0.0.1") -> int:
    """A port the kernel says is free right now (bind to 0, as curl's alloc_port_set)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def can_connect(host: str, port: int, timeout: float = 0.2) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def split_point(data: bytes) -> int:
    """Where split_after_head cuts: after the head's blank line when bytes follow it, else before
    the final CRLF (so the server first sees a head that has not ended)."""
    end = data.find(b"\r\n\r\n")
    if end >= 0 and end + 4 < len(data):
        return end + 4
    return max(1, len(data) - 2)


@dataclass
class Exchange:
    """What one connection showed. `first` answers the case, `tail` answers the tail probe."""
    first: bytes = b""
    tail: bytes = b""
    late: bytes = b""             # bytes that arrived during the grace period after all else
    tail_sent: bool = False
    eof: bool = False             # the peer closed (FIN) at some point
    eof_phase: str = ""           # "send" | "first" | "tail" | "grace"
    reset: bool = False           # the peer reset the connection (RST, EPIPE)
    first_timeout: bool = False   # no complete first response before the deadline
    tail_timeout: bool = False
    connect_error: str = ""
    elapsed: float = 0.0
    truncated: bool = False


class _Conn:
    def __init__(self, sock: socket.socket, ex: Exchange):
        self.sock = sock
        self.ex = ex
        self.sel = selectors.DefaultSelector()
        self.sel.register(sock, selectors.EVENT_READ)
        self.dead = False           # recv saw a reset: nothing more can arrive

    def close(self):
        self.sel.close()
        self.sock.close()

    def send(self, data: bytes, phase: str) -> bool:
        try:
            self.sock.sendall(data)
            return True
        except OSError as e:
            if e.errno in (errno.EPIPE, errno.ECONNRESET):
                self.ex.reset = True
                self.ex.eof_phase = self.ex.eof_phase or phase
                return False
            raise

    def read(self, buf: bytearray, until: Callable[[bytes, bool], bool] | None, deadline: float,
             phase: str) -> bool:
        """Read into buf until `until(buf, eof)` is true (returns True), EOF/reset, or deadline."""
        while True:
            if until is not None and buf and until(bytes(buf), False):
                return True
            left = deadline - time.monotonic()
            if self.ex.eof or self.dead:
                return until is not None and until(bytes(buf), True) if self.ex.eof else False
            if not self.sel.select(max(left, 0)):
                if left <= 0:
                    return False
                continue
            try:
                chunk = self.sock.recv(65536)
            except ConnectionResetError:
                self.dead = True
                self.ex.reset = True
                self.ex.eof_phase = self.ex.eof_phase or phase
                return False
            if not chunk:
                self.ex.eof = True
                self.ex.eof_phase = self.ex.eof_phase or phase
                return until is not None and until(bytes(buf), True)
            if len(buf) + len(chunk) > MAX_READ:
                self.ex.truncated = True
                buf += chunk[:MAX_READ - len(buf)]
                return until is not None and until(bytes(buf), False)
            buf += chunk


def exchange(host: str, port: int, data: bytes, mode: str = "whole", *,
             complete: Callable[[bytes, bool], bool],
             tail: bytes = b"", tail_complete: Callable[[bytes, bool], bool] | None = None,
             timeout: float = 1.0, tail_timeout: float = 0.3, grace: float = 0.03) -> Exchange:
    """Send `data` in `mode`, read the answer, run the optional tail probe, watch for a close."""
    if mode not in MODES:
        raise ValueError(f"unknown delivery mode {mode!r}")
    ex = Exchange()
    t0 = time.monotonic()
    try:
        sock = socket.create_connection((host, port), timeout=1.0)
    except OSError as e:
        ex.connect_error = f"{type(e).__name__}: {e}"
        ex.elapsed = time.monotonic() - t0
        return ex
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setblocking(False)
    sock.settimeout(timeout)
    conn = _Conn(sock, ex)
    try:
        first = bytearray()
        if mode == "whole":
            conn.send(data, "send")
        elif mode == "bytewise":
            for i in range(len(data)):
                if not conn.send(data[i:i + 1], "send"):
                    break
                # collect an early answer while still sending: a server that answers and closes
                # mid-request would otherwise have its answer discarded by the RST our next
                # byte provokes (and the cell would depend on timing)
                conn.read(first, None, 0, "first")
                if ex.eof or ex.reset:
                    break
        else:
            cut = split_point(data)
            if conn.send(data[:cut], "send"):
                # an early answer to the first half is itself an observation: keep reading it
                conn.read(first, None, time.monotonic() + SPLIT_PAUSE, "first")
                if not (ex.eof or ex.reset):
                    conn.send(data[cut:], "send")
        done = conn.read(first, complete, time.monotonic() + timeout, "first")
        ex.first = bytes(first)
        ex.first_timeout = not done and not ex.eof and not ex.reset
        if tail and done and not (ex.eof or ex.reset):
            ex.tail_sent = conn.send(tail, "tail")
            tbuf = bytearray()
            tdone = conn.read(tbuf, tail_complete, time.monotonic() + tail_timeout, "tail")
            ex.tail = bytes(tbuf)
            ex.tail_timeout = not tdone and not ex.eof and not ex.reset
        if not (ex.eof or ex.reset) and not ex.first_timeout:
            late = bytearray()
            conn.read(late, None, time.monotonic() + grace, "grace")
            ex.late = bytes(late)
    finally:
        conn.close()
        ex.elapsed = time.monotonic() - t0
    return ex
