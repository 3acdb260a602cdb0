"""The only socket code of the driver: free ports, readiness connects, and one exchange per case.

An exchange sends a case's bytes in one delivery mode, reads until the caller's `complete`
predicate says the first response is whole (or the peer closes, or a deadline passes), reads on
until the connection has been quiet for a grace period, then optionally sends a tail probe and
reads its answer the same way. Every loop here is bounded in time and in bytes.

Repeatability: two runs must see the same thing, so every step waits for what the server has done,
not for the clock (only the "no answer at all" deadline and the quiet periods are times, and both
are long against what they wait for).
* `bytewise` sends the next byte only once the server has read the previous one. How many of our
  bytes the server has not read yet is its socket's receive queue (`ss -tn` shows it as Recv-Q),
  which sock_diag gives us for the server's end of a loopback connection. Without this the server
  finds whatever number of bytes happened to pile up between two of its reads, and a server that
  decides on what it has buffered (nginx discarding a body, HAProxy answering before the body)
  decides differently from run to run. A server that has read nothing for STALL seconds is not
  reading: the rest goes in one write, which it finds whole whenever it reads again.
* Where the head ends (bytewise and split_after_head), the bytes after it wait until the server has
  read the head and then answered it completely (and been quiet for SPLIT_PAUSE), closed, or been
  quiet for HEAD_PAUSE: whether the answer comes before the body is the server's decision, not a
  race with our sender.
* A write that fails because the server closed or reset (EPIPE, ECONNRESET) ends the sending,
  never the reading: Linux keeps what the server sent before its RST readable, so an answer
  followed by a close reads the same whether the close came as FIN or as RST.
* After the first response is complete the connection is read until quiet for `grace`, so the
  rest of that answer (frames after a 101, a close) is never taken for the tail probe's answer;
  the tail is sent only on a connection still open (observe.py counts one closed first as closed).
* A quiet period, a deadline or a stall ends only once the server is idle (`idle()`, given by the
  caller: every thread of the server asleep, servers.Server.idle), up to a bound: a server that
  the scheduler kept off the CPU for longer than a quiet period (17 servers share two cores in a
  full run) has not "stayed quiet", it has not run yet. Loopback delivery makes the server
  runnable inside our send, so after a send "idle" means it has reacted to what we sent. A wait
  that reaches its bound with the server still busy is noted (Exchange.busy).
"""
from __future__ import annotations

import errno
import os
import selectors
import socket
import struct
import time
from dataclasses import dataclass
from typing import Callable

MODES = ("whole", "bytewise", "split_after_head")
MAX_READ = 1 << 20          # bytes kept per phase; more is truncated (and noted)
SPLIT_PAUSE = 0.01          # quiet time after a cut inside the head (a server may refuse early)
HEAD_PAUSE = 0.1            # quiet time after a complete head before the bytes that follow it
STALL = 0.2                 # a server that has read nothing for this long is not reading
SPIN = 8                    # polls with a yield between them before wait_read sleeps
BYTEWISE_WRITES = 2048      # at most this many writes in bytewise mode (see bytewise_step)
BUSY_POLL = 0.002           # while a server is busy, look again this often
STALL_MAX = 1.0             # a stall counts after this long even when the server never idles


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


def head_end(data: bytes) -> int:
    """The offset just after the head's blank line, or -1 when the head does not end."""
    end = data.find(b"\r\n\r\n")
    return end + 4 if end >= 0 else -1


def split_point(data: bytes) -> int:
    """Where split_after_head cuts: after the head's blank line when bytes follow it, else before
    the final CRLF (so the server first sees a head that has not ended)."""
    end = head_end(data)
    if 0 <= end < len(data):
        return end
    return max(1, len(data) - 2)


@dataclass
class Exchange:
    """What one connection showed. `first` answers the case, `tail` answers the tail probe."""
    first: bytes = b""
    tail: bytes = b""
    late: bytes = b""             # bytes that arrived after the tail's answer
    first_complete: bool = False  # `complete` held for the first answer
    tail_sent: bool = False
    eof: bool = False             # the peer closed (FIN) at some point
    eof_phase: str = ""           # "send" | "first" | "tail" | "grace"
    reset: bool = False           # the peer reset the connection (RST, EPIPE)
    first_timeout: bool = False   # no complete first response before the deadline
    tail_timeout: bool = False
    stalled_at: int = -1          # bytewise: the server stopped reading after this many bytes
    paced: bool = True            # False: sock_diag was not available to pace the delivery
    connect_error: str = ""
    elapsed: float = 0.0
    truncated: bool = False
    busy: bool = False            # a wait reached its bound while the server was still busy
    after_switch: str | None = None  # what the `after_switch` hook saw after a 101 (switched.py)


