#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""bugbench: planted bugs found by mutation, measured like FuzzBench (issue 13).

  bugbench.py check [--root build]                   every patch applies; nothing else
  bugbench.py verify [--bugs ID...]                  each bug's input fails on its mutant and
                                                     passes on the product (replay builds only)
  bugbench.py run [--bugs ID...] [--trials 5] [--seconds 60] [--configs C...] [--jobs 1]
                  [--seedless] [--out DIR] [--require-found]   (make fuzz-bugbench)

fuzzers/bugbench/<id>.patch is one planted bug: a header (bug, target, description, input) and a
unified diff against reference_server/; <id>.input shows it. A patch is only ever applied to a
temporary copy of the tree (Makefile, mk/, reference_server/, fuzzers/), built there with
mk/fuzz.mk starting from the product build's objects (so only the patched file is compiled
again); the product tree and build/ are never patched.

For each bug: the mutant's replay build runs every seed of the bug's target (a child each) and
every seed that fails is left out (leave-one-out: no seed shows the bug), then each engine
configuration fuzzes `trials` times for `seconds` from those seeds (with --seedless: from one
newline, no corpus seed at all), one process per trial:

  libfuzzer      libFuzzer, its own mutator (the `<target>_plain` build, or the target itself
                 where the request mutator stands aside)
  libfuzzer-mut  libFuzzer + the request mutator (MUTATOR_SRCS: mutator.c, shape*.c, grammar.c, tokens.c)
  afl-mut        AFL++ (CMPLOG) + the request mutator library
  afl            AFL++ (CMPLOG), its own mutations only

