"""Helpers for the refserver integration tests (real sockets on loopback); the fixtures are in
conftest.py. (A module of its own, not conftest: `from conftest import` is ambiguous when pytest
collects several test folders in one run.)

Every server is started by `start_refserver()`, which reads the `listening on HOST:PORT` line
with a deadline and registers the process. After every test, each registered server must still
be alive (the server must survive everything a test throws at it); at teardown each is stopped by
its PID with SIGTERM and must exit 0 with no sanitizer report on stderr.

Binaries come from $SY_BUILD (set by `make test-py`), else <repo>/build. Every loop here is bounded
in count and in time.
"""
from __future__ import annotations

import os
import re
import select
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from harness import cases, response, wsframe

ROOT = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("SY_BUILD") or ROOT / "build")
REFSERVER = BUILD / "refserver"
SY_DECIDE = BUILD / "sy-decide"
# Sanitizer builds are several times slower: every deadline scales with this.
SLOW = 3.0 if "/san" in str(BUILD) else 1.0
START_DEADLINE = 10.0 * SLOW
SAN_MARKERS = (b"ERROR: AddressSanitizer", b"ERROR: LeakSanitizer", b"runtime error:")


# ---------------------------------------------------------------------------------------------
# the corpus: harness/cases.py is its one reader (pyproject.toml puts the repository root on
# sys.path). It reads the reasons table from the core ($SY_BUILD/libsycore.so, `make test-py`
# builds it): a case's `status` is its reason's. A .http file without a manifest row, or a row
# without a file, fails this import.

CASES = cases.load()

_stdin_cache: dict[bytes, bytes] = {}


def limits_h() -> dict[str, int]:
    """Every `#define SY_NAME number` of limits.h, the one place the limits are named (the house
    C style aligns the values, so any run of blanks separates name and value)."""
    text = (ROOT / "reference_server" / "limits.h").read_text()
    return {m[0]: int(m[1]) for m in re.findall(r"^#define (SY_\w+)[ \t]+(\d+)\b", text, re.M)}


def stdin_output(raw: bytes, *args: str) -> bytes:
    """What `refserver --stdin` writes for these input bytes: the same state machine as the
    socket server, so the whole byte stream a connection should receive (before any timeout)."""
    key = b"\0".join([raw, *(a.encode() for a in args)])
    if key not in _stdin_cache:
        p = subprocess.run([str(REFSERVER), "--stdin", *args], input=raw, capture_output=True,
                           timeout=10 * SLOW)
        assert p.returncode == 0, p.stderr
        _stdin_cache[key] = p.stdout
    return _stdin_cache[key]


# ---------------------------------------------------------------------------------------------
# servers

@dataclass
class Server:
    proc: subprocess.Popen
    host: str
    port: int
    args: tuple[str, ...]
    stderr_path: Path
    family: int = socket.AF_INET
    stopped: bool = False

    @property
    def addr(self) -> tuple[str, int]:
        return (self.host, self.port)

    @property
    def authority(self) -> str:
        return f"[{self.host}]:{self.port}" if self.family == socket.AF_INET6 else \
            f"{self.host}:{self.port}"

    def stderr_text(self) -> str:
        try:
            return self.stderr_path.read_bytes()[-4000:].decode("utf-8", "replace")
        except OSError:
            return ""

    def alive(self) -> bool:
        return self.proc.poll() is None

    def connect(self, timeout: float = 2.0) -> socket.socket:
        s = socket.socket(self.family, socket.SOCK_STREAM)
        s.settimeout(timeout * SLOW)
        s.connect(self.addr)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return s

    def stop(self) -> None:
        """SIGTERM by PID; must exit 0 within the deadline (SIGKILL as a last resort)."""
        if self.stopped:
            return
        self.stopped = True
        _running.discard(self)
        was_alive = self.alive()
        if was_alive:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5 * SLOW)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
                raise AssertionError(f"refserver {self.args} ignored SIGTERM")
        if self.proc.stdout:
            self.proc.stdout.close()
        err = self.stderr_path.read_bytes() if self.stderr_path.exists() else b""
        assert was_alive, f"refserver {self.args} died (rc {self.proc.returncode}):\n{err[-4000:]!r}"
        assert self.proc.returncode == 0, \
            f"refserver {self.args} exited {self.proc.returncode} on SIGTERM:\n{err[-4000:]!r}"
        for marker in SAN_MARKERS:
            assert marker not in err, f"sanitizer report from refserver {self.args}:\n{err[-4000:]!r}"

    __hash__ = object.__hash__


