"""Overload over real sockets (issue 11): connections that send nothing or trickle a request
(slowloris) must not keep new clients out, the default connection limit comes from the open-file
limit, and running out of descriptors must not make the server spin.

What refserver does (README's refserver-help, server.c): the first request's header timeout runs
from the accept, so a silent connection is closed at the header deadline (no 408: it made no
request); at --max-conns, or when accept4 finds no descriptor, a new connection sheds the
connection that sent nothing, else the one idle between requests, else the one with a request
unfinished, that has waited longest (at least SY_SHED_GRACE_MS); with none, a connection over the
limit is closed at once and, out of descriptors, accepting pauses for SY_ACCEPT_BACKOFF_MS or until
a connection closes. Each such event writes a line to stderr.

Every load loop here is bounded in count and in time; servers are stopped by PID."""
from __future__ import annotations

import os
import pathlib
import re
import resource
import socket
import subprocess
import time

import pytest

from refserver_util import SLOW, Reader, get, limits_h, start_refserver

LIMITS = limits_h()
GRACE = LIMITS["SY_SHED_GRACE_MS"] / 1000
FD_RESERVE = LIMITS["SY_FD_RESERVE"]
CEILING = LIMITS["SY_MAX_CONNS_CEILING"]
TICK = os.sysconf("SC_CLK_TCK")


def start_with_nofile(soft: int, hard: int, *args: str):
    """refserver started with RLIMIT_NOFILE (soft, hard), set in the child before exec."""
    real = subprocess.Popen

    def popen(*a, **kw):
        kw["preexec_fn"] = lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        return real(*a, **kw)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(subprocess, "Popen", popen)
        return start_refserver(*args)


