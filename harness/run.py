"""`python3 -m harness.run`: every server x every case -> reports/ (what `make report` runs).

Owns the process lifetimes of a report run (not pytest: see docs/harness.md): every Server is
registered before it starts, and one `finally` stops every registered one on success, on an
exception, on Ctrl-C, SIGTERM and SIGHUP; once that cleanup has begun no server can start, and a
second signal does not interrupt it. Servers run in parallel threads (`--jobs` at once, each its
own ports and run directory); the cases against one server run in order, so a crash is attributable.

Exit status (README, "Exit status"): 0 every server under test ran (and the gate, when asked,
passed); 1 the gate failed (MUST failures; under --baseline only new ones); 2 a usage or input
error, found before any server starts; 3 infrastructure: a server under test did not start, did
not answer, died and could not be restarted, or used up its time budget (or, with --require-all,
was skipped for a setup this machine lacks); 130 interrupted (the previous report is left as it
was, or, when the signal came while the report was being written, the new one was finished).
The report is written as one set (report.write_all) while these signals are held off.
"""
from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import shlex
import signal
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import cases as cases_mod
from . import catalog, chain, compare, matrix, relations, report, results, servers
from .divergence import minimise_all
from .progress import Progress

REFERENCE = "reference"

EXIT_OK, EXIT_GATE, EXIT_USAGE, EXIT_INFRA, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
MEANING = {EXIT_OK: "every server under test ran" ,
           EXIT_GATE: "the gate failed (MUST failures)",
           EXIT_INFRA: "infrastructure: not every server under test ran to the end"}

# the time budget of one server when --server-budget is not given: this much, plus a share of the
# answer timeout per cell (a normal server needs 0.02-0.07 s a cell in a full run)
BUDGET_BASE = 20.0
BUDGET_PER_CELL = 0.3           # x --timeout
# rows run at once when --jobs is not given, per core this process may use: with every row at once
# a 2-core machine spends half its CPU in the kernel switching between ~60 runnable processes and
# rows overrun their budget; 8 per core gave the shortest matrix there (docs/harness.md)
JOBS_PER_CORE = 8


class UsageError(Exception):
    """A usage or input error (exit 2), found before any server starts; the text names the option."""


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


def _seconds(minimum: float, strict: bool):
    def parse(text: str) -> float:
        try:
            v = float(text)
        except ValueError:
            v = math.nan
        if not math.isfinite(v) or v < minimum or (strict and v == minimum):
            raise argparse.ArgumentTypeError(
                f"must be a finite number of seconds {'>' if strict else '>='} {minimum:g}, not {text!r}")
        return v
    return parse


