# SPDX-License-Identifier: MIT
"""One fuzz target in a built $OUT, checked the way base-runner's bad_build_check does, plus the
stricter local checks check.py's docstring lists (instrumentation per function group, libFuzzer
and AFL++ runs from the seeds)."""
import configparser
import glob
import os
import re
import shutil
import subprocess
import zipfile

from ossenv import AFL_RUN_ENV, FUZZER_ARGS, ROOT, RUNNER_ENV, run

# bad_build_check's thresholds.
MIN_EDGES = 100
ASAN_MIN, MSAN_MIN, UBSAN_MIN = 1000, 1000, 168
UBSAN_MAX_NON_UBSAN, MSAN_MAX_NON_MSAN = 200, 3
# Shared libraries a target may need: the C and C++ runtimes, nothing of the project's.
ALLOWED_NEEDED = re.compile(
    r"^(libc|libm|libdl|libpthread|librt|libresolv|libutil|libstdc\+\+|libgcc_s|libc\+\+|"
    r"libc\+\+abi|ld-linux-x86-64)\.so(\.[0-9]+)*$")

# ---- binary inspection ----
# Built without coverage on purpose, so not counted as core: the per-byte scans marked SY_HOT_SCAN
# (reference_server/chars.h says why) and the request mutator, which runs outside the target
# (mk/fuzz.mk drops fuzzer-no-link for it). Read from the tree build.sh saw.
MUTATOR_SOURCES = ("fuzzers/mutator.c", "fuzzers/shape.c", "fuzzers/shape_ops.c", "fuzzers/grammar.c",
                   "fuzzers/tokens.c")


def uninstrumented(repo):
    names = set()
    for path in glob.glob(os.path.join(repo, "reference_server", "*.c")):
        with open(path) as f:
            names.update(re.findall(r"^SY_HOT_SCAN\s[^(;]*?\b(sy_\w+)\(", f.read(), re.M))
    for rel in MUTATOR_SOURCES:
        with open(os.path.join(repo, rel)) as f:
            names.update(re.findall(r"^[A-Za-z_][\w \t*]*?\b(sy_\w+)\([^;]*$", f.read(), re.M))
    return names


def objdump_stats(path, exempt=frozenset()):
    """Global sanitizer call counts (bad_build_check's egrep) and, per function group, how many
    functions carry coverage instrumentation and sanitizer calls (names in exempt: no group)."""
    sec = subprocess.run(["objdump", "-h", path], capture_output=True, text=True).stdout
    cntrs = []
    for m in re.finditer(r"^\s*\d+\s+(\S+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s", sec, re.M):
        if m.group(1) in ("__sancov_cntrs", "__sancov_guards"):
            lo = int(m.group(3), 16)
            cntrs.append((lo, lo + int(m.group(2), 16)))
    p = subprocess.Popen(["objdump", "-d", "-C", "--no-show-raw-insn", path],
                         stdout=subprocess.PIPE, text=True, errors="replace")
    calls = {"asan": 0, "msan": 0, "ubsan": 0, "dfsan": 0}
    call_re = re.compile(r"\bcallq?\s+[0-9a-f]+\s+<__(asan|msan|ubsan|dfsan)")
    func_re = re.compile(r"^[0-9a-f]+ <(.+)>:$")
    rip_re = re.compile(r"# ([0-9a-f]+) <")
    groups = {"core": {}, "llhttp": {}, "target": {}}
    cur = None
    for line in p.stdout:
        m = func_re.match(line)
        if m:
            name = m.group(1)
            g = (None if name in exempt else
                 "core" if name.startswith("sy_") else
                 "llhttp" if name.startswith("llhttp") else
                 "target" if name == "LLVMFuzzerTestOneInput" else None)
            cur = None
            if g:
                cur = groups[g].setdefault(name, {"cov": False, "san": 0})
            continue
        c = call_re.search(line)
        if c:
            calls[c.group(1)] += 1
        if cur is None:
            continue
        if c or "__msan_" in line or "__asan_" in line or "__ubsan_" in line:
            cur["san"] += 1
        if "<__afl_area_ptr" in line or "__sanitizer_cov_trace" in line:
            cur["cov"] = True
        else:
            r = rip_re.search(line)
            if r and any(lo <= int(r.group(1), 16) < hi for lo, hi in cntrs):
                cur["cov"] = True
    p.wait()
    return calls, groups


def needed_libs(path):
    out = subprocess.run(["readelf", "-d", path], capture_output=True, text=True).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


