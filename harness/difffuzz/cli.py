"""`python3 -m harness.difffuzz run|bench|repro|merge` (make diff-fuzz, docs/difffuzz.md).

Owns the process lifetimes of a campaign: every server is started as a child (harness/servers.py,
the report's adapters), kept in the report's registry (run.Running), and stopped by PID in one
`finally`, on success, an
exception, Ctrl-C, SIGTERM or SIGHUP. A signal stops the loop; the campaign directory is then
written with what was found (untriaged) and marked interrupted. Exit: 0 done; 2 usage; 3 no
server under test could start; 130 interrupted.
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import datetime
import json
import math
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .. import cases as cases_mod
from .. import catalog, compare, run, servers
from . import campaign, oracle, output, shard, triage

EXIT_OK, EXIT_USAGE, EXIT_INFRA, EXIT_INTERRUPTED = 0, 2, 3, 130
SIGNALS = run.STOP_SIGNALS
PROGRESS_EVERY = 5.0
PROGRESS_SERVERS = 6        # servers named on the progress line (most findings first)


class Usage(Exception):
    pass


def _positive(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        v = math.nan
    if not math.isfinite(v) or v <= 0:
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, not {text!r}")
    return v


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--server", action="append", default=[], help="adapter name (repeatable; default: all)")
    p.add_argument("--adapters", default=str(catalog.ADAPTERS), help="folder of adapter .toml files")
    p.add_argument("--timeout", type=_positive, default=1.0, help="seconds for a complete first answer")
    p.add_argument("--tail-timeout", type=_positive, default=0.5,
                   help="seconds for the tail's answer or an announced close")


def parse_args(argv):
    p = argparse.ArgumentParser(prog="python3 -m harness.difffuzz", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="a campaign")
    _common(r)
    r.add_argument("--duration", type=_positive, default=300.0, help="seconds of fuzzing")
    r.add_argument("--seed", type=int, default=1)
    r.add_argument("--shard", default="1/1", help="K/N: this shard's servers and seeds")
    r.add_argument("--corpus", default=str(cases_mod.CORPUS), help="seed corpus (docs/corpus.md)")
    r.add_argument("--out", default="reports/difffuzz")
    r.add_argument("--max-inputs", type=int, default=None, help="stop after this many inputs")
    r.add_argument("--max-restarts", type=int, default=campaign.MAX_RESTARTS,
                   help="restarts of one server after a crash or hang; then its cells are skipped")
    r.add_argument("--triage-budget", type=float, default=None,
                   help="seconds for minimising and confirming (default: duration/4, 60-600)")
    r.add_argument("--promote", action="store_true", help="write confirmed findings into CORPUS_OUT/found/")
    r.add_argument("--corpus-out", default=str(cases_mod.CORPUS), help="where --promote writes")
    r.add_argument("--known", default=None,
                   help="a report.json: its (server, rule) Fail groups are triaged last and marked")
    r.add_argument("--quiet", action="store_true")
    b = sub.add_parser("bench", help="exchanges/s of the loop, then the report's cells/s")
    _common(b)
    b.add_argument("--seconds", type=_positive, default=60.0)
    b.add_argument("--out", default="reports/difffuzz-bench")
    b.add_argument("--seed", type=int, default=1)
    x = sub.add_parser("repro", help="send one request to one server and judge it")
    _common(x)
    x.add_argument("--rule", required=True)
    x.add_argument("--request-b64", required=True)
    m = sub.add_parser("merge", help="merge campaign directories")
    m.add_argument("out")
    m.add_argument("dirs", nargs="+")
    return p.parse_args(argv)


def choose(args) -> tuple[list[catalog.Adapter], dict]:
    try:
        adapters = catalog.load(Path(args.adapters))
    except (OSError, ValueError) as e:
        raise Usage(f"--adapters {args.adapters}: {e}") from None
    unknown = [s for s in args.server if s not in adapters]
    if unknown:
        raise Usage(f"--server: unknown server(s) {', '.join(unknown)}; known: {', '.join(sorted(adapters))}")
    named = [adapters[s] for s in args.server]
    # every row of the report but the bare backends; a chain to the sentinel included: its lane
    # reads the sentinel's log around each exchange (campaign.Lane) and the chain rules judge it
    chosen = named or [a for a in adapters.values() if a.role != "backend"]
    return sorted(chosen, key=lambda a: a.name), adapters


def start_all(chosen, adapters, started: run.Running, say) -> tuple[list[servers.Server], dict]:
    """Start every server (in parallel); each is in `started` before it starts, so the caller can
    always stop it (started.stop_all()). Returns the running ones and {name: why} for the others."""
    failed: dict[str, str] = {}

    def one(ad):
        why = catalog.unavailable(ad, adapters)
        if why:
            failed[ad.name] = f"skipped: {why}"
            return None
        srv = servers.Server(ad, adapters)
        started.add(srv)
        try:
            srv.start()
            return srv
        except servers.ServerError as e:
            failed[ad.name] = f"did not start: {str(e).splitlines()[0]}"
            return None

    with ThreadPoolExecutor(max_workers=max(1, min(8, len(chosen)))) as pool:
        running = [s for s in pool.map(one, chosen) if s is not None]
    for name, why in sorted(failed.items()):
        say(f"{name}: {why}")
    return running, failed


def progress_line(c: campaign.Campaign) -> str:
    st = c.stats
    by: dict[str, set] = {}
    for (srv, rule, _), _r in c.found.items():
        by.setdefault(srv, set()).add(rule)
    top = sorted(by.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    found = ", ".join(f"{s} {len(r)}" for s, r in top[:PROGRESS_SERVERS])
    more = f" (+{len(top) - PROGRESS_SERVERS} servers)" if len(top) > PROGRESS_SERVERS else ""
    rate = st.exchanges / st.elapsed() if st.elapsed() > 0 else 0.0
    return (f"[{st.elapsed():6.0f}s] inputs {st.inputs}  exchanges {st.exchanges} ({rate:.0f}/s)  "
            f"corpus {len(c.corpus)}  findings: {sum(len(r) for r in by.values())} (server, rule) "
            f"on {len(by)} servers{': ' + found + more if found else ''}")


def _loop(c: campaign.Campaign, quiet: bool) -> bool:
    """Run the campaign's loop; True when a signal stopped it."""
    hit = []

    async def main():
        loop = asyncio.get_running_loop()
        for s in SIGNALS:
            loop.add_signal_handler(s, lambda s=s: (hit.append(s), c.stop.set()))
        try:
            await c.run(None if quiet else lambda cc: print(progress_line(cc), flush=True),
                        PROGRESS_EVERY)
        finally:
            for s in SIGNALS:
                loop.remove_signal_handler(s)
    asyncio.run(main())
    return bool(hit)


