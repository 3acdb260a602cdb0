"""The campaign loop: inputs from the corpus seeds and the mutator, each sent to every server on a
new connection, judged, fed back; servers that crash or hang are restarted (bounded) at the cost
of their own exchanges only.

Flow: one generator, one queue per server (QUEUE_DEPTH inputs) drained by CONCURRENCY workers. A
server whose queue is full when an input is ready skips that input (counted as `skipped`): a
slow or silent server costs its own cells, and the generator waits only while more than a third
of the servers are full. Process lifetimes stay with the caller (cli.py starts and stops them).
"""
from __future__ import annotations

import asyncio
import os
import random
import time
from dataclasses import dataclass, field
from typing import Callable

from .. import chain, observe
from ..servers import Server, ServerError
from . import engine, feedback, gen, oracle

QUEUE_DEPTH = 32
CONCURRENCY = 16            # connections at once per server
BATCH = 32                  # mutants made per corpus pick (one call into libsyfuzz.so)
HANG_AFTER = 6              # silent exchanges in a row before the server is probed
REAP_WAIT = 1.0             # seconds a server that stopped answering may take to exit
MAX_RESTARTS = 20
SPLIT_EVERY = 8             # every this many inputs, one goes out in split delivery


@dataclass
class Options:
    duration: float = 60.0
    seed: int = 1
    timeout: float = 1.0            # for a complete first answer
    tail_timeout: float = 0.5       # for the tail's answer, or an announced close
    max_inputs: int | None = None   # stop after this many inputs (tests), else at `duration`
    concurrency: int = CONCURRENCY
    max_restarts: int = MAX_RESTARTS
    split_every: int = SPLIT_EVERY


@dataclass
class Lane:
    """One server's share of the campaign."""
    server: Server
    queue: asyncio.Queue | None = None
    exchanges: int = 0
    skipped: int = 0
    errors: int = 0                 # no connection / no answer (harness trouble, not findings)
    silent_run: int = 0
    restarting: bool = False
    dead: str = ""                  # why it no longer runs
    events: list[dict] = field(default_factory=list)    # crashes, hangs, restarts
    # a chain to the sentinel: its log, read around each exchange (one at a time, so that what
    # the backend received belongs to that exchange)
    log: chain.Log | None = field(init=False, default=None)

    def __post_init__(self):
        self.log = chain.sentinel_log(self.server)

    @property
    def name(self) -> str:
        return self.server.adapter.name

    def concurrency(self, default: int) -> int:
        return 1 if self.log is not None else default


@dataclass
class Raw:
    """A (server, rule, reason) key before triage, with its smallest example (one request and
    its detail per key: what triage starts from; memory is bounded by the keys)."""
    server: str
    rule: str
    rfc: str
    sentence: str
    reason: str
    kind: str                       # "fail" | "security" | "divergence"
    count: int = 0
    first_at: float = 0.0
    examples: list[tuple[bytes, str]] = field(default_factory=list)  # [(request, detail)]


@dataclass
class Stats:
    t0: float = field(default_factory=time.monotonic)
    inputs: int = 0
    undecided: int = 0              # inputs the core does not decide (not sent)
    core_errors: int = 0            # inputs harness/core.py could not read from the core
    core_error: str = ""
    exchanges: int = 0
    split: int = 0
    rss_kb: list[tuple[float, int]] = field(default_factory=list)
    end: float | None = None        # when the loop stopped (triage time is not fuzzing time)

    def elapsed(self) -> float:
        return (self.end or time.monotonic()) - self.t0


