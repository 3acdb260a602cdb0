"""harness/response.py: llhttp (through libsyresp.so) parses what servers sent (responses only)."""
from harness import response

WS_101 = (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n")


def test_101_reports_bytes_after_the_head():
    r = response.parse(WS_101 + b"\x81\x02hi")
    assert (r.status, r.upgrade, r.complete, r.after) == (101, True, True, b"\x81\x02hi")
    assert r.head == WS_101


def test_headers_keep_order_and_case_and_empty_reason():
    r = response.parse(b"HTTP/1.1 426 \r\nupgrade: websocket\r\nX-A:\r\nConnection: keep-alive\r\n"
                       b"Content-Length: 0\r\n\r\n")
    assert r.status == 426 and r.reason == b""
    assert r.headers == ((b"upgrade", b"websocket"), (b"X-A", b""), (b"Connection", b"keep-alive"),
                         (b"Content-Length", b"0"))
    assert r.header("Upgrade") == ["websocket"]


def test_chunked_body_and_pipelined_responses():
    raw = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
           b"HTTP/1.1 404 Not Found\r\nContent-Length: 1\r\n\r\nx")
    rs, rest = response.parse_all(raw)
    assert [r.status for r in rs] == [200, 404] and rs[0].body == b"abc" and rest == b""


def test_read_until_close_body_needs_eof():
    raw = b"HTTP/1.0 200 OK\r\n\r\nbody"
    assert not response.parse(raw).complete
    r = response.parse(raw, eof=True)
    assert r.complete and r.body == b"body"


def test_incomplete_and_invalid():
    assert not response.is_complete(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab")
    r = response.parse(b"SSH-2.0-x\r\n\r\n")
    assert r.error == "HPE_INVALID_CONSTANT" and not r.head_complete
    assert response.is_complete(b"SSH-2.0-x\r\n\r\n")     # an error ends the wait too


def test_head_response_has_no_body():
    raw = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"
    assert not response.parse(raw).complete
    assert response.parse(raw, no_body=True).complete


def test_http2_settings_frame_is_recognised_by_its_header():
    assert response.http2_settings(bytes.fromhex("000006040000000000") + bytes(6))
    assert response.http2_settings(bytes.fromhex("000000040100000000"))           # an empty ACK
    assert not response.http2_settings(bytes.fromhex("000006040000000001") + bytes(6))  # stream 1
    assert not response.http2_settings(bytes.fromhex("000006010400000001"))        # HEADERS
    assert not response.http2_settings(bytes.fromhex("000005040000000000"))        # not 6-byte units
    assert not response.http2_settings(b"HTTP/1.1 200 OK\r\n\r\n")
    assert not response.http2_settings(b"\x00\x00\x06\x04")
