"""Limits and timeouts over real sockets: oversized heads (431), long targets (414), too much
content (413), the slow-header (slowloris) timeout (408), the idle timeout, and the connection
limit. Timeouts use their own instance with short values so the suite stays fast. Overload (what
happens at the limit, out of descriptors): test_overload.py."""
from __future__ import annotations

import re
import time

import pytest

from refserver_util import (SLOW, Reader, exchange, get, limits_h, read_ws_frame, start_refserver,
                            upgraded, ws_frame)

HEADER_TIMEOUT = 0.6   # seconds, --header-timeout of the timeout instance
IDLE_TIMEOUT = 1.2     # seconds, --idle-timeout of the timeout instance
MARGIN = 0.5 * SLOW    # scheduling slack allowed past a deadline

# The limits come from the one place they are named, limits.h.
LIMITS = limits_h()
MAX_HEAD = LIMITS["SY_MAX_HEAD_BYTES"]
MAX_TARGET = LIMITS["SY_MAX_TARGET_BYTES"]
MAX_HEADERS = LIMITS["SY_MAX_HEADERS"]


@pytest.fixture(scope="module")
def timeout_server():
    srv = start_refserver("--header-timeout", str(int(HEADER_TIMEOUT * 1000)),
                          "--idle-timeout", str(int(IDLE_TIMEOUT * 1000)))
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def limited_server():
    srv = start_refserver("--max-conns", "2")
    yield srv
    srv.stop()


def head_of_size(total: int) -> bytes:
    """A GET / head of exactly `total` bytes (one filler field)."""
    base = b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Fill: \r\n\r\n"
    assert total >= len(base)
    return base.replace(b"X-Fill: ", b"X-Fill: " + b"a" * (total - len(base)))


# ---- sizes -----------------------------------------------------------------------------------

def test_head_at_the_limit_is_served(server):
    assert exchange(server, head_of_size(MAX_HEAD)).status == 200


def test_head_over_the_limit_is_431(server):
    for size in (MAX_HEAD + 1, MAX_HEAD * 2, 60000):
        r = exchange(server, head_of_size(size))
        assert r.status == 431, size
        assert b"reason: HEAD_TOO_LARGE\n" in r.body
        assert "close" in r.header_tokens("Connection")


def test_head_over_the_limit_without_end_is_431(server):
    """No blank line ever comes: the server must not wait for it past the limit."""
    with server.connect() as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Fill: " + b"a" * (MAX_HEAD + 100))
        rd = Reader(s)
        assert rd.response().status == 431
        assert rd.closed()


def test_too_many_fields_is_431(server):
    fields = "".join(f"X-F{i}: v\r\n" for i in range(MAX_HEADERS))  # + Host = 65 field lines
    assert exchange(server, get("/", fields)).status == 431
    fields = "".join(f"X-F{i}: v\r\n" for i in range(MAX_HEADERS - 1))  # exactly 64
    assert exchange(server, get("/", fields)).status == 200


def test_target_at_the_limit_is_routed(server):
    target = "/" + "a" * (MAX_TARGET - 1)
    assert exchange(server, get(target)).status == 404


def test_long_target_is_414(server):
    for n in (MAX_TARGET + 1, MAX_TARGET + 100, MAX_HEAD - 100):
        r = exchange(server, get("/" + "a" * (n - 1)))
        assert r.status == 414, n
        assert b"reason: TARGET_TOO_LONG\n" in r.body


def test_long_target_without_end_is_414(server):
    with server.connect() as s:
        s.sendall(b"GET /" + b"a" * (MAX_TARGET + 10))
        rd = Reader(s)
        assert rd.response().status == 414
        assert rd.closed()


