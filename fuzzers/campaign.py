#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""campaign: run the fuzz targets (short smoke runs, whole campaigns) and read what they found.

  campaign.py smoke    --build DIR --seeds DIR --work DIR [--seconds N] TARGET...   (make test)
  campaign.py run      --target T --engine libfuzzer|afl --duration S [--workers N] (make fuzz-campaign)
  campaign.py coverage [--target T]                                                 (make fuzz-coverage)
  campaign.py triage   --target T FILE|DIR...        dedup + minimise + repro for files found elsewhere

A campaign keeps its corpus per target across runs (--corpus-dir, default build/fuzz-corpus/<T>),
prints progress (one rewritten line on a terminal, a plain line every 10 s otherwise), stops by
itself after the duration, then deduplicates findings (by oracle rule, or by sanitizer kind and
stack), minimises one input per finding, writes each with a reproduction command, writes
summary.json and summary.md, and an llvm-cov HTML report of the reference core.
Only the standard library is used. Every process started here is stopped here, by its PID.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root: `import harness`
# The pieces live in their own modules; their names stay reachable as campaign.X (bench.py,
# campaign_selftest.py, bugbench.py and the tests use them).
from fuzzbase import (CORE_FILES, FUZZERS, LLVM_COV, LLVM_PROFDATA, PSEUDO_TARGETS,  # noqa: E402,F401
                      ROOT, SAN_ENV, STATUS_RE, all_targets, count_files, env_with,
                      last_status, libfuzzer_flags, options, stop)
from triage import (Reproducer, first_error_line, minimise, signature, slug,  # noqa: E402,F401
                    triage)
from corecov import (coverage, coverage_md, coverage_verdict, default_dirs, pct,  # noqa: E402,F401
                     replay_for_coverage)
from engines import run_afl, run_libfuzzer  # noqa: E402
from harness.progress import Progress  # noqa: E402
import plots  # noqa: E402


# ---------------------------------------------------------------------------------------------
# smoke: make test's short run of every target on its seeds

def cmd_smoke(a):
    failed = []
    work = Path(a.work)
    t0 = time.time()
    for t in a.targets:
        w = work / t
        shutil.rmtree(w, ignore_errors=True)
        (w / "corpus").mkdir(parents=True)
        log = w / "log.txt"
        cmd = [str(Path(a.build) / t), f"-max_total_time={a.seconds}", "-timeout=10",
               "-rss_limit_mb=2048", "-print_final_stats=1", "-seed=1",
               f"-artifact_prefix={w}/"] + libfuzzer_flags(t) + [str(w / "corpus"),
                                                                 str(Path(a.seeds) / t)]
        with open(log, "wb") as out:
            rc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, env=env_with(),
                                timeout=a.seconds * 10 + 60).returncode
        text = log.read_text(errors="replace")
        runs = re.search(r"stat::number_of_executed_units:\s*(\d+)", text)
        st = last_status(log)
        if rc != 0:
            arts = sorted(p for p in w.iterdir() if p.name.startswith(("crash-", "leak-", "timeout-",
                                                                       "oom-")))
            failed.append(t)
            print(f"test-fuzz: {t}: FINDING (exit {rc}); log {log}")
            for line in text.splitlines():
                if "SY-ORACLE" in line or "ERROR:" in line or "runtime error" in line:
                    print("   ", line)
            for p in arts:
                print(f"    input: {p}\n    repro: build/fuzz-replay/{t} {p}")
        else:
            print(f"test-fuzz: {t}: {runs.group(1) if runs else '?'} runs in {a.seconds} s, "
                  f"cov {st[1] if st else '?'}, corpus {count_files(w / 'corpus')}, no finding")
    print(f"test-fuzz: short runs took {time.time() - t0:.0f} s")
    return 1 if failed else 0


# ---------------------------------------------------------------------------------------------
# coverage, campaigns, triage of files found elsewhere

def cmd_coverage(a):
    root, corpus_dir = Path(a.root).resolve(), Path(a.corpus_dir).resolve()
    targets = [a.target] if a.target else all_targets()
    out = Path(a.out or root / "fuzz-coverage")
    out.mkdir(parents=True, exist_ok=True)
    cov = coverage(root, targets, default_dirs(root, corpus_dir), out)
    if cov is None:
        print("coverage: nothing to measure (run `make fuzz-cov fuzz-seeds` first)")
        return 1
    (out / "coverage.json").write_text(json.dumps(cov, indent=1))
    md = (f"# Coverage of the reference core\n\nTargets: {', '.join(cov['binaries'])}; inputs: "
          f"seeds + {corpus_dir}/<target> + fuzzers/regressions/<target>.\n\n{coverage_md(cov)}\n\n"
          f"HTML: {cov['html']}\n")
    for t, paths in cov["stopped_at"].items():
        md += f"\n{t} stopped at (findings in this build; the inputs after each still ran): {', '.join(paths)}\n"
    (out / "coverage.md").write_text(md)
    print(md)
    return coverage_verdict(cov, a.min_lines, a.min_branches)


