"""harness/wire.py + matrix.run_one: what a server sees is paced by what it did, not by the clock.

Each test scripts a small server in a thread of this process (the `scripted` fixture owns it:
started in the fixture, its listener closed and the thread joined in the finalizer).
"""
import socket
import threading
import time

import pytest
from conftest import case

from harness import matrix, observe, response, wire
from harness.catalog import Adapter
from harness.servers import Server

HEAD = b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\n"
BODY = b"hello"
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


@pytest.fixture
def scripted():
    """scripted(handler) -> (host, port): each accepted connection runs handler(conn) in a
    thread; the fixture's finalizer closes the listener and joins every thread."""
    listeners, threads = [], []

    def start(handler):
        ls = socket.socket()
        ls.bind(("127.0.0.1", 0))
        ls.listen(8)
        ls.settimeout(0.05)
        stop = threading.Event()

        def one(conn):
            with conn:
                conn.settimeout(2.0)
                try:
                    handler(conn)
                except (OSError, EOFError):
                    pass

        def serve():
            while not stop.is_set():
                try:
                    conn, _ = ls.accept()
                except (socket.timeout, OSError):
                    continue
                threads.append(threading.Thread(target=one, args=(conn,), daemon=True))
                threads[-1].start()
        t = threading.Thread(target=serve, daemon=True)
        t.start()
        listeners.append((ls, stop))
        threads.append(t)
        return ls.getsockname()

    yield start
    for ls, stop in listeners:
        stop.set()
    for t in list(threads):
        t.join(timeout=5)
    for ls, _ in listeners:
        ls.close()


def read_until(conn, marker: bytes, step: int = 4096) -> bytes:
    """Read until marker has arrived; raises EOFError if the peer closes first (a readiness probe)."""
    data = b""
    while marker not in data:
        chunk = conn.recv(step)
        if not chunk:
            raise EOFError
        data += chunk
    return data


def exchange(addr, data, mode, **kw):
    return wire.exchange(*addr, data, mode, complete=response.is_complete, timeout=1.0, **kw)


def test_bytewise_server_reads_one_byte_at_a_time_even_when_slow(scripted):
    # a slow reader would find several bytes per read if the sender went by the clock
    reads = []

    def handler(conn):
        data = b""
        while len(data) < len(HEAD + BODY):
            time.sleep(0.002)
            chunk = conn.recv(4096)
            if not chunk:
                return
            reads.append(len(chunk))
            data += chunk
        conn.sendall(OK)
    ex = exchange(scripted(handler), HEAD + BODY, "bytewise")
    assert ex.paced and ex.first == OK
    assert reads == [1] * len(HEAD + BODY)


def test_split_after_head_waits_for_the_answer_to_the_head(scripted):
    # the server answers the head before its body: every run sees the answer first, then the body
    seen = []

    def handler(conn):
        seen.append(read_until(conn, b"\r\n\r\n"))
        conn.sendall(OK)
        seen.append(conn.recv(4096))
    ex = exchange(scripted(handler), HEAD + BODY, "split_after_head")
    assert ex.first == OK and seen == [HEAD, BODY]


def test_a_server_that_stops_reading_gets_the_rest_in_one_write(scripted, monkeypatch):
    monkeypatch.setattr(wire, "STALL", 0.05)
    got = []

    def handler(conn):
        read_until(conn, b"Host", 1)
        time.sleep(0.3)                      # not reading
        got.append(conn.recv(4096))
        conn.sendall(OK)
    data = HEAD + BODY
    ex = exchange(scripted(handler), data, "bytewise")
    read = data.index(b"Host") + 4          # what it read before it stopped; one more was sent
    assert ex.first == OK and ex.stalled_at == read + 1
    assert got == [data[read:]]


def test_bytewise_step_bounds_the_writes():
    assert wire.bytewise_step(100) == 1 and wire.bytewise_step(wire.BYTEWISE_WRITES) == 1
    assert wire.bytewise_step(wire.BYTEWISE_WRITES * 9 + 1) == 10


def test_answer_then_close_mid_request_reads_the_same_every_time(scripted):
    # the server answers after the request line and closes with our bytes unread (an RST); the
    # answer must be read whatever the close raced with (our next write, or our read)
    def handler(conn):
        read_until(conn, b"\r\n", 1)
        conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        # closing with unread bytes sends an RST instead of a FIN
    addr = scripted(handler)
    c = case(HEAD + BODY)
    seen = set()
    for mode in ("bytewise", "split_after_head", "whole"):
        for _ in range(5):
            ex = exchange(addr, c.raw, mode)
            obs = observe.observe(c, ex)
            seen.add((obs.decision, obs.status, obs.fate in ("closed", "reset")))
    assert seen == {("reject", 400, True)}


def test_an_announced_close_is_waited_for_and_the_tail_counts_as_closed(scripted):
    # `Connection: close`, then the close comes later than the grace period
    def handler(conn):
        read_until(conn, b"\r\n\r\n")
        conn.sendall(b"HTTP/1.1 426 Upgrade Required\r\nUpgrade: websocket\r\nConnection: close\r\n"
                     b"Content-Length: 0\r\n\r\n")
        time.sleep(0.15)
    ws = b"GET /live HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
    srv = Server(Adapter(name="scripted", argv=(), target="%s:%d" % scripted(handler)))
    srv.start()
    c = case(ws, reason="WS_REQUIRED", tail="http")
    obs, _ = matrix.run_one(srv, c, "whole")
    assert (obs.status, obs.fate, obs.tail) == (426, "closed", "closed")


def test_bytes_after_a_101_are_not_the_tails_answer(scripted):
    # frames that follow the 101 a little later belong to the 101, not to the tail probe
    def handler(conn):
        read_until(conn, b"\r\n\r\n")
        conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n")
        time.sleep(0.01)
        conn.sendall(b"\x81\x02hi")
        conn.recv(4096)                       # the tail: read, never answered
        time.sleep(0.4)
    ws = (b"GET /live HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
    srv = Server(Adapter(name="scripted", argv=(), target="%s:%d" % scripted(handler)))
    srv.start()
    obs, _ = matrix.run_one(srv, case(ws, reason="WS_SWITCH", tail="ws"), "whole")
    assert obs.status == 101 and obs.after_101 == b"\x81\x02hi" and obs.tail == "silent"
