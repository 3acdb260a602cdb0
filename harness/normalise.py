"""The one place where benign differences between servers are removed.

Benign: Date, Server and other descriptive headers, the body text, the reason phrase, header order
and name case, token case and list whitespace, RST versus FIN. What remains is the decision tuple,
the observable that servers are compared on. `view(..., benign=True)` shows everything instead.
"""
from __future__ import annotations

from typing import NamedTuple

from .observe import REQUIRED, SWITCH, Observation

BENIGN_HEADERS = frozenset({
    "date", "server", "content-length", "content-type", "last-modified", "etag", "accept-ranges",
    "x-powered-by", "keep-alive", "cache-control", "expires", "vary", "transfer-encoding", "pragma",
    "x-content-type-options", "x-frame-options", "alt-svc",
})


class Decision(NamedTuple):
    """The upgrade decision tuple (the observable of the differential comparison)."""
    decision: str
    status: int | None
    protocol: str | None          # Upgrade on a 101/426, lower-cased tokens joined by ","
    connection_upgrade: bool | None   # Connection carries the upgrade option (101/426 only)
    accept_ok: bool | None
    ws_version: str | None        # Sec-WebSocket-Version on a 426 / 101
    fate: str                     # "open" | "closed" (a reset counts as closed)
    tail: str | None
    after_switch: str | None = None   # after a 101 to h2c or TLS: what followed (switched.py)


def tokens(values: list[str]) -> tuple[str, ...]:
    """A comma-separated list field, as lower-case tokens in order (empty elements dropped)."""
    out = []
    for v in values:
        for part in v.split(","):
            part = part.strip(" \t").lower()
            if part:
                out.append(part)
    return tuple(out)


def decision(obs: Observation) -> Decision:
    upgrading = obs.decision in (SWITCH, REQUIRED)
    proto = ",".join(tokens(obs.header("Upgrade"))) or None if upgrading else None
    conn = "upgrade" in tokens(obs.header("Connection")) if upgrading else None
    ver = ",".join(tokens(obs.header("Sec-WebSocket-Version"))) or None if upgrading else None
    fate = "closed" if obs.fate in ("closed", "reset") else obs.fate
    return Decision(obs.decision, obs.status, proto, conn, obs.accept_ok, ver, fate, obs.tail,
                    obs.after_switch)


def differing(a: Decision, b: Decision) -> tuple[str, ...]:
    """Names of the decision-tuple fields on which two observations differ."""
    return tuple(f for f in Decision._fields if getattr(a, f) != getattr(b, f))


def view(obs: Observation, benign: bool = False) -> dict:
    """A JSON-able view: the decision tuple, the non-benign headers (lower-case names, sorted), and
    with benign=True also the reason phrase, every header as sent, and the body length."""
    d = decision(obs)._asdict()
    kept = sorted((n.lower(), v.strip()) for n, v in obs.headers if n.lower() not in BENIGN_HEADERS)
    d["headers"] = [f"{n}: {v}" for n, v in kept]
    if benign:
        d["reason_phrase"] = obs.reason_phrase
        d["all_headers"] = [f"{n}: {v}" for n, v in obs.headers]
        d["body_len"] = obs.body_len
        d["version"] = obs.version
    return d
