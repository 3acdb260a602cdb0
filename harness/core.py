"""Request bytes -> RequestFacts, read and decided by the reference core itself (ctypes).

`$SY_BUILD/libsycore.so` is the core (reference_server/, llhttp) with harness/corebind/facts.c:
one call runs the core's `sy_handle` on the bytes and returns what it decided and what it parsed,
including the Upgrade and Connection lists as the core's own list parser reads them. This module
is the only place that touches libsycore.so; no request is parsed in Python, and the reasons
table is read from the core (never copied from reasons.h).

The core stops reading a request at its first error. For a request it refuses before the end of
its head (`complete` False), the field lines after `error_offset` are unknown: `headers`, the
lists and the WebSocket counts cover only the lines before it.
"""
from __future__ import annotations

import ctypes
import functools
import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ABI = 1                    # SY_FACTS_ABI in harness/corebind/facts.h
MAX_HEADERS = 64           # SY_FACTS_MAX_HEADERS (SY_MAX_HEADERS)
MAX_ITEMS = 32             # SY_FACTS_MAX_ITEMS (SY_MAX_LIST_ITEMS)
PATH_CAP = 8000 + 1        # SY_FACTS_PATH_CAP (SY_MAX_TARGET_BYTES + 1)
ERR_CAP = 128              # SY_FACTS_ERR_CAP
UNKNOWN = -1               # SY_FACTS_UNKNOWN
FATES = ("keep-alive", "close", "switch")       # enum sy_fate
PROTOS = (None, "websocket", "h2c", "tls")      # enum sy_proto
LEVELS = ("MUST", "SHOULD", "MAY")              # enum sy_level


class _Span(ctypes.Structure):
    _fields_ = [("off", ctypes.c_uint32), ("len", ctypes.c_uint32)]


class _Facts(ctypes.Structure):
    _fields_ = [
        ("decided", ctypes.c_int32),
        ("status", ctypes.c_int32),
        ("reason", ctypes.c_int32),
        ("fate", ctypes.c_int32),
        ("proto", ctypes.c_int32),
        ("consumed", ctypes.c_uint32),
        ("switch_offset", ctypes.c_uint32),
        ("error", ctypes.c_int32),
        ("error_offset", ctypes.c_uint32),
        ("complete", ctypes.c_int32),
        ("head_len", ctypes.c_uint32),
        ("message_len", ctypes.c_uint32),
        ("has_method", ctypes.c_int32),
        ("method", _Span),
        ("has_target", ctypes.c_int32),
        ("target", _Span),
        ("has_line", ctypes.c_int32),
        ("line_start", ctypes.c_uint32),
        ("line_end", ctypes.c_uint32),
        ("has_path", ctypes.c_int32),
        ("path_len", ctypes.c_uint32),
        ("path", ctypes.c_char * PATH_CAP),
        ("version_major", ctypes.c_int32),
        ("version_minor", ctypes.c_int32),
        ("keep_alive", ctypes.c_int32),
        ("n_headers", ctypes.c_uint32),
        ("names", _Span * MAX_HEADERS),
        ("values", _Span * MAX_HEADERS),
        ("upgrade_lines", ctypes.c_uint32),
        ("upgrade_ok", ctypes.c_int32),
        ("n_offered", ctypes.c_uint32),
        ("offered_dropped", ctypes.c_uint32),
        ("offered_names", _Span * MAX_ITEMS),
        ("offered_versions", _Span * MAX_ITEMS),
        ("connection_lines", ctypes.c_uint32),
        ("connection_ok", ctypes.c_int32),
        ("n_options", ctypes.c_uint32),
        ("options_dropped", ctypes.c_uint32),
        ("options", _Span * MAX_ITEMS),
        ("ws_keys", ctypes.c_uint32),
        ("ws_key_valid", ctypes.c_int32),
        ("ws_version_lines", ctypes.c_uint32),
        ("policy_error", ctypes.c_char * ERR_CAP),
    ]


def library_path() -> Path:
    """$SY_BUILD/libsycore.so, else build/libsycore.so."""
    return Path(os.environ.get("SY_BUILD", ROOT / "build")) / "libsycore.so"