# ---------------------------------------------------------------------------------------------
# campaigns

def cmd_run(a):
    root = Path(a.root).resolve()
    corpus_root = Path(a.corpus_dir).resolve()
    target_for_seeds = PSEUDO_TARGETS.get(a.target, a.target)
    corpus = corpus_root / a.target
    corpus.mkdir(parents=True, exist_ok=True)
    seeds = root / "fuzz-seeds" / target_for_seeds
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = Path(a.out).resolve() if a.out else root / "fuzz-campaigns" / f"{a.target}-{a.engine}-{stamp}"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    workers = a.workers or os.cpu_count() or 1
    corpus_before = count_files(corpus)
    progress = Progress()
    print(f"campaign: {a.target} with {a.engine}, {a.duration} s on {workers} worker(s); "
          f"corpus {corpus} ({corpus_before} files), seeds {seeds}; output {out}")
    t0 = time.time()
    if a.engine == "libfuzzer":
        if a.target == "refserver":
            sys.exit("campaign: refserver --stdin is an AFL++ target (ENGINE=afl)")
        stats, files = run_libfuzzer(a, root, out, corpus, seeds, workers, progress)
    else:
        stats, files = run_afl(a, root, out, corpus, seeds, workers, progress)
    elapsed = time.time() - t0
    print(f"campaign: fuzzing done in {elapsed:.0f} s; {len(files)} raw finding file(s); triage...")
    findings, unrepro, repro_runs = triage(root, a.target, files, out, a.minimise_seconds,
                                           a.engine)
    failing = stats.get("failing_seeds") or []
    seed_shas = {f["sha1"] for f in failing}
    for f in findings:  # which findings a seed showed (the seed is named in failing_seeds)
        f["from_seeds"] = sum(1 for p in f["inputs"] if sha_in_name(p, seed_shas))
    cov = None
    if not a.no_coverage:
        print("campaign: coverage of the reference core (llvm-cov)...")
        cov = coverage(root, [target_for_seeds],
                       lambda t: [seeds, corpus, FUZZERS / "regressions" / t], out)
    summary = {
        "target": a.target, "engine": a.engine, "duration_s": a.duration, "workers": workers,
        "started": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(t0)),
        "elapsed_s": round(elapsed, 1),
        "execs": stats.get("execs"),
        "exec_per_s": round(stats["execs"] / elapsed) if stats.get("execs") else None,
        "engine_stats": stats,
        "corpus": {"dir": str(corpus), "before": corpus_before, "after": count_files(corpus)},
        "findings": findings, "failing_seeds": failing, "unreproduced": unrepro,
        "triage_runs": repro_runs,
        "coverage": cov, "output": str(out),
    }
    summary["timeline"] = stats.pop("timeline", [])
    summary["coverage_plot"] = coverage_plot(summary, out)
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    (out / "summary.md").write_text(summary_md(summary))
    print(summary_md(summary))
    if a.fail_on_findings and findings:
        return 1
    return 0


def coverage_plot(s, out: Path):
    """coverage-over-time.png from the engine's own counts (libFuzzer cov, AFL++ edges_found)
    against executions on the right axis."""
    tl = s["timeline"]
    if not tl:
        return None
    unit = "libFuzzer cov" if s["engine"] == "libfuzzer" else "AFL++ edges"
    return plots.lines(out / "coverage-over-time.png",
                       f"{s['target']} ({s['engine']}, {s['workers']} worker(s)): coverage over time",
                       "seconds", unit, {unit: [(p["t"], p["coverage"]) for p in tl]},
                       y2={"executions": [(p["t"], p["execs"]) for p in tl]}, y2label="executions")


def timeline_md(tl, points=8):
    """A few rows of the coverage-over-time series: evenly spaced in time, and the last."""
    if not tl:
        return []
    end = tl[-1]["t"] or 1
    picked, want = [], [end * k / points for k in range(1, points + 1)]
    for w in want:
        p = next((x for x in tl if x["t"] >= w), tl[-1])
        if not picked or picked[-1] is not p:
            picked.append(p)
    rows = ["| seconds | executions | coverage | corpus |", "| ---: | ---: | ---: | ---: |"]
    rows += [f"| {p['t']:g} | {p['execs']:,} | {p['coverage']} | {p.get('corpus', '')} |"
             for p in picked]
    return rows


def sha_in_name(path, shas):
    """A finding input named after one of these SHA-1s (libFuzzer's crash-<sha1>, AFL++'s
    orig:<sha1>, failing-seeds/<sha1>)."""
    name = Path(path).name
    return any(h in name for h in shas) or Path(path).parent.name == "failing-seeds"