def document(c: campaign.Campaign, args, findings, untriaged, failed, interrupted, started_at) -> dict:
    st = c.stats
    el = st.elapsed()
    lanes = {ln.name: ln for ln in c.lanes}
    rows = [{"name": ln.name, "exchanges": ln.exchanges, "skipped": ln.skipped, "errors": ln.errors,
             "restarts": ln.server.restarts, "dead": ln.dead, "events": ln.events}
            for ln in lanes.values()]
    rows += [{"name": n, "exchanges": 0, "skipped": 0, "errors": 0, "restarts": 0, "dead": why,
              "events": []} for n, why in failed.items()]
    raw = [{"server": r.server, "rule": r.rule, "reason": r.reason, "kind": r.kind, "count": r.count,
            "first_at": r.first_at, "request_b64": base64.b64encode(r.examples[0][0]).decode(),
            "detail": r.examples[0][1]} for r in c.found.values()]
    meta = {"started": started_at, "command": "python3 -m harness.difffuzz " + " ".join(sys.argv[1:]),
            "seed": args.seed, "shard": args.shard, "duration": args.duration,
            "elapsed_seconds": round(el, 1), "inputs": st.inputs, "undecided": st.undecided,
            "core_errors": st.core_errors, "core_error": st.core_error,
            "exchanges": st.exchanges, "split_exchanges": st.split,
            "exchanges_per_second": round(st.exchanges / el, 1) if el else 0.0,
            "corpus": len(c.corpus), "corpus_seeds": c.corpus.seeds, "rss_kb": st.rss_kb,
            "untriaged": untriaged, "interrupted": interrupted,
            "timeout": args.timeout, "tail_timeout": args.tail_timeout}
    return {"schema": output.SCHEMA, "meta": meta, "servers": sorted(rows, key=lambda r: r["name"]),
            "findings": [output.finding_row(f) for f in findings], "raw": raw}


