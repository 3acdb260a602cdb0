"""Triage: each raw finding minimised against the one server that shows it, re-run to drop
flukes, deduplicated by (server, rule, minimal-shape signature), with its repro lines and a draft
manifest entry. ddmin is harness/minimise.py (one implementation for campaigns and reports).
"""
from __future__ import annotations

import asyncio
import base64
import shlex
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

from .. import chain, core
from ..minimise import Budget, minimise
from ..servers import Server
from . import engine, oracle

MIN_TESTS = 200             # ddmin tests per finding
MIN_SECONDS = 15.0          # ddmin seconds per finding
CONFIRM_RUNS = 2            # the minimised request must break the rule this many more times
WORKERS = 8                 # servers triaged at once
PROBE_TIMEOUT = 0.25        # seconds for a ddmin candidate's answer (the servers are idle by
                            # then; a candidate a server waits on only measures its patience)
# rules that read the tail probe or the connection's fate: only these wait for the tail's answer
# while minimising (a server silent after a 101 would cost a deadline per test otherwise)
TAIL_RULES = frozenset({"tail-after-101", "tail-after-refusal", "tail-unanswered", "framing-close",
                        "cl-te-close", "te-http10-close"})


@dataclass
class Finding:
    server: str
    rule: str
    rfc: str
    sentence: str
    kind: str                       # "fail" | "security" | "divergence"
    reason: str                     # the reference's reason for the minimised request
    reference: str                  # "426 WS_REQUIRED (RFC 6455 §4.2.2, MUST)"
    request: bytes
    original: bytes
    response: bytes
    detail: str
    shape: tuple
    tests: int = 0
    confirmed: bool = False
    count: int = 0                  # exchanges that showed the (server, rule, reason) key
    first_at: float = 0.0
    tail: str | None = "http"       # the tail probe the case gets (None: its own bytes follow)
    notes: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple:
        return (self.server, self.rule, self.shape)


def shape(raw: bytes) -> tuple:
    """The minimal-shape signature: what the core read of the minimised request (its reason, the
    method and version, the field names in order, lower-case, content and bytes after)."""
    f = core.facts(raw)
    names = tuple(sorted({n.decode("latin-1").lower() for n, _ in f.headers}))
    after = len(raw) > max(f.message_len, f.head_len)
    return (f.reason, f.method, f.version, names, f.message_len > f.head_len, after)


def check(server: Server, raw: bytes, rule: str, timeout: float, tail_timeout: float):
    """One exchange with `server`, judged: (rule still broken, observation, judged). The tail
    probe goes only where the rule reads it (TAIL_RULES)."""
    case = oracle.case_for(raw)
    if case is None:
        return False, None, None
    sent = oracle.sent_for(case, server.adapter.paths)
    tail = case.tail_bytes if rule in TAIL_RULES else b""
    if not tail:
        case = replace(case, tail=None)
    log = chain.sentinel_log(server)        # a chain to the sentinel: what the backend received
    obs = asyncio.run(engine.observed(server.host, server.port, case, sent, tail, log,
                                      timeout=timeout, tail_timeout=tail_timeout))
    j = oracle.judge(case, obs, server.adapter.supports, server.adapter.role)
    hit = any(f.rule == rule for f in j.fails) or (j.divergence is not None and rule == j.divergence.rule)
    return hit, obs, j


def triage_one(server: Server, raw, timeout: float, tail_timeout: float,
               seconds: float = MIN_SECONDS) -> Finding | None:
    """Minimise one raw finding (campaign.Raw) against its server, confirm, describe."""
    start = raw.examples[0][0]
    ended = _head_ends(start)
    best = [start]

    def test(b: bytes) -> bool:
        # a candidate whose head no longer ends only measures how long a server waits for more
        if not b or (ended and not _head_ends(b)) or not server.alive():
            return False
        ok = check(server, b, raw.rule, min(timeout, PROBE_TIMEOUT), tail_timeout)[0]
        if ok and len(b) < len(best[0]):
            best[0] = b
        return ok

    b = Budget(max_tests=MIN_TESTS, seconds=seconds)
    small = minimise(start, test, b)
    if small != best[0] and not test(small):
        # minimise.py's last rebuild is not re-tested (a head the core stops reading before its
        # end can lose its empty line there): keep the smallest candidate that passed
        small = best[0]
    runs = [check(server, small, raw.rule, timeout, tail_timeout) for _ in range(CONFIRM_RUNS)]
    confirmed = all(r[0] for r in runs) and server.alive()
    obs, j = runs[-1][1], runs[-1][2]
    f = core.facts(small)
    info = core.reason_info(f.reason) if f.reason else None
    hit = next((x for x in (j.fails if j else ()) if x.rule == raw.rule), None) if j else None
    if hit is None and j is not None and j.divergence is not None:
        hit = j.divergence
    return Finding(
        server=raw.server, rule=raw.rule, rfc=raw.rfc, sentence=raw.sentence, kind=raw.kind,
        reason=f.reason or "", reference=(f"{f.status} {f.reason} ({info.rfc}, {info.level})"
                                          if info else "undecided"),
        request=small, original=start, response=obs.raw if obs else b"",
        detail=hit.detail if hit else raw.examples[0][1], shape=shape(small), tests=b.tests,
        confirmed=confirmed, count=raw.count, first_at=raw.first_at,
        tail=oracle.case_for(small).tail if oracle.case_for(small) else None,
        notes=[] if confirmed else [f"did not reproduce on {CONFIRM_RUNS} re-runs: a fluke"])


