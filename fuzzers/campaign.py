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
import configparser
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FUZZERS = ROOT / "fuzzers"
# The core: every reference_server/*.c but the two programs around it (Makefile CORE_SRCS).
CORE_FILES = sorted(p.name for p in (ROOT / "reference_server").glob("*.c")
                    if p.name not in ("server.c", "decide_cli.c"))
LLVM_PROFDATA = os.environ.get("LLVM_PROFDATA", "llvm-profdata-14")
LLVM_COV = os.environ.get("LLVM_COV", "llvm-cov-14")
# refserver --stdin under AFL++ takes request inputs; its coverage is read through fuzz_stream,
# which drives the same connection machine.
PSEUDO_TARGETS = {"refserver": "fuzz_stream"}
SAN_ENV = {
    "ASAN_OPTIONS": "abort_on_error=1:halt_on_error=1:detect_leaks=1:symbolize=1",
    "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1",
    "MSAN_OPTIONS": "abort_on_error=1:halt_on_error=1",
}


def env_with(**extra):
    env = dict(os.environ)
    env.update(SAN_ENV)
    env.update(extra)
    return env


def all_targets():
    return sorted(p.stem for p in FUZZERS.glob("fuzz_*.c"))


def options(target):
    """[libfuzzer] keys of fuzzers/<target>.options (the OSS-Fuzz format)."""
    cp = configparser.ConfigParser()
    cp.read(FUZZERS / f"{target}.options")
    return dict(cp["libfuzzer"]) if cp.has_section("libfuzzer") else {}


def libfuzzer_flags(target):
    flags = [f"-{k}={v}" for k, v in options(target).items()]
    d = FUZZERS / f"{target}.dict"
    if d.exists():
        flags.append(f"-dict={d}")
    return flags


STATUS_RE = re.compile(r"#(\d+)\s+(\w+)\s+cov: (\d+) ft: (\d+) corp: (\d+)/\S+.*?exec/s: (\d+)")


def last_status(log: Path):
    """(execs, cov, ft, corpus, exec/s) from the last libFuzzer status line of a log."""
    try:
        with open(log, "rb") as f:
            f.seek(max(0, log.stat().st_size - 8192))
            tail = f.read().decode(errors="replace")
    except OSError:
        return None
    m = None
    for m in STATUS_RE.finditer(tail):
        pass
    if m is None:
        return None
    return tuple(int(x) for x in (m.group(1), m.group(3), m.group(4), m.group(5), m.group(6)))


def count_files(d: Path):
    try:
        return sum(1 for p in d.iterdir() if p.is_file())
    except OSError:
        return 0


