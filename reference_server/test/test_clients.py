"""Real clients against refserver: the Debian python3-websockets client (10.4, asyncio API) and
curl, plus listening on IPv6 loopback."""
from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess

import pytest

from refserver_util import SLOW, exchange, get, start_refserver

websockets = pytest.importorskip("websockets", reason="Debian python3-websockets is not installed")
CURL = shutil.which("curl")
needs_curl = pytest.mark.skipif(CURL is None, reason="curl is not installed")


def run(coro, timeout: float = 10.0):
    return asyncio.run(asyncio.wait_for(coro, timeout * SLOW))


def test_websockets_client_echo_ping_close(server):
    async def session():
        uri = f"ws://{server.authority}/live"
        async with websockets.connect(uri, open_timeout=5, close_timeout=5,
                                      ping_interval=None) as ws:
            await ws.send("hello, switchyard")
            assert await ws.recv() == "hello, switchyard"
            await ws.send(b"\x00\x01\xfe\xff")
            assert await ws.recv() == b"\x00\x01\xfe\xff"
            await ws.send(["frag", "mented"])  # a fragmented message
            assert await ws.recv() == "fragmented"
            big = bytes(range(256)) * 200
            await ws.send(big)
            assert await ws.recv() == big
            pong = await ws.ping(b"are you there")
            await asyncio.wait_for(pong, 5)
            await ws.close()
            return ws.close_code, ws.close_reason
        return None

    code, _ = run(session())
    assert code == 1000, "clean close handshake expected"


def test_websockets_client_is_refused_elsewhere(server):
    async def attempt():
        async with websockets.connect(f"ws://{server.authority}/", open_timeout=5):
            pass

    with pytest.raises(websockets.exceptions.InvalidStatusCode) as e:
        run(attempt())
    assert e.value.status_code == 200  # "/" ignores the offer: plain 200, no switch


def test_websockets_client_many_connections(server):
    async def one(i):
        async with websockets.connect(f"ws://{server.authority}/live", open_timeout=5,
                                      ping_interval=None) as ws:
            await ws.send(f"msg {i}")
            return await ws.recv()

    async def many():
        return await asyncio.gather(*(one(i) for i in range(20)))

    assert run(many()) == [f"msg {i}" for i in range(20)]


def curl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([CURL, "-sS", "--max-time", str(int(10 * SLOW)), *args],
                          capture_output=True, timeout=20 * SLOW)


@needs_curl
def test_curl_get(server):
    p = curl("-i", f"http://{server.authority}/")
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith(b"HTTP/1.1 200 OK\r\n")
    assert p.stdout.endswith(b"\r\n\r\nSwitchyard reference server\n")


@needs_curl
def test_curl_h2c_offer_is_ignored(server):
    """`curl --http2 http://` offers h2c (Upgrade: h2c + HTTP2-Settings); the server does not
    implement it, ignores the offer (RFC 9110 §7.8) and answers 200 over HTTP/1.1."""
    p = curl("-v", "-i", "--http2", f"http://{server.authority}/")
    assert p.returncode == 0, p.stderr
    err = p.stderr.decode("latin-1")
    assert "> Upgrade: h2c" in err and "> HTTP2-Settings:" in err, "curl made no h2c offer?"
    assert p.stdout.startswith(b"HTTP/1.1 200 OK\r\n"), p.stdout[:200]
    assert b"101" not in p.stdout.split(b"\r\n", 1)[0]
    assert p.stdout.endswith(b"Switchyard reference server\n")


@needs_curl
def test_curl_live_gets_426(server):
    p = curl("-i", f"http://{server.authority}/live")
    assert p.returncode == 0, p.stderr
    head = p.stdout.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    assert head[0] == "HTTP/1.1 426 Upgrade Required"
    fields = {k.lower(): v.strip() for k, _, v in (ln.partition(":") for ln in head[1:])}
    assert fields["upgrade"] == "websocket"
    assert "upgrade" in fields["connection"].lower()


@needs_curl
def test_curl_keeps_the_connection(server):
    """Two URLs in one curl run reuse the connection (keep-alive)."""
    p = curl("-v", f"http://{server.authority}/", f"http://{server.authority}/")
    assert p.returncode == 0, p.stderr
    assert b"Re-using existing connection" in p.stderr or b"Reusing existing connection" in p.stderr


def ipv6_loopback() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.skipif(not ipv6_loopback(), reason="::1 is not configured on this machine")
def test_ipv6_listen():
    srv = start_refserver(listen="[::1]:0")
    try:
        assert srv.family == socket.AF_INET6 and srv.host == "::1"
        assert exchange(srv, get("/")).status == 200
        assert exchange(srv, get("/live")).status == 426
        if CURL:
            p = curl("-g", f"http://[::1]:{srv.port}/")
            assert p.returncode == 0 and p.stdout == b"Switchyard reference server\n"

        async def ws():
            async with websockets.connect(f"ws://[::1]:{srv.port}/live", open_timeout=5) as c:
                await c.send("v6")
                return await c.recv()

        assert run(ws()) == "v6"
    finally:
        srv.stop()