def _count(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, not {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, not {text!r}")
    return v


def parse_args(argv=None):
    """argparse exits 2 on a bad option or value, naming it (`argument --timeout: ...`)."""
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
    p.add_argument("--jobs", type=_count, default=None,
                   help=f"servers run at once (>= 1; default: {JOBS_PER_CORE} per core)")
    p.add_argument("--timeout", type=_seconds(0, strict=True), default=0.5,
                   help="seconds to wait for a response (> 0)")
    p.add_argument("--server-budget", type=_seconds(0, strict=False), default=None,
                   help=f"seconds one server may take for its cells; the rest are marked not run "
                        f"(default {BUDGET_BASE:g} + {BUDGET_PER_CELL:g} x timeout per cell; 0: no budget)")
    p.add_argument("--minimise-budget", type=_seconds(0, strict=False), default=10.0,
                   help="seconds for delta-debugging divergences (0: off)")
    p.add_argument("--promote", action="store_true",
                   help="also write minimised divergences into corpus/minimised/")
    p.add_argument("--gate", action="store_true",
                   help="exit 1 if a MUST failure reproduces (with --baseline: only new ones)")
    p.add_argument("--baseline", help="CI gate: fail only on MUST failures not in this baseline file")
    p.add_argument("--write-baseline", help="write the MUST failures of this run as a baseline file")
    p.add_argument("--require-all", action="store_true",
                   help="a server skipped because this machine lacks its setup is an infrastructure "
                        "failure (exit 3)")
    p.add_argument("--confirm", action="store_true",
                   help="re-run each failing cell once; keep the better verdict and note flaky cells")
    p.add_argument("--keep-rundir", action="store_true", help="keep the servers' run directories")
    p.add_argument("--chains-full", action="store_true",
                   help="a proxy's chain to the reference runs every case, not only corpus/chain "
                        "(about 500 cells more per proxy)")
    p.add_argument("--quiet", action="store_true")
    return p.parse_args(argv)


def _path_ok(path: str) -> bool:
    return path.startswith("/") and all(0x21 <= ord(ch) <= 0x7E for ch in path)


def validate(args) -> tuple[list, list[catalog.Adapter], dict[str, catalog.Adapter], dict | None]:
    """Everything that can be checked before a server starts: (cases, chosen adapters, all
    adapters, baseline). Raises UsageError naming the option."""
    if args.target and args.server_cmd:
        raise UsageError("--target and --server-cmd exclude each other")
    for opt, v in (("--ws-path", args.ws_path), ("--plain-path", args.plain_path)):
        if not _path_ok(v):
            raise UsageError(f"{opt} must be an absolute path of visible ASCII characters, not {v!r}")
    corpus = Path(args.corpus)
    if not corpus.is_dir():
        raise UsageError(f"--corpus {args.corpus}: not a directory")
    try:
        cases = cases_mod.select(cases_mod.load(corpus), args.case)
    except cases_mod.CorpusError as e:
        raise UsageError(f"--corpus/--case: {e}") from None
    if not cases:
        raise UsageError(f"--corpus {args.corpus}: no cases")
    if args.mode and not any(m in args.mode for c in cases for m in c.modes):
        raise UsageError(f"--mode {' '.join(args.mode)}: none of the selected cases runs in it")
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UsageError(f"--out {args.out}: {e.strerror or e}") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise UsageError(f"--out {args.out}: not writable")
    base = None
    if args.baseline:
        try:
            base = json.loads(Path(args.baseline).read_text())
        except OSError as e:
            raise UsageError(f"--baseline {args.baseline}: {e.strerror or e}") from None
        except ValueError as e:
            raise UsageError(f"--baseline {args.baseline}: not JSON ({e})") from None
        rows = base.get("must_failures") if isinstance(base, dict) else None
        if not isinstance(rows, list) or not all(
                isinstance(r, list) and len(r) == 3 and all(isinstance(x, str) for x in r) for r in rows):
            raise UsageError(f"--baseline {args.baseline}: must be {{\"must_failures\": "
                             f"[[server, case, mode], ...]}}")
    elif args.gate:
        base = {"must_failures": []}
    if args.write_baseline:
        parent = Path(args.write_baseline).resolve().parent
        if not parent.is_dir() or not os.access(parent, os.W_OK):
            raise UsageError(f"--write-baseline {args.write_baseline}: {parent} is not a writable directory")
    try:
        chosen, adapters = choose_adapters(args)
    except ValueError as e:
        raise UsageError(str(e)) from None
    return cases, chosen, adapters, base


def choose_adapters(args) -> tuple[list[catalog.Adapter], dict[str, catalog.Adapter]]:
    """The adapters of this run, the reference first. ValueError (a usage error) for an unknown
    server or a bad --target / --server-cmd."""
    adapters = catalog.load()
    if args.target:
        mine = [catalog.from_target(args.target, args.ws_path, args.plain_path)]
    elif args.server_cmd:
        mine = [catalog.from_command(args.server_cmd, args.ws_path, args.plain_path)]
    else:
        mine = []
    if args.server:
        unknown = [s for s in args.server if s not in adapters]
        if unknown:
            raise ValueError(f"--server: unknown server(s) {', '.join(unknown)}; known: "
                             f"{', '.join(sorted(adapters))}")
        mine += [adapters[s] for s in args.server if adapters[s] not in mine]
    elif not mine:
        mine = [a for a in adapters.values() if a.role != "backend"]
    if REFERENCE not in [a.name for a in mine]:
        mine.insert(0, adapters[REFERENCE])      # agreement is always against the reference
    mine.sort(key=lambda a: (a.name != REFERENCE, a.name))
    return mine, adapters


def budget_for(args, cells: int) -> float | None:
    """Seconds one server may take for `cells` cells (None: no budget)."""
    if args.server_budget is not None:
        return args.server_budget or None
    return BUDGET_BASE + BUDGET_PER_CELL * args.timeout * cells


def default_jobs(rows: int) -> int:
    """Rows run at once without --jobs: JOBS_PER_CORE for each core this process may use."""
    return max(1, min(rows, JOBS_PER_CORE * len(os.sched_getaffinity(0))))


def run_matrix(args, chosen, adapters, cases, progress, running) -> tuple[list, list[dict]]:
    """Start every server (up to `--jobs` at once), run its cells, keep it running for minimisation.
    Every Server is registered in `running` before it starts, so the caller can always stop it.
    A server row's status: "ran"; "skipped" (this machine lacks its setup: a binary or module
    not installed); "failed" (it did not start or did not answer; skip_reason says which)."""
    cells_by: dict[str, list] = {}
    rows: dict[str, dict] = {}
    modes = tuple(args.mode) or None
    per_server = sum(len([m for m in c.modes if not modes or m in modes]) for c in cases)
    budget = budget_for(args, per_server)

    def on_cell(_c):
        progress.step()
        if progress.stop.is_set():
            raise Aborted()       # the run was interrupted: this worker stops at its next cell

    def one(ad: catalog.Adapter):
        row = {"name": ad.name, "description": ad.description, "package": ad.package,
               "role": ad.role, "supports": list(ad.supports), "backend": ad.backend or None,
               "quirks": ad.quirks, "version": catalog.version(ad), "status": "ran",
               "skip_reason": None, "cells": 0, "seconds": 0.0, "cells_per_second": 0.0,
               "restarts": 0, "notes": [], "not_run": 0,
               "budget_seconds": round(budget, 1) if budget else None}
        rows[ad.name] = row
        why = catalog.unavailable(ad, adapters)
        if why:
            row.update(status="skipped", skip_reason=why)
            progress.say(f"{ad.name}: SKIPPED, this machine lacks its setup ({why})")
            return
        srv = servers.Server(ad, adapters, keep_rundir=args.keep_rundir)
        running.add(srv)
        try:
            srv.start()
        except servers.ServerError as e:
            if e.kind == "stopped":
                raise Aborted() from None
            lines = str(e).splitlines()
            log = next((x.strip() for x in reversed(lines[1:]) if x.strip()), "")
            row.update(status="failed", skip_reason=f"did not start: {lines[0]}"
                       + (f" (its log ends: {log[:200]})" if log else ""))
            progress.say(f"{ad.name}: FAILED ({row['skip_reason']})")
            return
        t = time.monotonic()
        cells = matrix.run_server(srv, chain.cases_for(ad, cases, args.chains_full), modes=modes, timeout=args.timeout, on_cell=on_cell,
                                  confirm=args.confirm, deadline=t + budget if budget else None)
        dt = time.monotonic() - t
        cells_by[ad.name] = cells
        if srv.budget_hit:
            srv.note(f"time budget of {budget:.0f}s used up after {dt:.1f}s")
        row.update(cells=len(cells), seconds=round(dt, 2),
                   cells_per_second=round(matrix.rate(cells, dt), 1), restarts=srv.restarts,
                   cases_per_second=round(len({c.case for c in cells}) / dt, 1) if dt else 0.0,
                   not_run=sum(1 for c in cells if c.event == matrix.NOT_RUN), notes=srv.notes)
        v = compare.RANK
        bad = sum(1 for c in cells if v[c.verdict.verdict] >= v[compare.FAIL])
        progress.say(f"{ad.name}: {len(cells)} cells in {dt:.1f}s ({row['cases_per_second']} cases/s), "
                     f"{bad} fail, {srv.restarts} restarts"
                     + (f", {row['not_run']} NOT RUN" if row["not_run"] else ""))

    jobs = args.jobs or default_jobs(len(chosen))
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
    time are flaky (reported by the gate, not counted), as CIFuzz counts only reproducible crashes.
    A server that is no longer running cannot re-run: its candidates count, and it is noted."""
    by_id = {c.id: c for c in cases}
    flaky = set()
    if len(candidates) > limit:          # no usable baseline: every failure is new, no re-runs
        return flaky
    for server, case_id, mode in sorted(candidates):
        srv = running.get(server)
        if srv is None:
            continue
        if not srv.alive():
            srv.note(f"not running for the gate's re-runs ({srv.exit_status() or 'gone'}): "
                     "its new MUST failures count unconfirmed")
            continue
        case = by_id[case_id]
        if case_id in srv.adapter.quirks.get("per_process", {}):
            flaky.add((server, case_id, mode))      # decided per process: a re-run cannot tell
            continue
        for _ in range(attempts):
            obs, _ = matrix.run_one(srv, case, mode)
            if compare.classify_for(case, obs, srv.adapter.supports, srv.adapter.role).verdict != compare.FAIL:
                flaky.add((server, case_id, mode))
                break
    return flaky


def outcome(args, doc: dict) -> dict:
    """The exit status of a finished run and why (report.json `outcome`)."""
    reasons = []
    for s in doc["servers"]:
        if s["status"] == "failed":
            reasons.append(f"{s['name']}: {s['skip_reason']}")
        elif s["status"] == "skipped" and args.require_all:
            reasons.append(f"{s['name']}: skipped ({s['skip_reason']}) and --require-all was given")
        elif s["status"] == "ran" and s.get("not_run"):
            why = "time budget used up" if any("time budget" in n for n in s["notes"]) else \
                "died and could not be restarted"
            reasons.append(f"{s['name']}: {why}: {s['not_run']} of {s['cells']} cells not run")
    if reasons:
        return {"exit_code": EXIT_INFRA, "meaning": MEANING[EXIT_INFRA], "reasons": reasons}
    gate = doc.get("gate")
    if gate is not None and not gate["passed"]:
        n = len(gate["new_must_failures"])
        what = f"{n} new MUST failure(s) against {args.baseline}" if args.baseline \
            else f"{n} MUST failure(s)"
        return {"exit_code": EXIT_GATE, "meaning": MEANING[EXIT_GATE], "reasons": [what]}
    skipped = [s["name"] for s in doc["servers"] if s["status"] == "skipped"]
    return {"exit_code": EXIT_OK, "meaning": MEANING[EXIT_OK]
            + (f" ({len(skipped)} skipped: this machine lacks their setup)" if skipped else ""),
            "reasons": [f"{n}: skipped" for n in skipped]}


def _say_previous(out: Path) -> str:
    ok, what = report.verify(out)
    if ok:
        return f"{out} still holds the previous report ({what})"
    if report.previous(out) is None and not any(
            (out / n).exists() for n in report.OUTPUTS):
        return f"{out} holds no report"
    return f"{out} is left as it was ({what})"


def main(argv=None) -> int:
    try:
        args = parse_args(argv)
    except SystemExit as e:              # argparse: usage error (2) or --help (0)
        return e.code if isinstance(e.code, int) else EXIT_USAGE
    t0 = time.monotonic()
    try:
        cases, chosen, adapters, base = validate(args)
    except UsageError as e:
        print(f"python3 -m harness.run: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    ref_missing = catalog.unavailable(adapters[REFERENCE], adapters)
    if ref_missing:
        print(f"python3 -m harness.run: the reference cannot run: {ref_missing} (run `make`)",
              file=sys.stderr)
        return EXIT_INFRA
    out = Path(args.out)
    total = sum(len([m for m in c.modes if not args.mode or m in args.mode]) for c in cases) * len(chosen)
    progress = Progress(total, args.quiet)
    progress.say(f"{len(cases)} cases x {len(chosen)} servers ({total} cells), out: {args.out}")

    # a signal raises KeyboardInterrupt, except while `hold` is set (stopping the servers, writing
    # the report): then it is remembered and acted on once that is done
    hold = {"on": False, "signal": None}

    def on_signal(signum, frame):
        if hold["on"]:
            hold["signal"] = hold["signal"] or signum
            return
        raise KeyboardInterrupt()
    old = {s: signal.signal(s, on_signal) for s in STOP_SIGNALS}
    try:
        return _run(args, argv, cases, chosen, adapters, base, out, progress, hold, t0)
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


def _run(args, argv, cases, chosen, adapters, base, out, progress, hold, t0) -> int:
    running = Running()
    tick = threading.Thread(target=progress.ticker, daemon=True)
    tick.start()
    interrupted = False
    flaky: set = set()
    try:
        cells, rows = run_matrix(args, chosen, adapters, cases, progress, running)
        cells = relations.resolve(cells, cases)
        matrix_seconds = time.monotonic() - t0
        progress.stop.set()
        meta = {"generated": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                "command": "python3 -m harness.run " + shlex.join(argv if argv is not None else sys.argv[1:]),
                "matrix_seconds": round(matrix_seconds, 2),
                "timeout_seconds": args.timeout}
        doc = results.document(cells, cases, rows, REFERENCE, meta)
        if base is not None:
            flaky = reproduce(results.new_must_failures(doc, base), cases, running)
        if args.minimise_budget > 0 and REFERENCE in running:
            dead = {n for n, srv in running.items() if not srv.alive()}
            minimise_all(doc, cases, running, out, budget=args.minimise_budget,
                         promote=args.promote, say=progress.say)
            for name, srv in running.items():
                if name not in dead and not srv.alive():
                    srv.note(f"died during minimisation ({srv.exit_status() or 'gone'}); "
                             "minimised cases it took part in after that are not trustworthy")
    except (KeyboardInterrupt, Aborted):
        interrupted = True
    finally:
        hold["on"] = True                  # the cleanup is not interrupted
        progress.stop.set()
        running.stop_all()
    if interrupted or hold["signal"]:
        print(f"interrupted: servers stopped; no report written; {_say_previous(out)}", file=sys.stderr)
        return EXIT_INTERRUPTED
    for row in doc["servers"]:            # notes made after the matrix (gate re-runs, minimisation)
        srv = running.get(row["name"])
        if srv is not None:
            row["notes"] = list(srv.notes)
    summary = doc["summary"]
    summary["servers_skipped"] = sum(1 for s in doc["servers"] if s["status"] == "skipped")
    summary["servers_failed"] = sum(1 for s in doc["servers"] if s["status"] == "failed")
    summary["cells_not_run"] = sum(s.get("not_run", 0) for s in doc["servers"])
    doc["wall_seconds"] = round(time.monotonic() - t0, 2)
    if base is not None:
        doc["gate"] = results.gate(doc, base, flaky) | {
            "baseline": args.baseline or "(none: with --gate alone every MUST failure counts)"}
    doc["outcome"] = outcome(args, doc)
    try:
        report.write_all(doc, out)
        if args.write_baseline:
            report.atomic_write(Path(args.write_baseline),
                                json.dumps(results.baseline_of(doc), indent=1) + "\n")
    finally:
        hold["on"] = False
    if not args.quiet:
        print(report.summary_table(doc))
        print(f"reports: {', '.join(str(out / n) for n in report.OUTPUTS)}")
    gate = doc.get("gate")
    if gate is not None:
        new = gate["new_must_failures"]
        against = f"against {args.baseline}" if args.baseline else "(no baseline: every one counts)"
        print(f"gate: {len(new)} new MUST failure(s) {against}; {len(gate['fixed'])} fixed; "
              f"{len(gate['flaky'])} did not reproduce (not counted)")
        for s, c, m in new[:50]:
            print(f"  NEW {s} {c} [{m}]")
    code = doc["outcome"]["exit_code"]
    if code != EXIT_OK:
        print(f"exit {code}: {doc['outcome']['meaning']}", file=sys.stderr)
        for r in doc["outcome"]["reasons"]:
            print(f"  - {r}", file=sys.stderr)
    if hold["signal"]:
        print(f"interrupted while the report was written: the new report in {out} was finished first",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    return code


if __name__ == "__main__":
    sys.exit(main())
