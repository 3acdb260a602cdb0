#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""engines: libFuzzer and AFL++ campaign runners (campaign.py run)."""
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from fuzzbase import (FUZZERS, PSEUDO_TARGETS, count_files, env_with,  # noqa: E402
                      last_status, libfuzzer_flags, options, sha1_of, stop)


def fmt_time(s):
    s = int(s)
    return f"{s // 60}:{s % 60:02d}"


class SeedSet:
    """The inputs a campaign starts from: a working copy of the seeds (so that the run can drop
    one) and the kept corpus. An input that fails when the engine loads it is a finding: it is
    moved to failing-seeds/ (from the kept corpus too, for good: the core changed under it) and
    the run goes on without it, instead of stopping at it again and again."""

    def __init__(self, seeds: Path, corpus: Path, out: Path):
        self.seeds = out / "seeds"
        self.corpus = corpus
        self.failing_dir = out / "failing-seeds"
        self.failing = []  # {"sha1", "name", "from", "engine_said"}
        shutil.rmtree(self.seeds, ignore_errors=True)
        self.seeds.mkdir(parents=True)
        if Path(seeds).is_dir():
            for p in sorted(Path(seeds).iterdir()):
                if p.is_file():
                    shutil.copyfile(p, self.seeds / p.name)

    def find(self, sha1):
        for where, d in (("seeds", self.seeds), ("corpus", self.corpus)):
            for p in sorted(d.iterdir()) if d.is_dir() else []:
                if p.is_file() and (p.name == sha1 or sha1_of(p) == sha1):
                    return where, p
        return None, None

    def drop(self, sha1, engine_said="", path=None):
        """Moves the input with this SHA-1 (at `path` when known) out of the seed set; False when
        there is none."""
        if any(f["sha1"] == sha1 for f in self.failing):
            return True  # another worker met it first
        where, p = self.find(sha1) if path is None else (
            "seeds" if Path(path).parent == self.seeds else "corpus", Path(path))
        if p is None:
            return False
        self.failing_dir.mkdir(exist_ok=True)
        shutil.move(str(p), self.failing_dir / sha1)
        self.failing.append({"sha1": sha1, "name": p.name, "from": where,
                             "engine_said": engine_said})
        return True

    def screen(self, replay: Path, timeout=600):
        """Runs every input once through the engine-less replay build (a child each,
        SY_REPLAY_EACH) and drops the ones that fail, before the engine starts: AFL++ keeps a seed
        it skipped in its queue and splices it into new inputs, and libFuzzer would stop at it.
        The engine's own build may see more; then the engine paths below drop them."""
        if not replay.exists():
            return
        dirs = [str(d) for d in (self.seeds, self.corpus) if d.is_dir()]
        try:
            p = subprocess.run([str(replay)] + dirs, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, timeout=timeout,
                               env=env_with(SY_REPLAY_EACH="1", ASAN_OPTIONS="detect_leaks=0"))
        except subprocess.TimeoutExpired:
            print(f"campaign: screening the seeds took over {timeout} s; not screened",
                  file=sys.stderr)
            return
        for path in re.findall(r"^replay: failed: (.*)$", p.stderr.decode(errors="replace"), re.M):
            if Path(path).is_file():
                self.drop(sha1_of(path), f"fails in the replay build ({replay.name})", path)

    def files(self):
        return sorted(self.failing_dir.iterdir()) if self.failing_dir.is_dir() else []


ARTIFACT_KINDS = ("crash-", "timeout-", "oom-", "leak-", "slow-unit-")


def dropped_at_load(log: Path, arts: Path, before, seedset: SeedSet):
    """A libFuzzer worker that stopped before INITED stopped on an input it was loading: its
    artifact is named by that input's SHA-1. Drops it from the seed set; True when it did."""
    try:
        text = log.read_text(errors="replace")
    except OSError:
        return False
    if re.search(r"\sINITED\s", text):
        return False
    dropped = False
    for p in sorted(arts.iterdir()):
        if p.name not in before and p.name.startswith(ARTIFACT_KINDS):
            kind, _, sha = p.name.partition("-")
            dropped |= seedset.drop(sha, f"libFuzzer {kind} while loading the corpus")
    return dropped