def rss_kb() -> int:
    try:
        for line in open(f"/proc/{os.getpid()}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class Campaign:
    def __init__(self, lanes: list[Lane], seeds: list[tuple[str, bytes]], opts: Options,
                 say: Callable[[str], None] = print):
        self.lanes, self.opts, self.say = lanes, opts, say
        self.rng = random.Random(opts.seed)
        self.corpus = feedback.Corpus(random.Random(opts.seed ^ 0x5EED))
        for origin, raw in seeds:
            self.corpus.add_seed(raw, f"seed:{origin}")
        self.found: dict[tuple[str, str, str], Raw] = {}
        self.stats = Stats()
        self.stop = asyncio.Event()
        self.room = asyncio.Event()
        self._pending: list[tuple[bytes, str]] = []

    # ---- generation ----
    def _next(self) -> tuple[bytes, str]:
        if self.stats.inputs < self.corpus.seeds:
            e = self.corpus.entries[self.stats.inputs]
            return e.raw, e.origin
        if not self._pending:
            parent = self.corpus.pick()
            self._pending = [(m, f"gen:{oracle.input_id(parent.raw)}")
                             for m in gen.mutate_batch(self.rng.getrandbits(64), parent.raw, BATCH)]
            self._pending.reverse()
        return self._pending.pop() if self._pending else (b"", "")

    def _done(self) -> bool:
        o = self.opts
        if self.stop.is_set() or self.stats.elapsed() >= o.duration:
            return True
        return o.max_inputs is not None and self.stats.inputs >= o.max_inputs

    async def _generate(self) -> None:
        live = [ln for ln in self.lanes if not ln.dead]
        while not self._done() and live:
            raw, origin = self._next()
            self.stats.inputs += 1
            try:
                case = oracle.case_for(raw) if raw else None
            except (IndexError, RuntimeError) as e:
                # the core library and harness/core.py disagree (a stale build): not this input's
                # fault; counted and named in summary.json instead of ending the campaign
                self.stats.core_errors += 1
                self.stats.core_error = self.stats.core_error or f"{e.__class__.__name__}: {e}"
                continue
            if case is None:
                self.stats.undecided += 1
                continue
            allowed = len(live) // 3 if len(live) != 2 else 1
            while sum(ln.queue.full() for ln in live) > allowed and not self._done():
                self.room.clear()
                try:
                    await asyncio.wait_for(self.room.wait(), 0.2)
                except asyncio.TimeoutError:
                    pass
            split = self.opts.split_every > 0 and self.stats.inputs % self.opts.split_every == 0
            item = _Item(case, origin, split, sum(1 for ln in live if not ln.queue.full()))
            for ln in live:
                if ln.queue.full():
                    ln.skipped += 1
                else:
                    ln.queue.put_nowait(item)
            if item.pending == 0:
                self._settle(item)
            await asyncio.sleep(0)
            live = [ln for ln in self.lanes if not ln.dead]

    # ---- one exchange ----
    async def _worker(self, lane: Lane) -> None:
        while True:
            item = await lane.queue.get()
            if item is None:
                return
            try:
                if lane.dead or lane.restarting:
                    lane.skipped += 1
                else:
                    await self._one(lane, item)
            finally:
                item.pending -= 1
                if item.pending == 0:
                    self._settle(item)
                self.room.set()

    async def _one(self, lane: Lane, item: "_Item") -> None:
        srv, o = lane.server, self.opts
        sent = oracle.sent_for(item.case, srv.adapter.paths)
        obs = await engine.observed(srv.host, srv.port, item.case, sent, item.case.tail_bytes,
                                    lane.log, timeout=o.timeout, tail_timeout=o.tail_timeout,
                                    split=item.split)
        lane.exchanges += 1
        self.stats.exchanges += 1
        self.stats.split += item.split
        if obs.decision in (observe.NOCONNECT, observe.TIMEOUT, observe.CLOSE, observe.INVALID):
            if await self._trouble(lane, item, obs):
                return
        else:
            lane.silent_run = 0
        j = oracle.judge(item.case, obs, srv.adapter.supports, srv.adapter.role)
        rules = tuple(f.rule for f in j.verdict.findings)
        item.vectors.append(feedback.vector(lane.name, obs, rules))
        for f in j.fails + ((j.divergence,) if j.divergence else ()):
            self._record(lane.name, f, item.case, oracle.kind_of(f, j))

    def _record(self, server: str, f, case, kind: str) -> None:
        key = (server, f.rule, case.reason)
        r = self.found.get(key)
        if r is None:
            r = self.found[key] = Raw(server, f.rule, f.rfc, f.sentence, case.reason, kind,
                                      first_at=round(self.stats.elapsed(), 2))
        r.count += 1
        if not r.examples or len(case.raw) < len(r.examples[0][0]):
            r.examples[:] = [(case.raw, f.detail)]

    async def _trouble(self, lane: Lane, item: "_Item", obs) -> bool:
        """No answer, a close or bytes that are no HTTP: a crash or a hang costs this server a
        restart (bounded). True when the exchange is harness trouble, not to be judged."""
        srv = lane.server
        if not srv.alive():
            await self._restart(lane, "crash", item.case.raw)
            return True
        if obs.decision in (observe.CLOSE, observe.INVALID):
            lane.silent_run = 0
            return False
        lane.errors += 1
        lane.silent_run += 1
        if lane.silent_run >= HANG_AFTER and not lane.restarting:
            probe = await engine.exchange(srv.host, srv.port,
                                          b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", b"",
                                          timeout=2.0, tail_timeout=0.1)
            if not probe.first and not probe.eof:
                await self._restart(lane, "crash" if await _reaped(srv) else "hang", item.case.raw)
            lane.silent_run = 0
        return True

    async def _restart(self, lane: Lane, what: str, raw: bytes) -> None:
        if lane.restarting or lane.dead:
            return
        lane.restarting = True
        srv = lane.server
        ev = {"event": what, "at": round(self.stats.elapsed(), 2), "exit": srv.exit_status(),
              "request_b64": _b64(raw)}
        try:
            if srv.restarts >= self.opts.max_restarts:
                raise ServerError(f"gave up after {srv.restarts} restarts")
            await asyncio.get_running_loop().run_in_executor(None, srv.restart)
            ev["restarted"] = True
            self.say(f"{lane.name}: {what}; restarted ({srv.restarts})")
        except (ServerError, OSError) as e:
            ev["restarted"] = False
            lane.dead = f"{what}, not restarted: {str(e).splitlines()[0]}"
            self.say(f"{lane.name}: {lane.dead}; its remaining exchanges are skipped")
        finally:
            lane.events.append(ev)
            lane.restarting = False

    def _settle(self, item: "_Item") -> None:
        if item.settled:
            return
        item.settled = True
        self.corpus.observe(item.case.raw, item.origin, item.vectors)

    # ---- the whole loop ----
    async def run(self, progress: Callable[["Campaign"], None] | None = None,
                  every: float = 5.0) -> None:
        self.stats = Stats()
        self.stats.rss_kb.append((0.0, rss_kb()))
        workers = []
        for ln in self.lanes:
            ln.queue = asyncio.Queue(QUEUE_DEPTH)
            workers += [asyncio.create_task(self._worker(ln))
                        for _ in range(ln.concurrency(self.opts.concurrency))]
        ticker = asyncio.create_task(self._tick(progress, every)) if progress else None
        try:
            await self._generate()
        finally:
            for ln in self.lanes:
                while not ln.queue.empty():         # what was not sent is skipped, not waited for
                    item = ln.queue.get_nowait()
                    ln.skipped += 1
                    item.pending -= 1
                for _ in range(ln.concurrency(self.opts.concurrency)):
                    ln.queue.put_nowait(None)
            await asyncio.wait(workers, timeout=self.opts.timeout + self.opts.tail_timeout + 5)
            for w in workers:
                w.cancel()
            if ticker:
                ticker.cancel()
            self.stats.end = time.monotonic()
            self.stats.rss_kb.append((round(self.stats.elapsed(), 1), rss_kb()))

    async def _tick(self, progress, every: float) -> None:
        n = 0
        while True:
            await asyncio.sleep(every)
            n += 1
            if n % 6 == 0:
                self.stats.rss_kb.append((round(self.stats.elapsed(), 1), rss_kb()))
            progress(self)


@dataclass
class _Item:
    case: object
    origin: str
    split: bool
    pending: int
    vectors: list = field(default_factory=list)
    settled: bool = False


async def _reaped(srv: Server, bound: float = REAP_WAIT) -> bool:
    """A server that closed its listener while exiting is not reaped at once (an interpreter's
    teardown takes a while under load): whether it ends within `bound` seconds."""
    end = time.monotonic() + bound
    while srv.alive():
        if time.monotonic() >= end:
            return False
        await asyncio.sleep(0.01)
    return True


def _b64(b: bytes) -> str:
    import base64
    return base64.b64encode(b).decode()