# sock_diag (linux/sock_diag.h, linux/inet_diag.h): one exact lookup of a TCP socket
_NETLINK_SOCK_DIAG, _SOCK_DIAG_BY_FAMILY, _NLM_F_REQUEST = 4, 20, 1
_NOCOOKIE = b"\xff" * 8
# TCP_ESTABLISHED, FIN_WAIT1, FIN_WAIT2, CLOSE_WAIT: states in which the server may still read
_READING = frozenset({1, 4, 5, 8})


class _Peer:
    """The server's end of our loopback connection: how many of our bytes it has not read yet
    (inet_diag_msg.idiag_rqueue). None when that cannot be known (no sock_diag here) or there is
    nothing to wait for (the socket is gone or no longer reads)."""

    def __init__(self, sock: socket.socket):
        self.nl = None
        try:
            fam = sock.family
            mine, theirs = sock.getsockname(), sock.getpeername()

            def addr(a) -> bytes:
                b = socket.inet_pton(fam, a[0])
                return b + bytes(16 - len(b))
            # inet_diag_sockid as the server sees it: its port and address first
            sockid = (struct.pack(">HH", theirs[1], mine[1]) + addr(theirs) + addr(mine)
                      + struct.pack("=I", 0) + _NOCOOKIE)
            req = struct.pack("=BBBBI", fam, socket.IPPROTO_TCP, 0, 0, 0xFFFFFFFF) + sockid
            self.msg = struct.pack("=IHHII", 16 + len(req), _SOCK_DIAG_BY_FAMILY, _NLM_F_REQUEST,
                                   0, 0) + req
            self.nl = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, _NETLINK_SOCK_DIAG)
            if self._query() is None:           # cannot see it: no pacing on this connection
                self.close()
        except (OSError, AttributeError, ValueError):
            self.close()

    @property
    def available(self) -> bool:
        return self.nl is not None

    def _query(self) -> tuple[int, int] | None:
        """(idiag_state, idiag_rqueue) of the server's socket, None if there is no such socket."""
        if self.nl is None:
            return None
        try:
            self.nl.send(self.msg)
            reply = self.nl.recv(1024)
        except OSError:
            return None
        if len(reply) < 16 + 72 or struct.unpack_from("=H", reply, 4)[0] != _SOCK_DIAG_BY_FAMILY:
            return None                         # NLMSG_ERROR: no such socket any more
        return reply[17], struct.unpack_from("=I", reply, 16 + 4 + 48 + 4)[0]

    def unread(self) -> int | None:
        q = self._query()
        if q is None or q[0] not in _READING:   # gone, or a LISTEN match: ours is gone
            return None
        return q[1]

    def close(self):
        if self.nl is not None:
            self.nl.close()
            self.nl = None


