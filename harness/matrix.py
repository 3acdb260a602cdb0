"""Run cases against one running server: exchange, observe, judge; recover from crashes and hangs.

One function per concern: `run_one` (one case in one mode, no recovery) and `run_server` (every
case and mode, with crash/hang detection and restart). Process lifetimes stay with the caller.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Callable

from . import compare, core, normalise, observe, response, wire
from .cases import Case, retarget
from .compare import Verdict
from .observe import Observation
from .servers import Server, ServerError


@dataclass(frozen=True)
class Cell:
    """One server x case x mode: what was seen and the verdict."""
    server: str
    case: str
    mode: str
    obs: Observation
    verdict: Verdict
    sent: bytes
    event: str = ""          # "crash" | "hang" | "" (what happened to the server on this cell)


def path_map(server: Server) -> dict[str, str]:
    paths = server.adapter.paths
    m = {}
    if paths.get("ws", "/live") != "/live":
        m["/live"] = paths["ws"]
    if paths.get("plain", "/") != "/":
        m["/"] = paths["plain"]
    return m


def _tail_complete(raw: bytes, eof: bool) -> bool:
    # an HTTP answer ends when llhttp says so; anything else (frames) ends at the first bytes
    if raw.startswith(b"HTTP/"):
        return response.is_complete(raw, eof)
    return bool(raw)


def run_one(server: Server, case: Case, mode: str, timeout: float = 0.5) -> tuple[Observation, bytes]:
    """Send one case in one mode and observe (no judgement, no recovery)."""
    sent = retarget(case.raw, path_map(server))
    no_body = sent.startswith(b"HEAD ")

    def complete(raw: bytes, eof: bool) -> bool:
        r = response.parse(raw, eof=eof, no_body=no_body)
        # a 1xx other than 101 (100 Continue) is followed by the final response
        if r.complete and 100 <= r.status < 200 and r.status != 101:
            return response.is_complete(raw[r.consumed:], eof)
        return r.complete or r.error is not None

    ex = wire.exchange(server.host, server.port, sent, mode, complete=complete,
                       closing=_closing(core.facts(sent).keep_alive, no_body),
                       tail=case.tail_bytes, tail_complete=_tail_complete,
                       tail_closing=_closing(True, False), timeout=timeout)
    return observe.observe(case, ex, sent), sent


def _closing(persists: bool | None, no_body: bool):
    """A predicate for wire.exchange: the final answer in these bytes says the server closes after
    it, by its own framing or `Connection: close`, or because the request did not ask to persist
    (an HTTP/1.0 request without keep-alive). RFC 9112 §9.3, §9.6. A 101 never closes."""
    def closing(raw: bytes) -> bool:
        resps, _ = response.parse_all(raw, no_body=no_body)
        final = next((r for r in resps if r.complete and not 100 <= r.status < 200), None)
        return final is not None and (not final.keep_alive or persists is False)
    return closing


def _responsive(server: Server) -> bool:
    ex = wire.exchange(server.host, server.port, b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
                       complete=response.is_complete, timeout=1.0, grace=0.0)
    return bool(ex.first) or ex.eof


def run_server(server: Server, cases: list[Case], *, modes: tuple[str, ...] | None = None,
               timeout: float = 0.5, judge: Callable[[Case, Observation], Verdict] | None = None,
               on_cell: Callable[[Cell], None] | None = None, max_restarts: int = 5,
               confirm: bool = False) -> list[Cell]:
    """Every case x mode against one server. A crash or a hang is an ERROR cell; the server is
    restarted (at most max_restarts times) and the run goes on. With `confirm`, a failing cell is
    run once more (see _confirm) so that two runs give the same verdicts."""
    judge = judge or (lambda c, o: compare.classify_for(c, o, server.adapter.supports))
    cells: list[Cell] = []
    broken = ""
    for case in cases:
        for mode in case.modes:
            if modes and mode not in modes:
                continue
            if broken:
                obs = Observation(decision=observe.NOCONNECT, notes=(broken,))
                cells.append(Cell(server.adapter.name, case.id, mode, obs,
                                  Verdict(compare.ERROR, "server-down", "-", "MUST", broken), case.raw))
                continue
            obs, sent = run_one(server, case, mode, timeout)
            event = ""
            if obs.decision in (observe.CLOSE, observe.NOCONNECT, observe.TIMEOUT, observe.INVALID):
                _settle(server)       # a crashing process closes its sockets before it is reaped
            if not server.alive():
                event = "crash"
            elif obs.decision in (observe.TIMEOUT, observe.NOCONNECT) and not _responsive(server):
                event = "hang"
            if event:
                code = server.proc.returncode if server.proc is not None else None
                detail = (f"server {'exited' if event == 'crash' else 'stopped answering'}"
                          f"{f' (exit status {code})' if code is not None else ''} on this case; "
                          f"seen before: {obs.decision} {obs.status or ''}".strip())
                verdict = Verdict(compare.ERROR, f"server-{event}", "-", "MUST", detail)
                try:
                    if server.restarts >= max_restarts:
                        raise ServerError(f"gave up after {server.restarts} restarts")
                    server.restart()
                except ServerError as e:
                    broken = f"server not restarted: {str(e).splitlines()[0]}"
            else:
                verdict = judge(case, obs)
                if confirm and verdict.verdict == compare.FAIL:
                    obs, sent, verdict = _confirm(server, case, mode, timeout, judge, obs, sent, verdict)
            cell = Cell(server.adapter.name, case.id, mode, obs, verdict, sent, event)
            cells.append(cell)
            if on_cell is not None:
                on_cell(cell)
    return cells


def _confirm(server: Server, case: Case, mode: str, timeout: float, judge, obs, sent, verdict):
    """Re-run a failing cell once. Some servers' answers depend on how the kernel happened to
    segment a bytewise or split delivery; when the two attempts decide differently the better
    verdict is kept and the cell is noted as flaky (with both decisions), which makes repeated
    runs agree while still showing the intermittent behaviour."""
    obs2, sent2 = run_one(server, case, mode, timeout)
    if not server.alive():
        return obs, sent, verdict
    first, second = normalise.decision(obs), normalise.decision(obs2)
    if first == second:
        return obs, sent, verdict
    v2 = judge(case, obs2)
    note = f"flaky: attempts decided {first.decision} {first.status} / {second.decision} {second.status}"
    if compare.RANK[v2.verdict] < compare.RANK[verdict.verdict]:
        obs, sent, verdict = obs2, sent2, v2
    return replace(obs, notes=obs.notes + (note,)), sent, replace(verdict, detail=f"{verdict.detail} ({note})")


def _settle(server: Server, seconds: float = 0.05) -> None:
    """After a close or no answer: a crashing process closes its sockets before it is reaped, so
    wait until it is reaped, or asleep again (then it did not exit), or `seconds` passed."""
    deadline = time.monotonic() + seconds
    while server.alive() and not server.asleep() and time.monotonic() < deadline:
        time.sleep(0.002)


def rate(cells: list[Cell], seconds: float) -> float:
    return len(cells) / seconds if seconds > 0 else 0.0


def now() -> float:
    return time.monotonic()
