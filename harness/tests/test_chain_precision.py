"""Chain rules on the bytes of diff-fuzz inputs they once misjudged (a campaign over the sentinel
chains, 2026-12-04): each backend record is what the sentinel logged, rebuilt as a BackendConn."""
from __future__ import annotations

from conftest import case

from harness import chain
from harness.observe import Observation
from harness.rules import Ctx
from harness.rules.chain import body_smuggled

PIPELINED = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"


def _ctx(raw: bytes, backend: bytes) -> Ctx:
    obs = Observation(decision="reject", status=426, backend=(chain.BackendConn(1, backend),))
    return Ctx(case(raw), obs, None)


def test_content_that_matches_the_forwarded_head_is_not_smuggled():
    # Content-Length: 5 of "GET /": the forwarded request line starts with the same five bytes;
    # the content itself follows the forwarded head, as content (caddy, h2o, nghttpx)
    raw = b"GET /live HTTP/1.1\r\nHost:\r\nContent-Length:5\r\n\r\nGET /" + PIPELINED
    fwd = b"GET /live HTTP/1.1\r\nHost: 127.0.0.1:1\r\nContent-Length: 5\r\n\r\nGET /" + PIPELINED
    assert body_smuggled(_ctx(raw, fwd)).state == "ok"


def test_content_read_as_a_request_is_smuggled():
    raw = b"GET /live HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nContent-Length: 35\r\n\r\n" + PIPELINED
    fwd = b"GET /live HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n" + PIPELINED
    assert len(PIPELINED) == 35 and body_smuggled(_ctx(raw, fwd)).state == "broken"


def test_bytes_after_a_refused_head_are_no_content():
    # the core refuses the obs-folded head: what follows is no content of it (it reads none)
    raw = b"GET /live HTTP/1.1\r\nHost:t\r\nUpgrade:\r\n  de\r\nConnection:se\r\n\r\n" + PIPELINED
    fwd = b"GET /live HTTP/1.1\r\nHost: t\r\nUpgrade: de\r\n\r\n" + PIPELINED
    assert body_smuggled(_ctx(raw, fwd)).state == "n/a"


def test_connect_is_no_upgrade_for_tunnel_and_early_data_rules():
    # varnish→sentinel: CONNECT with Upgrade, then bytes; the backend's 200 opens CONNECT's tunnel
    from harness.rules.chain import early_data, tunnel_no_101
    raw = b"CONNECT / HTTP/1.0\r\nUpgrade: ocket\r\nConnection: Upgrade\r\n\r\n\x83\x80abcd"
    head = raw[:raw.index(b"\r\n\r\n") + 4]
    back = chain.BackendConn(1, raw, answers=(chain.Answer(200, len(head), len(raw)),))
    ctx = Ctx(case(raw), Observation(decision="reject", status=200, backend=(back,)), None)
    assert early_data(ctx).state == "ok" and tunnel_no_101(ctx).state == "ok"
    # the same bytes after a GET upgrade request the backend refused: both rules see them
    get = raw.replace(b"CONNECT / HTTP/1.0", b"GET / HTTP/1.1\r\nHost: x", 1)
    head = get[:get.index(b"\r\n\r\n") + 4]
    back = chain.BackendConn(1, get, answers=(chain.Answer(426, len(head), len(get)),))
    ctx = Ctx(case(get), Observation(decision="reject", status=426, backend=(back,)), None)
    assert early_data(ctx).state == "broken" and tunnel_no_101(ctx).state == "broken"
