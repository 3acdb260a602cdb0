#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""bench: throughput of the fuzz targets, and the custom mutator against plain mutation.

  bench.py exec     [--seconds 10] [--runs 3] [--targets ...]     (make bench-fuzz)
  bench.py mutators [--seconds 60] [--runs 3] [--target T ...]    (make fuzz-mutator-compare)

exec: every target, the bare llhttp parse target (bench/fuzz_llhttp.c) and the core's own path
without oracles (bench/fuzz_core.c), built the same way,
run one after another under libFuzzer with the same flags for the same time, with and without
ASan+UBSan; the request targets and fuzz_llhttp get the same seeds (fuzz_decide's), dictionary and
max_len. Reports stat::average_exec_per_sec (median of the runs) and the ratio to fuzz_llhttp.
Then the same inputs (fuzz_decide's seeds and kept corpus) through the request targets and the
floors without libFuzzer's driver (their timed/ twins, replay_main.c's SY_REPLAY_SECONDS): ns per
input, so that each target's own cost is compared on identical inputs.

mutators: <T> (custom mutator) against <T>_plain (the same objects without mutator.o), both from
a fresh copy of T's seeds, same seed number per run, one process each, same time; then the core
coverage (llvm-cov lines and branches of reference_server/*.c) of seeds + what each run kept.
Results go to build/fuzz-bench/*.md and *.json.
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import campaign  # noqa: E402  (shared helpers: options, coverage, env)

ROOT = campaign.ROOT
REQUEST_TARGETS = ("fuzz_decide", "fuzz_stream", "fuzz_render")


def run_libfuzzer(binary: Path, seconds: int, work: Path, seeds: Path, flags, seed=1, env=None):
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    arts = work.parent.parent / "artifacts" / work.name  # kept: findings are worth keeping
    arts.mkdir(parents=True, exist_ok=True)
    # crash files must not land in the corpus (the coverage replay would stop on them)
    cmd = [str(binary), f"-max_total_time={seconds}", "-print_final_stats=1", f"-seed={seed}",
           "-timeout=10", f"-artifact_prefix={arts}/"] + flags + [str(work), str(seeds)]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       env=env or campaign.env_with(), timeout=seconds * 4 + 60)
    out = p.stdout.decode(errors="replace")
    stats = {k: int(v) for k, v in re.findall(r"stat::(\w+):\s*(\d+)", out)}
    m = None
    for m in campaign.STATUS_RE.finditer(out):
        pass
    if m:
        stats["cov"] = int(m.group(3))
        stats["ft"] = int(m.group(4))
    stats["exit"] = p.returncode
    if p.returncode != 0:
        for line in out.splitlines():
            if "SY-ORACLE" in line or "ERROR" in line:
                stats["finding"] = line.strip()[:200]
                break
    return stats


def load_avg():
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


def cmd_exec(a):
    root = Path(a.root).resolve()
    out = root / "fuzz-bench"
    out.mkdir(parents=True, exist_ok=True)
    targets = a.targets or campaign.all_targets()
    names = ["fuzz_llhttp", "fuzz_core"] + [t for t in targets if t not in ("fuzz_llhttp",
                                                                              "fuzz_core")]
    # fuzz_llhttp mutates bytes only: `<target>_plain` (the same target without the custom
    # mutator, which makes larger inputs) is the like-for-like comparison.
    names += [f"{t}_plain" for t in REQUEST_TARGETS if t in names]
    results = {}
    req_flags = [f"-max_len={campaign.options('fuzz_decide').get('max_len', 16384)}",
                 f"-dict={campaign.FUZZERS / 'fuzz_decide.dict'}"]
    for flavour, label in (("fuzz-nosan", "no sanitizer"), ("fuzz-libfuzzer", "ASan+UBSan")):
        for t in names:
            same = t in ("fuzz_llhttp", "fuzz_core") or t.removesuffix("_plain") in REQUEST_TARGETS
            seeds = root / "fuzz-seeds" / ("fuzz_decide" if same else t)
            flags = req_flags if same else campaign.libfuzzer_flags(t)
            runs = []
            for r in range(a.runs):
                st = run_libfuzzer(root / flavour / t, a.seconds, out / "work" / t, seeds, flags,
                                   seed=r + 1)
                runs.append(st.get("average_exec_per_sec", 0))
                print(f"bench: {label:13} {t:15} run {r + 1}: {runs[-1]:>9,} exec/s"
                      + (f"  (stopped: {st['finding']})" if "finding" in st else ""), flush=True)
            results.setdefault(label, {})[t] = {"runs": runs, "median": statistics.median(runs),
                                                "same_inputs_as_llhttp": same}
    shutil.rmtree(out / "work", ignore_errors=True)
    lines = [f"# exec/s of the fuzz targets against the bare llhttp parse\n",
             f"libFuzzer `stat::average_exec_per_sec`, median of {a.runs} run(s) of {a.seconds} s, "
             f"one process at a time, clang-14 `-O1 -g`; load average at the end "
             f"{load_avg():.2f}. `same` = fuzz_decide's seeds, dictionary and max_len, like "
             "fuzz_llhttp. fuzz_llhttp and fuzz_core mutate bytes only (libFuzzer's own "
             "mutations), like the `_plain` rows; the other request rows use the custom "
             "mutator, whose inputs are larger.\n",
             "| target | inputs | no sanitizer | ratio | ASan+UBSan | ratio |",
             "| --- | --- | ---: | ---: | ---: | ---: |"]
    base = {lab: results[lab]["fuzz_llhttp"]["median"] for lab in results}
    for t in names:
        row = [t, "same" if results["no sanitizer"][t]["same_inputs_as_llhttp"] else "own seeds"]
        for lab in ("no sanitizer", "ASan+UBSan"):
            med = results[lab][t]["median"]
            row += [f"{med:,.0f}", f"{med / base[lab]:.3f}" if base[lab] else "-"]
        lines.append("| " + " | ".join(row) + " |")
    lines.append("\nRuns: " + "; ".join(f"{lab} {t} {results[lab][t]['runs']}"
                                        for lab in results for t in names))
    cost = same_inputs_cost(root, a, lines)
    md = "\n".join(lines) + "\n"
    (out / "exec.md").write_text(md)
    (out / "exec.json").write_text(json.dumps({"exec_per_s": results, "ns_per_input": cost},
                                              indent=1))
    print(md)
    return 0


def same_inputs_cost(root: Path, a, lines):
    """The request targets and the floors over the very same inputs (fuzz_decide's seeds and
    kept corpus), through their `timed/` twins: ns per input, without libFuzzer's own per-input
    work and whatever corpus each target would have grown. Appends a table to `lines`."""
    inputs = [root / "fuzz-seeds" / "fuzz_decide", Path(a.corpus_dir) / "fuzz_decide"]
    inputs = [str(d) for d in inputs if d.is_dir()]
    names = [t for t in ("fuzz_llhttp", "fuzz_core") + REQUEST_TARGETS
             if not a.targets or t in a.targets or t in ("fuzz_llhttp", "fuzz_core")]
    cost, n_inputs = {}, 0
    for flavour, label in (("fuzz-nosan", "no sanitizer"), ("fuzz-libfuzzer", "ASan+UBSan")):
        for t in names:
            binary = root / flavour / "timed" / t
            if not binary.exists():
                continue
            runs = []
            for r in range(a.runs):
                p = subprocess.run([str(binary)] + inputs, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, timeout=a.seconds * 4 + 300,
                                   env=campaign.env_with(SY_REPLAY_SECONDS=str(a.seconds)))
                m = re.search(r"time: inputs=(\d+) runs=(\d+) ns_per_input=([\d.]+)",
                              p.stdout.decode(errors="replace"))
                if p.returncode != 0 or not m:
                    raise SystemExit(f"bench: {binary} failed: {p.stdout.decode()[-500:]}")
                n_inputs = int(m.group(1))
                runs.append(float(m.group(3)))
                print(f"bench: {label:13} {t:15} same inputs, run {r + 1}: {runs[-1]:>9,.0f} "
                      "ns/input", flush=True)
            cost.setdefault(label, {})[t] = {"runs": runs, "median": statistics.median(runs)}
    if not cost:
        return cost
    lines += ["", "## The same inputs through every request target",
              f"{n_inputs} inputs ({' + '.join(inputs)}), each target's `timed/` twin "
              f"(SY_REPLAY_SECONDS={a.seconds}, median of {a.runs}): ns per input, and the floor's "
              "time over the target's (the exec/s ratio those costs alone would give).", "",
              "| target | no sanitizer ns | ratio | ASan+UBSan ns | ratio |",
              "| --- | ---: | ---: | ---: | ---: |"]
    for t in names:
        row = [t]
        for lab in ("no sanitizer", "ASan+UBSan"):
            c = cost.get(lab, {})
            if t in c and "fuzz_llhttp" in c:
                row += [f"{c[t]['median']:,.0f}", f"{c['fuzz_llhttp']['median'] / c[t]['median']:.3f}"]
            else:
                row += ["-", "-"]
        lines.append("| " + " | ".join(row) + " |")
    return cost


def cmd_mutators(a):
    root = Path(a.root).resolve()
    out = root / "fuzz-bench" / "mutators"
    out.mkdir(parents=True, exist_ok=True)
    targets = a.target or ["fuzz_decide", "fuzz_stream"]
    table = {}
    for t in targets:
        seeds = root / "fuzz-seeds" / t
        flags = campaign.libfuzzer_flags(t)
        for variant, binary in (("custom", t), ("plain", f"{t}_plain")):
            for r in range(a.runs):
                work = out / "work" / f"{t}-{variant}-{r + 1}"
                st = run_libfuzzer(root / "fuzz-libfuzzer" / binary, a.seconds, work, seeds, flags,
                                   seed=r + 1)
                cov = campaign.coverage(root, [t], lambda _t, w=work: [seeds, w],
                                        out / "cov" / f"{t}-{variant}-{r + 1}")
                row = {"cov": st.get("cov"), "ft": st.get("ft"),
                       "execs": st.get("number_of_executed_units"),
                       "corpus": campaign.count_files(work),
                       "lines": cov["total"]["lines"], "branches": cov["total"]["branches"],
                       "finding": st.get("finding")}
                table.setdefault(t, {}).setdefault(variant, []).append(row)
                print(f"mutators: {t} {variant:6} run {r + 1}: edges {row['cov']}, ft {row['ft']}, "
                      f"core lines {row['lines'][0]}/{row['lines'][1]}, branches "
                      f"{row['branches'][0]}/{row['branches'][1]}, {row['execs']:,} execs"
                      + (f", stopped by {row['finding']}" if row["finding"] else ""), flush=True)
    shutil.rmtree(out / "work", ignore_errors=True)
    shutil.rmtree(out / "cov", ignore_errors=True)
    lines = ["# Custom mutator against plain libFuzzer mutation\n",
             f"{a.runs} run(s) of {a.seconds} s per variant, one process, fresh seeds each run "
             f"(`-seed=1..{a.runs}`), ASan+UBSan build; core coverage = llvm-cov over seeds + the "
             f"run's corpus; load average at the end {load_avg():.2f}.\n",
             "| target | mutator | core lines (median) | core branches (median) | edges (median) "
             "| ft (median) | execs (median) | per run: lines / branches |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    for t, vs in table.items():
        for v, rows in vs.items():
            med = lambda k: statistics.median(r[k] or 0 for r in rows)  # noqa: E731
            ml = statistics.median(r["lines"][0] for r in rows)
            mb = statistics.median(r["branches"][0] for r in rows)
            lines.append(f"| {t} | {v} | {ml:.0f}/{rows[0]['lines'][1]} | "
                         f"{mb:.0f}/{rows[0]['branches'][1]} | {med('cov'):.0f} | {med('ft'):.0f} | "
                         f"{med('execs'):,.0f} | "
                         + ", ".join(f"{r['lines'][0]}/{r['branches'][0]}" for r in rows) + " |")
    md = "\n".join(lines) + "\n"
    (root / "fuzz-bench" / "mutators.md").write_text(md)
    (root / "fuzz-bench" / "mutators.json").write_text(json.dumps(table, indent=1))
    print(md)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("exec")
    e.add_argument("--seconds", type=int, default=10)
    e.add_argument("--runs", type=int, default=3)
    e.add_argument("--root", default="build")
    e.add_argument("--targets", nargs="*")
    e.add_argument("--corpus-dir", default="build/fuzz-corpus",
                   help="kept corpora: <dir>/fuzz_decide joins the seeds for the same-inputs table")
    m = sub.add_parser("mutators")
    m.add_argument("--seconds", type=int, default=60)
    m.add_argument("--runs", type=int, default=3)
    m.add_argument("--root", default="build")
    m.add_argument("--target", action="append")
    a = ap.parse_args()
    os.chdir(ROOT)
    return {"exec": cmd_exec, "mutators": cmd_mutators}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