def load_seeds(corpus: Path, say) -> list[tuple[str, bytes]]:
    """Every case of the corpus as a seed, topic by topic: a topic the loader refuses (its error
    names the file and field) is left out with a warning, the others still seed the campaign."""
    if not corpus.is_dir():
        raise Usage(f"--corpus {corpus}: not a directory")
    seeds = []
    for folder in sorted(p for p in corpus.iterdir() if p.is_dir()):
        try:
            seeds += [(c.id, c.raw) for c in cases_mod.load_topic(folder)]
        except cases_mod.CorpusError as e:
            say(f"warning: seeds of {folder} left out: {e}")
    if not seeds:
        raise Usage(f"--corpus {corpus}: no cases")
    return seeds


def known_pairs(path: str | None) -> frozenset:
    """(server, rule) of every Fail or SECURITY finding of a report's cells: a cell's headline
    rule (what findings.md groups by) and every other rule the cell broke at those levels."""
    if not path:
        return frozenset()
    try:
        doc = json.loads(Path(path).read_text())
        return frozenset(
            {(r["server"], r["rule"]) for r in doc["results"] if r["verdict"] == compare.FAIL}
            | {(r["server"], f["rule"]) for r in doc["results"] for f in r.get("findings") or ()
               if f["verdict"] in oracle.FINDING_VERDICTS})
    except OSError as e:
        raise Usage(f"--known {path}: {e.strerror or e}") from None
    except (ValueError, KeyError, TypeError) as e:
        raise Usage(f"--known {path}: not a report.json ({e})") from None