def run_libfuzzer(a, root, out, corpus, seeds, workers, progress):
    binary = root / "fuzz-libfuzzer" / a.target
    arts = out / "artifacts"
    logs = out / "logs"
    arts.mkdir(parents=True)
    logs.mkdir(parents=True)
    seedset = SeedSet(seeds, corpus, out)
    seedset.screen(root / "fuzz-replay" / a.target)
    start = time.time()
    end = start + a.duration
    procs = {}
    done_execs = [0] * workers
    restarts = [0] * workers
    runs = [0] * workers
    peak = {"cov": 0, "ft": 0}
    timeline = []  # coverage over time: one sample a second (cov, ft: libFuzzer's own counts)

    def spawn(i):
        remaining = int(end - time.time())
        if remaining < 2:
            return None
        runs[i] += 1
        log = logs / f"worker-{i}.{runs[i] - 1}.log"
        cmd = _libfuzzer_cmd(binary, a, remaining, arts, 1 + i + 1000 * runs[i] + int(start) % 100000,
                             corpus, seedset.seeds)
        f = open(log, "wb")
        p = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, env=env_with(),
                             start_new_session=True, cwd=out)
        f.close()
        return (p, log, {q.name for q in arts.iterdir()})

    for i in range(workers):
        procs[i] = spawn(i)
    try:
        while any(v is not None for v in procs.values()):
            time.sleep(1)
            execs, eps = 0, 0
            for i, v in list(procs.items()):
                if v is None:
                    continue
                p, log, before = v
                st = last_status(log)
                if st:
                    execs += st[0]
                    eps += st[4]
                    peak["cov"] = max(peak["cov"], st[1])
                    peak["ft"] = max(peak["ft"], st[2])
                if p.poll() is not None:
                    done_execs[i] += st[0] if st else 0
                    # a failing seed is dropped and costs no restart; another finding stopped
                    # this worker while fuzzing: start it again (bounded)
                    dropped = p.returncode != 0 and dropped_at_load(log, arts, before, seedset)
                    if p.returncode != 0 and time.time() < end - 2 and (dropped or restarts[i] < 100):
                        restarts[i] += not dropped
                        procs[i] = spawn(i)
                    else:
                        procs[i] = None
                    execs -= st[0] if st else 0
            total = execs + sum(done_execs)
            raw = count_files(arts)
            timeline.append({"t": round(time.time() - start, 1), "execs": total,
                             "coverage": peak["cov"], "features": peak["ft"],
                             "corpus": count_files(corpus)})
            progress.show(f"[{fmt_time(time.time() - start)}/{fmt_time(a.duration)}] {a.target} "
                          f"libfuzzer x{workers}: {total:,} execs, {eps:,} exec/s, "
                          f"cov {peak['cov']} ft {peak['ft']}, corpus {count_files(corpus)}, "
                          f"findings {raw} (raw), failing seeds {len(seedset.failing)}")
            if time.time() > end + 30:
                break
    finally:
        for v in procs.values():
            if v is not None:
                stop(v[0])
    progress.finish()
    return {"execs": sum(done_execs), "coverage_edges": peak["cov"], "features": peak["ft"],
            "restarts": sum(restarts), "failing_seeds": seedset.failing,
            "timeline": timeline}, _libfuzzer_findings(arts, seedset)


def _libfuzzer_cmd(binary, a, remaining: int, arts, seed: int, corpus, seeds) -> list[str]:
    return [str(binary), f"-max_total_time={remaining}", f"-artifact_prefix={arts}/",
            "-print_final_stats=1", "-timeout=10", "-rss_limit_mb=2048", "-reload=1",
            f"-seed={seed}"] + libfuzzer_flags(a.target) + a.extra + [str(corpus), str(seeds)]


def _libfuzzer_findings(arts, seedset) -> list:
    """The artifacts, then the failing seeds screened out before the start (by name: libFuzzer
    names an artifact by the input's SHA-1, as the seed set does)."""
    files = sorted(p for p in arts.iterdir() if p.is_file())
    met = {p.name.partition("-")[2] for p in files}
    return files + [p for p in seedset.files() if p.name not in met]


def afl_stats(d: Path):
    st = {}
    try:
        for line in (d / "fuzzer_stats").read_text().splitlines():
            k, _, v = line.partition(":")
            st[k.strip()] = v.strip()
    except OSError:
        pass
    return st


def afl_env(mutator=None, no_affinity=False):
    """afl-fuzz's environment. AFL_SKIP_CRASHES: a seed that crashes is skipped (and said in the
    log, where skipped_seeds() reads it) instead of stopping afl-fuzz before it starts."""
    env = env_with(AFL_NO_UI="1", AFL_SKIP_CPUFREQ="1", AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES="1",
                   AFL_IGNORE_UNKNOWN_ENVS="1", AFL_FAST_CAL="1", AFL_CMPLOG_ONLY_NEW="1",
                   AFL_SKIP_CRASHES="1", AFL_NO_AFFINITY="1" if no_affinity else "",
                   ASAN_OPTIONS="abort_on_error=1:symbolize=0:detect_leaks=0:"
                                "allocator_may_return_null=1",
                   MSAN_OPTIONS="exit_code=86:symbolize=0")  # afl-fuzz insists on 86
    if mutator:
        env["AFL_CUSTOM_MUTATOR_LIBRARY"] = str(mutator)
    return env


SKIPPED_RE = re.compile(r"Test case '[^']*?([0-9a-f]{40})[^']*' results in a (crash|timeout)")