def _head_ends(raw: bytes) -> bool:
    return b"\r\n\r\n" in raw or b"\n\n" in raw or b"\n\r\n" in raw


def order(raws: list, known: frozenset = frozenset()) -> list:
    """Every (server, rule) first (its smallest example; pairs a report already flags, `known`,
    after the others; rule Fails before divergences), then the other reasons of each."""
    firsts, rest, seen = [], [], set()
    for r in sorted(raws, key=lambda r: ((r.server, r.rule) in known, r.server, r.kind != "fail",
                                         r.rule, len(r.examples[0][0]))):
        (rest if (r.server, r.rule) in seen else firsts).append(r)
        seen.add((r.server, r.rule))
    return firsts + rest


def triage_all(raws: list, lanes: dict[str, Server], *, budget: float, timeout: float,
               tail_timeout: float, known: frozenset = frozenset(),
               say=print) -> tuple[list[Finding], int]:
    """Findings deduplicated by (server, rule, shape), confirmed ones first; and how many raw keys
    were left untriaged when the budget ran out."""
    deadline = time.monotonic() + budget
    by_server: dict[str, list] = {}
    for r in order(raws, known):
        by_server.setdefault(r.server, []).append(r)
    out: list[Finding] = []
    left = [0]

    def work(name: str) -> list[Finding]:
        srv, mine = lanes.get(name), []
        for r in by_server[name]:
            remaining = deadline - time.monotonic()
            if srv is None or not srv.alive() or remaining < 1.0:
                left[0] += 1
                continue
            f = triage_one(srv, r, timeout, tail_timeout, min(MIN_SECONDS, remaining))
            if f is not None and all(x.key != f.key for x in mine):
                mine.append(f)
        return mine

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for found in pool.map(work, sorted(by_server)):
            out.extend(found)
    say(f"triage: {len(out)} findings ({sum(f.confirmed for f in out)} confirmed), "
        f"{left[0]} raw keys not triaged (budget)")
    return out, left[0]


# ---- repro lines and manifest drafts ----

def printf_escape(raw: bytes) -> str:
    out = []
    for b in raw:
        c = chr(b)
        if c == "\r":
            out.append("\\r")
        elif c == "\n":
            out.append("\\n")
        elif c == "\\":
            out.append("\\\\")
        elif c == "%":
            out.append("%%")
        elif c == "'" or not 32 <= b < 127:
            out.append(f"\\{b:03o}")
        else:
            out.append(c)
    return "".join(out)


def repro_nc(raw: bytes, port: str = "PORT") -> str:
    return f"printf '{printf_escape(raw)}' | nc -q 2 127.0.0.1 {port}"


def repro_bash(raw: bytes, port: str = "PORT") -> str:
    """The same without nc (not installed everywhere): bash's /dev/tcp, reading for 2 s."""
    return (f"exec 3<>/dev/tcp/127.0.0.1/{port}; printf '{printf_escape(raw)}' >&3; "
            f"timeout 2 cat <&3; exec 3<&-")


def repro_harness(f: Finding) -> str:
    return ("python3 -m harness.difffuzz repro " + shlex.join(
        ["--server", f.server, "--rule", f.rule, "--request-b64",
         base64.b64encode(f.request).decode()]))


def stem(f: Finding) -> str:
    import hashlib
    name = "".join(c if c.isalnum() else "_" for c in f"{f.server}_{f.rule}".lower())
    return f"{name}_{hashlib.sha1(f.request).hexdigest()[:8]}"


def manifest_row(f: Finding, origin: str) -> dict:
    row = {"reason": f.reason, "description": f"{f.server} breaks {f.rule} ({f.rfc}): {f.detail}"[:200],
           "modes": ["whole"], "tail": f.tail, "origin": origin}
    return {k: v for k, v in row.items() if v is not None}