_running: set[Server] = set()
_tmp = tempfile.TemporaryDirectory(prefix="sy-pytest-")


def start_refserver(*args: str, listen: str = "127.0.0.1:0") -> Server:
    """Start refserver, read its first stdout line (`listening on HOST:PORT`) with a deadline."""
    assert REFSERVER.exists(), f"{REFSERVER} is missing: run `make` first (or set SY_BUILD)"
    fd, errpath = tempfile.mkstemp(prefix="refserver-", suffix=".stderr", dir=_tmp.name)
    argv = [str(REFSERVER), "--listen", listen, *args]
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=fd)
    os.close(fd)
    line = b""
    deadline = time.monotonic() + START_DEADLINE
    try:
        while not line.endswith(b"\n") and len(line) < 512:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no 'listening on' line from {argv} within {START_DEADLINE}s")
            r, _, _ = select.select([proc.stdout], [], [], left)
            if not r:
                continue
            chunk = os.read(proc.stdout.fileno(), 1)
            if not chunk:
                raise AssertionError(f"{argv} exited before listening: rc {proc.wait(5)}, "
                                     f"stderr {Path(errpath).read_bytes()[-2000:]!r}")
            line += chunk
    except BaseException:
        if proc.poll() is None:
            proc.kill()
        proc.wait(5)
        raise
    m = re.fullmatch(rb"listening on (\[([0-9a-fA-F:.]+)\]|([0-9.]+)):([0-9]+)\n", line)
    if not m:
        proc.kill()
        proc.wait(5)
        raise AssertionError(f"first stdout line is not 'listening on HOST:PORT': {line!r}")
    v6 = m.group(2) is not None
    host = (m.group(2) or m.group(3)).decode()
    srv = Server(proc=proc, host=host, port=int(m.group(4)), args=tuple(args),
                 stderr_path=Path(errpath), family=socket.AF_INET6 if v6 else socket.AF_INET)
    _running.add(srv)
    return srv


# ---------------------------------------------------------------------------------------------
# reading responses

@dataclass
class Response:
    status: int
    phrase: str
    headers: list[tuple[str, str]]
    body: bytes
    raw: bytes = field(repr=False, default=b"")

    def header(self, name: str) -> str | None:
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def header_tokens(self, name: str) -> list[str]:
        return [t.strip().lower() for k, v in self.headers if k.lower() == name.lower()
                for t in v.split(",") if t.strip()]


def parse_response(buf: bytes, head: bool = False) -> tuple[Response, int] | None:
    """One HTTP/1.1 response from the start of buf, and its length; None if not complete yet.
    llhttp reads it (harness/response.py, the driver's reader). refserver always sends
    Content-Length except on 1xx and 204 (and HEAD has no body)."""
    r = response.parse(buf, no_body=head)
    assert r.error is None, f"llhttp: {r.error} in {buf[:200]!r}"
    if not r.head_complete:
        return None
    assert r.version == "1.1", f"not an HTTP/1.1 response: {r.head[:200]!r}"
    resp = Response(r.status, r.reason.decode("latin-1"),
                    [(k.decode("latin-1"), v.decode("latin-1").strip(" \t")) for k, v in r.headers],
                    b"")    # OWS around a value is not part of it (RFC 9110 §5.5)
    if not head and r.status >= 200 and r.status != 204:
        assert resp.header("Content-Length") is not None, f"no Content-Length in {r.head!r}"
    if not r.complete:
        return None
    resp.body, resp.raw = r.body, buf[:r.consumed]
    return resp, r.consumed


