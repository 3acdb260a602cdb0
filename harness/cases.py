"""corpus/<topic>/<scenario>.http + corpus/<topic>/cases.toml -> list[Case] (frozen dataclasses).

A case is data: the exact bytes, the expected status (or the statuses the RFC allows), the
reference's reason name, the RFC section and requirement level, the delivery modes and the tail
probe. A .http file without a manifest row, or a row without a file, is an error.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .wire import MODES

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
LEVELS = ("MUST", "SHOULD", "MAY")
TAILS = ("http", "ws")
KEYS = ("expect", "reason", "rfc", "level", "description", "modes", "tail", "prefer", "must_close",
        "allow_http2")

# The tail probes. HTTP: a second request on the same connection (RFC 9931's concern: after a
# refused upgrade the connection is still HTTP/1.1). WS: one masked text frame "sy-tail" with a
# fixed masking key (RFC 6455 §5.3 requires client frames to be masked; fixed keeps runs identical).
TAIL_HTTP = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"
_MASK = b"\x37\xfa\x21\x3d"
_PAYLOAD = b"sy-tail"
TAIL_WS = bytes([0x81, 0x80 | len(_PAYLOAD)]) + _MASK + bytes(
    b ^ _MASK[i % 4] for i, b in enumerate(_PAYLOAD))


class CorpusError(ValueError):
    pass


@dataclass(frozen=True)
class Case:
    id: str                         # "<topic>/<scenario>"
    raw: bytes
    expect: tuple[int, ...]
    reason: str
    rfc: str
    level: str
    description: str
    modes: tuple[str, ...] = MODES
    tail: str | None = None
    path: str = ""                  # the .http file, relative to the repository root
    prefer: int | None = None       # the one status of `expect` that passes; the others warn
    must_close: bool = False        # the RFC requires a close after the answer, whatever it is
    allow_http2: bool = False       # an HTTP/2 server preface (prior knowledge) is an allowed answer
    origin: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def topic(self) -> str:
        return self.id.split("/", 1)[0]

    @property
    def tail_bytes(self) -> bytes:
        return {"http": TAIL_HTTP, "ws": TAIL_WS}.get(self.tail or "", b"")


def _case(topic: str, stem: str, row: dict, http: Path) -> Case:
    where = f"{topic}/cases.toml [{stem}]"
    expect = row.get("expect")
    if isinstance(expect, int):
        expect = (expect,)
    elif isinstance(expect, list) and expect and all(isinstance(x, int) for x in expect):
        expect = tuple(expect)
    else:
        raise CorpusError(f"{where}: expect must be an int or a non-empty list of ints")
    level = row.get("level", "")
    if level not in LEVELS:
        raise CorpusError(f"{where}: level must be one of {LEVELS}, not {level!r}")
    modes = tuple(row.get("modes", MODES))
    if not modes or any(m not in MODES for m in modes):
        raise CorpusError(f"{where}: modes must be a subset of {MODES}")
    tail = row.get("tail")
    if tail is not None and tail not in TAILS:
        raise CorpusError(f"{where}: tail must be one of {TAILS}")
    prefer = row.get("prefer")
    if prefer is not None and (isinstance(prefer, bool) or prefer not in expect):
        raise CorpusError(f"{where}: prefer must be one of expect {list(expect)}")
    for key in ("must_close", "allow_http2"):
        if not isinstance(row.get(key, False), bool):
            raise CorpusError(f"{where}: {key} must be true or false")
    for key in ("reason", "rfc", "description"):
        if not isinstance(row.get(key), str) or not row[key]:
            raise CorpusError(f"{where}: {key} is required")
    extra = {k: v for k, v in row.items()
             if k not in KEYS}
    rel = http.relative_to(ROOT) if http.is_relative_to(ROOT) else http
    return Case(id=f"{topic}/{stem}", raw=http.read_bytes(), expect=expect, reason=row["reason"],
                rfc=row["rfc"], level=level, description=row["description"], modes=modes,
                tail=tail, path=str(rel), prefer=prefer, must_close=row.get("must_close", False),
                allow_http2=row.get("allow_http2", False), origin=extra)


def load_topic(folder: Path) -> list[Case]:
    manifest = folder / "cases.toml"
    files = {p.stem: p for p in folder.glob("*.http")}
    if not manifest.exists():
        if files:
            raise CorpusError(f"{folder}: .http files without cases.toml")
        return []
    with manifest.open("rb") as f:
        rows = tomllib.load(f)
    missing = sorted(set(files) - set(rows))
    orphans = sorted(set(rows) - set(files))
    if missing:
        raise CorpusError(f"{folder.name}: no manifest row for {', '.join(missing)}")
    if orphans:
        raise CorpusError(f"{folder.name}: manifest rows without a .http file: {', '.join(orphans)}")
    return [_case(folder.name, stem, rows[stem], files[stem]) for stem in sorted(files)]


def load(corpus: Path = CORPUS) -> list[Case]:
    """Every case under corpus/, sorted by id."""
    out: list[Case] = []
    if not corpus.is_dir():
        return out
    for folder in sorted(p for p in corpus.iterdir() if p.is_dir()):
        out.extend(load_topic(folder))
    return out


def select(cases: list[Case], patterns: list[str]) -> list[Case]:
    """Cases whose id equals a pattern or starts with it followed by '/' (a topic), or all."""
    if not patterns:
        return cases
    keep = [c for c in cases if any(c.id == p or c.id.startswith(p.rstrip("/") + "/") for p in patterns)]
    if not keep:
        raise CorpusError(f"no case matches {patterns}")
    return keep


def request_line(raw: bytes) -> tuple[int, int]:
    """Where the first request line is: after the empty lines (CRLF) a server SHOULD ignore
    before it (RFC 9112 §2.2), up to its LF (or the end of raw)."""
    start = 0
    while raw.startswith(b"\r\n", start):
        start += 2
    eol = raw.find(b"\n", start)
    return start, eol if eol >= 0 else len(raw)


def request_target(raw: bytes) -> str | None:
    """The request-target of the first request line, or None when it has no SP-separated target."""
    start, end = request_line(raw)
    parts = raw[start:end].split(b" ")
    return parts[1].decode("latin-1") if len(parts) >= 3 else None


def retarget(raw: bytes, paths: dict[str, str]) -> bytes:
    """Rewrite the request-target of the first request line (for a server whose WebSocket endpoint
    or plain resource lives elsewhere than /live and /). Only an exact target match is replaced."""
    target = request_target(raw)
    if target not in paths:
        return raw
    start, end = request_line(raw)
    parts = raw[start:end].split(b" ")
    parts[1] = paths[target].encode("latin-1")
    return raw[:start] + b" ".join(parts) + raw[end:]
