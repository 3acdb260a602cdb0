"""refserver's command line: --help documents every flag, bad flags exit 2 with a clear message,
policy-file errors name the line, --stdin / --policy / --route / --verbose / --version work,
and SIGINT (like SIGTERM, checked at every teardown) stops the server with status 0."""
from __future__ import annotations

import re
import signal
import subprocess

import pytest

from refserver_util import REFSERVER, ROOT, SLOW, _running, exchange, get, start_refserver


def refserver(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess:
    return subprocess.run([str(REFSERVER), *args], input=stdin, capture_output=True,
                          timeout=10 * SLOW)


def long_options() -> list[str]:
    """The long options refserver's getopt table declares (server/main.c), so a new flag that
    --help does not document fails this test."""
    src = (ROOT / "reference_server" / "server" / "main.c").read_text()
    table = src[src.index("struct option"):]
    table = table[:table.index("{0, 0, 0, 0}")]
    names = re.findall(r'\{"([a-z0-9-]+)",', table)
    assert len(names) >= 8, names
    return names


def test_help_documents_every_flag():
    p = refserver("--help")
    assert p.returncode == 0 and p.stderr == b""
    text = p.stdout.decode()
    assert text.startswith("usage: refserver")
    for name in long_options():
        assert re.search(rf"^\s+--{name}\b", text, re.M), f"--help does not document --{name}"
    for word in ("SIGTERM", "listening on HOST:PORT", "default"):
        assert word in text


def test_version():
    p = refserver("--version")
    assert p.returncode == 0 and re.fullmatch(rb"refserver \d+\.\d+\.\d+\n", p.stdout)


@pytest.mark.parametrize("args, message", [
    (["--bogus"], "unrecognized option"),
    (["--listen"], "requires an argument"),
    (["--max-conns", "abc"], "--max-conns wants an integer"),
    (["--max-conns", "0"], "--max-conns must be at least 1"),
    (["--max-conns", "-3"], "--max-conns wants an integer"),
    (["--header-timeout", "1.5"], "--header-timeout wants an integer"),
    (["--idle-timeout", "99999999999"], "--idle-timeout wants an integer"),
    (["--route", "/x"], "--route wants PATH=KIND"),
    (["--route", "/x=ftp"], "--route kind must be plain, websocket, h2c, h2c-required, tls"),
    (["--tls-cert", "/nonexistent/cert.pem"], "--tls-cert and --tls-key go together"),
    (["--tls-cert", "/nonexistent/c.pem", "--tls-key", "/nonexistent/k.pem"], "cannot open --tls-cert"),
    (["--route", "x=plain"], "path must start with '/'"),
    (["--policy", "/nonexistent/policy"], "cannot open policy"),
    (["stray"], "unexpected argument 'stray'"),
    (["--listen", "127.0.0.1"], "--listen wants HOST:PORT"),
    (["--listen", "localhost:80"], "numeric host and port only"),
    (["--listen", "127.0.0.1:http"], "--listen port must be a number 0..65535"),
    (["--listen", "127.0.0.1:99999"], "--listen port must be a number 0..65535"),
    (["--listen", "[::1]:65536"], "--listen port must be a number 0..65535"),
])
def test_bad_flags_exit_2(args, message):
    p = refserver(*args)
    err = p.stderr.decode()
    assert p.returncode == 2, f"{args}: rc {p.returncode}, stderr {err!r}"
    assert message in err, f"{args}: {err!r}"
    assert p.stdout == b"", "nothing on stdout (no 'listening on' line) when the flags are bad"


def test_listen_failure_is_reported(server):
    """The address is in use: a clear message and a failure status (not a usage error)."""
    p = refserver("--listen", f"127.0.0.1:{server.port}")
    assert p.returncode != 0
    assert b"cannot listen on" in p.stderr and p.stdout == b""


@pytest.mark.parametrize("text, line, why", [
    ("# comment\n\nroute /chat websocket\nroute /x ftp\n", 4, "route kind must be"),
    ("route nopath plain\n", 1, "must start with '/'"),
    ("\n\nws-method-status 418\n", 3, "ws-method-status must be 405 or 400"),
    ("route / plain extra words\n", 1, "too many words"),
    ("frobnicate\n", 1, "expected 'route PATH KIND'"),
    ("".join(f"route /r{i} plain\n" for i in range(20)), 10, "too many routes"),  # 7 defaults
])
def test_policy_errors_name_the_line(tmp_path, text, line, why):
    f = tmp_path / "bad.policy"
    f.write_text(text)
    p = refserver("--policy", str(f), "--stdin")
    err = p.stderr.decode()
    assert p.returncode == 2, err
    assert f"{f}: line {line}: " in err and why in err, err


def test_policy_file_applies(tmp_path):
    f = tmp_path / "ok.policy"
    f.write_text("# routes\nroute /chat websocket\nroute /live plain\nws-method-status 400\n")
    cases = {get("/chat"): b"HTTP/1.1 426 ", get("/live"): b"HTTP/1.1 200 ", get("/"): b"HTTP/1.1 200 ",
             b"POST /chat HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n": b"HTTP/1.1 400 "}
    for req, want in cases.items():
        p = refserver("--policy", str(f), "--stdin", stdin=req)
        assert p.returncode == 0 and p.stdout.startswith(want), (req, p.stdout[:80])
    f.write_text("clear-routes\nroute /only plain\n")
    p = refserver("--policy", str(f), "--stdin", stdin=get("/"))
    assert p.stdout.startswith(b"HTTP/1.1 404 ")


def test_route_flag_over_a_live_server():
    srv = start_refserver("--route", "/chat=websocket", "--route", "/=websocket")
    try:
        assert exchange(srv, get("/chat")).status == 426
        assert exchange(srv, get("/")).status == 426
        assert exchange(srv, get("/live")).status == 426
        assert exchange(srv, get("/other")).status == 404
    finally:
        srv.stop()


def test_stdin_mode_answers_and_exits():
    p = refserver("--stdin", stdin=get("/") + get("/live") + get("/", "Connection: close\r\n") + get("/"))
    assert p.returncode == 0
    assert [m for m in re.findall(rb"HTTP/1\.1 (\d{3})", p.stdout)] == [b"200", b"426", b"200"]


def test_verbose_logs_one_line_per_decision():
    p = refserver("--stdin", "--verbose", stdin=get("/") + get("/live") + get("/nope"))
    lines = p.stderr.decode().splitlines()
    assert len(lines) == 3, lines
    assert "200 SERVED (RFC 9110" in lines[0]
    assert "426 WS_REQUIRED (RFC 9110 §15.5.22)" in lines[1]
    assert '"GET /nope" 404 NOT_FOUND' in lines[2]


def test_verbose_server_logs_peer():
    srv = start_refserver("--verbose")
    try:
        assert exchange(srv, get("/")).status == 200
    finally:
        srv.stop()
    assert re.search(r'^127\.0\.0\.1:\d+ "GET /" 200 SERVED', srv.stderr_text(), re.M), \
        srv.stderr_text()


def test_sigint_stops_cleanly():
    srv = start_refserver()
    with srv.connect() as s:  # an open connection does not keep it from stopping
        s.sendall(b"GET / HTTP/1.1\r\n")
        srv.stopped = True
        srv.proc.send_signal(signal.SIGINT)
        assert srv.proc.wait(timeout=5 * SLOW) == 0
    srv.proc.stdout.close()
    _running.discard(srv)
