#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""seedless: how soon a target with no seeds at all reaches a status (issue 13).

  seedless.py [--root build] [--target fuzz_decide] [--status 101] [--seconds 1] [--runs 5]
              [--binaries fuzz_decide fuzz_decide_plain] [--json FILE]

Each run starts libFuzzer (the build's `fuzz-libfuzzer/<binary>`, with the target's .options and
.dict) on an empty corpus directory and no seed, for --seconds (and at most --max-runs
executions), with -seed=<run>. libFuzzer writes each input that adds coverage to the corpus as
it finds it, so afterwards every corpus file is decided by `<root>/sy-decide` (the reference's
own decision, default policy, as fuzz_decide's) and its modification time, less the time the
process was started, is when it was found. A run's time to the status is the earliest such
file; a run that has none did not reach it. Prints one line per run and the median; --json
writes them. Everything it starts it waits for (bounded by --seconds); nothing is left running.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from fuzzbase import env_with, libfuzzer_flags  # noqa: E402


def statuses(sy_decide: Path, files):
    """{path: status or None} from sy-decide's JSON lines, in batches."""
    out = {}
    for i in range(0, len(files), 200):
        batch = [str(f) for f in files[i:i + 200]]
        p = subprocess.run([str(sy_decide)] + batch, capture_output=True, text=True, timeout=120)
        for line in p.stdout.splitlines():
            d = json.loads(line)
            out[d["file"]] = d.get("status")
    return out


def one_run(binary: Path, target: str, sy_decide: Path, seconds: float, max_runs: int, seed: int,
            status: int):
    with tempfile.TemporaryDirectory(prefix="sy-seedless-") as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        cmd = [str(binary), f"-max_total_time={max(1, int(seconds))}", f"-runs={max_runs}",
               f"-seed={seed}", "-print_final_stats=1", f"-artifact_prefix={tmp}/"] \
            + libfuzzer_flags(target) + [str(corpus)]
        start = time.time()
        p = subprocess.run(cmd, capture_output=True, text=True, env=env_with(),
                           timeout=seconds * 10 + 60)
        elapsed = time.time() - start
        execs = next((int(x.split()[-1]) for x in p.stderr.splitlines()
                      if x.startswith("stat::number_of_executed_units")), None)
        files = sorted(corpus.iterdir())
        got = statuses(sy_decide, files)
        hits = sorted(os.stat(f).st_mtime - start for f in files if got.get(str(f)) == status)
        return {"seed": seed, "exit": p.returncode, "execs": execs, "elapsed_s": round(elapsed, 2),
                "corpus": len(files), "hits": len(hits),
                "first_s": round(hits[0], 3) if hits else None}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default="build")
    ap.add_argument("--target", default="fuzz_decide", help="for the .options and .dict")
    ap.add_argument("--binaries", nargs="+", help="default: the target")
    ap.add_argument("--status", type=int, default=101)
    ap.add_argument("--seconds", type=float, default=1)
    ap.add_argument("--max-runs", type=int, default=10_000_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--json")
    a = ap.parse_args()
    root = Path(a.root)
    sy_decide = root / "sy-decide"
    results = {}
    for b in a.binaries or [a.target]:
        rows = [one_run(root / "fuzz-libfuzzer" / b, a.target, sy_decide, a.seconds, a.max_runs,
                        seed, a.status) for seed in range(1, a.runs + 1)]
        for r in rows:
            print(f"seedless: {b} seed {r['seed']}: {r['execs']} execs in {r['elapsed_s']} s, "
                  f"corpus {r['corpus']}, {r['hits']} input(s) with {a.status}, first at "
                  f"{r['first_s'] if r['first_s'] is not None else '-'} s")
        firsts = [r["first_s"] for r in rows if r["first_s"] is not None]
        print(f"seedless: {b}: {len(firsts)}/{len(rows)} runs reached {a.status}; median first "
              f"{statistics.median(firsts) if firsts else '-'} s")
        results[b] = rows
    if a.json:
        Path(a.json).write_text(json.dumps({"status": a.status, "seconds": a.seconds,
                                            "results": results}, indent=1))
    return 0 if all(any(r["first_s"] is not None for r in rows) for rows in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