def _make_target(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


_lib = None


def _load():
    global _lib
    if _lib is None:
        path = library_path()
        target = _make_target(path)
        if not path.exists():
            raise RuntimeError(f"{path} is missing: run `make {target}` (the reference core and "
                               f"harness/corebind, for harness/core.py)")
        lib = ctypes.CDLL(str(path))
        try:
            lib.sy_facts_struct_size.restype = ctypes.c_size_t
            lib.sy_facts_abi.restype = ctypes.c_int
            stale = lib.sy_facts_abi() != ABI or lib.sy_facts_struct_size() != ctypes.sizeof(_Facts)
        except AttributeError:
            stale = True
        if stale:
            raise RuntimeError(f"{path} is stale (built from another version of "
                               f"harness/corebind/facts.h): run `make {target}`")
        lib.sy_facts_read.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p,
                                      ctypes.c_size_t, ctypes.POINTER(_Facts)]
        lib.sy_facts_read.restype = ctypes.c_int
        lib.sy_facts_reason_count.restype = ctypes.c_int
        lib.sy_strerror.argtypes = [ctypes.c_int]
        lib.sy_strerror.restype = ctypes.c_char_p
        for name in ("sy_reason_name", "sy_reason_rfc", "sy_reason_text"):
            getattr(lib, name).argtypes = [ctypes.c_int]
            getattr(lib, name).restype = ctypes.c_char_p
        lib.sy_reason_status.argtypes = [ctypes.c_int]
        lib.sy_reason_status.restype = ctypes.c_int
        lib.sy_reason_level.argtypes = [ctypes.c_int]
        lib.sy_reason_level.restype = ctypes.c_int
        _lib = lib
    return _lib


# ---- the reasons table (reference_server/reasons.h, through the core's sy_reason_*) ----

@dataclass(frozen=True)
class ReasonInfo:
    name: str       # "WS_SWITCH"
    status: int     # 101
    rfc: str        # "RFC 6455 §4.2.2"
    level: str      # "MUST" | "SHOULD" | "MAY"
    text: str       # one line: what the reason means


@functools.cache
def _reasons() -> tuple[ReasonInfo | None, ...]:
    """Indexed by enum sy_reason; index 0 (SY_R_NONE) is None."""
    lib = _load()
    rows: list[ReasonInfo | None] = [None]
    for r in range(1, lib.sy_facts_reason_count()):
        rows.append(ReasonInfo(name=lib.sy_reason_name(r).decode(), status=lib.sy_reason_status(r),
                               rfc=lib.sy_reason_rfc(r).decode("utf-8"),
                               level=LEVELS[lib.sy_reason_level(r)],
                               text=lib.sy_reason_text(r).decode("utf-8")))
    return tuple(rows)


@functools.cache
def all_reasons() -> dict[str, ReasonInfo]:
    """Every reason of the core, by name, in the order of reasons.h."""
    return {r.name: r for r in _reasons() if r is not None}


def reason_info(name: str) -> ReasonInfo:
    """One reason by name (KeyError for a name the core does not have)."""
    return all_reasons()[name]


def _reason(r: int) -> ReasonInfo | None:
    rows = _reasons()
    return rows[r] if 0 < r < len(rows) else None


# ---- one request ----

@dataclass(frozen=True)
class RequestFacts:
    """What the core decided about one request (sy_handle, default policy unless given one) and
    what it parsed. Decision fields are None when the core needs more bytes to decide
    (`decided` False: a head or content that does not end)."""
    decided: bool
    reason: str | None              # the decision's reason name ("WS_SWITCH")
    status: int | None              # its status (101, 426, ...)
    reason_rfc: str | None          # the RFC rule the reason implements
    reason_level: str | None        # "MUST" | "SHOULD" | "MAY"
    fate: str | None                # "keep-alive" | "close" | "switch"
    proto: str | None               # "websocket", "h2c" or "tls" on a switch, else None
    consumed: int                   # bytes of the input the decision used (0 if not decided)
    error: str | None               # the parser's reason when the message is malformed
    error_offset: int               # where the core saw that error (0 without one)
    complete: bool                  # the head was read to its end (no error before its end)
    head_len: int                   # bytes up to and including the empty line (0 unless complete)
    message_len: int                # head + content, as far as the core read it
    method: str | None              # as sent (latin-1), once the SP after it was read
    target: str | None              # the request-target (latin-1), once the SP after it was read
    target_span: tuple[int, int] | None   # (start, end) of the target in the input
    line_span: tuple[int, int] | None     # (start, end) of the request line: from its method,
                                    # after only empty lines (CRLF, RFC 9112 §2.2), to its LF
                                    # (or the end of the input)
    path: str | None                # complete: the target's path (no query; "/" for "http://h")
    version: tuple[int, int] | None # complete: (major, minor) as sent (1.2-1.9 read as 1.1)
    keep_alive: bool | None         # complete: the connection persists after the request by
                                    # version and Connection (RFC 9112 §9.3)
    headers: tuple[tuple[bytes, bytes], ...]   # known field lines: (name as sent, value with
                                    # OWS trimmed; an obs-fold stays in the value as sent)
    offered: tuple[str, ...]        # Upgrade, all lines as one list: "name" or "name/version",
                                    # lower-case, in order, up to the first malformed element
    offered_dropped: int            # well-formed elements beyond the 32 kept
    upgrade_lines: int
    upgrade_ok: bool                # every Upgrade line is a list of protocols (vacuous: True)
    connection_options: tuple[str, ...]   # Connection, lower-case, likewise
    connection_lines: int
    connection_ok: bool
    ws_keys: int                    # Sec-WebSocket-Key field lines
    ws_key_valid: bool | None       # sy_ws_key_valid() of the first key; None without a key
    ws_versions: tuple[bytes, ...]  # Sec-WebSocket-Version values, as sent (trimmed), in order

    def values(self, name: str) -> list[bytes]:
        """Every value of the field `name` (case-insensitive) among the known lines, in order."""
        low = name.lower().encode("latin-1")
        return [v for n, v in self.headers if n.lower() == low]


