"""h2c and TLS upgrades against a real refserver on loopback (issue 16).

After an h2c 101 the socket speaks HTTP/2 (curl --http2, nghttp -u, python3-h2): the response to
the upgraded request on stream 1, then a new request on stream 3. After a TLS 101 (RFC 2817) the
socket is wrapped by Python's ssl, verified against the build's certificate (build/tls/), and the
response arrives inside TLS. Plaintext sent after the TLS offer fails the connection. The 426
routes name the protocol they require, secure-redirect gives an absolute https Location.
"""
from __future__ import annotations

import shutil
import ssl
import subprocess
import time

import pytest

from refserver_util import BUILD, SLOW, Reader, exchange, get, start_refserver

h2 = pytest.importorskip("h2.connection")
import h2.config  # noqa: E402
import h2.events  # noqa: E402

CERT = BUILD / "tls" / "cert.pem"
KEY = BUILD / "tls" / "key.pem"


@pytest.fixture(scope="module")
def tls_server():
    assert CERT.exists() and KEY.exists(), f"{CERT}: run `make` (it makes the test certificate)"
    srv = start_refserver("--tls-cert", str(CERT), "--tls-key", str(KEY))
    yield srv
    srv.stop()


def run(argv, timeout=10.0):
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout * SLOW)


# ---- h2c ----

@pytest.mark.skipif(shutil.which("curl") is None, reason="curl (deps/core.txt)")
def test_curl_http2_upgrade(server):
    p = run(["curl", "-sv", "--http2", f"http://{server.host}:{server.port}/h2c"])
    assert p.returncode == 0, p.stderr
    assert "< HTTP/1.1 101 Switching Protocols" in p.stderr
    assert "< HTTP/2 200" in p.stderr
    assert p.stdout == "Switchyard reference server\n"


@pytest.mark.skipif(shutil.which("nghttp") is None, reason="nghttp (nghttp2-client, deps/core.txt)")
def test_nghttp_upgrade(server):
    p = run(["nghttp", "-uv", f"http://{server.host}:{server.port}/h2c"])
    assert p.returncode == 0, p.stderr
    assert "HTTP Upgrade success" in p.stdout
    # RFC 7540 §3.5: the server's first frame is SETTINGS; stream 1 then answers the request.
    frames = [line for line in p.stdout.splitlines() if "recv " in line and " frame " in line]
    assert frames and frames[0].split("recv ")[1].startswith("SETTINGS frame"), frames
    assert "recv (stream_id=1) :status: 200" in p.stdout


def h2_upgrade(server, path="/h2c", method="GET", body=b""):
    """Offer h2c from python3-h2; returns the socket, the connection and what followed the 101."""
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    settings = conn.initiate_upgrade_connection().decode()
    s = server.connect(timeout=3.0)
    head = (f"{method} {path} HTTP/1.1\r\nHost: localhost\r\nUpgrade: h2c\r\n"
            f"Connection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: {settings}\r\n")
    if body:
        head += f"Content-Length: {len(body)}\r\n"
    s.sendall(head.encode() + b"\r\n" + body)
    rd = Reader(s)
    resp = rd.response()
    assert resp.status == 101, resp
    s.sendall(conn.data_to_send())  # the client preface
    return s, conn, rd


def h2_events(s, conn, rd, until_stream, timeout=3.0):
    """HTTP/2 events until `until_stream` has ended."""
    got = {}
    events_all = []
    pending = rd.buf
    rd.buf = b""
    for _ in range(200):
        if pending:
            for ev in conn.receive_data(pending):
                events_all.append(ev)
                if isinstance(ev, h2.events.ResponseReceived):
                    got.setdefault(ev.stream_id, {})["headers"] = dict(ev.headers)
                elif isinstance(ev, h2.events.DataReceived):
                    got.setdefault(ev.stream_id, {}).setdefault("data", b"")
                    got[ev.stream_id]["data"] += ev.data
                    conn.acknowledge_received_data(len(ev.data), ev.stream_id)
                elif isinstance(ev, h2.events.StreamEnded):
                    got.setdefault(ev.stream_id, {})["ended"] = True
            s.sendall(conn.data_to_send())
        if got.get(until_stream, {}).get("ended"):
            return got, events_all
        assert rd.fill(time.monotonic() + timeout * SLOW), \
            f"no more HTTP/2 data (eof={rd.eof}); so far {got}"
        pending, rd.buf = rd.buf, b""
    raise AssertionError("too many rounds")


def test_python_h2_after_101(server):
    s, conn, rd = h2_upgrade(server)
    with s:
        got, events = h2_events(s, conn, rd, 1)
        # RFC 7540 §3.5: the server preface (SETTINGS) comes first.
        assert isinstance(events[0], h2.events.RemoteSettingsChanged), events[:3]
        assert got[1]["headers"][b":status"] == b"200"
        assert got[1]["data"] == b"Switchyard reference server\n"
        # Later requests are served in HTTP/2, on their own streams.
        conn.send_headers(3, [(":method", "GET"), (":scheme", "http"), (":authority", "localhost"),
                              (":path", "/")], end_stream=True)
        conn.send_headers(5, [(":method", "GET"), (":scheme", "http"), (":authority", "localhost"),
                              (":path", "/nowhere")], end_stream=True)
        s.sendall(conn.data_to_send())
        got, _ = h2_events(s, conn, rd, 5)
        assert got[3]["headers"][b":status"] == b"200"
        assert got[5]["headers"][b":status"] == b"404"