A trial stops at its first finding. The finding counts as the bug when the mutant's engine build
fails on the input and the product's does not (else it is reported as "other"); its time is the
finding file's modification time less the trial's start. Results: report.md, report.json,
bugs-found.png (gnuplot) and findings/<bug>/<config>-<trial> (each finding's input) in --out (default build/fuzz-bugbench/<time>/); bugstats.py computes
found/trials, median time to first finding and the Vargha-Delaney A12 between configurations.
Every process started here is waited for or stopped by its PID; every trial is bounded in time
(-max_total_time / -V) and in executions (-runs / -E).
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root: `import harness`
import bugstats  # noqa: E402
from engines import afl_env  # noqa: E402
from fuzzbase import FUZZERS, ROOT, env_with, libfuzzer_flags, stop  # noqa: E402

BUGDIR = FUZZERS / "bugbench"
REQUEST_SHAPED = ("fuzz_decide", "fuzz_stream", "fuzz_render")
CONFIGS = ("libfuzzer", "libfuzzer-mut", "afl-mut", "afl")
FLAVOURS = {"libfuzzer": "fuzz-libfuzzer", "replay": "fuzz-replay", "afl": "fuzz-afl",
            "aflcmplog": "fuzz-afl-cmplog"}
MAX_EXECS = 200_000_000  # the count bound of a trial; the time bound is --seconds


def load_bugs(only=None):
    bugs = []
    for p in sorted(BUGDIR.glob("*.patch")):
        head = {}
        for line in p.read_text().splitlines():
            if line.startswith("--- "):
                break
            k, sep, v = line.partition(": ")
            if sep:
                head[k] = v
        bug = {"id": head["bug"], "target": head["target"], "description": head["description"],
               "input": BUGDIR / head["input"], "patch": p}
        if only is None or bug["id"] in only:
            bugs.append(bug)
    if only:
        missing = set(only) - {b["id"] for b in bugs}
        if missing:
            sys.exit(f"bugbench: no such bug: {', '.join(sorted(missing))}")
    return bugs


def copy_tree(dest: Path):
    """The files a fuzz build reads, with their modification times (make then sees the product
    build's objects, copied after them, as up to date)."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("Makefile", "mk", "reference_server", "fuzzers", "harness/respparse"):
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns(
                "__pycache__", "bugbench", "regressions", "tests", "test"))
        else:
            shutil.copy2(src, dest / name)


def apply(bug, tree: Path, dry=False):
    p = subprocess.run(["patch", "-p1", "-s", "-f", "-d", str(tree), "-i", str(bug["patch"])]
                       + (["--dry-run"] if dry else []), capture_output=True, text=True)
    return p.returncode == 0, p.stdout + p.stderr


def binaries(bug, configs):
    """(flavour, binary name) the trials and the judging need."""
    t = bug["target"]
    configs = effective_configs(bug, configs)
    need = {("replay", t)} | ({("libfuzzer", t)} if configs else set())  # libFuzzer builds judge
    if "libfuzzer" in configs and t in REQUEST_SHAPED:
        need.add(("libfuzzer", f"{t}_plain"))
    if any(c.startswith("afl") for c in configs):
        need |= {("afl", t), ("aflcmplog", t)}
    return sorted(need)


def build_mutant(bug, root: Path, work: Path, configs, log):
    """A patched copy of the tree with the needed binaries built in work/build."""
    tree = work / "tree"
    copy_tree(tree)
    for flavour in {f for f, _ in binaries(bug, configs)}:
        src, dst = root / FLAVOURS[flavour], tree / "build" / FLAVOURS[flavour]
        dst.mkdir(parents=True, exist_ok=True)
        for part in ("core", "llhttp", "respparse", "fuzzers", "libsy-fuzz.a"):
            if (src / part).is_dir():
                shutil.copytree(src / part, dst / part, dirs_exist_ok=True)
            elif (src / part).exists():
                shutil.copy2(src / part, dst / part)
    time.sleep(0.01)
    ok, out = apply(bug, tree)
    if not ok:
        raise RuntimeError(f"{bug['id']}: the patch does not apply: {out}")
    goals = [f"build/{FLAVOURS[f]}/{b}" for f, b in binaries(bug, configs)]
    with open(log, "w") as f:
        p = subprocess.run(["make", "-C", str(tree), "--no-print-directory", "FUZZ_ROOT=build"]
                           + goals, stdout=f, stderr=subprocess.STDOUT, timeout=1800)
    if p.returncode != 0:
        raise RuntimeError(f"{bug['id']}: the mutant does not build; see {log}")
    return tree / "build"


def fails(binary: Path, path: Path):
    p = subprocess.run([str(binary), str(path)], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=60,
                       env=env_with(ASAN_OPTIONS="detect_leaks=0:abort_on_error=1"))
    return p.returncode != 0


def filter_seeds(bug, mroot: Path, seeds: Path, dest: Path):
    """Leave-one-out: every seed the mutant fails on is left out. Returns the ids left out."""
    replay = mroot / "fuzz-replay" / bug["target"]
    p = subprocess.run([str(replay), str(seeds)], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, timeout=600,
                       env=env_with(SY_REPLAY_EACH="1", ASAN_OPTIONS="detect_leaks=0"))
    failing = set(re.findall(r"^replay: failed: (.*)$", p.stderr.decode(errors="replace"), re.M))
    dest.mkdir(parents=True)
    for f in sorted(seeds.iterdir()):
        if f.is_file() and str(f) not in failing:
            shutil.copy2(f, dest / f.name)
    return sorted(Path(f).name for f in failing)


def verify_input(bug, mroot: Path, root: Path):
    """The bug's own input fails on the mutant and passes on the product (replay builds)."""
    t = bug["target"]
    return fails(mroot / "fuzz-replay" / t, bug["input"]), \
        not fails(root / "fuzz-replay" / t, bug["input"])


def libfuzzer_trial(bug, cfg, mroot: Path, seeds: Path, work: Path, seconds, trial):
    t = bug["target"]
    binary = mroot / "fuzz-libfuzzer" / (f"{t}_plain" if cfg == "libfuzzer" and t in REQUEST_SHAPED
                                         else t)
    corpus, arts = work / "corpus", work / "artifacts"
    corpus.mkdir(parents=True)
    arts.mkdir()
    cmd = [str(binary), f"-max_total_time={seconds}", f"-runs={MAX_EXECS}", f"-seed={trial}",
           "-timeout=10", "-rss_limit_mb=2048", "-print_final_stats=1",
           f"-artifact_prefix={arts}/"] + libfuzzer_flags(t) + [str(corpus), str(seeds)]
    start = time.time()
    with open(work / "log.txt", "wb") as log:
        p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env_with(),
                             start_new_session=True, cwd=work)
        try:
            p.wait(timeout=seconds * 3 + 60)
        finally:
            stop(p)
    execs = re.findall(r"stat::number_of_executed_units:\s*(\d+)", (work / "log.txt").read_text(
        errors="replace"))
    found = sorted((f for f in arts.iterdir() if f.name.startswith(("crash-", "leak-", "oom-",
                                                                     "timeout-"))),
                   key=lambda f: f.stat().st_mtime)
    return start, found, int(execs[-1]) if execs else None