def _cut(raw: bytes, span: _Span) -> bytes:
    return raw[span.off:span.off + span.len]


@functools.lru_cache(maxsize=8192)
def facts(raw: bytes, policy: str | None = None) -> RequestFacts:
    """The core's facts about the request at the start of `raw`. `policy` is the text of a policy
    file (docs/policy.md) applied over the default policy; ValueError when the core refuses it."""
    lib = _load()
    out = _Facts()
    text = policy.encode("utf-8") if policy is not None else None
    rc = lib.sy_facts_read(raw, len(raw), text, len(text) if text is not None else 0,
                           ctypes.byref(out))
    if rc != 0:
        if text is not None and out.policy_error:
            raise ValueError(f"policy: {out.policy_error.decode('utf-8', 'replace')}")
        raise ValueError(f"sy_facts_read: {lib.sy_strerror(rc).decode()}")
    why = _reason(out.reason) if out.decided else None
    err = _reason(out.error)
    headers = tuple((_cut(raw, out.names[i]), _cut(raw, out.values[i]))
                    for i in range(out.n_headers))
    offered = []
    for i in range(out.n_offered):
        name = _cut(raw, out.offered_names[i]).decode("latin-1").lower()
        version = _cut(raw, out.offered_versions[i]).decode("latin-1").lower()
        offered.append(f"{name}/{version}" if out.offered_versions[i].len else name)
    low = b"sec-websocket-version"
    return RequestFacts(
        decided=bool(out.decided),
        reason=why.name if why else None,
        status=out.status if out.decided else None,
        reason_rfc=why.rfc if why else None,
        reason_level=why.level if why else None,
        fate=FATES[out.fate] if out.decided else None,
        proto=PROTOS[out.proto] if out.decided else None,
        consumed=out.consumed,
        error=err.name if err else None,
        error_offset=out.error_offset,
        complete=bool(out.complete),
        head_len=out.head_len,
        message_len=out.message_len,
        method=_cut(raw, out.method).decode("latin-1") if out.has_method else None,
        target=_cut(raw, out.target).decode("latin-1") if out.has_target else None,
        target_span=(out.target.off, out.target.off + out.target.len) if out.has_target else None,
        line_span=(out.line_start, out.line_end) if out.has_line else None,
        path=out.path[:out.path_len].decode("latin-1") if out.has_path else None,
        version=(out.version_major, out.version_minor) if out.version_major != UNKNOWN else None,
        keep_alive=None if out.keep_alive == UNKNOWN else bool(out.keep_alive),
        headers=headers,
        offered=tuple(offered),
        offered_dropped=out.offered_dropped,
        upgrade_lines=out.upgrade_lines,
        upgrade_ok=bool(out.upgrade_ok),
        connection_options=tuple(_cut(raw, out.options[i]).decode("latin-1").lower()
                                 for i in range(out.n_options)),
        connection_lines=out.connection_lines,
        connection_ok=bool(out.connection_ok),
        ws_keys=out.ws_keys,
        ws_key_valid=None if out.ws_key_valid == UNKNOWN else bool(out.ws_key_valid),
        ws_versions=tuple(v for n, v in headers if n.lower() == low),
    )
