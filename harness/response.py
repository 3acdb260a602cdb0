"""Response bytes -> Response objects, parsed by llhttp through harness/respparse (ctypes).

It parses what servers sent: responses only (requests are read by the reference core, through
harness/core.py). This module is the only place that touches libsyresp.so; no HTTP/1.x parsing
happens in Python (http2_settings reads the 9-byte header of an HTTP/2 frame, nothing more).
"""
from __future__ import annotations

import ctypes
import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_HEADERS = 128
BODY_CAP = 1 << 16


class _Span(ctypes.Structure):
    _fields_ = [("off", ctypes.c_uint32), ("len", ctypes.c_uint32)]


class _Resp(ctypes.Structure):
    _fields_ = [
        ("status", ctypes.c_int32),
        ("http_major", ctypes.c_int32),
        ("http_minor", ctypes.c_int32),
        ("complete", ctypes.c_int32),
        ("upgrade", ctypes.c_int32),
        ("error", ctypes.c_int32),
        ("head_complete", ctypes.c_int32),
        ("head_len", ctypes.c_uint32),
        ("consumed", ctypes.c_uint32),
        ("reason", _Span),
        ("nheaders", ctypes.c_uint32),
        ("dropped_headers", ctypes.c_uint32),
        ("names", _Span * MAX_HEADERS),
        ("values", _Span * MAX_HEADERS),
        ("body_len", ctypes.c_uint32),
        ("body_total", ctypes.c_uint32),
        ("keep_alive", ctypes.c_int32),
    ]


def library_path() -> Path:
    """SY_RESPPARSE names the library; else $SY_BUILD/libsyresp.so; else build/libsyresp.so."""
    if os.environ.get("SY_RESPPARSE"):
        return Path(os.environ["SY_RESPPARSE"])
    build = Path(os.environ.get("SY_BUILD", ROOT / "build"))
    return build / "libsyresp.so"


_lib = None


def _load():
    global _lib
    if _lib is None:
        path = library_path()
        if not path.exists():
            raise RuntimeError(f"{path} is missing: run `make {path}` (harness/respparse)")
        lib = ctypes.CDLL(str(path))
        lib.sy_resp_struct_size.restype = ctypes.c_size_t
        if lib.sy_resp_struct_size() != ctypes.sizeof(_Resp):
            raise RuntimeError(f"{path} was built from another version of harness/respparse: "
                               f"run `make {path}`")
        lib.sy_resp_parse.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                                      ctypes.POINTER(_Resp), ctypes.c_char_p, ctypes.c_size_t]
        lib.sy_resp_parse.restype = ctypes.c_int
        lib.sy_resp_errno_name.argtypes = [ctypes.c_int]
        lib.sy_resp_errno_name.restype = ctypes.c_char_p
        _lib = lib
    return _lib


@dataclass(frozen=True)
class Response:
    """One parsed response. `headers` keeps order and original case; `after` is what followed a 101."""
    status: int
    version: str
    reason: bytes
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes
    complete: bool
    head_complete: bool
    upgrade: bool
    error: str | None
    consumed: int
    head: bytes = b""
    dropped_headers: int = 0
    keep_alive: bool = False        # when complete: the connection persists after it (RFC 9112 §9.3)
    after: bytes = field(default=b"", compare=False)

    def header(self, name: str) -> list[str]:
        """All values of a field (case-insensitive name), decoded as latin-1, in order."""
        low = name.lower().encode()
        return [v.decode("latin-1") for n, v in self.headers if n.lower() == low]


def parse(raw: bytes, eof: bool = False, no_body: bool = False) -> Response:
    """Parse the response at the start of raw (llhttp, strict)."""
    lib = _load()
    out = _Resp()
    body = ctypes.create_string_buffer(BODY_CAP)
    rc = lib.sy_resp_parse(raw, len(raw), int(eof), int(no_body), ctypes.byref(out), body, BODY_CAP)
    if rc != 0:
        raise RuntimeError("sy_resp_parse: bad arguments")

    def cut(span):
        return raw[span.off:span.off + span.len]

    headers = tuple((cut(out.names[i]), cut(out.values[i])) for i in range(out.nheaders))
    err = None if out.error == 0 else lib.sy_resp_errno_name(out.error).decode()
    after = raw[out.consumed:] if out.upgrade else b""
    return Response(
        status=out.status,
        version=f"{out.http_major}.{out.http_minor}" if out.head_complete else "",
        reason=cut(out.reason),
        headers=headers,
        body=body.raw[:out.body_len],
        complete=bool(out.complete) or bool(out.upgrade),
        head_complete=bool(out.head_complete),
        upgrade=bool(out.upgrade),
        error=err,
        consumed=out.consumed,
        head=raw[:out.head_len] if out.head_complete else b"",
        dropped_headers=out.dropped_headers,
        keep_alive=bool(out.keep_alive),
        after=after,
    )


def parse_all(raw: bytes, eof: bool = False, limit: int = 8,
              no_body: bool = False) -> tuple[list[Response], bytes]:
    """Every response in raw, in order (at most `limit`), and the bytes left over.

    `no_body` (a HEAD request) applies to the first final response. Parsing stops after a 101 (what follows is another protocol), on an llhttp error, or on an
    incomplete message (which is returned as the last element)."""
    out: list[Response] = []
    pos = 0
    while pos < len(raw) and len(out) < limit:
        r = parse(raw[pos:], eof=eof, no_body=no_body and not any(x.status >= 200 for x in out))
        out.append(r)
        if r.upgrade or r.error or not r.complete or r.consumed == 0:
            return out, (r.after if r.upgrade else b"")
        pos += r.consumed
    return out, raw[pos:]


def is_complete(raw: bytes, eof: bool = False) -> bool:
    """True when raw holds one whole response (or a whole 101 head, or bytes llhttp rejects)."""
    if not raw:
        return False
    r = parse(raw, eof=eof)
    return r.complete or r.error is not None


def http2_settings(raw: bytes) -> bool:
    """Whether raw starts with an HTTP/2 server connection preface: a SETTINGS frame (RFC 9113
    §3.4, §6.5: a 9-byte frame header of type 0x4 on stream 0, flags 0 or ACK, a payload of 6-byte
    settings). Only the frame header is read; nothing of HTTP/1.x is parsed here."""
    if len(raw) < 9:
        return False
    length = int.from_bytes(raw[0:3], "big")
    stream = int.from_bytes(raw[5:9], "big") & 0x7FFFFFFF
    return raw[3] == 0x4 and raw[4] & ~0x1 == 0 and stream == 0 and length % 6 == 0