def test_h2c_post_content_read_before_switch(server):
    """CVE-2022-41721's class: the content is read in full before the 101, and stream 1 answers."""
    s, conn, rd = h2_upgrade(server, method="POST", body=b"x" * 3000)
    with s:
        got, _ = h2_events(s, conn, rd, 1)
        assert got[1]["headers"][b":status"] == b"200"


def test_h2c_offer_ignored_on_root(server):
    """RFC 9113 §3.1 deprecates h2c: / keeps answering in HTTP/1.1."""
    r = exchange(server, get("/", "Upgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                                  "HTTP2-Settings: AAMAAABkAAQAAP__\r\n"))
    assert r.status == 200 and r.header("Upgrade") is None


# ---- TLS (RFC 2817) ----

def tls_upgrade(srv, version="1.2", path="/tls", method="GET"):
    s = srv.connect(timeout=3.0)
    s.sendall(f"{method} {path} HTTP/1.1\r\nHost: localhost\r\nUpgrade: TLS/{version}\r\n"
              f"Connection: Upgrade\r\n\r\n".encode())
    rd = Reader(s)
    resp = rd.response()
    assert rd.buf == b"", "nothing after the 101 before the client's handshake"
    return s, resp


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_tls_upgrade_then_response_inside_tls(tls_server, version):
    s, resp = tls_upgrade(tls_server, version)
    assert resp.status == 101
    assert resp.header("Upgrade") == f"TLS/{version}"  # RFC 9110 §7.8: only what was offered
    ctx = ssl.create_default_context(cafile=str(CERT))  # verified: the build's certificate
    with ctx.wrap_socket(s, server_hostname="localhost") as t:
        assert t.version() == f"TLSv{version}"
        data = b""
        for _ in range(100):
            try:
                chunk = t.recv(4096)
            except ssl.SSLZeroReturnError:
                break
            if not chunk:
                break
            data += chunk
    assert data.startswith(b"HTTP/1.1 200 OK\r\n"), data
    assert data.endswith(b"\r\n\r\nSwitchyard reference server\n"), data


def test_tls_mandatory_upgrade_options_star(tls_server):
    """RFC 2817 §3.2: OPTIONS * with the offer; the answer comes inside TLS."""
    s, resp = tls_upgrade(tls_server, path="*", method="OPTIONS")
    assert resp.status == 101
    ctx = ssl.create_default_context(cafile=str(CERT))
    with ctx.wrap_socket(s, server_hostname="localhost") as t:
        data = t.recv(4096)
    assert data.startswith(b"HTTP/1.1 204 No Content\r\n"), data


def test_plaintext_after_tls_offer_fails_the_connection(tls_server):
    """CVE-2025-49812's class: a request sent in plaintext behind the offer is never served."""
    with tls_server.connect(timeout=3.0) as s:
        s.sendall(b"GET /tls HTTP/1.1\r\nHost: localhost\r\nUpgrade: TLS/1.2\r\n"
                  b"Connection: Upgrade\r\n\r\nGET /secret HTTP/1.1\r\nHost: localhost\r\n\r\n")
        rd = Reader(s)
        resp = rd.response()
        assert resp.status == 101
        assert rd.closed(), "the connection stays open"
        assert rd.buf == b"", f"something was answered: {rd.buf[:200]!r}"


def test_tls_handshake_garbage_fails(tls_server):
    s, resp = tls_upgrade(tls_server)
    with s:
        s.sendall(b"\x16\x03\x01\x00\x05hello")  # a record header, then no ClientHello
        rd = Reader(s)
        assert rd.closed()
        assert b"HTTP/1.1 200" not in rd.buf


# ---- the 426s and the redirect ----

@pytest.mark.parametrize("path, upgrade", [("/h2c-required", "h2c"),
                                           ("/tls-required", "TLS/1.2, HTTP/1.1")])
def test_required_routes_name_the_protocol(server, path, upgrade):
    r = exchange(server, get(path))
    assert r.status == 426
    assert r.header("Upgrade") == upgrade  # RFC 9110 §15.5.22; RFC 2817 §4.2 for TLS
    assert "upgrade" in r.header_tokens("Connection")


def test_secure_redirect(server):
    r = exchange(server, get("/secure-redirect?a=1"))
    assert r.status == 308
    assert r.header("Location") == "https://localhost/secure-redirect?a=1"


def test_no_certificate_given_still_switches(server):
    """Without --tls-cert the server made its own certificate at start (the default policy has a
    tls route): the handshake completes (unverified)."""
    s, resp = tls_upgrade(server)
    assert resp.status == 101
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with ctx.wrap_socket(s, server_hostname="localhost") as t:
        assert t.recv(4096).startswith(b"HTTP/1.1 200 OK")


def test_http2_preface_on_h2c_route_without_offer(server):
    """Prior knowledge is not served (RFC 9113 §3.3 is for servers that announce it): the
    preface is an HTTP/1.1 request with version 2.0."""
    with server.connect() as s:
        s.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        r = Reader(s).response()
        assert r.status in (400, 505)