class _Conn:
    def __init__(self, sock: socket.socket, ex: Exchange, pace: bool,
                 idle: Callable[[], bool] | None = None):
        self.sock = sock
        self.ex = ex
        self.sel = selectors.DefaultSelector()
        self.sel.register(sock, selectors.EVENT_READ)
        self.dead = False           # recv saw a reset: nothing more can arrive
        self.peer = _Peer(sock) if pace else None
        self.idle = idle
        ex.paced = not pace or self.peer.available

    def busy(self, cap: float) -> bool:
        """The server is still working and `cap` has not passed: a quiet period or a deadline
        that ends now does not count yet. Noted when the cap is what ends the wait."""
        if self.idle is None or self.idle():
            return False
        if time.monotonic() < cap:
            return True
        self.ex.busy = True
        return False

    def close(self, sock: bool = True):
        """Release what watching the connection took, and the socket too unless told not to."""
        if self.peer is not None:
            self.peer.close()
        self.sel.close()
        if sock:
            self.sock.close()

    @property
    def over(self) -> bool:
        """Nothing more can be sent (the peer closed or reset)."""
        return self.ex.eof or self.ex.reset

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

    def _recv(self, buf: bytearray, phase: str) -> bool:
        """One recv into buf; True when bytes arrived."""
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
            return False
        if len(buf) + len(chunk) > MAX_READ:
            self.ex.truncated = True
            chunk = chunk[:MAX_READ - len(buf)]
        buf += chunk
        return True

    def read(self, buf: bytearray, until: Callable[[bytes, bool], bool] | None, deadline: float,
             phase: str, quiet: float | None = None, cap: float | None = None) -> bool:
        """Read into buf until `until(buf, eof)` holds (returns True), the peer closes, `deadline`
        passes, or (with `quiet`) nothing has arrived for `quiet` seconds. Polls at least once.
        The quiet period and the deadline end only while the server is idle, or at `cap`
        (default: the deadline itself, so only a quiet period is extended)."""
        cap = deadline if cap is None else max(cap, deadline)
        last = time.monotonic()
        again = 0.0                 # the server was busy: look again at this time
        while True:
            if until is not None and buf and until(bytes(buf), False):
                return True
            if self.ex.eof or self.dead or self.ex.truncated:
                return until is not None and self.ex.eof and until(bytes(buf), True)
            end = deadline if quiet is None else min(deadline, last + quiet)
            end = max(end, again)
            left = end - time.monotonic()
            if self.sel.select(max(left, 0)):
                if self._recv(buf, phase):
                    last, again = time.monotonic(), 0.0
                continue
            if left > 0:
                continue
            if self.busy(cap):
                again = time.monotonic() + BUSY_POLL
                continue
            # idle now: whatever it sent before going to sleep is already here (loopback)
            if not self.sel.select(0):
                return False

    def settle(self, buf: bytearray, before: bytes, closing, phase: str, grace: float,
               timeout: float) -> None:
        """After an answer: read until quiet for `grace`; if the answer (`before` + buf) announces
        a close, until that close (at most `timeout`)."""
        if self.ex.eof or self.dead:
            return
        self.read(buf, None, time.monotonic() + timeout, phase, quiet=grace)
        if not (self.ex.eof or self.dead) and closing is not None and closing(before + bytes(buf)):
            self.read(buf, None, time.monotonic() + timeout, phase)

    def wait_read(self) -> bool:
        """Wait until the server has read every byte sent so far (an answer waits in our receive
        queue meanwhile). False when it has read nothing for STALL seconds while idle, or for
        STALL_MAX seconds in all (it is not reading)."""
        if self.peer is None:
            return True
        pending, since, polls = None, 0.0, 0
        while not (self.ex.eof or self.dead):
            n = self.peer.unread()
            if not n:                       # all read, or nothing left that could read
                return True
            now = time.monotonic()
            if n != pending:                # it read something: the stall clock starts again
                pending, since = n, now
            elif now - since >= STALL and not self.busy(since + STALL_MAX):
                return False
            # a server usually reads within microseconds: hand it the CPU first (a yield costs a
            # fraction of a sleep), then back off (epoll's timeout is whole milliseconds)
            polls += 1
            if polls <= SPIN:
                os.sched_yield()
            else:
                # the exponent is capped: past 1023 the float overflows (a server busy > 0.5 s)
                time.sleep(min(0.00002 * 2 ** min(polls - SPIN, 5), 0.0005))
        return True

    def after_cut(self, buf: bytearray, complete, head_done: bool, timeout: float) -> None:
        """At a cut: the server reads what it has, then answers (and settles: a proxy's backend
        may close right after its answer), closes, or stays quiet."""
        self.wait_read()
        deadline = time.monotonic() + timeout
        pause = HEAD_PAUSE if head_done else SPLIT_PAUSE
        if self.read(buf, complete, deadline, "first", quiet=pause):
            self.read(buf, None, deadline, "first", quiet=SPLIT_PAUSE)

    def deliver(self, data: bytes, mode: str, buf: bytearray, complete, timeout: float) -> None:
        """Send data in a delivery mode; what the server answers meanwhile goes to buf."""
        if mode == "whole":
            self.send(data, "send")
        elif mode == "bytewise":
            self.send_bytewise(data, buf, complete, timeout)
        else:
            cut = split_point(data)
            if self.send(data[:cut], "send"):
                self.after_cut(buf, complete, cut == head_end(data), timeout)
                self.send(data[cut:], "send")       # also after a FIN, as bytewise

    def send_bytewise(self, data: bytes, buf: bytearray, complete, timeout: float) -> None:
        """One byte per write (see bytewise_step), each once the server has read the previous
        one, until all is sent or a write fails. An early answer waits in our receive queue; a
        FIN does not stop the sending (the server may still read). A closed socket answers our
        next byte with an RST and the write after it fails: the sending stops there, whenever our
        reader would have noticed the close."""
        head = head_end(data)
        step = bytewise_step(len(data))
        i, paced = 0, True
        while i < len(data):
            end = min(i + step, head) if i < head else i + step
            if not paced:
                end = len(data)
            if not self.send(data[i:end], "send"):
                break
            i = end
            if paced and i < len(data) and not self.wait_read():
                paced = False
                self.ex.stalled_at = i
            if i == head and i < len(data):
                self.after_cut(buf, complete, True, timeout)