def cmd_run(args) -> int:
    say = (lambda s: None) if args.quiet else (lambda s: print(s, flush=True))
    try:
        k, n = shard.parse(args.shard)
        known = known_pairs(getattr(args, "known", None))
        chosen, adapters = choose(args)
        seeds = load_seeds(Path(args.corpus), say)
    except (ValueError, Usage, cases_mod.CorpusError) as e:
        print(f"python3 -m harness.difffuzz run: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    names, seeds = shard.select([a.name for a in chosen], seeds, k, n)
    chosen = [a for a in chosen if a.name in names]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    started = run.Running()
    started_at = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    interrupted = False
    old = {s: signal.signal(s, signal.default_int_handler) for s in SIGNALS}
    try:
        say(f"starting {len(chosen)} servers (shard {k}/{n}) ...")
        running, failed = start_all(chosen, adapters, started, say)
        if not running:
            print("no server under test started", file=sys.stderr)
            return EXIT_INFRA
        opts = campaign.Options(duration=args.duration, seed=shard.mix_seed(args.seed, k, n),
                                timeout=args.timeout, tail_timeout=args.tail_timeout,
                                max_inputs=args.max_inputs, max_restarts=args.max_restarts)
        c = campaign.Campaign([campaign.Lane(s) for s in running], seeds, opts, say)
        say(f"{len(running)} servers, {c.corpus.seeds} seeds, {args.duration:g}s; out: {out}")
        findings, untriaged = [], len(c.found)
        interrupted = _loop(c, args.quiet)
        say(progress_line(c))
        if not interrupted and c.found:
            budget = args.triage_budget if args.triage_budget is not None else \
                min(600.0, max(60.0, args.duration / 4))
            findings, untriaged = triage.triage_all(
                list(c.found.values()), {s.adapter.name: s for s in running}, budget=budget,
                timeout=args.timeout, tail_timeout=args.tail_timeout, known=known, say=say)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        started.stop_all()
    if "c" not in locals():
        return EXIT_INTERRUPTED
    doc = document(c, args, findings, untriaged, failed, interrupted, started_at)
    if known:
        doc["meta"]["known_from"] = args.known
        for f in doc["findings"]:
            f["in_report"] = (f["server"], f["rule"]) in known
    output.write(out, doc, c.corpus.entries[c.corpus.seeds:])
    if args.promote and not interrupted:
        for p in output.promote(doc, Path(args.corpus_out)):
            say(f"promoted: {p}")
    m = doc["meta"]
    say(f"done: {m['exchanges']} exchanges in {m['elapsed_seconds']}s ({m['exchanges_per_second']}/s), "
        f"{sum(f['confirmed'] for f in doc['findings'])} confirmed findings; {out}/summary.md")
    return EXIT_INTERRUPTED if interrupted else EXIT_OK


def cmd_repro(args) -> int:
    try:
        chosen, adapters = choose(args)
        raw = base64.b64decode(args.request_b64, validate=True)
    except (Usage, ValueError) as e:
        print(f"python3 -m harness.difffuzz repro: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    if len(args.server) != 1:
        print("python3 -m harness.difffuzz repro: error: --server names exactly one server", file=sys.stderr)
        return EXIT_USAGE
    if oracle.case_for(raw) is None:
        print("python3 -m harness.difffuzz repro: error: the reference core does not decide this "
              "request (incomplete)", file=sys.stderr)
        return EXIT_USAGE
    started = run.Running()
    try:
        running, failed = start_all(chosen, adapters, started, print)
        if not running:
            return EXIT_INFRA
        srv = running[0]
        hit, obs, j = triage.check(srv, raw, args.rule, args.timeout, args.tail_timeout)
    finally:
        started.stop_all()
    print(f"{srv.adapter.name}: {obs.decision} {obs.status or ''}; verdict {j.verdict.verdict} "
          f"({j.verdict.rule}: {j.verdict.detail})")
    print("response:", obs.raw[:600])
    for conn in obs.backend or ():
        print(f"backend connection {conn.id} received:", conn.data[:600])
    print(f"{args.rule}: {'REPRODUCED' if hit else 'not reproduced'}")
    return 1 if hit else 0


def cmd_bench(args) -> int:
    """The loop's exchanges/s over the chosen servers, then `make report`'s cells/s on the same
    servers right after it (harness.run, the report's own code)."""
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    fuzz_out = out / "campaign"
    ns = argparse.Namespace(**vars(args), duration=args.seconds, shard="1/1", corpus=str(cases_mod.CORPUS),
                            max_inputs=None, max_restarts=campaign.MAX_RESTARTS, triage_budget=1.0, promote=False,
                            corpus_out=str(cases_mod.CORPUS), quiet=False)
    ns.out = str(fuzz_out)
    t0 = time.monotonic()
    rc = cmd_run(ns)
    if rc != EXIT_OK:
        return rc
    fz_doc = json.loads((fuzz_out / "summary.json").read_text())
    fz = fz_doc["meta"]
    t1 = time.monotonic()
    rep_out = out / "report"           # kept: its Fail groups are what the report flags
    argv = [sys.executable, "-m", "harness.run", "--out", str(rep_out), "--minimise-budget", "0",
            "--quiet"] + [a for s in args.server for a in ("--server", s)]
    subprocess.run(argv, check=False)
    rep = json.loads((rep_out / "report.json").read_text())
    cells = len(rep["results"])
    secs = rep.get("meta", {}).get("matrix_seconds") or rep.get("wall_seconds")
    res = {"fuzz": {"exchanges": fz["exchanges"], "seconds": fz["elapsed_seconds"],
                    "exchanges_per_second": fz["exchanges_per_second"],
                    "servers": len(fz_doc["servers"])},
           "report": {"cells": cells, "matrix_seconds": secs, "wall_seconds": rep.get("wall_seconds"),
                      "cells_per_second": round(cells / secs, 1) if secs else None},
           "fuzz_started_s": 0.0, "report_started_s": round(t1 - t0, 1)}
    res["ratio"] = round(res["fuzz"]["exchanges_per_second"] / res["report"]["cells_per_second"], 2) \
        if res["report"]["cells_per_second"] else None
    output.atomic_write(out / "bench.json", json.dumps(res, indent=1) + "\n")
    print(json.dumps(res, indent=1))
    return EXIT_OK


def cmd_merge(args) -> int:
    try:
        doc = shard.merge([Path(d) for d in args.dirs])
    except ValueError as e:
        print(f"python3 -m harness.difffuzz merge: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    output.write(Path(args.out), doc)
    print(f"merged {len(args.dirs)} campaigns: {len(doc['findings'])} findings -> {args.out}/summary.md")
    return EXIT_OK


def main(argv=None) -> int:
    try:
        args = parse_args(argv)
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else EXIT_USAGE
    return {"run": cmd_run, "repro": cmd_repro, "bench": cmd_bench, "merge": cmd_merge}[args.cmd](args)