def afl_trial(bug, cfg, mroot: Path, seeds: Path, work: Path, seconds, trial):
    t = bug["target"]
    out = work / "afl"
    mut = ROOT / "build" / "fuzz-afl" / "sy_mutator.so"
    env = afl_env(mut if cfg == "afl-mut" else None, no_affinity=True)
    cmd = ["afl-fuzz", "-i", str(seeds), "-o", str(out), "-m", "none", "-t", "1000+", "-V",
           str(seconds), "-E", str(MAX_EXECS), "-s", str(trial), "-c",
           str(mroot / "fuzz-afl-cmplog" / t)]
    if (FUZZERS / f"{t}.dict").exists():
        cmd += ["-x", str(FUZZERS / f"{t}.dict")]
    cmd += ["--", str(mroot / "fuzz-afl" / t)]
    start = time.time()
    with open(work / "log.txt", "wb") as log:
        p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env,
                             start_new_session=True, cwd=work)
        try:
            while p.poll() is None and time.time() < start + seconds * 3 + 60:
                time.sleep(0.25)
                if any(out.glob("default/crashes/id:*")):
                    break  # the first finding: enough for this trial
        finally:
            stop(p)
    execs = re.search(r"execs_done\s*:\s*(\d+)", (out / "default" / "fuzzer_stats").read_text()) \
        if (out / "default" / "fuzzer_stats").exists() else None
    found = sorted(out.glob("default/crashes/id:*"), key=lambda f: f.stat().st_mtime)
    return start, found, int(execs.group(1)) if execs else None


def keep(f: Path, dest: Path) -> str:
    """A finding's input outlives the trial dir, which is removed after the run."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(f, dest)
    return str(dest)


def trial(bug, cfg, mroot: Path, root: Path, seeds: Path, work: Path, seconds, n, kept: Path):
    """One trial: {"found": bool, "time_s", "other", "execs", "input"}; inputs kept under kept."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    run = libfuzzer_trial if cfg.startswith("libfuzzer") else afl_trial
    start, found, execs = run(bug, cfg, mroot, seeds, work, seconds, n)
    res = {"bug": bug["id"], "config": cfg, "trial": n, "found": False, "time_s": None,
           "other": None, "execs": execs}
    judge_m = mroot / "fuzz-libfuzzer" / bug["target"]
    judge_p = root / "fuzz-libfuzzer" / bug["target"]
    for f in found[:5]:
        if fails(judge_m, f) and not fails(judge_p, f):
            res.update(found=True, time_s=round(max(0.0, f.stat().st_mtime - start), 2),
                       input=keep(f, kept / f"{cfg}-{n}"))
            break
        if fails(judge_p, f):
            # the product fails on it too: a real finding, not this bug
            res["other"] = keep(f, kept / f"{cfg}-{n}.other")
    return res


def effective_configs(bug, configs):
    """Where the request mutator stands aside (not a request target), `X-mut` is X."""
    if bug["target"] in REQUEST_SHAPED:
        return list(configs)
    return list(dict.fromkeys(c.replace("-mut", "") for c in configs))


def bench_bug(bug, a, root: Path, out: Path, pool):
    work = out / "work" / bug["id"]
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    info = {"id": bug["id"], "target": bug["target"], "description": bug["description"]}
    t0 = time.time()
    try:
        mroot = build_mutant(bug, root, work, a.configs, work / "build.log")
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        info["error"] = str(e)
        print(f"bugbench: {bug['id']}: {e}", flush=True)
        return info, []
    info["build_s"] = round(time.time() - t0, 1)
    shows, product_ok = verify_input(bug, mroot, root)
    info["input_shows_it"] = shows and product_ok
    seeds = work / "seeds"
    if a.seedless:
        seeds.mkdir()
        # AFL++ refuses an empty -i; one newline is as near to nothing as it accepts.
        (seeds / "newline").write_bytes(b"\n")
        info["seeds_left_out"] = []
    else:
        info["seeds_left_out"] = filter_seeds(bug, mroot, root / "fuzz-seeds" / bug["target"],
                                              seeds)
    info["seeds_kept"] = sum(1 for _ in seeds.iterdir())
    configs = effective_configs(bug, a.configs)
    info["configs"] = configs
    if bug["target"] not in REQUEST_SHAPED:
        info["note"] = "the request mutator stands aside for this target: no *-mut configuration"
    jobs = [(c, n) for n in range(1, a.trials + 1) for c in configs]
    futs = [pool.submit(trial, bug, c, mroot, root, seeds, work / "trials" / f"{c}-{n}", a.seconds,
                        n, out / "findings" / bug["id"]) for c, n in jobs]
    results = [f.result() for f in futs]
    for r in results:
        print(f"bugbench: {bug['id']} {r['config']} trial {r['trial']}: "
              + (f"found in {r['time_s']} s" if r["found"] else "not found")
              + (f" (other finding: {r['other']})" if r["other"] else "")
              + f", {r['execs'] or 0:,} execs", flush=True)
    if not a.keep:
        shutil.rmtree(work / "tree", ignore_errors=True)
    return info, results