def read_options(path):
    """<target>.options as run_fuzzer uses it: [libfuzzer] -> flags, [asan]/[ubsan]/[msan] ->
    appended to the *_OPTIONS variables."""
    flags, extra = [], {}
    if not os.path.exists(path):
        return flags, extra
    cp = configparser.ConfigParser()
    cp.optionxform = str
    cp.read(path)
    for sec in cp.sections():
        items = cp.items(sec)
        if sec == "libfuzzer":
            flags += ["-%s=%s" % (k, v) for k, v in items]
        elif sec in ("asan", "ubsan", "msan"):
            extra[sec.upper() + "_OPTIONS"] = ":".join("%s=%s" % kv for kv in items)
    return flags, extra


def is_target(path):
    name = os.path.basename(path)
    if (not os.path.isfile(path) or not os.access(path, os.X_OK) or "." in name
            or name == "llvm-symbolizer" or name.startswith(("afl-", "jazzer_"))):
        return False
    with open(path, "rb") as f:
        data = f.read()
    return (data[:4] == b"\x7fELF" or data[:2] == b"#!") and b"LLVMFuzzerTestOneInput" in data


# ---- per-target checks ----
class Target:
    def __init__(self, config, out, name, scratch, fuzz_seconds, repo):
        self.config, self.out, self.name, self.repo = config, out, name, repo
        self.engine, self.sanitizer = config.split("-")
        self.path = os.path.join(out, name)
        self.scratch = os.path.join(scratch, name)
        self.fuzz_seconds = fuzz_seconds
        self.fail = []
        self.notes = []

    def bad(self, msg):
        self.fail.append("BAD BUILD: %s [%s]: %s" % (self.name, self.config, msg))

    def found(self, msg):
        """A finding of the short fuzzing run: the build is fine, the code (or an oracle) is not."""
        self.fail.append("FINDING: %s [%s]: %s" % (self.name, self.config, msg))

    def runner_env(self, extra):
        env = {k: v for k, v in os.environ.items()
               if not k.endswith("_OPTIONS") and not k.startswith("AFL_")}
        env.update(RUNNER_ENV)
        for k, v in extra.items():
            env[k] = env[k] + ":" + v if k in env else v
        if self.engine == "afl":
            env.update(AFL_RUN_ENV)
            env["ASAN_OPTIONS"] += ":abort_on_error=1:symbolize=0:detect_odr_violation=0"
            env["ASAN_OPTIONS"] = env["ASAN_OPTIONS"].replace("detect_leaks=1", "detect_leaks=0")
            # afl-fuzz refuses sanitizer options without these (as OSS-Fuzz's run_fuzzer sets them).
            env["MSAN_OPTIONS"] += ":exit_code=86:symbolize=0"
            env["UBSAN_OPTIONS"] += ":halt_on_error=1:abort_on_error=1:symbolize=0"
        return env

    def check(self):
        if os.path.exists(self.scratch):
            shutil.rmtree(self.scratch)
        os.makedirs(self.scratch)
        self.check_files()
        self.check_binary()
        if self.engine == "libfuzzer":
            self.check_libfuzzer()
        else:
            self.check_afl()
        return self

    def check_files(self):
        zpath = os.path.join(self.out, self.name + "_seed_corpus.zip")
        self.seeds = os.path.join(self.scratch, "seeds")
        os.makedirs(self.seeds)
        if not os.path.exists(zpath):
            self.bad(self.name + "_seed_corpus.zip missing from $OUT")
        else:
            with zipfile.ZipFile(zpath) as z:
                names = z.namelist()
                if not names:
                    self.bad("empty seed corpus zip")
                if any("/" in n for n in names):
                    self.bad("seed corpus zip is not flat (use zip -j)")
                z.extractall(self.seeds)
            self.notes.append("%d seeds" % len(names))
        src = os.path.join(self.repo, "fuzzers")  # the tree build.sh saw, not the live one
        for ext in ("dict", "options"):
            if (os.path.exists(os.path.join(src, "%s.%s" % (self.name, ext)))
                    and not os.path.exists(os.path.join(self.out, "%s.%s" % (self.name, ext)))):
                self.bad("fuzzers/%s.%s exists but $OUT has no copy" % (self.name, ext))
        self.lf_flags, self.san_extra = read_options(os.path.join(self.out, self.name + ".options"))
        dict_path = os.path.join(self.out, self.name + ".dict")
        self.dict = dict_path if os.path.exists(dict_path) else None
        if self.dict and not any(f.startswith("-dict=") for f in self.lf_flags):
            self.lf_flags.append("-dict=" + self.dict)

    def check_binary(self):
        desc = subprocess.run(["file", "-b", self.path], capture_output=True, text=True).stdout
        if "x86-64" not in desc:
            self.bad("not built for x86-64: " + desc.strip())
        for lib in needed_libs(self.path):
            if not ALLOWED_NEEDED.match(lib):
                self.bad("links %s dynamically (OSS-Fuzz's runner has only the C/C++ runtime; "
                         "link it statically)" % lib)
        calls, groups = objdump_stats(self.path, uninstrumented(self.repo))
        self.notes.append("calls asan=%(asan)d ubsan=%(ubsan)d msan=%(msan)d" % calls)
        s = self.sanitizer
        if calls["dfsan"]:
            self.bad("compiled with DFSan")
        if s == "address":
            if calls["asan"] < ASAN_MIN:
                self.bad("does not seem to be compiled with ASan (%d asan calls)" % calls["asan"])
            if calls["msan"] > MSAN_MAX_NON_MSAN:
                self.bad("ASan build seems to be compiled with MSan")
            if calls["ubsan"] > UBSAN_MAX_NON_UBSAN:
                self.bad("ASan build seems to be compiled with UBSan (%d)" % calls["ubsan"])
        elif s == "undefined" and self.engine == "libfuzzer":
            if calls["asan"]:
                self.bad("UBSan build seems to be compiled with ASan")
            if calls["msan"] > MSAN_MAX_NON_MSAN:
                self.bad("UBSan build seems to be compiled with MSan")
            if calls["ubsan"] < UBSAN_MIN:
                self.bad("does not seem to be compiled with UBSan (%d ubsan calls)" % calls["ubsan"])
        elif s == "memory":
            if calls["asan"]:
                self.bad("MSan build seems to be compiled with ASan")
            if calls["msan"] < MSAN_MIN:
                self.bad("does not seem to be compiled with MSan (%d msan calls)" % calls["msan"])
            if calls["ubsan"] > UBSAN_MAX_NON_UBSAN:
                self.bad("MSan build seems to be compiled with UBSan")
        # Local, stricter: the code under test itself carries the instrumentation.
        san_name = {"address": "ASan", "undefined": "UBSan", "memory": "MSan"}[s]
        for g, funcs in sorted(groups.items()):
            if not funcs:
                if g != "target":
                    self.bad("no %s functions found in the binary" % g)
                continue
            cov = sum(1 for f in funcs.values() if f["cov"])
            san = sum(f["san"] for f in funcs.values())
            self.notes.append("%s: %d/%d functions with coverage, %d sanitizer refs"
                              % (g, cov, len(funcs), san))
            if cov < 0.8 * len(funcs):
                self.bad("%s code built without coverage instrumentation (%d of %d functions)"
                         % (g, cov, len(funcs)))
            # The harness function may hold nothing a sanitizer checks; the libraries must.
            if g != "target" and san < 10:
                self.bad("%s code built without %s checks (%d sanitizer references in %d "
                         "functions)" % (g, san_name, san, len(funcs)))

    def lf(self, args, timeout, tag):
        env = self.runner_env(self.san_extra)
        return run([self.path] + args, env=env, cwd=self.out, timeout=timeout,
                   out_path=os.path.join(self.scratch, tag + ".log"))

    def check_libfuzzer(self):
        # bad_build_check: check_engine (no options) and check_startup_crash (with options).
        art = ["-artifact_prefix=%s/startup-" % self.scratch]  # never into $OUT
        rc, out = self.lf(["-seed=1337", "-runs=4"] + art, 120, "engine")
        if "ERROR: no interesting inputs were found" in out:
            self.bad("does not seem to have coverage instrumentation (no interesting inputs)")
            return
        m = re.search(r"INFO: Loaded \d+ module.*\((?:.*)(?:counters|guards)\):\s+(\d+)", out)
        if m:
            edges = int(m.group(1))
            self.notes.append("%d inline 8-bit counters" % edges)
            if edges < MIN_EDGES:
                self.bad("seems to have only partial coverage instrumentation (%d < %d counters)"
                         % (edges, MIN_EDGES))
        rc, out = self.lf(["-seed=1337", "-runs=4"] + art + self.lf_flags, 120, "startup")
        if rc != 0 or "Done 4 runs" not in out:
            self.bad("startup crash or exit (rc %s): %s" % (rc, finding(out)))
            return
        # The seed corpus must not crash (-runs=0 executes every seed once).
        rc, out = self.lf(["-runs=0"] + FUZZER_ARGS + self.lf_flags
                          + ["-artifact_prefix=%s/seedrun-" % self.scratch, self.seeds],
                          300, "seeds")
        if rc != 0:
            self.bad("crashes on its seed corpus (rc %s): %s" % (rc, finding(out)))
            return
        # A few seconds of fuzzing from the seeds, dictionary and options applied.
        corpus = os.path.join(self.scratch, "corpus")
        shutil.copytree(self.seeds, corpus)
        art = os.path.join(self.scratch, "artifacts")
        os.makedirs(art)
        rc, out = self.lf(["-seed=1", "-max_total_time=%d" % self.fuzz_seconds, "-print_final_stats=1",
                           "-artifact_prefix=%s/" % art] + FUZZER_ARGS + self.lf_flags + [corpus],
                          self.fuzz_seconds + 120, "fuzz")
        found = os.listdir(art)
        if rc != 0 or found:
            self.found("fuzzing for %ds found something (rc %s, %s): %s"
                     % (self.fuzz_seconds, rc, found, finding(out)))
        m = re.search(r"stat::average_exec_per_sec:\s+(\d+)", out)
        if m:
            self.notes.append("%s exec/s" % m.group(1))

    def check_afl(self):
        env = self.runner_env(self.san_extra)
        env["AFL_DUMP_MAP_SIZE"] = "1"
        rc, out = run([self.path], env=env, cwd=self.scratch, timeout=60)
        m = re.match(r"\s*(\d+)", out)
        size = int(m.group(1)) if m else 0
        self.notes.append("AFL map size %d" % size)
        if size < MIN_EDGES or size == 65536:  # 65536: the default, nothing registered
            self.bad("AFL map size %d: the target is not (fully) AFL-instrumented" % size)
            return
        env = self.runner_env(self.san_extra)
        fout = os.path.join(self.scratch, "afl-out")
        cmd = ["afl-fuzz", "-m", "none", "-t", "5000+", "-s", "1", "-i", self.seeds, "-o", fout,
               "-V", str(self.fuzz_seconds)]
        if self.dict:
            cmd += ["-x", self.dict]
        rc, out = run(cmd + ["--", self.path], env=env, cwd=self.scratch,
                      timeout=35 + self.fuzz_seconds + 30,
                      out_path=os.path.join(self.scratch, "afl.log"))
        if "All set and ready to roll" not in out:
            self.bad("fuzzing with afl-fuzz failed (no 'All set and ready to roll'): "
                     + tail(out))
            return
        if re.search(r"target binary (crashed|terminated)", out):
            self.bad("startup crash under afl-fuzz: " + tail(out))
        crashes = []
        for d in ("crashes", "hangs"):
            p = os.path.join(fout, "default", d)
            if os.path.isdir(p):
                crashes += sorted(os.path.join(p, f) for f in os.listdir(p) if f.startswith("id:"))
        if crashes:
            # Replay the first one through the target (the driver takes a file) to say what it is.
            _, rout = run([self.path, crashes[0]], env=self.runner_env(self.san_extra),
                          cwd=self.scratch, timeout=60)
            self.found("afl-fuzz found %d crash(es)/hang(s) in %ds, first %s: %s"
                     % (len(crashes), self.fuzz_seconds, os.path.relpath(crashes[0], ROOT),
                        finding(rout)))
        stats = os.path.join(fout, "default", "fuzzer_stats")
        if os.path.exists(stats):
            m = re.search(r"execs_per_sec\s*:\s*([\d.]+)", open(stats).read())
            if m:
                self.notes.append("%s exec/s" % m.group(1))


ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]")


FINDING = re.compile(r"SY-ORACLE|SUMMARY:|runtime error|ERROR: |==ERROR|Test unit written|"
                     r"PROGRAM ABORT|BAD BUILD")


def finding(out, n=8):
    """The lines that say what was found (oracle rule, sanitizer summary, artifact), else the tail."""
    lines = [l.strip() for l in ANSI.sub("", out).splitlines() if FINDING.search(l)]
    return ("\n    " + "\n    ".join(lines[:n])) if lines else tail(out)


def tail(out, n=12):
    lines = [l for l in ANSI.sub("", out).splitlines() if l.strip()]
    return "\n    " + "\n    ".join(lines[-n:])


