"""Connection behaviour over real sockets: pipelining, keep-alive, Connection: close, the
connection after a refused (426) or ignored upgrade, the switch after a 101, and the WebSocket
frame layer (echo, ping, close, protocol errors)."""
from __future__ import annotations

import socket
import time

from refserver_util import (WS_ACCEPT, WS_HANDSHAKE, Reader, exchange, get, parse_response, read_ws_frame,
                      upgraded, ws_frame)


def test_plain_get(server):
    r = exchange(server, get("/"))
    assert r.status == 200 and r.body == b"Switchyard reference server\n"
    assert r.header("Content-Length") == str(len(r.body))


def test_pipelined_responses_in_order(server):
    reqs = [get("/"), get("/nope"), get("/live"),
            b"OPTIONS / HTTP/1.1\r\nHost: localhost\r\n\r\n",
            b"HEAD / HTTP/1.1\r\nHost: localhost\r\n\r\n",
            b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\n\r\nabc",
            get("/", "Upgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n"),
            get("/")]
    want = [200, 404, 426, 204, 200, 405, 200, 200]
    with server.connect() as s:
        s.sendall(b"".join(reqs))
        rd = Reader(s)
        got = [rd.response(head=(i == 4)).status for i in range(len(reqs))]
        assert got == want
        assert rd.buf == b""
        s.sendall(get("/"))
        assert rd.response().status == 200, "still open after the pipeline"


def test_pipeline_of_many(server):
    n = 200
    with server.connect() as s:
        s.sendall(b"".join(get("/" if i % 2 == 0 else "/live") for i in range(n)))
        rd = Reader(s)
        statuses = [rd.response(timeout=5).status for _ in range(n)]
    assert statuses == [200 if i % 2 == 0 else 426 for i in range(n)]


