"""`python3 -m harness.run`: every server x every case -> reports/ (what `make report` runs).

Owns the process lifetimes of a report run (not pytest: see docs/harness.md): every Server is
registered before it starts, and one `finally` stops every registered one on success, on an
exception, on Ctrl-C, SIGTERM and SIGHUP; once that cleanup has begun no server can start, and a
second signal does not interrupt it. Servers run in parallel threads (each its own ports and run
directory); the cases against one server run in order, so a crash is attributable.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import signal
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import cases as cases_mod
from . import compare, matrix, report, results, servers
from .divergence import minimise_all

REFERENCE = "reference"


class Aborted(Exception):
    pass


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Running(dict):
    """name -> Server, for every server this run started. `add` before starting; `stop_all` stops
    each (TERM, then KILL; bounded) and closes the registry, so a worker that gets to `add` later
    is aborted instead of starting a server nobody would stop."""

    def __init__(self):
        super().__init__()
        self.lock = threading.Lock()
        self.closed = False

    def add(self, srv: servers.Server) -> None:
        with self.lock:
            if self.closed:
                raise Aborted()
            self[srv.adapter.name] = srv

    def stop_all(self) -> None:
        held = {s: signal.signal(s, signal.SIG_IGN) for s in STOP_SIGNALS}   # finish the cleanup
        try:
            with self.lock:
                self.closed = True
                todo = list(self.values())
            for srv in todo:
                try:
                    srv.stop()
                except Exception as e:         # keep stopping the others
                    print(f"could not stop {srv.adapter.name}: {e}", file=sys.stderr)
        finally:
            for s, h in held.items():
                signal.signal(s, h)


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m harness.run", description=__doc__.splitlines()[0])
    p.add_argument("--server", action="append", default=[], help="adapter name (repeatable; default: all)")
    p.add_argument("--case", action="append", default=[], help="case id or topic (repeatable)")
    p.add_argument("--mode", action="append", default=[], choices=list(matrix.wire.MODES))
    p.add_argument("--target", help="bring your own: a server already listening at HOST:PORT (loopback)")
    p.add_argument("--server-cmd", help="bring your own: a command with @PORT@ that starts a server")
    p.add_argument("--ws-path", default="/live", help="your server's WebSocket endpoint (default /live)")
    p.add_argument("--plain-path", default="/", help="your server's plain resource (default /)")
    p.add_argument("--corpus", default=str(cases_mod.CORPUS))
    p.add_argument("--out", default="reports")
    p.add_argument("--jobs", type=int, default=0, help="servers run at once (default: all)")
    p.add_argument("--timeout", type=float, default=0.5, help="seconds to wait for a response")
    p.add_argument("--minimise-budget", type=float, default=10.0,
                   help="seconds for delta-debugging divergences (0: off)")
    p.add_argument("--promote", action="store_true",
                   help="also write minimised divergences into corpus/minimised/")
    p.add_argument("--baseline", help="CI gate: fail only on MUST failures not in this baseline file")
    p.add_argument("--write-baseline", help="write the MUST failures of this run as a baseline file")
    p.add_argument("--confirm", action="store_true",
                   help="re-run each failing cell once; keep the better verdict and note flaky cells")
    p.add_argument("--keep-rundir", action="store_true", help="keep the servers' run directories")
    p.add_argument("--quiet", action="store_true")
    return p.parse_args(argv)


def choose_adapters(args) -> tuple[list[servers.Adapter], dict[str, servers.Adapter]]:
    adapters = servers.load()
    if args.target:
        mine = [servers.from_target(args.target, args.ws_path, args.plain_path)]
    elif args.server_cmd:
        mine = [servers.from_command(args.server_cmd, args.ws_path, args.plain_path)]
    else:
        mine = []
    if args.server:
        unknown = [s for s in args.server if s not in adapters]
        if unknown:
            raise SystemExit(f"unknown server(s) {unknown}; known: {', '.join(sorted(adapters))}")
        mine += [adapters[s] for s in args.server]
    elif not mine:
        mine = [a for a in adapters.values() if a.role != "backend"]
    if REFERENCE not in [a.name for a in mine]:
        mine.insert(0, adapters[REFERENCE])      # agreement is always against the reference
    mine.sort(key=lambda a: (a.name != REFERENCE, a.name))
    return mine, adapters


class Progress:
    def __init__(self, total: int, quiet: bool):
        self.total, self.quiet = total, quiet
        self.done = 0
        self.lock = threading.Lock()
        self.t0 = time.monotonic()
        self.stop = threading.Event()
        self.lines: list[str] = []

    def cell(self, _c):
        with self.lock:
            self.done += 1
        if self.stop.is_set():
            raise Aborted()

    def say(self, text: str):
        if not self.quiet:
            print(f"[{time.monotonic() - self.t0:5.1f}s] {text}", flush=True)

    def ticker(self):
        while not self.stop.wait(3.0):
            self.say(f"progress {self.done}/{self.total} cells")


def run_matrix(args, chosen, adapters, cases, progress, running) -> tuple[list, list[dict]]:
    """Start every server (in parallel), run its cells, keep it running for minimisation.
    Every Server is registered in `running` before it starts, so the caller can always stop it."""
    cells_by: dict[str, list] = {}
    rows: dict[str, dict] = {}
    modes = tuple(args.mode) or None

    def one(ad: servers.Adapter):
        row = {"name": ad.name, "description": ad.description, "package": ad.package,
               "role": ad.role, "supports": list(ad.supports), "backend": ad.backend or None,
               "quirks": ad.quirks, "version": servers.version(ad), "status": "ran",
               "skip_reason": None, "cells": 0, "seconds": 0.0, "cells_per_second": 0.0,
               "restarts": 0}
        rows[ad.name] = row
        why = servers.unavailable(ad, adapters)
        if why:
            row.update(status="skipped", skip_reason=why)
            progress.say(f"{ad.name}: SKIPPED ({why})")
            return
        srv = servers.Server(ad, adapters, keep_rundir=args.keep_rundir)
        running.add(srv)
        try:
            srv.start()
        except servers.ServerError as e:
            row.update(status="skipped", skip_reason=f"did not start: {str(e).splitlines()[0]}")
            progress.say(f"{ad.name}: SKIPPED ({row['skip_reason']})")
            return
        t = time.monotonic()
        cells = matrix.run_server(srv, cases, modes=modes, timeout=args.timeout, on_cell=progress.cell,
                                  confirm=args.confirm)
        dt = time.monotonic() - t
        cells_by[ad.name] = cells
        row.update(cells=len(cells), seconds=round(dt, 2),
                   cells_per_second=round(matrix.rate(cells, dt), 1), restarts=srv.restarts,
                   cases_per_second=round(len({c.case for c in cells}) / dt, 1) if dt else 0.0)
        v = compare.RANK
        bad = sum(1 for c in cells if v[c.verdict.verdict] >= v[compare.FAIL])
        progress.say(f"{ad.name}: {len(cells)} cells in {dt:.1f}s ({row['cases_per_second']} cases/s), "
                     f"{bad} fail, {srv.restarts} restarts")

    jobs = args.jobs or len(chosen)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(one, ad) for ad in chosen]
        try:
            for f in futures:
                f.result()
        except BaseException:
            progress.stop.set()       # the workers raise Aborted at their next cell
            for f in futures:
                f.cancel()
            raise
    cells = [c for ad in chosen for c in cells_by.get(ad.name, [])]
    return cells, [rows[ad.name] for ad in chosen]


def reproduce(candidates, cases, running, attempts: int = 2, limit: int = 200) -> set:
    """Re-run each candidate (server, case, mode) `attempts` times; those that do not fail every
    time are flaky (reported by the gate, not counted), as CIFuzz counts only reproducible crashes."""
    by_id = {c.id: c for c in cases}
    flaky = set()
    if len(candidates) > limit:          # no usable baseline: every failure is new, no re-runs
        return flaky
    for server, case_id, mode in sorted(candidates):
        srv = running.get(server)
        if srv is None or not srv.alive():
            continue
        case = by_id[case_id]
        for _ in range(attempts):
            obs, _ = matrix.run_one(srv, case, mode)
            if compare.classify_for(case, obs, srv.adapter.supports).verdict != compare.FAIL:
                flaky.add((server, case_id, mode))
                break
    return flaky


def main(argv=None) -> int:
    args = parse_args(argv)
    t0 = time.monotonic()
    cases = cases_mod.select(cases_mod.load(Path(args.corpus)), args.case)
    chosen, adapters = choose_adapters(args)
    total = sum(len([m for m in c.modes if not args.mode or m in args.mode]) for c in cases) * len(chosen)
    progress = Progress(total, args.quiet)
    progress.say(f"{len(cases)} cases x {len(chosen)} servers ({total} cells), out: {args.out}")

    def on_signal(signum, frame):
        raise KeyboardInterrupt()
    old = {s: signal.signal(s, on_signal) for s in STOP_SIGNALS}
    running = Running()
    tick = threading.Thread(target=progress.ticker, daemon=True)
    tick.start()
    try:
        cells, rows = run_matrix(args, chosen, adapters, cases, progress, running)
        matrix_seconds = time.monotonic() - t0
        progress.stop.set()
        meta = {"generated": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                "command": " ".join(["python3 -m harness.run", *(argv if argv is not None else sys.argv[1:])]),
                "matrix_seconds": round(matrix_seconds, 2),
                "timeout_seconds": args.timeout}
        doc = results.document(cells, cases, rows, REFERENCE, meta)
        base = None
        flaky: set = set()
        if args.baseline:
            base = json.loads(Path(args.baseline).read_text()) if os.path.exists(args.baseline) else {}
            flaky = reproduce(results.new_must_failures(doc, base), cases, running)
        if args.minimise_budget > 0 and REFERENCE in running:
            minimise_all(doc, cases, running, Path(args.out), budget=args.minimise_budget,
                         promote=args.promote, say=progress.say)
    except (KeyboardInterrupt, Aborted):
        progress.stop.set()
        print("interrupted: stopping servers", file=sys.stderr)
        return 130
    finally:
        progress.stop.set()
        running.stop_all()
        for sig, handler in old.items():
            signal.signal(sig, handler)
    doc["wall_seconds"] = round(time.monotonic() - t0, 2)
    if base is not None:
        doc["gate"] = results.gate(doc, base, flaky) | {"baseline": args.baseline}
    out = Path(args.out)
    report.write_all(doc, out)
    if args.write_baseline:
        Path(args.write_baseline).write_text(json.dumps(results.baseline_of(doc), indent=1) + "\n")
    if not args.quiet:
        print(report.summary_table(doc))
        print(f"reports: {', '.join(str(out / n) for n in report.OUTPUTS)}")
    gate = doc.get("gate")
    if gate is not None:
        new = gate["new_must_failures"]
        print(f"gate: {len(new)} new MUST failure(s) against {args.baseline}; {len(gate['fixed'])} fixed; "
              f"{len(gate['flaky'])} did not reproduce (not counted)")
        for s, c, m in new[:50]:
            print(f"  NEW {s} {c} [{m}]")
        return 1 if new else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
