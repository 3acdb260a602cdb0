"""corpus/<topic>/<scenario>.http + corpus/<topic>/cases.toml -> list[Case] (frozen dataclasses).

A case is data: the exact bytes and what they exercise (the reference's reason, whose status,
RFC section and level come from the core's reasons table), the delivery modes, the tail probe,
and the relations a case has to others. This module is the only reader of corpus/: the socket
tests, the fuzz seeds and the C tests' generated rows all come through load(). A .http file
without a manifest row, a row without a file, an unknown key or a bad value is an error naming
the file, the case and the key.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from . import core, wsframe
from .wire import MODES

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
LEVELS = ("MUST", "SHOULD", "MAY")
TAILS = ("http", "ws")
NAME = re.compile(r"[a-z0-9_]+")
KEYS = ("reason", "description", "modes", "tail", "prefer", "allow_http2", "equivalent_to",
        "equivalence_rfc", "origin")

# The tail probes. HTTP: a second request on the same connection (RFC 9931's concern: after a
# refused upgrade the connection is still HTTP/1.1). WS: one masked text frame "sy-tail" with a
# fixed masking key (RFC 6455 §5.3 requires client frames to be masked; fixed keeps runs identical).
TAIL_HTTP = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"
TAIL_WS = wsframe.frame(wsframe.OP_TEXT, b"sy-tail", mask=b"\x37\xfa\x21\x3d")


class CorpusError(ValueError):
    pass


@dataclass(frozen=True)
class Case:
    """A manifest row says what a case exercises: the reason the reference gives (its status, RFC
    section and level come from the core's reasons table), the delivery modes, the tail probe,
    an optional `prefer`, `equivalent_to` (a case RFC 9110 makes equivalent) and provenance.
    What a server's answer must be is the rules' business (harness/rules), not the manifest's."""
    id: str                         # "<topic>/<scenario>"
    raw: bytes
    reason: str
    description: str
    status: int = 0                 # the reason's status: what the reference answers
    rfc: str = ""                   # the reason's RFC section
    level: str = "MAY"              # the reason's requirement level
    modes: tuple[str, ...] = MODES
    tail: str | None = None
    path: str = ""                  # the .http file, relative to the repository root
    prefer: int | None = None       # an answer the RFC allows that the others warn against
    allow_http2: bool = False       # an HTTP/2 server preface (prior knowledge) is an allowed answer
    equivalent_to: str | None = None    # a case whose request RFC 9110 makes equivalent
    equivalence_rfc: str | None = None  # the section that makes them equivalent
    origin: str | None = None       # provenance: the bug or issue the case comes from

    @property
    def topic(self) -> str:
        return self.id.split("/", 1)[0]

    @property
    def tail_bytes(self) -> bytes:
        return {"http": TAIL_HTTP, "ws": TAIL_WS}.get(self.tail or "", b"")


def _str(row: dict, key: str, where: str, required: bool = False) -> str | None:
    v = row.get(key)
    if v is None and not required:
        return None
    if not isinstance(v, str) or not v:
        raise CorpusError(f"{where}: {key} must be a non-empty string"
                          + (" (required)" if required else ""))
    return v


def _case(topic: str, stem: str, row: dict, http: Path) -> Case:
    from . import core              # the reasons table is the core's (libsycore.so)
    where = f"{_rel(http.parent / 'cases.toml')} [{stem}]"
    if not NAME.fullmatch(stem):
        raise CorpusError(f"{where}: a case name is lower-case letters, digits and _ "
                          f"(it appears in repro commands and JUnit names)")
    unknown = sorted(set(row) - set(KEYS))
    if unknown:
        raise CorpusError(f"{where}: unknown key(s) {', '.join(unknown)} (known: {', '.join(KEYS)})")
    reason = _str(row, "reason", where, required=True)
    known = core.all_reasons()
    if reason not in known:
        raise CorpusError(f"{where}: reason {reason!r} is not in reference_server/reasons.h")
    info = known[reason]
    description = _str(row, "description", where, required=True)
    modes = row.get("modes", list(MODES))
    if (not isinstance(modes, list) or not modes or len(set(modes)) != len(modes)
            or any(not isinstance(m, str) or m not in MODES for m in modes)):
        raise CorpusError(f"{where}: modes must be a non-empty list of distinct modes drawn from "
                          f"{list(MODES)}")
    tail = row.get("tail")
    if tail is not None and tail not in TAILS:
        raise CorpusError(f"{where}: tail must be one of {list(TAILS)}, not {tail!r}")
    prefer = row.get("prefer")
    if prefer is not None and (isinstance(prefer, bool) or not isinstance(prefer, int)
                               or not 100 <= prefer <= 599):
        raise CorpusError(f"{where}: prefer must be an HTTP status code (100-599), not {prefer!r}")
    if not isinstance(row.get("allow_http2", False), bool):
        raise CorpusError(f"{where}: allow_http2 must be true or false")
    eq = _str(row, "equivalent_to", where)
    eq_rfc = _str(row, "equivalence_rfc", where)
    if (eq is None) != (eq_rfc is None):
        raise CorpusError(f"{where}: equivalent_to and equivalence_rfc go together")
    raw = http.read_bytes()
    if not raw:
        raise CorpusError(f"{where}: {_rel(http)} is empty")
    decided = core.facts(raw).reason
    if decided != reason:
        raise CorpusError(f"{where}: reason is {reason}, but the reference decides "
                          f"{decided or 'nothing yet (the request is incomplete)'} for {_rel(http)}")
    rel = _rel(http)
    return Case(id=f"{topic}/{stem}", raw=raw, reason=reason,
                description=description, status=info.status, rfc=info.rfc, level=info.level,
                modes=tuple(modes), tail=tail, path=str(rel), prefer=prefer,
                allow_http2=row.get("allow_http2", False), equivalent_to=eq, equivalence_rfc=eq_rfc,
                origin=_str(row, "origin", where))


def _rel(p: Path) -> Path:
    try:
        return p.relative_to(ROOT)
    except ValueError:
        return p


def load_topic(folder: Path) -> list[Case]:
    manifest = folder / "cases.toml"
    files = {p.stem: p for p in folder.glob("*.http")}
    if not NAME.fullmatch(folder.name):
        raise CorpusError(f"{_rel(folder)}: a topic name is lower-case letters, digits and _")
    nested = sorted(str(_rel(p)) for p in folder.glob("*/**/*.http"))
    if nested:
        raise CorpusError(f"{_rel(folder)}: .http files in a subfolder are not read: {', '.join(nested)}")
    if not manifest.exists():
        if files:
            raise CorpusError(f"{folder}: .http files without cases.toml")
        return []
    try:
        rows = tomllib.loads(manifest.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as e:
        raise CorpusError(f"{manifest}: not UTF-8 (byte {e.start}): TOML files are UTF-8") from None
    except tomllib.TOMLDecodeError as e:
        raise CorpusError(f"{manifest}: {e}") from None
    missing = sorted(set(files) - set(rows))
    orphans = sorted(set(rows) - set(files))
    if missing:
        raise CorpusError(f"{folder.name}: no manifest row for {', '.join(missing)} "
                          f"(in {manifest}; files {', '.join(str(files[m]) for m in missing)})")
    if orphans:
        raise CorpusError(f"{folder.name}: manifest rows without a .http file: {', '.join(orphans)} "
                          f"(in {manifest}; no {', '.join(str(folder / (o + '.http')) for o in orphans)})")
    for stem in sorted(rows):
        if not isinstance(rows[stem], dict):
            raise CorpusError(f"{manifest}: {stem} must be a [table]")
    return [_case(folder.name, stem, rows[stem], files[stem]) for stem in sorted(files)]


def load(corpus: Path = CORPUS) -> list[Case]:
    """Every case under corpus/, sorted by id."""
    out: list[Case] = []
    if not corpus.is_dir():
        return out
    for folder in sorted(p for p in corpus.iterdir() if p.is_dir()):
        out.extend(load_topic(folder))
    _check_equivalences(out)
    return out


def _check_equivalences(cases: list[Case]) -> None:
    """equivalent_to names another case, run in at least the same modes, with no cycle."""
    by = {c.id: c for c in cases}
    for c in cases:
        if c.equivalent_to is None:
            continue
        where = f"{_rel(Path(c.path).parent / 'cases.toml')} [{c.id.split('/', 1)[1]}]"
        other = by.get(c.equivalent_to)
        if other is None:
            raise CorpusError(f"{where}: equivalent_to names no case: {c.equivalent_to!r}")
        if not set(c.modes) <= set(other.modes):
            raise CorpusError(f"{where}: equivalent_to {other.id} is not run in every mode this "
                              f"case is ({', '.join(sorted(set(c.modes) - set(other.modes)))})")
        seen, at = {c.id}, other
        while at.equivalent_to is not None:
            if at.id in seen or at.equivalent_to in seen:
                raise CorpusError(f"{where}: equivalent_to forms a cycle through {at.id}")
            seen.add(at.id)
            at = by[at.equivalent_to]


# The textbook handshake: a server's answer to it tells whether declining a valid variant is an
# interoperability finding (harness/relations.py).
CONTROL = "websocket/valid_handshake"


def controls(case: Case) -> tuple[str, ...]:
    """The cases whose cells judging this case reads (relations.py)."""
    out = [case.equivalent_to] if case.equivalent_to else []
    if case.reason == "WS_SWITCH" and case.id != CONTROL:
        out.append(CONTROL)
    return tuple(out)


def select(cases: list[Case], patterns: list[str]) -> list[Case]:
    """Cases whose id equals a pattern or starts with it followed by '/' (a topic), or all; plus
    the controls the selected ones are judged against (controls())."""
    if not patterns:
        return cases
    keep = [c for c in cases if any(c.id == p or c.id.startswith(p.rstrip("/") + "/") for p in patterns)]
    if not keep:
        raise CorpusError(f"no case matches {patterns}")
    wanted = {c.id for c in keep} | {x for c in keep for x in controls(c)}
    return [c for c in cases if c.id in wanted]


def request_line(raw: bytes) -> tuple[int, int]:
    """Where the first request line is, as the reference core read it: from its method, after
    the empty lines (CRLF) a server SHOULD ignore before it (RFC 9112 §2.2; the core skips them,
    and a bare LF there is no empty line), up to its LF (or the end of raw). (0, 0) when the core
    read no method there."""
    return core.facts(raw).line_span or (0, 0)


def request_target(raw: bytes) -> str | None:
    """The request-target of the first request line (latin-1), as the reference core read it;
    None when the core did not read a whole target there (followed by its SP)."""
    f = core.facts(raw)
    return f.target if f.line_span is not None else None


def retarget(raw: bytes, paths: dict[str, str]) -> bytes:
    """Rewrite the request-target of the first request line (for a server whose WebSocket endpoint
    or plain resource lives elsewhere than /live and /). Only an exact target match is replaced,
    at the span where the core read it."""
    target = request_target(raw)
    if target not in paths:
        return raw
    start, end = core.facts(raw).target_span
    return raw[:start] + paths[target].encode("latin-1") + raw[end:]