def test_pipeline_with_unread_responses_does_not_deadlock(server):
    """The client sends a lot without reading: the server stops reading when its output is full
    (bounded memory) and resumes when we drain, answering every request in order."""
    n = 20000  # about 4 MB of 426 responses: more than every buffer on the way
    data = b"".join(get("/live") for _ in range(n))
    with socket.socket(server.family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # we barely take responses
        s.connect(server.addr)
        rss_before = rss_kib(server)
        s.setblocking(False)
        rd = Reader(s)
        sent, got, stalled_since = 0, 0, None
        # phase 1: write without reading until the writes stall for a while (backpressure)
        deadline = time.monotonic() + 10
        while sent < len(data) and time.monotonic() < deadline:
            try:
                sent += s.send(data[sent:sent + 65536])
                stalled_since = None
            except BlockingIOError:
                stalled_since = stalled_since or time.monotonic()
                if time.monotonic() - stalled_since > 0.3:
                    break
                time.sleep(0.01)
        # the server buffers at most one connection's fixed-size buffers, however much is queued
        grown = rss_kib(server) - rss_before
        assert grown < 4096, f"server RSS grew by {grown} KiB while answers were unread"
        # phase 2: drain and finish sending
        deadline = time.monotonic() + 20
        while got < n and time.monotonic() < deadline:
            if sent < len(data):
                try:
                    sent += s.send(data[sent:sent + 65536])
                except BlockingIOError:
                    pass
            if rd.fill(time.monotonic() + 0.05):
                for _ in range(n):
                    p = parse_response(rd.buf)
                    if p is None:
                        break
                    assert p[0].status == 426
                    rd.buf = rd.buf[p[1]:]
                    got += 1
        assert (sent, got) == (len(data), n)


def rss_kib(server) -> int:
    with open(f"/proc/{server.proc.pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_keep_alive_sequential(server):
    with server.connect() as s:
        rd = Reader(s)
        for path, status in [("/", 200), ("/live", 426), ("/x", 404), ("/", 200)]:
            s.sendall(get(path))
            r = rd.response()
            assert r.status == status
            assert "close" not in r.header_tokens("Connection")


def test_connection_close(server):
    with server.connect() as s:
        s.sendall(get("/", "Connection: close\r\n"))
        rd = Reader(s)
        r = rd.response()
        assert r.status == 200 and "close" in r.header_tokens("Connection")
        assert rd.closed(), "the server must close after Connection: close"
        assert rd.buf == b""


def test_connection_close_ignores_pipelined_rest(server):
    with server.connect() as s:
        s.sendall(get("/", "Connection: close\r\n") + get("/"))
        rd = Reader(s)
        assert rd.response().status == 200
        assert rd.closed() and rd.buf == b"", "nothing after the response to Connection: close"


def test_http10_closes_by_default_and_keeps_alive_on_request(server):
    with server.connect() as s:
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        rd = Reader(s)
        assert rd.response().status == 200
        assert rd.closed()
    with server.connect() as s:
        s.sendall(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        rd = Reader(s)
        r = rd.response()
        assert r.status == 200 and "keep-alive" in r.header_tokens("Connection")
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        assert rd.response().status == 200


def test_426_headers(server):
    r = exchange(server, get("/live"))
    assert r.status == 426 and r.phrase == "Upgrade Required"
    assert r.header_tokens("Upgrade") == ["websocket"]
    assert "upgrade" in r.header_tokens("Connection")
    assert b"websocket" in r.body
    assert b"reason: WS_REQUIRED\n" in r.body


def test_426_version_names_13(server):
    r = exchange(server, get("/live", "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                                      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                      "Sec-WebSocket-Version: 8\r\n"))
    assert r.status == 426 and r.header("Sec-WebSocket-Version") == "13"


def test_after_refused_upgrade_connection_stays_http(server):
    refusals = [get("/live"),                                                    # no offer
                get("/live", "Upgrade: h2c\r\nConnection: Upgrade\r\n"),           # other protocol
                get("/live", "Upgrade: websocket\r\nConnection: Upgrade\r\n"),     # no version
                get("/live", "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                             "Sec-WebSocket-Version: 13\r\n")]                     # no key: 400
    with server.connect() as s:
        rd = Reader(s)
        for req in refusals:
            s.sendall(req)
            assert rd.response().status in (426, 400)
            s.sendall(get("/"))
            r = rd.response()
            assert r.status == 200, "after a refused upgrade the connection speaks HTTP/1.1"
        # and a WebSocket handshake still works on the same connection afterwards
        s.sendall(WS_HANDSHAKE)
        r = rd.response()
        assert r.status == 101 and r.header("Sec-WebSocket-Accept") == WS_ACCEPT
        s.sendall(ws_frame(0x1, b"still here"))
        assert read_ws_frame(rd) == (0x1, b"still here")


def test_ignored_h2c_upgrade_keeps_http(server):
    with server.connect() as s:
        s.sendall(get("/", "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                           "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n"))
        rd = Reader(s)
        r = rd.response()
        assert r.status == 200 and r.header("Upgrade") is None
        s.sendall(get("/"))
        assert rd.response().status == 200


def test_101_headers(server):
    with server.connect() as s:
        s.sendall(WS_HANDSHAKE)
        rd = Reader(s)
        r = rd.response()
        assert r.status == 101 and r.phrase == "Switching Protocols"
        assert r.header_tokens("Upgrade") == ["websocket"]
        assert "upgrade" in r.header_tokens("Connection")
        assert r.header("Sec-WebSocket-Accept") == WS_ACCEPT
        assert r.header("Content-Length") is None and r.body == b""
        assert rd.buf == b""


def test_after_101_http_is_websocket_bytes(server):
    """An HTTP request after the 101 is read as (unmasked) frames: Close 1002, no HTTP answer."""
    s, rd = upgraded(server)
    with s:
        s.sendall(get("/"))
        assert rd.until(lambda b: len(b) >= 4)
        assert rd.buf[:4] == b"\x88\x02\x03\xea", rd.buf  # Close, 1002 protocol error
        rd.buf = rd.buf[4:]
        assert rd.closed()
        assert b"HTTP/" not in rd.buf and rd.buf == b""


def test_bytes_with_the_handshake_are_frames(server):
    with server.connect() as s:
        s.sendall(WS_HANDSHAKE + ws_frame(0x1, b"early"))
        rd = Reader(s)
        assert rd.response().status == 101
        assert read_ws_frame(rd) == (0x1, b"early")


def test_ws_echo_ping_close(server):
    s, rd = upgraded(server)
    with s:
        s.sendall(ws_frame(0x1, "héllo".encode()))
        assert read_ws_frame(rd) == (0x1, "héllo".encode())
        s.sendall(ws_frame(0x2, bytes(range(256))))
        assert read_ws_frame(rd) == (0x2, bytes(range(256)))
        big = bytes(i % 251 for i in range(70000 - 10000))
        s.sendall(ws_frame(0x2, big))
        assert read_ws_frame(rd) == (0x2, big)
        s.sendall(ws_frame(0x9, b"p1"))
        assert read_ws_frame(rd) == (0xA, b"p1")
        # fragmented text with a ping in the middle (RFC 6455 §5.4)
        s.sendall(ws_frame(0x1, b"frag", fin=False) + ws_frame(0x9, b"mid") +
                  ws_frame(0x0, b"ment", fin=False) + ws_frame(0x0, b"ed"))
        assert read_ws_frame(rd) == (0xA, b"mid")
        assert read_ws_frame(rd) == (0x1, b"fragmented")
        s.sendall(ws_frame(0x8, (1000).to_bytes(2, "big") + b"bye"))
        assert read_ws_frame(rd) == (0x8, (1000).to_bytes(2, "big"))
        assert rd.closed() and rd.buf == b""


def test_ws_unmasked_frame_fails_1002(server):
    s, rd = upgraded(server)
    with s:
        s.sendall(ws_frame(0x1, b"x", mask=None))
        assert read_ws_frame(rd) == (0x8, (1002).to_bytes(2, "big"))
        assert rd.closed()


def test_ws_invalid_utf8_fails_1007(server):
    s, rd = upgraded(server)
    with s:
        s.sendall(ws_frame(0x1, b"\xff\xfe"))
        assert read_ws_frame(rd) == (0x8, (1007).to_bytes(2, "big"))
        assert rd.closed()


def test_ws_too_big_message_fails_1009(server):
    s, rd = upgraded(server)
    with s:
        s.sendall(ws_frame(0x2, b"a" * 40000, fin=False))
        try:
            s.sendall(ws_frame(0x0, b"b" * 40000))
        except (BrokenPipeError, ConnectionResetError):
            pass
        assert read_ws_frame(rd) == (0x8, (1009).to_bytes(2, "big"))
        assert rd.closed()


def test_ws_peer_eof_closes(server):
    s, rd = upgraded(server)
    with s:
        s.shutdown(socket.SHUT_WR)
        assert rd.closed() and rd.buf == b""


def test_expect_100_continue_before_101(server):
    """RFC 9110 §10.1.1: with the head alone the server answers 100 Continue; the content follows,
    then the 101."""
    head, body = (b"GET /live HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
                  b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                  b"Sec-WebSocket-Version: 13\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n",
                  b"hello")
    with server.connect() as s:
        s.sendall(head)
        rd = Reader(s)
        assert rd.exactly(25) == b"HTTP/1.1 100 Continue\r\n\r\n"
        s.sendall(body)
        r = rd.response()
        assert r.status == 101 and r.header("Sec-WebSocket-Accept") == WS_ACCEPT