def skipped_seeds(logs, indir: Path, seedset: SeedSet):
    """The seeds afl-fuzz skipped at its dry run (AFL_SKIP_CRASHES): dropped from the seed set
    (so the kept corpus loses them too) and returned as the finding files they are."""
    shas = []
    for log in logs:
        try:
            text = log.read_text(errors="replace")
        except OSError:
            continue
        for m in SKIPPED_RE.finditer(re.sub(r"\x1b\[[0-9;]*m", "", text)):
            if m.group(1) not in shas:
                shas.append(m.group(1))
    for sha in shas:
        if not seedset.drop(sha, "afl-fuzz skipped it at its dry run (crash)"):
            # the input was only in afl-in (a seed longer than kept there never is)
            seedset.failing_dir.mkdir(exist_ok=True)
            if (indir / sha).exists():
                shutil.copyfile(indir / sha, seedset.failing_dir / sha)
                seedset.failing.append({"sha1": sha, "name": sha, "from": "afl-in",
                                        "engine_said": "afl-fuzz skipped it at its dry run"})
    return shas


def afl_timeline(afl_out: Path):
    """Coverage over time from every instance's plot_data (AFL++ writes a row every few seconds):
    at each row time, edges = the most any instance has, execs = the sum of each one's last row."""
    rows = []
    for inst in sorted(afl_out.glob("*")):
        try:
            lines = (inst / "plot_data").read_text().splitlines()
        except OSError:
            continue
        head = [h.strip() for h in lines[0].lstrip("#").split(",")] if lines else []
        if not {"relative_time", "total_execs", "edges_found"} <= set(head):
            continue
        for line in lines[1:]:
            v = [x.strip() for x in line.split(",")]
            if len(v) == len(head):
                row = dict(zip(head, v))
                rows.append((int(row["relative_time"]), inst.name, int(row["total_execs"]),
                             int(row["edges_found"]), int(row.get("corpus_count", 0))))
    last, out = {}, []
    for t, name, execs, edges, corpus in sorted(rows):
        last[name] = (execs, edges, corpus)
        out.append({"t": t, "execs": sum(x[0] for x in last.values()),
                    "coverage": max(x[1] for x in last.values()),
                    "corpus": max(x[2] for x in last.values())})
    return out


def run_afl(a, root, out, corpus, seeds, workers, progress):
    refserver = a.target == "refserver"
    binary = root / "fuzz-afl" / ("refserver" if refserver else a.target)
    cmplog = root / "fuzz-afl-cmplog" / a.target
    dict_target = PSEUDO_TARGETS.get(a.target, a.target)
    indir = out / "afl-in"
    indir.mkdir(parents=True)
    seedset = SeedSet(seeds, corpus, out)
    if not refserver:
        seedset.screen(root / "fuzz-replay" / a.target)
    max_len = int(options(dict_target).get("max_len", 16384))
    for d in (seedset.seeds, corpus):
        for p in sorted(Path(d).glob("*")) if Path(d).exists() else []:
            data = p.read_bytes() if p.is_file() else None
            if data is not None and len(data) <= max_len:
                (indir / hashlib.sha1(data).hexdigest()).write_bytes(data)
    afl_out = out / "afl"
    logs = out / "logs"
    logs.mkdir(parents=True)
    request_shaped = dict_target in ("fuzz_decide", "fuzz_stream", "fuzz_render")
    mut = root / "fuzz-afl" / "sy_mutator.so"
    env = afl_env(mut if request_shaped and mut.exists() and not a.no_custom_mutator else None,
                  no_affinity=workers > (os.cpu_count() or 1))
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
    progress.finish()
    execs = edges = 0
    for inst in afl_out.glob("*"):
        st = afl_stats(inst)
        execs += int(st.get("execs_done", 0))
        edges = max(edges, int(st.get("edges_found", 0)))
    failing = set(skipped_seeds(sorted(logs.glob("afl-*.log")), indir, seedset))
    # keep what AFL++ found for the next campaign, whichever engine it uses (not a failing seed)
    for q in afl_out.glob("*/queue/id:*"):
        data = q.read_bytes()
        h = hashlib.sha1(data).hexdigest()
        if h not in failing:
            (corpus / h).write_bytes(data)
    files = sorted(list(afl_out.glob("*/crashes/id:*")) + list(afl_out.glob("*/hangs/id:*"))
                   + seedset.files())
    if not any(p.poll() == 0 for p in procs):
        print(f"campaign: afl-fuzz did not exit cleanly; see {logs}", file=sys.stderr)
    return {"execs": execs, "coverage_edges": edges, "afl_custom_mutator":
            env.get("AFL_CUSTOM_MUTATOR_LIBRARY"), "failing_seeds": seedset.failing,
            "timeline": afl_timeline(afl_out)}, files