def test_content_too_large_is_413(server):
    r = exchange(server, b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 65537\r\n\r\n")
    assert r.status == 413


def test_chunked_content_larger_than_the_buffer_is_413(server):
    with server.connect(timeout=5) as s:
        s.sendall(b"POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"1000\r\n" + b"a" * 0x1000 + b"\r\n"
        try:
            for _ in range(40):  # 160 KiB of chunks: more than the connection's input buffer
                s.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        rd = Reader(s)
        r = rd.response()
        assert r.status == 413
        assert rd.closed()


# ---- timeouts --------------------------------------------------------------------------------

def test_slowloris_gets_408_within_the_header_timeout(timeout_server):
    """A head sent a few bytes at a time, never finished: 408 and close, measured from the first
    byte of the head (sending more does not extend it)."""
    with timeout_server.connect() as s:
        rd = Reader(s)
        t0 = time.monotonic()
        s.sendall(b"GET / HTTP/1.1\r\n")
        for i in range(100):  # bounded: at most ~100 * 0.05 s
            if rd.fill(time.monotonic() + 0.05) or rd.eof or rd.reset:
                break
            try:
                s.sendall(b"X-%d: y\r\n" % i)
            except (BrokenPipeError, ConnectionResetError):
                break
        r = rd.response()
        elapsed = time.monotonic() - t0
        assert r.status == 408 and b"reason: REQUEST_TIMEOUT\n" in r.body
        assert "close" in r.header_tokens("Connection")
        assert rd.closed(timeout=HEADER_TIMEOUT + 2)
        elapsed_close = time.monotonic() - t0
    assert HEADER_TIMEOUT - 0.05 <= elapsed <= HEADER_TIMEOUT + MARGIN, elapsed
    assert elapsed_close <= HEADER_TIMEOUT + 1.0 + MARGIN  # FIN right after the 408 (linger ≤ 1 s)


def test_header_timeout_does_not_hit_a_waiting_keep_alive_connection(timeout_server):
    """Between requests no head has started: only the idle timeout applies."""
    with timeout_server.connect() as s:
        rd = Reader(s)
        s.sendall(get("/"))
        assert rd.response().status == 200
        time.sleep(HEADER_TIMEOUT + 0.2)  # past the header timeout, before the idle timeout
        s.sendall(get("/"))
        assert rd.response().status == 200


def test_silent_connection_is_closed_at_the_header_deadline(timeout_server):
    """The first request's header timeout runs from the accept: a connection that sends nothing
    is closed at the header deadline, not the idle one, and gets no 408 (it made no request)."""
    with timeout_server.connect() as s:
        rd = Reader(s)
        t0 = time.monotonic()
        assert rd.closed(timeout=IDLE_TIMEOUT + 3)
        elapsed = time.monotonic() - t0
        assert rd.buf == b"", "a connection without a request gets no response"
    assert HEADER_TIMEOUT - 0.05 <= elapsed <= HEADER_TIMEOUT + MARGIN, elapsed


def test_first_request_counts_from_the_accept(timeout_server):
    """Sending the first byte late does not restart the clock: 408 at the accept's deadline."""
    with timeout_server.connect() as s:
        rd = Reader(s)
        t0 = time.monotonic()
        time.sleep(HEADER_TIMEOUT - 0.05)
        first_byte = time.monotonic() - t0
        s.sendall(b"GET / HTTP/1.1\r\n")
        r = rd.response(timeout=HEADER_TIMEOUT + 2)
        elapsed = time.monotonic() - t0
        assert r.status == 408
    # a clock started at the first byte could not have run out before this
    assert HEADER_TIMEOUT - 0.05 <= elapsed < first_byte + HEADER_TIMEOUT - 0.05, elapsed


def test_idle_after_a_response_is_closed(timeout_server):
    with timeout_server.connect() as s:
        rd = Reader(s)
        s.sendall(get("/"))
        assert rd.response().status == 200
        t0 = time.monotonic()
        assert rd.closed(timeout=IDLE_TIMEOUT + 3)
        assert time.monotonic() - t0 <= IDLE_TIMEOUT + MARGIN


def test_idle_websocket_gets_close_1001(timeout_server):
    s, rd = upgraded(timeout_server)
    with s:
        t0 = time.monotonic()
        assert read_ws_frame(rd, timeout=IDLE_TIMEOUT + 3) == (0x8, (1001).to_bytes(2, "big"))
        assert IDLE_TIMEOUT - 0.05 <= time.monotonic() - t0 <= IDLE_TIMEOUT + MARGIN
        assert rd.closed(timeout=IDLE_TIMEOUT + 3)


def test_timeouts_leave_other_connections_alone(timeout_server):
    """While a slowloris connection times out, a normal one on the same server is served."""
    with timeout_server.connect() as slow, timeout_server.connect() as fast:
        slow.sendall(b"GET / HTTP/1.1\r\n")
        rd_fast = Reader(fast)
        for _ in range(3):
            fast.sendall(get("/"))
            assert rd_fast.response().status == 200
            time.sleep(0.3)
        rd_slow = Reader(slow)
        assert rd_slow.response(timeout=HEADER_TIMEOUT + 2).status == 408


# ---- connection limit ------------------------------------------------------------------------

def test_connection_limit(limited_server):
    """Two WebSockets (never shed for a new connection) fill --max-conns 2: a third connection is
    closed at once, and the refusal is logged."""
    (a, rd_a), (b, rd_b) = upgraded(limited_server), upgraded(limited_server)
    try:
        with limited_server.connect() as c:
            rd = Reader(c)
            try:
                c.sendall(get("/"))
            except (BrokenPipeError, ConnectionResetError):
                pass
            t0 = time.monotonic()
            assert rd.closed(timeout=2), "a third connection must be closed at once"
            assert time.monotonic() - t0 < 1.0 * SLOW
            assert rd.buf == b"", "the refused connection gets no response"
        # the two first connections are still served
        for s, rd in ((a, rd_a), (b, rd_b)):
            s.sendall(ws_frame(0x1, b"still here"))
            assert read_ws_frame(rd) == (0x1, b"still here")
        assert re.search(r"refserver: refused 127\.0\.0\.1:\d+: at --max-conns 2,",
                         limited_server.stderr_text())
    finally:
        a.close()
    # a slot frees when a connection ends: a new one is served (bounded retries)
    ok = False
    for _ in range(20):
        with limited_server.connect() as d:
            try:
                d.sendall(get("/"))
                rd = Reader(d)
                if rd.until(lambda buf: b"\r\n\r\n" in buf, timeout=0.5) and \
                        rd.buf.startswith(b"HTTP/1.1 200"):
                    ok = True
                    break
            except (BrokenPipeError, ConnectionResetError):
                pass
        time.sleep(0.05)
    b.close()
    assert ok, "after one connection closed, a new one must be accepted"