def cmd_check(a):
    """Every patch applies to the tree as it is, and names its target and input."""
    bad = 0
    with tempfile.TemporaryDirectory(prefix="sy-bugbench-") as tmp:
        shutil.copytree(ROOT / "reference_server", Path(tmp) / "reference_server")
        for bug in load_bugs(a.bugs):
            ok, out = apply(bug, Path(tmp), dry=True)
            ok = ok and bug["input"].exists() and (FUZZERS / f"{bug['target']}.c").exists()
            bad += not ok
            print(f"bugbench: {bug['id']}: {'ok' if ok else 'FAIL'} ({bug['target']}) "
                  f"{bug['description']}" + ("" if ok else f"\n{out}"))
    print(f"bugbench check: {len(load_bugs(a.bugs)) - bad} of {len(load_bugs(a.bugs))} patches apply")
    return 1 if bad else 0


def cmd_verify(a):
    """Replay builds only: each bug's input fails on its mutant and passes on the product."""
    root = Path(a.root).resolve()
    bad = 0
    with tempfile.TemporaryDirectory(prefix="sy-bugbench-") as tmp:
        for bug in load_bugs(a.bugs):
            work = Path(tmp) / bug["id"]
            work.mkdir()
            try:
                mroot = build_mutant(bug, root, work, [], work / "build.log")
                shows, product_ok = verify_input(bug, mroot, root)
            except (RuntimeError, subprocess.TimeoutExpired) as e:
                shows, product_ok = False, str(e)
            ok = shows and product_ok is True
            bad += not ok
            print(f"bugbench: {bug['id']}: {'ok' if ok else 'FAIL'}: input "
                  f"{'fails' if shows else 'does not fail'} on the mutant, "
                  f"{'passes' if product_ok is True else 'FAILS'} on the product")
            shutil.rmtree(work, ignore_errors=True)
    return 1 if bad else 0


def cmd_run(a):
    root = Path(a.root).resolve()
    out = Path(a.out).resolve() if a.out else root / "fuzz-bugbench" / time.strftime("%Y%m%d-%H%M%S")
    out.mkdir(parents=True, exist_ok=True)
    bugs = load_bugs(a.bugs)
    print(f"bugbench: {len(bugs)} bug(s) x {a.configs} x {a.trials} trial(s) x {a.seconds} s, "
          f"{a.jobs} at a time; output {out}", flush=True)
    t0 = time.time()
    infos, results = [], []
    with ThreadPoolExecutor(max_workers=a.jobs) as pool:
        for bug in bugs:
            info, res = bench_bug(bug, a, root, out, pool)
            infos.append(info)
            results += res
    meta = {"trials": a.trials, "seconds": a.seconds, "configs": a.configs, "jobs": a.jobs,
            "seedless": a.seedless,
            "elapsed_s": round(time.time() - t0, 1),
            "started": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(t0)),
            "load_avg_end": os.getloadavg()[0], "command": " ".join(sys.argv)}
    report = bugstats.report(infos, results, meta, out)
    print(report["markdown"])
    if not a.keep:
        shutil.rmtree(out / "work", ignore_errors=True)
    if a.require_found:
        missing = [i["id"] for i in infos
                   if not any(r["found"] for r in results if r["bug"] == i["id"])]
        bad = [i["id"] for i in infos if not i.get("input_shows_it")]
        lost = [r["input"] for r in results if r["found"] and not Path(r["input"]).is_file()]
        if missing or bad or lost:
            print(f"bugbench: FAIL: not found {missing}; input does not show the bug {bad}; "
                  f"finding inputs not kept {lost}")
            return 1
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("check", "verify", "run"):
        p = sub.add_parser(name)
        p.add_argument("--root", default="build", help="the product's build (FUZZ_ROOT)")
        p.add_argument("--bugs", nargs="+", help="a subset, by id (default: all)")
    r = sub.choices["run"]
    r.add_argument("--trials", type=int, default=5)
    r.add_argument("--seconds", type=int, default=60)
    r.add_argument("--configs", nargs="+", choices=CONFIGS, default=list(CONFIGS))
    r.add_argument("--jobs", type=int, default=1, help="trials run at the same time")
    r.add_argument("--seedless", action="store_true",
                   help="no corpus seed at all (a single newline), instead of the filtered seeds")
    r.add_argument("--out")
    r.add_argument("--keep", action="store_true", help="keep the mutant trees and trial dirs")
    r.add_argument("--require-found", action="store_true",
                   help="exit 1 unless every bug was found at least once and its input shows it")
    a = ap.parse_args()
    os.chdir(ROOT)
    return {"check": cmd_check, "verify": cmd_verify, "run": cmd_run}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