def stop(proc):
    """Stop one process we started (and its process group), by PID."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


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
# findings: reproduce, sign, deduplicate, minimise

FRAME_RE = re.compile(r"#\d+ 0x[0-9a-f]+ in (\S+) (\S+)")
SAN_RE = re.compile(r"(ERROR: AddressSanitizer: [\w-]+|ERROR: MemorySanitizer: [\w-]+|"
                    r"ERROR: LeakSanitizer: [\w ]+|runtime error: [^\n]{0,60}|"
                    r"ERROR: libFuzzer: [\w-]+)")
ORACLE_RE = re.compile(r'SY-ORACLE rule=(\S+) rfc="([^"]*)": ?(.*)')


class Reproducer:
    """Runs one input through the engine-less replay build (or refserver --stdin); when that
    does not reproduce it, through the engine's own build of the target, which runs a file given
    as argument (libFuzzer, and AFL++'s driver): the replay build's compiler ($(CC), gcc by
    default) may not reproduce what clang's build crashed on (campaign_selftest.py found one)."""

    def __init__(self, root: Path, target: str, timeout: float = 10, engine: str | None = None):
        self.target = target
        self.timeout = timeout
        self.fallback = None
        if target == "refserver":
            self.argv = [str(root / "fuzz-afl" / "refserver"), "--stdin"]
            self.stdin = True
        else:
            self.argv = [str(root / "fuzz-replay" / target)]
            self.stdin = False
            for flavour in ({"afl": ["fuzz-afl"], "libfuzzer": ["fuzz-libfuzzer"]}.get(engine)
                            or ["fuzz-libfuzzer", "fuzz-afl"]):
                if (root / flavour / target).exists():
                    self.fallback = [str(root / flavour / target)]
                    break
        self.last_argv = self.argv
        self.runs = 0

    def command(self, path):
        """The command that reproduced the last input run."""
        return " ".join(self.last_argv) + (f" < {path}" if self.stdin else f" {path}")

    def run(self, path):
        """(signature or None, output)."""
        sig, out = self._run(self.argv, path)
        self.last_argv = self.argv
        if sig is None and self.fallback:
            fsig, fout = self._run(self.fallback, path)
            if fsig is not None:
                self.last_argv = self.fallback
                return fsig, fout
        return sig, out

    def _run(self, argv, path):
        self.runs += 1
        try:
            if self.stdin:
                with open(path, "rb") as f:
                    p = subprocess.run(argv, stdin=f, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.PIPE, timeout=self.timeout, env=env_with())
            else:
                p = subprocess.run(argv + [str(path)], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, timeout=self.timeout, env=env_with())
        except subprocess.TimeoutExpired:
            return f"timeout:{self.target}", f"no answer within {self.timeout} s\n"
        out = p.stderr.decode(errors="replace")
        if p.returncode == 0:
            return None, out
        return signature(out, p.returncode), out

    def run_bytes(self, data: bytes):
        with tempfile.NamedTemporaryFile(prefix="sy-min-", delete=False) as f:
            f.write(data)
            name = f.name
        try:
            return self.run(name)
        finally:
            os.unlink(name)


def signature(out: str, rc: int):
    m = ORACLE_RE.search(out)
    if m:
        return f"oracle:{m.group(1)}"
    k = SAN_RE.search(out)
    kind = re.sub(r"\s+", "-", k.group(1).split(": ")[-1].strip()) if k else f"exit-{rc}"
    if k and k.group(1).startswith("runtime error"):
        kind = "ubsan"
    frames = []
    first = FRAME_RE.search(out)
    # the report's own stack only: ASan follows it with the allocation/free stacks
    stack = out[first.start():].split("\n\n", 1)[0] if first else ""
    for fm in FRAME_RE.finditer(stack):
        fn, where = fm.group(1), fm.group(2)
        if any(s in where for s in ("compiler-rt", "sanitizer", "libc.so", "libFuzzer")) or \
                fn.startswith(("__", "_start", "abort", "raise", "LLVMFuzzerTestOneInput", "main", "run_")):
            continue
        frames.append(fn)
        if len(frames) == 3:
            break
    return f"crash:{kind}:{'|'.join(frames) or '?'}"


def minimise(rep: Reproducer, data: bytes, sig: str, budget_s: float):
    """ddmin over lines, then over bytes, keeping the same signature."""
    deadline = time.time() + budget_s

    def keeps(cand):
        return cand and time.time() < deadline and rep.run_bytes(cand)[0] == sig

    for unit in ("lines", "bytes"):
        parts = data.splitlines(keepends=True) if unit == "lines" else [bytes([b]) for b in data]
        n = 2
        while len(parts) >= 2 and time.time() < deadline:
            size = max(1, len(parts) // n)
            removed = False
            for i in range(0, len(parts), size):
                cand = parts[:i] + parts[i + size:]
                if keeps(b"".join(cand)):
                    parts = cand
                    n = max(n - 1, 2)
                    removed = True
                    break
            if not removed:
                if size == 1:
                    break
                n = min(len(parts), n * 2)
        data = b"".join(parts)
    return data


def slug(sig):
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", sig)[:80]


def triage(root: Path, target: str, files, out: Path, budget_s: float, engine=None):
    """Reproduce every file, group by signature, minimise one per group, write findings/."""
    rep = Reproducer(root, target, engine=engine)
    groups = {}
    unreproduced = []
    for f in files:
        sig, text = rep.run(f)
        if sig is None:
            unreproduced.append(str(f))
            continue
        groups.setdefault(sig, []).append((Path(f), text))
    findings = []
    fdir = out / "findings"
    for sig, items in sorted(groups.items()):
        items.sort(key=lambda it: it[0].stat().st_size)
        first, text = items[0]
        data = first.read_bytes()
        small = minimise(rep, data, sig, budget_s) if not sig.startswith("timeout") else data
        d = fdir / slug(sig)
        d.mkdir(parents=True, exist_ok=True)
        (d / "input").write_bytes(small)
        (d / "original").write_bytes(data)
        _, small_text = rep.run(d / "input")
        (d / "log.txt").write_text(small_text or text)
        m = ORACLE_RE.search(small_text or text)
        repro = rep.command(d / "input")
        lib = f"{root / 'fuzz-libfuzzer' / target} {d / 'input'}" if target != "refserver" else None
        how = ("engine-less replay build" if rep.last_argv is rep.argv else
               "the engine's build: the replay build does not reproduce it")
        (d / "repro.sh").write_text(f"#!/bin/sh\n# reproduce ({how}):\n"
                                    f"cd {ROOT} && {repro}\n"
                                    + (f"# or under libFuzzer:\n# {lib}\n" if lib else ""))
        os.chmod(d / "repro.sh", 0o755)
        findings.append({
            "id": sig, "kind": sig.split(":", 1)[0],
            "rule": m.group(1) if m else None, "rfc": m.group(2) if m else None,
            "message": m.group(3)[:300] if m else first_error_line(small_text or text),
            "count": len(items), "inputs": [str(p) for p, _ in items][:20],
            "minimised": str(d / "input"), "size": len(small), "original_size": len(data),
            "repro": repro, "reproduced_by": "replay" if rep.last_argv is rep.argv else "engine",
            "dir": str(d)})
    return findings, unreproduced, rep.runs


def first_error_line(text):
    for line in text.splitlines():
        if "ERROR" in line or "runtime error" in line:
            return line.strip()[:300]
    return text.strip().splitlines()[-1][:300] if text.strip() else ""


# ---------------------------------------------------------------------------------------------
# coverage of the reference core (llvm-cov)

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


# ---------------------------------------------------------------------------------------------
# campaigns

class Progress:
    def __init__(self, stream=sys.stdout):
        self.tty = stream.isatty()
        self.stream = stream
        self.last_plain = 0.0
        self.text = ""

    def done(self):
        if self.text:
            self.show(self.text, final=True)

    def show(self, text, final=False):
        now = time.time()
        self.text = text
        if self.tty:
            self.stream.write("\r\x1b[K" + text + ("\n" if final else ""))
            self.stream.flush()
        elif final or now - self.last_plain >= 10:
            self.stream.write(text + "\n")
            self.stream.flush()
            self.last_plain = now


def fmt_time(s):
    s = int(s)
    return f"{s // 60}:{s % 60:02d}"


def quarantine(arts: Path, corpus: Path, qdir: Path):
    """A kept corpus file that now fails (the core changed under it) would stop every worker at
    start-up: libFuzzer names both by SHA-1, so move the corpus copy aside."""
    for a in arts.glob("crash-*"):
        c = corpus / a.name.split("-", 1)[1]
        if c.exists():
            qdir.mkdir(exist_ok=True)
            shutil.move(str(c), qdir / c.name)


def run_libfuzzer(a, root, out, corpus, seeds, workers, progress):
    binary = root / "fuzz-libfuzzer" / a.target
    arts = out / "artifacts"
    logs = out / "logs"
    arts.mkdir(parents=True)
    logs.mkdir(parents=True)
    start = time.time()
    end = start + a.duration
    procs = {}
    done_execs = [0] * workers
    restarts = [0] * workers
    peak = {"cov": 0, "ft": 0}

    def spawn(i):
        remaining = int(end - time.time())
        if remaining < 2:
            return None
        log = logs / f"worker-{i}.{restarts[i]}.log"
        cmd = [str(binary), f"-max_total_time={remaining}", f"-artifact_prefix={arts}/",
               "-print_final_stats=1", "-timeout=10", "-rss_limit_mb=2048", "-reload=1",
               f"-seed={1 + i + 1000 * restarts[i] + int(start) % 100000}"] \
            + libfuzzer_flags(a.target) + a.extra + [str(corpus), str(seeds)]
        f = open(log, "wb")
        p = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, env=env_with(),
                             start_new_session=True, cwd=out)
        f.close()
        return (p, log)

    for i in range(workers):
        procs[i] = spawn(i)
    try:
        while any(v is not None for v in procs.values()):
            time.sleep(1)
            execs, eps = 0, 0
            for i, v in list(procs.items()):
                if v is None:
                    continue
                p, log = v
                st = last_status(log)
                if st:
                    execs += st[0]
                    eps += st[4]
                    peak["cov"] = max(peak["cov"], st[1])
                    peak["ft"] = max(peak["ft"], st[2])
                if p.poll() is not None:
                    done_execs[i] += st[0] if st else 0
                    quarantine(arts, corpus, out / "quarantine")
                    if p.returncode != 0 and time.time() < end - 2 and restarts[i] < 100:
                        restarts[i] += 1  # a finding stopped this worker: start it again
                        procs[i] = spawn(i)
                    else:
                        procs[i] = None
                    execs -= st[0] if st else 0
            total = execs + sum(done_execs)
            raw = count_files(arts)
            progress.show(f"[{fmt_time(time.time() - start)}/{fmt_time(a.duration)}] {a.target} "
                          f"libfuzzer x{workers}: {total:,} execs, {eps:,} exec/s, "
                          f"cov {peak['cov']} ft {peak['ft']}, corpus {count_files(corpus)}, "
                          f"findings {raw} (raw)")
            if time.time() > end + 30:
                break
    finally:
        for v in procs.values():
            if v is not None:
                stop(v[0])
    progress.done()
    files = sorted(p for p in arts.iterdir() if p.is_file())
    return {"execs": sum(done_execs), "coverage_edges": peak["cov"], "features": peak["ft"],
            "restarts": sum(restarts)}, files


def afl_stats(d: Path):
    st = {}
    try:
        for line in (d / "fuzzer_stats").read_text().splitlines():
            k, _, v = line.partition(":")
            st[k.strip()] = v.strip()
    except OSError:
        pass
    return st


def run_afl(a, root, out, corpus, seeds, workers, progress):
    refserver = a.target == "refserver"
    binary = root / "fuzz-afl" / ("refserver" if refserver else a.target)
    cmplog = root / "fuzz-afl-cmplog" / a.target
    dict_target = PSEUDO_TARGETS.get(a.target, a.target)
    indir = out / "afl-in"
    indir.mkdir(parents=True)
    max_len = int(options(dict_target).get("max_len", 16384))
    seen = set()
    for d in (seeds, corpus):
        for p in sorted(Path(d).glob("*")) if Path(d).exists() else []:
            data = p.read_bytes() if p.is_file() else None
            if data is None or len(data) > max_len:
                continue
            h = hashlib.sha1(data).hexdigest()
            if h not in seen:
                seen.add(h)
                (indir / h).write_bytes(data)
    afl_out = out / "afl"
    logs = out / "logs"
    logs.mkdir(parents=True)
    env = env_with(AFL_NO_UI="1", AFL_SKIP_CPUFREQ="1", AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES="1",
                   AFL_IGNORE_UNKNOWN_ENVS="1", AFL_FAST_CAL="1", AFL_CMPLOG_ONLY_NEW="1",
                   AFL_NO_AFFINITY="1" if workers > os.cpu_count() else "",
                   ASAN_OPTIONS="abort_on_error=1:symbolize=0:detect_leaks=0:"
                                "allocator_may_return_null=1",
                   MSAN_OPTIONS="exit_code=86:symbolize=0")  # afl-fuzz insists on 86
    request_shaped = dict_target in ("fuzz_decide", "fuzz_stream", "fuzz_render")
    mut = root / "fuzz-afl" / "sy_mutator.so"
    if request_shaped and mut.exists() and not a.no_custom_mutator:
        env["AFL_CUSTOM_MUTATOR_LIBRARY"] = str(mut)
    d = FUZZERS / f"{dict_target}.dict"
    start = time.time()
    procs = []
    for i in range(workers):
        name = "main" if i == 0 else f"sec{i}"
        cmd = ["afl-fuzz", "-i", str(indir), "-o", str(afl_out), "-m", "none", "-t", "1000+",
               "-V", str(a.duration), "-M" if i == 0 else "-S", name]
        if d.exists():
            cmd += ["-x", str(d)]
        if i == 0 and not refserver and cmplog.exists():
            cmd += ["-c", str(cmplog)]
        cmd += a.extra + ["--", str(binary)] + (["--stdin"] if refserver else [])
        f = open(logs / f"afl-{name}.log", "wb")
        procs.append(subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, env=env,
                                      start_new_session=True, cwd=out))
        f.close()
    try:
        while any(p.poll() is None for p in procs):
            time.sleep(1)
            execs = edges = crashes = queue = 0
            for inst in afl_out.glob("*"):
                st = afl_stats(inst)
                execs += int(st.get("execs_done", 0))
                edges = max(edges, int(st.get("edges_found", 0)))
                crashes += int(st.get("saved_crashes", st.get("unique_crashes", 0)))
                queue = max(queue, int(st.get("corpus_count", 0)))
            # fuzzer_stats is rewritten about once a minute (and execs_per_sec is wild during
            # calibration): the rate shown is executions so far over elapsed time.
            eps = execs / max(1.0, time.time() - start)
            progress.show(f"[{fmt_time(time.time() - start)}/{fmt_time(a.duration)}] {a.target} "
                          f"afl++ x{workers}: {execs:,} execs, {eps:,.0f} exec/s, edges {edges}, "
                          f"queue {queue}, findings {crashes} (raw)")
            if time.time() > start + a.duration + 60:
                break
    finally:
        for p in procs:
            stop(p)
    progress.done()
    execs = edges = 0
    for inst in afl_out.glob("*"):
        st = afl_stats(inst)
        execs += int(st.get("execs_done", 0))
        edges = max(edges, int(st.get("edges_found", 0)))
    # keep what AFL++ found for the next campaign, whichever engine it uses
    for q in afl_out.glob("*/queue/id:*"):
        data = q.read_bytes()
        (corpus / hashlib.sha1(data).hexdigest()).write_bytes(data)
    files = sorted(list(afl_out.glob("*/crashes/id:*")) + list(afl_out.glob("*/hangs/id:*")))
    if not any(p.poll() == 0 for p in procs):
        print(f"campaign: afl-fuzz did not exit cleanly; see {logs}", file=sys.stderr)
    return {"execs": execs, "coverage_edges": edges, "afl_custom_mutator":
            env.get("AFL_CUSTOM_MUTATOR_LIBRARY")}, files


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
        "findings": findings, "unreproduced": unrepro, "triage_runs": repro_runs,
        "coverage": cov, "output": str(out),
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    (out / "summary.md").write_text(summary_md(summary))
    print(summary_md(summary))
    if a.fail_on_findings and findings:
        return 1
    return 0


def summary_md(s):
    lines = [f"# Fuzz campaign: {s['target']} ({s['engine']})", "",
             f"- started {s['started']}, {s['elapsed_s']} s on {s['workers']} worker(s)",
             f"- {s['execs'] or 0:,} executions, {s['exec_per_s'] or 0:,} exec/s overall",
             f"- engine: {json.dumps(s['engine_stats'])}",
             f"- corpus {s['corpus']['dir']}: {s['corpus']['before']} -> {s['corpus']['after']} "
             "files", ""]
    lines.append(f"## Findings: {len(s['findings'])} distinct")
    lines.append("")
    if s["findings"]:
        lines += ["| finding | rule / RFC | inputs | minimised | reproduce |",
                  "| --- | --- | ---: | ---: | --- |"]
        for f in s["findings"]:
            rule = f"{f['rule']} ({f['rfc']})" if f["rule"] else f["message"][:80]
            lines.append(f"| `{f['id']}` | {rule} | {f['count']} | {f['size']} B "
                         f"(from {f['original_size']}) | `{f['repro']}` |")
        lines.append("")
        for f in s["findings"]:
            lines.append(f"- `{f['id']}`: {f['message']}")
    else:
        lines.append("None.")
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
