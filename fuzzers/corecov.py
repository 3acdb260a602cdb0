#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""corecov: llvm-cov coverage of the reference core over a set of inputs (campaign.py coverage,
make fuzz-coverage, make fuzz-coverage-goal)."""
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from fuzzbase import CORE_FILES, FUZZERS, LLVM_COV, LLVM_PROFDATA, ROOT, env_with  # noqa: E402

def coverage(root: Path, targets, dirs_for, out: Path):
    """Runs each target's coverage build over its inputs; HTML + per-file table of the core."""
    prof = out / "profraw"
    shutil.rmtree(prof, ignore_errors=True)
    prof.mkdir(parents=True)
    bins, stopped = [], {}
    for t in targets:
        b = root / "fuzz-cov" / t
        dirs = [str(d) for d in dirs_for(t) if Path(d).exists()]
        if not b.exists() or not dirs:
            continue
        bins.append(str(b))
        stopped[t] = replay_for_coverage(b, dirs, prof / f"{t}.%p.profraw")
        for path in stopped[t]:
            print(f"coverage: warning: {t} stopped at {path} (a finding in this build: triage it, "
                  "e.g. `make fuzz-replay` and run the target on it); the other inputs still count",
                  file=sys.stderr)
    raws = sorted(str(p) for p in prof.glob("*.profraw"))
    if not raws:
        return None
    data = out / "coverage.profdata"
    subprocess.run([LLVM_PROFDATA, "merge", "-sparse", "-o", str(data)] + raws, check=True)
    objs = [bins[0]] + [x for b in bins[1:] for x in ("-object", b)]
    sources = [str(ROOT / "reference_server" / f) for f in CORE_FILES]
    html = out / "coverage-html"
    shutil.rmtree(html, ignore_errors=True)
    subprocess.run([LLVM_COV, "show"] + objs + [f"-instr-profile={data}", "-format=html",
                                                f"-output-dir={html}", "-show-branches=count",
                                                "-show-line-counts-or-regions"] + sources,
                   check=True, stdout=subprocess.DEVNULL)
    exp = subprocess.run([LLVM_COV, "export", "-summary-only"] + objs
                         + [f"-instr-profile={data}"] + sources,
                         check=True, capture_output=True).stdout
    rows = []
    tot = {"lines": [0, 0], "branches": [0, 0], "functions": [0, 0], "regions": [0, 0]}
    for f in json.loads(exp)["data"][0]["files"]:
        s = f["summary"]
        name = os.path.relpath(f["filename"], ROOT)
        row = {"file": name}
        for k in tot:
            row[k] = [s[k]["covered"], s[k]["count"]]
            tot[k][0] += s[k]["covered"]
            tot[k][1] += s[k]["count"]
        rows.append(row)
    shutil.rmtree(prof, ignore_errors=True)
    return {"files": sorted(rows, key=lambda r: r["file"]), "total": tot,
            "html": str(html / "index.html"), "binaries": [os.path.basename(b) for b in bins],
            "stopped_at": {t: v for t, v in stopped.items() if v}}


MAX_COVERAGE_RESUMES = 20


def replay_for_coverage(binary: Path, dirs, profile_pattern: Path):
    """Runs the coverage build over dirs. An input that aborts or crashes ends a run (its profile
    is written first, replay_main.c), so the run resumes after it (SY_REPLAY_AFTER); returns the
    inputs that stopped it."""
    stopped, after = [], ""
    for _ in range(MAX_COVERAGE_RESUMES + 1):
        p = subprocess.run([str(binary)] + dirs, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           env=env_with(LLVM_PROFILE_FILE=str(profile_pattern),
                                        ASAN_OPTIONS="detect_leaks=0", SY_REPLAY_AFTER=after),
                           timeout=1800)
        if p.returncode == 0:
            return stopped
        m = re.findall(r"^replay: failing input: (.*)$", p.stderr.decode(errors="replace"), re.M)
        if not m or m[-1] == after:
            stopped.append(f"(exit {p.returncode}, no input named)" if not m else m[-1])
            return stopped
        after = m[-1]
        stopped.append(after)
    return stopped


def pct(pair):
    return 100.0 * pair[0] / pair[1] if pair[1] else 100.0


def coverage_md(cov):
    lines = ["| file | lines | branches | functions |", "| --- | ---: | ---: | ---: |"]
    for r in cov["files"] + [dict(cov["total"], file="**total**")]:
        lines.append(f"| {r['file']} | {pct(r['lines']):.1f} % ({r['lines'][0]}/{r['lines'][1]}) "
                     f"| {pct(r['branches']):.1f} % ({r['branches'][0]}/{r['branches'][1]}) "
                     f"| {pct(r['functions']):.1f} % |")
    return "\n".join(lines)


def default_dirs(root: Path, corpus_dir: Path):
    def dirs_for(t):
        return [root / "fuzz-seeds" / t, corpus_dir / t, FUZZERS / "regressions" / t]
    return dirs_for


def coverage_verdict(cov, min_lines, min_branches):
    """With goals given: one line per goal, and 1 when one is missed (`make fuzz-coverage-goal`)."""
    missed = 0
    for what, goal in (("lines", min_lines), ("branches", min_branches)):
        if goal is None:
            continue
        got = pct(cov["total"][what])
        ok = got >= goal
        missed += not ok
        print(f"coverage goal: {what} {got:.1f} % {'>=' if ok else '<'} {goal:g} %: "
              f"{'met' if ok else 'NOT met'}")
    return 1 if missed else 0