def bytewise_step(size: int) -> int:
    """Bytes per write in bytewise mode: 1, or for a case longer than BYTEWISE_WRITES bytes (the
    size-limit cases) as many as keep it to BYTEWISE_WRITES writes. At a server read per byte an
    18 KiB head would take seconds, and a request timeout is not what such a case is about."""
    return max(1, -(-size // BYTEWISE_WRITES))


def deliver(sock: socket.socket, data: bytes, mode: str, *,
            complete: Callable[[bytes, bool], bool], timeout: float = 1.0) -> bytes:
    """Send data on a connection made elsewhere (the socket tests, reference_server/test) in a
    delivery mode exactly as exchange() does, and return what the server sent meanwhile (an
    answer before the rest of the request); the socket stays open, for the caller to read on."""
    if mode not in MODES:
        raise ValueError(f"unknown delivery mode {mode!r}")
    conn = _Conn(sock, Exchange(), pace=mode != "whole")
    early = bytearray()
    try:
        conn.deliver(data, mode, early, complete, timeout)
    finally:
        conn.close(sock=False)
    return bytes(early)


def exchange(host: str, port: int, data: bytes, mode: str = "whole", *,
             complete: Callable[[bytes, bool], bool],
             closing: Callable[[bytes], bool] | None = None,
             tail: bytes = b"", tail_complete: Callable[[bytes, bool], bool] | None = None,
             tail_closing: Callable[[bytes], bool] | None = None,
             timeout: float = 1.0, tail_timeout: float = 0.3, grace: float = 0.03,
             idle: Callable[[], bool] | None = None,
             after_switch: Callable[[socket.socket, bytes], str | None] | None = None) -> Exchange:
    """Send `data` in `mode`, read the answer, run the optional tail probe, watch for a close.

    `closing(answer)` says the answer announces that the server closes after it (the caller
    parses; RFC 9112 §9.3, §9.6): then the close is waited for up to `timeout`, not for `grace`,
    so a server that is slow to close is not taken for one that keeps the connection open.
    `idle()` says the server has nothing left to do (see the module's docstring); the answer and
    tail deadlines are extended by at most `timeout` while it is busy. `after_switch(sock, first)`
    speaks the new protocol after a 101 to h2c or TLS (switched.client) and says what followed;
    when it did (not None), no tail probe is sent on that connection."""
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
    sock.settimeout(timeout)
    conn = _Conn(sock, ex, pace=mode != "whole", idle=idle)
    try:
        first = bytearray()
        conn.deliver(data, mode, first, complete, timeout)
        end = time.monotonic() + timeout
        done = conn.read(first, complete, end, "first", cap=end + timeout)
        if done:
            # the rest of this answer (frames after a 101, a second response) and its close
            conn.settle(first, b"", closing, "first", grace, timeout)
        ex.first = bytes(first)
        ex.first_complete = done
        ex.first_timeout = not done and not conn.over
        if after_switch is not None and done and not conn.dead:
            ex.after_switch = after_switch(sock, ex.first)
        if tail and done and not conn.over and ex.after_switch is None:
            ex.tail_sent = conn.send(tail, "tail")
            tbuf = bytearray()
            end = time.monotonic() + tail_timeout
            tdone = conn.read(tbuf, tail_complete, end, "tail", cap=end + timeout)
            ex.tail = bytes(tbuf)
            ex.tail_timeout = not tdone and not conn.over
            if not ex.tail_timeout:
                late = bytearray()
                conn.settle(late, ex.tail, tail_closing, "grace", grace, timeout)
                ex.late = bytes(late)
    finally:
        conn.close()
        ex.elapsed = time.monotonic() - t0
    return ex
