"""Every corpus case over a real socket, in the driver's three deliveries (harness/wire.py):
whole, byte by byte, and split after the head.

The cases come from harness/cases.py (the one reader of corpus/). For each case
  * the reference decision (`sy-decide`) carries the manifest's `reason`;
  * the server answers that reason's status (`case.status`: the loader reads it from the core's
    reasons table, reasons.h, through harness/core.py), and on errors a body naming the reason;
  * exactly the bytes `refserver --stdin` writes for the same input (the same state machine,
    so every pipelined response in order, and the WebSocket frames after a 101), except for an
    interim `100 Continue` that only a split delivery can cause (RFC 9110 §10.1.1);
  * then the connection's fate: closed by the server after `Connection: close` or a WebSocket
    Close; otherwise the manifest's tail probe, the loader's bytes (`http`: a second request
    answered 200, the connection is still HTTP/1.1; `ws`: a masked frame, echoed) and a clean
    close on our EOF.
"""
from __future__ import annotations

import socket

import pytest

from harness import response, wire, wsframe
from harness.cases import TAIL_WS
from refserver_util import CASES, SLOW, Reader, parse_response, stdin_output

CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


def final_state(expected: bytes, first_is_head: bool) -> str:
    """From the reference byte stream: 'close' if the server closes on its own after it,
    'ws' if the connection is left in WebSocket, 'http' if it stays HTTP/1.1."""
    buf, last, head = expected, None, first_is_head
    for _ in range(64):
        got = parse_response(buf, head) if buf.startswith(b"HTTP/1.1 ") else None
        if got is None:
            break
        last, n = got
        buf, head = buf[n:], False
        if last.status == 101:
            break
    assert last is not None, f"the reference stream holds no response: {expected[:200]!r}"
    if last.status == 101 and last.header("Upgrade") != "websocket":
        return "session"  # h2c or TLS (test_upgrades.py speaks them): the reference closes at
                          # our EOF, or on its own (a TLS handshake that fails)
    if last.status == 101:
        # server frames after the switch: a Close means the server is closing
        for _ in range(64):
            f = wsframe.parse(buf)
            if f is None:
                break
            if f.opcode == wsframe.OP_CLOSE:
                return "close"
            buf = buf[f.size:]
        return "ws"
    if "close" in last.header_tokens("Connection"):
        return "close"
    return "http"


def drop_interim_continue(buf: bytes) -> bytes:
    return buf.replace(CONTINUE, b"", 1) if buf.startswith(CONTINUE) else buf


# the server's echo of the tail probe: the same frame, unmasked (RFC 6455 §5.1: a server never masks)
_tail = wsframe.parse(TAIL_WS)
TAIL_WS_ECHO = wsframe.frame(_tail.opcode, _tail.payload, fin=_tail.fin)


@pytest.mark.parametrize("mode", wire.MODES)
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_corpus_case(server, decisions, case, mode):
    ref = decisions[case.id]
    assert ref["reason"] == case.reason, \
        f"{case.path}: the reference decides {ref['reason']}, the manifest says {case.reason}"
    want = case.status  # the status of the manifest's reason in the core's table
    assert 100 <= want <= 599, f"{case.path}: {case.reason} has no status ({want})"
    expected = stdin_output(case.raw)
    assert expected.startswith(ref["response"].encode()), "--stdin and sy-decide disagree"
    is_head = case.raw.startswith(b"HEAD ")
    state = final_state(expected, is_head)

    with server.connect() as sock:
        # the driver's delivery (harness/wire.py): paced by the server's reads, a pause at the cut
        early = wire.deliver(sock, case.raw, mode, complete=response.is_complete,
                             timeout=3.0 * SLOW)
        rd = Reader(sock)
        rd.buf = early
        rd.until(lambda b: len(drop_interim_continue(b)) >= len(expected), timeout=5.0)
        got = rd.buf
        if mode != "whole" and b"100-continue" in case.raw:
            got = drop_interim_continue(got)

        # the first response: the status of the manifest's reason and, on errors, that reason
        # named in the body
        first = parse_response(got, is_head)
        assert first is not None, f"no complete response (eof={rd.eof}): {got[:300]!r}"
        resp = first[0]
        assert resp.status == want, \
            f"{resp.status}, but {case.reason} is {want}: {got[:300]!r}"
        if resp.status >= 400 and not is_head:  # a response to HEAD has no body to name it
            assert f"reason: {case.reason}\n".encode() in resp.body, resp.body
        # the whole stream: exactly the reference machine's output
        assert got == expected

        rd.buf = b""
        if state == "session":
            try:
                sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass  # it closed first
            assert rd.closed(timeout=3.0), "the server should close after the client's EOF"
            assert rd.buf == b"", f"bytes after the switched session's: {rd.buf[:200]!r}"
            return
        if state == "close":
            assert rd.closed(timeout=3.0), "the server should close after this exchange"
            assert rd.buf == b"", f"bytes after the last response: {rd.buf[:200]!r}"
            return
        if case.tail == "http" and state == "http":
            sock.sendall(case.tail_bytes)
            tail = rd.response()
            assert tail.status == 200, "the connection must still speak HTTP/1.1"
        elif case.tail == "ws" and state == "ws":
            sock.sendall(case.tail_bytes)
            assert rd.exactly(len(TAIL_WS_ECHO)) == TAIL_WS_ECHO
        elif case.tail:
            pytest.fail(f"manifest tail {case.tail!r} but the connection ends in {state!r}")
        # our EOF: the server closes too, with nothing more to say
        sock.shutdown(socket.SHUT_WR)
        assert rd.closed(timeout=3.0), "the server should close after the client's EOF"
        assert rd.buf == b"", f"unexpected bytes: {rd.buf[:200]!r}"


def test_corpus_is_not_empty():
    assert len(CASES) >= 50, "the corpus went missing?"
    assert len({c.id for c in CASES}) == len(CASES)