def summary_md(s):
    lines = [f"# Fuzz campaign: {s['target']} ({s['engine']})", "",
             f"- started {s['started']}, {s['elapsed_s']} s on {s['workers']} worker(s)",
             f"- {s['execs'] or 0:,} executions, {s['exec_per_s'] or 0:,} exec/s overall",
             f"- engine: {json.dumps(s['engine_stats'])}",
             f"- corpus {s['corpus']['dir']}: {s['corpus']['before']} -> {s['corpus']['after']} "
             "files", ""]
    if s.get("timeline"):
        lines += ["## Coverage over time", "",
                  "From the engine's own counts, sampled while it ran "
                  + ("(libFuzzer `cov`, every second)" if s["engine"] == "libfuzzer"
                     else "(AFL++ `edges_found` in each instance's plot_data)") + ":", ""]
        lines += timeline_md(s["timeline"]) + [""]
        if s.get("coverage_plot"):
            lines += [f"![coverage over time]({Path(s['coverage_plot']).name})", ""]
    lines.append(f"## Findings: {len(s['findings'])} distinct")
    lines.append("")
    if s["findings"]:
        lines += ["| finding | rule / RFC | inputs (from seeds) | minimised | reproduce |",
                  "| --- | --- | ---: | ---: | --- |"]
        for f in s["findings"]:
            rule = f"{f['rule']} ({f['rfc']})" if f["rule"] else f["message"][:80]
            lines.append(f"| `{f['id']}` | {rule} | {f['count']} ({f.get('from_seeds', 0)}) | "
                         f"{f['size']} B (from {f['original_size']}) | `{f['repro']}` |")
        lines.append("")
        for f in s["findings"]:
            lines.append(f"- `{f['id']}`: {f['message']}")
    else:
        lines.append("None.")
    if s.get("failing_seeds"):
        lines += ["", f"## Seeds that fail: {len(s['failing_seeds'])}, dropped for this run", "",
                  "Each is also a finding above (`from seeds`); the campaign went on without it.",
                  ""]
        lines += [f"- `{f['name']}` ({f['from']}, SHA-1 {f['sha1'][:12]}): {f['engine_said']}"
                  for f in s["failing_seeds"]]
    if s["unreproduced"]:
        lines += ["", f"{len(s['unreproduced'])} file(s) did not reproduce in the replay build "
                  "(flaky, timeouts or engine-only): " + ", ".join(s["unreproduced"][:10])]
    if s["coverage"]:
        lines += ["", "## Coverage of the reference core (seeds + kept corpus)", "",
                  coverage_md(s["coverage"]), "", f"HTML: {s['coverage']['html']}"]
    return "\n".join(lines) + "\n"


def cmd_triage(a):
    root = Path(a.root).resolve()
    files = []
    for p in a.files:
        p = Path(p)
        files += sorted(x for x in p.rglob("*") if x.is_file()) if p.is_dir() else [p]
    out = Path(a.out or root / "fuzz-triage" / a.target)
    out.mkdir(parents=True, exist_ok=True)
    findings, unrepro, _ = triage(root, a.target, files, out, a.minimise_seconds)
    print(json.dumps({"findings": findings, "unreproduced": unrepro}, indent=1))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("smoke")
    s.add_argument("--build", required=True)
    s.add_argument("--seeds", required=True)
    s.add_argument("--work", required=True)
    s.add_argument("--seconds", type=int, default=4)
    s.add_argument("targets", nargs="+")
    r = sub.add_parser("run")
    r.add_argument("--target", required=True)
    r.add_argument("--engine", choices=("libfuzzer", "afl"), default="libfuzzer")
    r.add_argument("--duration", type=int, default=300, help="seconds")
    r.add_argument("--workers", type=int, default=0, help="default: every core")
    r.add_argument("--root", default="build")
    r.add_argument("--corpus-dir", default="build/fuzz-corpus")
    r.add_argument("--out", help="default: <root>/fuzz-campaigns/<target>-<engine>-<time>")
    r.add_argument("--minimise-seconds", type=float, default=60)
    r.add_argument("--no-coverage", action="store_true")
    r.add_argument("--no-custom-mutator", action="store_true", help="AFL++: plain havoc only")
    r.add_argument("--fail-on-findings", action="store_true")
    r.add_argument("extra", nargs="*", help="more engine flags, after --")
    c = sub.add_parser("coverage")
    c.add_argument("--root", default="build")
    c.add_argument("--corpus-dir", default="build/fuzz-corpus")
    c.add_argument("--target")
    c.add_argument("--out")
    c.add_argument("--min-lines", type=float, help="exit 1 below this % of the core's lines")
    c.add_argument("--min-branches", type=float, help="exit 1 below this % of its branches")
    t = sub.add_parser("triage")
    t.add_argument("--target", required=True)
    t.add_argument("--root", default="build")
    t.add_argument("--out")
    t.add_argument("--minimise-seconds", type=float, default=60)
    t.add_argument("files", nargs="+")
    a = ap.parse_args()
    os.chdir(ROOT)
    return {"smoke": cmd_smoke, "run": cmd_run, "coverage": cmd_coverage,
            "triage": cmd_triage}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