def cpu_seconds(srv) -> float:
    """utime + stime of the server process (/proc/PID/stat)."""
    fields = pathlib.Path(f"/proc/{srv.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def sockets_held(srv) -> int:
    """Sockets the server has open, the listening one excepted."""
    n = 0
    for fd in os.listdir(f"/proc/{srv.proc.pid}/fd"):
        try:
            n += os.readlink(f"/proc/{srv.proc.pid}/fd/{fd}").startswith("socket:")
        except OSError:
            pass
    return n - 1


def stderr_of(srv) -> str:
    return srv.stderr_path.read_text(errors="replace")


def served(srv, timeout: float = 1.0) -> bool:
    """One well-behaved client: a GET on a new connection; True if a 200 came back."""
    try:
        with srv.connect(timeout=timeout) as s:
            s.sendall(get("/", "Connection: close\r\n"))
            rd = Reader(s)
            ok = rd.until(lambda b: b"\r\n\r\n" in b, timeout=timeout)
            return ok and rd.buf.startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def time_to_serve(srv, limit: float) -> float | None:
    """Seconds until a well-behaved client is served, retrying; None if not within `limit`."""
    t0 = time.monotonic()
    for _ in range(1000):
        if time.monotonic() - t0 > limit:
            return None
        if served(srv, timeout=0.5):
            return time.monotonic() - t0
        time.sleep(0.02)
    return None


def open_silent(srv, n: int) -> list[socket.socket]:
    return [srv.connect() for _ in range(n)]


# ---- (a) connections that send nothing --------------------------------------------------------

def test_silent_connections_do_not_lock_out_past_the_header_deadline():
    """--max-conns 8 --header-timeout 300 and twice that many connections that send nothing: a
    well-behaved client is served within the header deadline (before: only after the 60 s idle
    timeout), and each silent connection is closed by then without a byte (no 408 is owed)."""
    header = 0.3
    srv = start_refserver("--max-conns", "8", "--header-timeout", str(int(header * 1000)))
    try:
        silent = open_silent(srv, 16)
        t0 = time.monotonic()
        waited = time_to_serve(srv, header + 1.0 * SLOW)
        assert waited is not None, "a new client was kept out past the header deadline"
        for s in silent:
            rd = Reader(s)
            assert rd.closed(timeout=max(0.1, header + 0.5 * SLOW - (time.monotonic() - t0)) + 0.5), \
                "a silent connection outlived the header deadline"
            assert rd.buf == b"", "no response to a connection that sent nothing"
            s.close()
    finally:
        srv.stop()


def test_silent_connections_are_shed_for_a_new_client():
    """At --max-conns the oldest connection that sent nothing is closed for the new one, at once
    (its header deadline is far off), and the shedding is logged."""
    srv = start_refserver("--max-conns", "8", "--header-timeout", "30000")
    try:
        silent = open_silent(srv, 8)
        time.sleep(GRACE + 0.15)
        assert sockets_held(srv) == 8
        t0 = time.monotonic()
        assert served(srv), "the new client was refused instead of a silent connection shed"
        assert time.monotonic() - t0 < 0.5 * SLOW
        rd = Reader(silent[0])
        assert rd.closed(timeout=1) and rd.buf == b"", "the oldest silent connection is the one shed"
        assert re.search(r"refserver: shed 127\.0\.0\.1:\d+ \(sent nothing, waiting \d+ ms\) for "
                         r"127\.0\.0\.1:\d+: at --max-conns 8", stderr_of(srv)), stderr_of(srv)
        for s in silent:
            s.close()
    finally:
        srv.stop()


def test_shedding_order_silent_then_idle_then_unfinished():
    """At the limit the victim is the connection that sent nothing, else the one idle after a
    request, else the one with a request unfinished; a connection younger than the grace is
    spared (its request may be on its way). With --verbose every shedding is logged."""
    srv = start_refserver("--max-conns", "3", "--header-timeout", "30000", "--verbose")
    try:
        partial = srv.connect()
        partial.sendall(b"GET / HTTP/1.1\r\nHost: lo")
        idle = srv.connect()
        idle.sendall(get("/"))
        rd_idle = Reader(idle)
        assert rd_idle.response().status == 200
        silent = srv.connect()
        time.sleep(GRACE + 0.15)
        news = []
        for victim in (silent, idle, partial):
            n = srv.connect()
            n.sendall(get("/"))
            rd = Reader(n)
            assert rd.response().status == 200
            news.append((n, rd))
            rv = Reader(victim)
            assert rv.closed(timeout=1), "the wrong connection was shed"
            assert rv.buf == b"", "a shed connection gets no response"
        for n, rd in news:  # the newcomers are still served
            n.sendall(get("/"))
            assert rd.response().status == 200
            n.close()
        for s in (partial, idle, silent):
            s.close()
        log = stderr_of(srv)
        for what in ("sent nothing", "idle after a request", "a request unfinished"):
            assert f"({what}, waiting" in log, log
    finally:
        srv.stop()


# ---- (b) slowloris at the limit ---------------------------------------------------------------

def test_slowloris_at_the_limit_does_not_keep_normal_clients_out():
    """16 connections trickle a request head a byte every 0.1 s, reconnecting when closed, against
    --max-conns 8 for about 3 s; every 0.3 s a normal client must be served within 1 s (before:
    the trickling connections held every slot and new ones were closed at once)."""
    srv = start_refserver("--max-conns", "8", "--header-timeout", "2000")
    head = b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + b"a" * 200

    def attacker() -> tuple[socket.socket, list[int]]:
        s = socket.socket(srv.family, socket.SOCK_STREAM)
        s.setblocking(False)
        s.connect_ex(srv.addr)
        return s, [0]

    slow = [attacker() for _ in range(16)]
    opened, waits, failures = 16, [], 0
    try:
        end = time.monotonic() + 3.0
        next_client = time.monotonic() + 0.3
        for _ in range(1000):  # bounded: ~30 rounds of 0.1 s
            if time.monotonic() >= end:
                break
            for i, (s, pos) in enumerate(slow):
                try:
                    if s.recv(4096, socket.MSG_DONTWAIT) == b"":
                        raise ConnectionResetError
                except BlockingIOError:
                    pass
                except OSError:
                    s.close()
                    if opened < 400:
                        slow[i] = attacker()
                        opened += 1
                    continue
                try:
                    s.send(head[pos[0] % len(head):pos[0] % len(head) + 1])
                    pos[0] += 1
                except (BlockingIOError, OSError):
                    pass
            if time.monotonic() >= next_client:
                w = time_to_serve(srv, 1.0 * SLOW)
                if w is None:
                    failures += 1
                else:
                    waits.append(w)
                next_client = time.monotonic() + 0.3
            time.sleep(0.1)
        assert len(waits) + failures >= 5
        assert failures == 0, f"{failures} normal clients not served within 1 s; waits {waits}"
        assert "(a request unfinished, waiting" in stderr_of(srv)
    finally:
        for s, _ in slow:
            s.close()
        srv.stop()


# ---- (c) out of descriptors -------------------------------------------------------------------

def test_out_of_descriptors_does_not_spin_and_recovers():
    """RLIMIT_NOFILE 40 and --max-conns 1000: WebSockets (never shed) take every descriptor.
    Over 2 s of EMFILE the server uses little CPU (before: 100 % of a core, accept4 failing in a
    loop), and once two WebSockets close, the client waiting in the backlog and a new one are
    served."""
    srv = start_with_nofile(40, 40, "--max-conns", "1000")
    ws, pending = [], None
    try:
        for _ in range(60):  # bounded: 40 descriptors
            s = srv.connect()
            s.sendall(get("/live", "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                   "Sec-WebSocket-Version: 13\r\n"))
            rd = Reader(s)
            if rd.until(lambda b: b"\r\n\r\n" in b, timeout=0.5) and rd.buf.startswith(b"HTTP/1.1 101"):
                rd.buf = b""
                ws.append((s, rd))
                continue
            pending = (s, rd)
            break
        assert pending is not None and len(ws) > 20, f"never ran out of descriptors ({len(ws)})"
        time.sleep(0.2)
        c0 = cpu_seconds(srv)
        time.sleep(2.0)
        used = cpu_seconds(srv) - c0
        assert used < 0.2 * SLOW, f"server used {used:.2f} s of CPU in 2 s out of descriptors"
        assert "refserver: accept: Too many open files" in stderr_of(srv), stderr_of(srv)
        for s, _ in ws[:2]:
            s.close()
        del ws[:2]
        s, rd = pending
        assert rd.until(lambda b: b"\r\n\r\n" in b, timeout=1.0) and rd.buf.startswith(b"HTTP/1.1 101"), \
            "the client waiting in the backlog was not served once descriptors freed"
        s.close()
        assert time_to_serve(srv, 1.0 * SLOW) is not None
    finally:
        for s, _ in ws:
            s.close()
        srv.stop()


def test_out_of_descriptors_sheds_a_silent_connection():
    """Out of descriptors (above --max-conns' reach), a connection that sent nothing is shed for
    the new one, as at --max-conns."""
    srv = start_with_nofile(40, 40, "--max-conns", "1000", "--header-timeout", "30000")
    try:
        silent = open_silent(srv, 40)  # more than the descriptors: the rest wait in the backlog
        time.sleep(GRACE + 0.15)
        assert time_to_serve(srv, 1.0 * SLOW) is not None
        assert re.search(r"shed 127\.0\.0\.1:\d+ \(sent nothing, waiting \d+ ms\) for "
                         r"(127\.0\.0\.1:\d+|a new connection): out of descriptors", stderr_of(srv)), \
            stderr_of(srv)
        for s in silent:
            s.close()
    finally:
        srv.stop()


# ---- the default limit ------------------------------------------------------------------------

def test_default_max_conns_comes_from_the_open_file_limit():
    """RLIMIT_NOFILE 64: the default --max-conns is 64 - SY_FD_RESERVE, so the server holds that
    many silent connections and sheds beyond (before: a fixed 256, then EMFILE and a busy loop)."""
    srv = start_with_nofile(64, 64, "--verbose", "--header-timeout", "30000")
    try:
        want = 64 - FD_RESERVE
        assert f"refserver: --max-conns {want} (open-file limit 64)" in stderr_of(srv)
        silent = open_silent(srv, want + 4)
        time.sleep(GRACE + 0.15)
        assert served(srv)
        assert sockets_held(srv) <= want
        assert f"at --max-conns {want}" in stderr_of(srv)
        for s in silent:
            s.close()
    finally:
        srv.stop()


def test_soft_open_file_limit_is_raised_toward_the_hard_one():
    srv = start_with_nofile(64, 4096, "--verbose")
    try:
        limits = pathlib.Path(f"/proc/{srv.proc.pid}/limits").read_text()
        assert re.search(r"^Max open files\s+4096\s+4096\s", limits, re.M), limits
        want = min(4096 - FD_RESERVE, CEILING)
        assert f"refserver: --max-conns {want} (open-file limit 4096)" in stderr_of(srv)
    finally:
        srv.stop()


def test_max_conns_above_the_open_file_limit_is_named():
    srv = start_with_nofile(40, 40, "--max-conns", "1000")
    try:
        assert "refserver: --max-conns 1000 is more than the open-file limit (40)" in stderr_of(srv)
        assert served(srv)
    finally:
        srv.stop()