class Reader:
    """Buffered reads from a socket with deadlines. `eof` is set on FIN, `reset` on RST."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.buf = b""
        self.eof = False
        self.reset = False

    def fill(self, deadline: float) -> bool:
        """One recv before the deadline; False on timeout, EOF or reset."""
        if self.eof or self.reset:
            return False
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        r, _, _ = select.select([self.sock], [], [], left)
        if not r:
            return False
        try:
            chunk = self.sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            self.reset = True
            return False
        if not chunk:
            self.eof = True
            return False
        self.buf += chunk
        return True

    def until(self, pred, timeout: float = 3.0) -> bool:
        deadline = time.monotonic() + timeout * SLOW
        while not pred(self.buf):
            if not self.fill(deadline):
                return pred(self.buf)
        return True

    def response(self, timeout: float = 3.0, head: bool = False) -> Response:
        got = None

        def done(b):
            nonlocal got
            got = parse_response(b, head)
            return got is not None

        assert self.until(done, timeout), \
            f"no complete response (eof={self.eof} reset={self.reset}): {self.buf[:300]!r}"
        resp, n = got
        self.buf = self.buf[n:]
        return resp

    def exactly(self, n: int, timeout: float = 3.0) -> bytes:
        assert self.until(lambda b: len(b) >= n, timeout), \
            f"wanted {n} bytes, got {len(self.buf)} (eof={self.eof}): {self.buf[:300]!r}"
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def closed(self, timeout: float = 3.0) -> bool:
        """Read until the peer closes; True if it did (FIN or RST) before the deadline."""
        deadline = time.monotonic() + timeout * SLOW
        for _ in range(100000):
            if self.eof or self.reset:
                return True
            if not self.fill(deadline) and not (self.eof or self.reset):
                return False
        return False


def exchange(srv: Server, data: bytes, timeout: float = 3.0) -> Response:
    """One request on a new connection; the first response."""
    with srv.connect() as s:
        s.sendall(data)
        return Reader(s).response(timeout, head=data.startswith(b"HEAD "))


def get(path: str = "/", extra: str = "", version: str = "1.1") -> bytes:
    return f"GET {path} HTTP/{version}\r\nHost: localhost\r\n{extra}\r\n".encode()


WS_KEY = "dGhlIHNhbXBsZSBub25jZQ=="
WS_ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
WS_HANDSHAKE = get("/live", "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                            f"Sec-WebSocket-Key: {WS_KEY}\r\nSec-WebSocket-Version: 13\r\n")


WS_MASK = b"\x11\x22\x33\x44"    # the tests' client masking key (RFC 6455 §5.3)


def ws_frame(opcode: int, payload: bytes = b"", fin: bool = True, mask: bytes | None = WS_MASK) -> bytes:
    """A client frame (masked unless mask is None), by harness/wsframe.py."""
    return wsframe.frame(opcode, payload, mask, fin)


def read_ws_frame(rd: Reader, timeout: float = 3.0) -> tuple[int, bytes]:
    """One server frame (unmasked, FIN expected): (opcode, payload)."""
    assert rd.until(lambda b: wsframe.parse(b) is not None, timeout), \
        f"no complete frame (eof={rd.eof}): {rd.buf[:100]!r}"
    f = wsframe.parse(rd.buf)
    assert f.fin, "server frames are unfragmented here"
    assert not f.masked, "server frames must not be masked (RFC 6455 §5.1)"
    rd.buf = rd.buf[f.size:]
    return f.opcode, f.payload


def upgraded(srv: Server) -> tuple[socket.socket, Reader]:
    """A connection that completed the WebSocket handshake on /live."""
    s = srv.connect()
    s.sendall(WS_HANDSHAKE)
    rd = Reader(s)
    r = rd.response()
    assert r.status == 101, r
    assert r.header("Sec-WebSocket-Accept") == WS_ACCEPT
    return s, rd
