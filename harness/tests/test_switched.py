"""harness/switched.py through wire.exchange against the reference adapter (issue 16): after an
h2c 101 the driver speaks HTTP/2 and records stream 1's status; after a TLS 101 it runs TLS on the
socket and records the answer inside it; plaintext behind a TLS offer gets the connection failed;
the decision tuple carries what followed. A WebSocket 101 and a 426 are left as they were."""
import pytest
from conftest import case

from harness import catalog, matrix, normalise, servers

pytest.importorskip("h2.connection")

H2C = (b"GET /h2c HTTP/1.1\r\nHost: localhost\r\nUpgrade: h2c\r\n"
       b"Connection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n")
TLS = b"GET /tls HTTP/1.1\r\nHost: localhost\r\nUpgrade: TLS/1.2\r\nConnection: Upgrade\r\n\r\n"
WS = (b"GET /live HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")


@pytest.fixture(scope="module")
def reference():
    srv = servers.Server(catalog.load()["reference"])
    srv.start()
    yield srv
    srv.stop()


@pytest.mark.parametrize("raw, after, status", [
    (H2C, "h2:200", 101),
    (H2C.replace(b"GET /h2c", b"POST /h2c").replace(b"\r\n\r\n", b"\r\nContent-Length: 3\r\n\r\nabc"),
     "h2:200", 101),
    (TLS, "tls:200", 101),
    (TLS.replace(b"TLS/1.2", b"TLS/1.3"), "tls:200", 101),
    # CVE-2025-49812's class: a request behind the offer, in plaintext: 101, then no TLS at all
    (TLS + b"GET /secret HTTP/1.1\r\nHost: localhost\r\n\r\n", "tls:failed", 101),
    (WS, None, 101),
    (b"GET /h2c-required HTTP/1.1\r\nHost: localhost\r\n\r\n", None, 426),
])
def test_what_followed_the_switch(reference, raw, after, status):
    obs, _ = matrix.run_one(reference, case(raw), "whole", timeout=1.0)
    assert obs.status == status, obs
    assert obs.after_switch == after, obs
    assert normalise.decision(obs).after_switch == after


def test_upgrade_to():
    from harness import switched
    assert switched.upgrade_to(b"HTTP/1.1 101 x\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n") == "h2c"
    assert switched.upgrade_to(b"HTTP/1.1 101 x\r\nUpgrade: TLS/1.2, HTTP/1.1\r\n\r\n") == "tls"
    assert switched.upgrade_to(b"HTTP/1.1 101 x\r\nUpgrade: websocket\r\n\r\n") is None
    assert switched.upgrade_to(b"HTTP/1.1 426 x\r\nUpgrade: h2c\r\nContent-Length: 0\r\n\r\n") is None
