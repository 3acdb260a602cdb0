"""Run cases against one running server: exchange, observe, judge; recover from crashes and hangs.

One function per concern: `run_one` (one case in one mode, no recovery) and `run_server` (every
case and mode, with crash/hang detection and restart). Process lifetimes stay with the caller.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Callable

from . import catalog, chain, compare, core, normalise, observe, response, switched, wire
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
    event: str = ""          # "crash" | "hang" | "not-run" | "" (what happened to the server on this cell)


def _tail_complete(raw: bytes, eof: bool) -> bool:
    # an HTTP answer ends when llhttp says so; anything else (frames) ends at the first bytes
    if raw.startswith(b"HTTP/"):
        return response.is_complete(raw, eof)
    return bool(raw)


def run_one(server: Server, case: Case, mode: str, timeout: float = 0.5) -> tuple[Observation, bytes]:
    """Send one case in one mode and observe (no judgement, no recovery)."""
    sent = retarget(case.raw, catalog.path_map(server.adapter.paths))
    no_body = sent.startswith(b"HEAD ")

    def complete(raw: bytes, eof: bool) -> bool:
        r = response.parse(raw, eof=eof, no_body=no_body)
        # a 1xx other than 101 (100 Continue) is followed by the final response
        if r.complete and 100 <= r.status < 200 and r.status != 101:
            return response.is_complete(raw[r.consumed:], eof)
        return r.complete or r.error is not None

    log = chain.sentinel_log(server)       # a chain to the sentinel: read what it received too
    mark = log.mark() if log is not None else 0
    ex = wire.exchange(server.host, server.port, sent, mode, complete=complete,
                       closing=_closing(core.facts(sent).keep_alive, no_body),
                       tail=case.tail_bytes, tail_complete=_tail_complete,
                       tail_closing=_closing(True, False), timeout=timeout,
                       idle=None if server.adapter.target else server.idle,
                       after_switch=switched.client(timeout=max(timeout, 1.0)))
    obs = observe.observe(case, ex, sent)
    if log is not None:
        obs = replace(obs, backend=log.since(mark))
    if ex.busy:
        obs = replace(obs, notes=obs.notes + ("the server was still busy when a wait reached its "
                                              "bound: this cell may not repeat",))
    return obs, sent


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


NOT_RUN = "not-run"          # Cell.event of a cell that was never sent (rule names why)


def not_run(server: str, case: Case, mode: str, rule: str, why: str) -> Cell:
    """A cell that was not run: an ERROR (harness trouble, never the server's verdict) that says
    why, so that a cut-short run shows its missing cells instead of dropping them."""
    obs = Observation(decision=observe.NOCONNECT, notes=(why,))
    return Cell(server, case.id, mode, obs, Verdict(compare.ERROR, rule, "-", "-", why), case.raw,
                NOT_RUN)


def run_server(server: Server, cases: list[Case], *, modes: tuple[str, ...] | None = None,
               timeout: float = 0.5, judge: Callable[[Case, Observation], Verdict] | None = None,
               on_cell: Callable[[Cell], None] | None = None, max_restarts: int = 5,
               confirm: bool = False, deadline: float | None = None) -> list[Cell]:
    """Every case x mode against one server. A crash or a hang is an ERROR cell; the server is
    restarted (at most max_restarts times) and the run goes on. With `confirm`, a failing cell is
    run once more (see _confirm) so that two runs give the same verdicts. Past `deadline`
    (time.monotonic(); the server's time budget) and after a restart that failed, the remaining
    cells are not run: each is a `not_run` cell, and server.notes says why."""
    judge = judge or (lambda c, o: compare.classify_for(c, o, server.adapter.supports,
                                                                 server.adapter.role))
    cells: list[Cell] = []
    broken = ""
    skipped = 0
    for case in cases:
        for mode in case.modes:
            if modes and mode not in modes:
                continue
            if not broken and deadline is not None and time.monotonic() >= deadline:
                broken = "not run: the server's time budget was used up"
                server.budget_hit = True
            if broken:
                cells.append(not_run(server.adapter.name, case, mode,
                                     "budget" if server.budget_hit else "server-down", broken))
                skipped += 1
                if on_cell is not None:
                    on_cell(cells[-1])
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
                how = server.exit_status()
                detail = (f"server {'exited' if event == 'crash' else 'stopped answering'}"
                          f"{f' ({how})' if how else ''} on this case; "
                          f"seen before: {obs.decision} {obs.status or ''}".strip())
                verdict = Verdict(compare.ERROR, f"server-{event}", "-", "MUST", detail)
                what = "exited" + (f" ({how})" if how else "") if event == "crash" else "stopped answering"
                try:
                    if server.restarts >= max_restarts:
                        raise ServerError(f"gave up after {server.restarts} restarts")
                    server.restart()
                    server.note(f"restart {server.restarts}: {what} on {case.id} [{mode}]")
                except ServerError as e:
                    broken = f"server not restarted: {str(e).splitlines()[0]}"
                    server.gave_up = True
                    server.note(f"{what} on {case.id} [{mode}] and was not restarted "
                                f"({str(e).splitlines()[0]})")
            else:
                verdict = judge(case, obs)
                if confirm and verdict.verdict == compare.FAIL:
                    obs, sent, verdict = _confirm(server, case, mode, timeout, judge, obs, sent, verdict)
            if not event:
                obs, verdict = _per_process(server, case, obs, verdict)
            cell = Cell(server.adapter.name, case.id, mode, obs, verdict, sent, event)
            cells.append(cell)
            if on_cell is not None:
                on_cell(cell)
    if skipped:
        server.note(f"{skipped} of {len(cells)} cells not run ({broken.removeprefix('not run: ')})")
    return cells


def _per_process(server: Server, case: Case, obs: Observation, verdict: Verdict):
    """An adapter's `quirks.per_process` names cases its server decides once per process, at
    random (a re-run on the same process repeats the answer, so --confirm cannot see the other):
    the cell is marked flaky with both answers, from the adapter's data, and the gate does not
    count it."""
    why = server.adapter.quirks.get("per_process", {}).get(case.id)
    if why is None:
        return obs, verdict
    note = f"flaky: decided once per process at random ({why})"
    return replace(obs, notes=obs.notes + (note,)), replace(verdict, detail=f"{verdict.detail} ({note})")


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

