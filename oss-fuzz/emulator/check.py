#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Local stand-in for OSS-Fuzz's build + check_build, without Docker (`make oss-fuzz-check`).

For each configuration (libfuzzer+address, libfuzzer+undefined, libfuzzer+memory, afl+address):
  1. lays out $SRC like the builder image: $SRC/switchyard (a copy of the work tree's tracked and
     untracked-but-not-ignored files, as a fresh clone would have), $SRC/llhttp (a release-shaped
     src/ + include/ made from Debian's node-llhttp), $SRC/build.sh (oss-fuzz/build.sh);
  2. runs `bash -eux $SRC/build.sh` with OSS-Fuzz's environment for that configuration (flags from
     the base-clang/base-builder images, minus -stdlib=libc++: Debian's libFuzzer is built against
     libstdc++), into a fresh $WORK and $OUT;
  3. moves $OUT to a random directory (catches hard-coded paths), then checks every target the way
     base-runner's bad_build_check does, plus stricter local checks:
       - file says x86-64; no shared library beyond the C/C++ runtime (libcrypto must be static);
       - objdump call counts: ASan >= 1000 asan and <= 200 ubsan / <= 3 msan; UBSan 0 asan, >= 168
         ubsan; MSan 0 asan, >= 1000 msan (bad_build_check's thresholds);
       - local: the core's sy_* functions and llhttp's functions each carry the engine's coverage
         instrumentation and the sanitizer's checks (the runtime alone brings thousands of asan
         calls, so the global count cannot see an uninstrumented library);
       - libFuzzer: `-seed=1337 -runs=4` loads >= 100 inline 8-bit counters, finds interesting
         inputs, prints "Done 4 runs"; -runs=0 over the unzipped seed corpus exits 0; then a few
         seconds of fuzzing from the seeds with the .options/.dict applied find nothing;
       - AFL: the map size the target registers (AFL_DUMP_MAP_SIZE) is >= 100; afl-fuzz on the
         seeds prints "All set and ready to roll", never "target binary (crashed|terminated)",
         and records no crash in a few seconds;
       - every fuzzers/fuzz_*.c became a target, each with <target>_seed_corpus.zip (flat, not
         empty), and the .dict/.options that fuzzers/ has for it.
The run ends with "oss-fuzz-check: N passed, N failed" (one per configuration x target).

--selftest builds deliberately broken variants (coverage flags or the sanitizer left out of
$CFLAGS, AFL's compiler not used, a seed zip lost) and passes only if the check fails each of them
for the expected reason.
"""
import argparse
import concurrent.futures
import configparser
import glob
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# ---- OSS-Fuzz's environment (infra/base-images: base-clang, base-builder, base-runner) ----
BASE_CFLAGS = (
    "-O1 -fno-omit-frame-pointer -gline-tables-only "
    "-Wno-error=incompatible-function-pointer-types -Wno-error=int-conversion "
    "-Wno-error=deprecated-declarations -Wno-error=implicit-function-declaration "
    "-Wno-error=implicit-int -Wno-error=unknown-warning-option -Wno-error=vla-cxx-extension "
    "-DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION"
)
UBSAN_CHECKS = [
    "array-bounds", "bool", "builtin", "enum", "function", "integer-divide-by-zero", "null",
    "object-size", "return", "returns-nonnull-attribute", "shift", "signed-integer-overflow",
    "unsigned-integer-overflow", "unreachable", "vla-bound", "vptr",
]
SANITIZER_FLAGS = {
    "address": "-fsanitize=address -fsanitize-address-use-after-scope",
    "undefined": "-fsanitize=%s -fno-sanitize-recover=%s" % (
        ",".join(UBSAN_CHECKS),
        ",".join(c for c in UBSAN_CHECKS if c != "unsigned-integer-overflow")),
    "memory": "-fsanitize=memory -fsanitize-memory-track-origins",
}
RUNNER_ENV = {
    "ASAN_OPTIONS": "alloc_dealloc_mismatch=0:allocator_may_return_null=1:"
                    "allocator_release_to_os_interval_ms=500:check_malloc_usable_size=0:"
                    "detect_container_overflow=1:detect_odr_violation=0:detect_leaks=1:"
                    "detect_stack_use_after_return=1:fast_unwind_on_fatal=0:handle_abort=1:"
                    "handle_segv=1:handle_sigill=1:max_uar_stack_size_log=16:print_scariness=1:"
                    "quarantine_size_mb=10:strict_memcmp=1:symbolize=1:use_sigaltstack=1:"
                    "dedup_token_length=3",
    "MSAN_OPTIONS": "print_stats=1:symbolize=1:dedup_token_length=3",
    "UBSAN_OPTIONS": "print_stacktrace=1:print_summary=1:silence_unsigned_overflow=1:"
                     "symbolize=1:dedup_token_length=3",
}
FUZZER_ARGS = ["-rss_limit_mb=2560", "-timeout=25"]
AFL_RUN_ENV = {
    "AFL_NO_UI": "1", "AFL_SKIP_CPUFREQ": "1", "AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES": "1",
    "AFL_FAST_CAL": "1", "AFL_CMPLOG_ONLY_NEW": "1", "AFL_FORKSRV_INIT_TMOUT": "30000",
    "AFL_IGNORE_PROBLEMS": "1", "AFL_IGNORE_UNKNOWN_ENVS": "1", "AFL_NO_AFFINITY": "1",
}
# bad_build_check's thresholds.
MIN_EDGES = 100
ASAN_MIN, MSAN_MIN, UBSAN_MIN = 1000, 1000, 168
UBSAN_MAX_NON_UBSAN, MSAN_MAX_NON_MSAN = 200, 3
# Shared libraries a target may need: the C and C++ runtimes, nothing of the project's.
ALLOWED_NEEDED = re.compile(
    r"^(libc|libm|libdl|libpthread|librt|libresolv|libutil|libstdc\+\+|libgcc_s|libc\+\+|"
    r"libc\+\+abi|ld-linux-x86-64)\.so(\.[0-9]+)*$")

CONFIGS = ["libfuzzer-address", "libfuzzer-undefined", "libfuzzer-memory", "afl-address"]

# name: (config, what is broken, regex the failure must match)
SABOTAGES = {
    "nocov": ("libfuzzer-address", "objects compiled without -fsanitize=fuzzer-no-link",
              r"no interesting inputs|partial coverage instrumentation|without coverage"),
    "nosan-ubsan": ("libfuzzer-undefined", "objects compiled without the UBSan flags",
                    # bad_build_check's own count does not see this one here: the UBSan runtime
                    # and libFuzzer alone bring 173 ubsan calls (> 168); the per-library check does.
                    r"does not seem to be compiled with UBSan|without UBSan checks"),
    "nosan-asan": ("libfuzzer-address", "objects compiled without -fsanitize=address",
                   r"without ASan checks"),
    "afl-plain-cc": ("afl-address", "CC=clang instead of afl-clang-fast",
                     r"AFL map size|No instrumentation detected|without coverage"),
    "noseeds": ("libfuzzer-address", "a seed zip missing from $OUT",
                r"_seed_corpus\.zip missing"),
}


def log(msg):
    print(msg, flush=True)


def run(cmd, env=None, cwd=None, timeout=60, out_path=None):
    """Runs cmd in its own process group; kills the whole group on timeout. Returns
    (returncode or None on timeout, combined output)."""
    with tempfile.TemporaryFile() as tmp:
        p = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=tmp, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            rc = p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            rc = None
        finally:
            try:
                os.killpg(p.pid, signal.SIGKILL)  # children (afl-fuzz forkserver, libFuzzer jobs)
            except ProcessLookupError:
                pass
            p.wait()
        tmp.seek(0)
        out = tmp.read().decode("utf-8", "replace")
    if out_path:
        with open(out_path, "w") as f:
            f.write(out)
    return rc, out


def tracked_files():
    out = subprocess.run(["git", "-C", ROOT, "ls-files", "-z", "-co", "--exclude-standard"],
                         check=True, capture_output=True).stdout.decode()
    return [f for f in out.split("\0") if f and os.path.isfile(os.path.join(ROOT, f))]


def llhttp_paths():
    """Debian's node-llhttp, or the Makefile's LLHTTP_DIR layout when given."""
    d = os.environ.get("LLHTTP_DIR")
    if d:
        return os.path.join(d, "src"), os.path.join(d, "include")
    return "/usr/share/llhttp", "/usr/share/include/llhttp"


def make_tree(tree):
    """One snapshot of the work tree (tracked + untracked-but-not-ignored files, as a fresh clone
    plus local edits would have) and a release-shaped llhttp, shared by every configuration."""
    if os.path.exists(tree):
        shutil.rmtree(tree)
    repo = os.path.join(tree, "switchyard")
    for f in tracked_files():
        dst = os.path.join(repo, f)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(os.path.join(ROOT, f), dst)
    lsrc, linc = llhttp_paths()
    os.makedirs(os.path.join(tree, "llhttp", "src"))
    os.makedirs(os.path.join(tree, "llhttp", "include"))
    for f in ("api.c", "http.c", "llhttp.c"):
        shutil.copy2(os.path.join(lsrc, f), os.path.join(tree, "llhttp", "src", f))
    shutil.copy2(os.path.join(linc, "llhttp.h"), os.path.join(tree, "llhttp", "include"))


def make_src(tree, src, build_script):
    """$SRC as the builder image has it: switchyard/, llhttp/, and build.sh copied beside them
    (oss-fuzz/Dockerfile: COPY build.sh $SRC/; .clusterfuzzlite/Dockerfile: the same from
    .clusterfuzzlite/)."""
    if os.path.exists(src):
        shutil.rmtree(src)
    shutil.copytree(tree, src, symlinks=True)
    shutil.copy2(os.path.join(src, "switchyard", build_script), os.path.join(src, "build.sh"))


def afl_driver():
    for d in ("/usr/lib/afl", "/usr/local/lib/afl"):
        p = os.path.join(d, "libAFLDriver.a")
        if os.path.exists(p):
            return p
    raise SystemExit("oss-fuzz-check: libAFLDriver.a not found (apt-get install afl++)")


def build_env(config, src, work, out, sabotage=None):
    engine, sanitizer = config.split("-")
    env = {k: v for k, v in os.environ.items()
           if not k.endswith("_OPTIONS") and not k.startswith(("AFL_", "MAKE", "MFLAGS"))}
    san = SANITIZER_FLAGS[sanitizer]
    cov = "-fsanitize=fuzzer-no-link" if engine == "libfuzzer" else ""
    cflags = " ".join(x for x in (BASE_CFLAGS, san, cov) if x)
    env.update({
        "SRC": src, "WORK": work, "OUT": out, "SANITIZER": sanitizer, "FUZZING_ENGINE": engine,
        "ARCHITECTURE": "x86_64", "FUZZING_LANGUAGE": "c",
        "CFLAGS": cflags,
        "CXXFLAGS": cflags,  # OSS-Fuzz adds -stdlib=libc++; Debian's libFuzzer needs libstdc++
    })
    if engine == "libfuzzer":
        env.update({"CC": "clang", "CXX": "clang++", "CCC": "clang++",
                    "LIB_FUZZING_ENGINE": "-fsanitize=fuzzer"})
    else:
        env.update({"CC": "afl-clang-fast", "CXX": "afl-clang-fast++", "CCC": "afl-clang-fast++",
                    "LIB_FUZZING_ENGINE": afl_driver(), "AFL_QUIET": "1",
                    "AFL_IGNORE_PROBLEMS": "1", "AFL_IGNORE_UNKNOWN_ENVS": "1",
                    "ASAN_OPTIONS": "detect_leaks=0:symbolize=0:detect_odr_violation=0:"
                                    "abort_on_error=1"})
    if sabotage == "nocov":
        env["CFLAGS"] = " ".join((BASE_CFLAGS, san))
    elif sabotage in ("nosan-ubsan", "nosan-asan"):
        env["CFLAGS"] = " ".join((BASE_CFLAGS, cov))
    elif sabotage == "afl-plain-cc":
        env["CC"] = "clang"
    return env


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


# ---- one configuration ----
def check_config(config, args, sabotage=None):
    """Builds and checks one configuration. Returns (list of per-target results, failures)."""
    base = os.path.join(args.build_dir, config + ("-" + sabotage if sabotage else ""))
    if os.path.exists(base):
        shutil.rmtree(base)
    src, work, out = (os.path.join(base, d) for d in ("src", "work", "out"))
    # ClusterFuzzLite runs libFuzzer only: its build.sh (a delegate) builds libfuzzer-address.
    script = args.build_script or (".clusterfuzzlite/build.sh" if config == "libfuzzer-address"
                                   else "oss-fuzz/build.sh")
    make_src(os.path.join(args.build_dir, "tree"), src, script)
    os.makedirs(work)
    os.makedirs(out)
    env = build_env(config, src, work, out, sabotage)
    if args.targets:
        env["SY_FUZZ_TARGETS"] = " ".join(args.targets)
    t0 = time.time()
    rc, blog = run(["bash", "-eux", os.path.join(src, "build.sh")], env=env,
                   cwd=os.path.join(src, "switchyard"), timeout=args.build_timeout,
                   out_path=os.path.join(base, "build.log"))
    log("[%s] %s: rc %s in %.0fs (log: %s)" % (config, script, rc, time.time() - t0,
                                                      os.path.relpath(os.path.join(base, "build.log"), ROOT)))
    if rc != 0:
        return [], ["BAD BUILD: [%s] build.sh failed (rc %s):%s" % (config, rc, tail(blog, 25))]
    if sabotage == "noseeds":
        zips = sorted(f for f in os.listdir(out) if f.endswith("_seed_corpus.zip"))
        if zips:
            os.remove(os.path.join(out, zips[0]))
    # test_all moves $OUT first: a target that hard-codes its build-time path breaks here.
    moved = os.path.join(base, "out-" + secrets.token_hex(6))
    os.rename(out, moved)
    names = sorted(f for f in os.listdir(moved) if is_target(os.path.join(moved, f)))
    expected = sorted(f[:-2] for f in os.listdir(os.path.join(src, "switchyard", "fuzzers"))
                      if re.match(r"fuzz_.*\.c$", f))
    if args.targets:
        expected = [t for t in expected if t in args.targets]
    fails = []
    for t in expected:
        if t not in names:
            fails.append("BAD BUILD: [%s] fuzzers/%s.c produced no target in $OUT" % (config, t))
    for f in os.listdir(moved):
        if f not in names and not f.endswith((".zip", ".dict", ".options")) \
                and os.path.isfile(os.path.join(moved, f)):
            log("[%s] note: $OUT also holds %s" % (config, f))
    scratch = os.path.join(base, "run")
    results = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futs = [pool.submit(Target(config, moved, n, scratch, args.fuzz_seconds,
                                   os.path.join(src, "switchyard")).check)
                for n in names]
        for fu in futs:
            t = fu.result()
            results.append(t)
            status = "ok" if not t.fail else "FAILED"
            log("[%s] %-24s %s  (%s)" % (config, t.name, status, "; ".join(t.notes)))
            fails += t.fail
    if not names:
        fails.append("BAD BUILD: [%s] no fuzz targets in $OUT" % config)
    return results, fails


def check_shim(args):
    """MSan builds link the crypto shim instead of libcrypto: it must agree with libcrypto."""
    exe = os.path.join(args.build_dir, "crypto_shim_test")
    d = os.path.join(ROOT, "oss-fuzz", "msan")
    rc, out = run(["clang", "-O1", "-Wall", "-Wextra", "-Werror", "-DSHIM_PREFIX", "-I" + d,
                   os.path.join(d, "crypto_shim.c"), os.path.join(d, "crypto_shim_test.c"),
                   "-lcrypto", "-o", exe], timeout=120)
    if rc != 0:
        return ["crypto shim test did not build:" + tail(out)]
    rc, out = run([exe], timeout=120)
    log(out.strip().splitlines()[-1] if out.strip() else "crypto shim: no output")
    return [] if rc == 0 else ["crypto shim differs from libcrypto:" + tail(out)]


def check_packaging():
    """The files OSS-Fuzz and ClusterFuzzLite read, checked for what the local run cannot see:
    project.yaml fields, the Dockerfiles' layout and pins, the example workflows."""
    import yaml  # python3-yaml (deps/ossfuzz.txt)

    fails, warns = [], []

    def rd(p):
        with open(os.path.join(ROOT, p)) as f:
            return f.read()

    proj = yaml.safe_load(rd("oss-fuzz/project.yaml"))
    if proj.get("base_os_version") != "ubuntu-24-04":
        fails.append("oss-fuzz/project.yaml: base_os_version must be ubuntu-24-04 (python3 >= 3.11 "
                     "for fuzzers/seeds.py, OpenSSL 3.0)")
    if proj.get("language") != "c":
        fails.append("oss-fuzz/project.yaml: language must be c")
    for key in ("homepage", "primary_contact", "main_repo"):
        if not proj.get(key):
            fails.append("oss-fuzz/project.yaml: %s missing" % key)
    sans = set(proj.get("sanitizers") or ["address", "undefined"])
    engines = set(proj.get("fuzzing_engines") or ["libfuzzer", "afl", "honggfuzz", "centipede"])
    checked_sans = {c.split("-")[1] for c in CONFIGS}
    checked_engines = {c.split("-")[0] for c in CONFIGS}
    if sans - checked_sans:
        fails.append("oss-fuzz/project.yaml: sanitizers %s are not checked locally"
                     % sorted(sans - checked_sans))
    if "libfuzzer" not in engines:
        fails.append("oss-fuzz/project.yaml: OSS-Fuzz requires the libfuzzer engine")
    if engines - checked_engines:
        fails.append("oss-fuzz/project.yaml: engines %s are not checked locally"
                     % sorted(engines - checked_engines))
    # llhttp: the pinned release must be the version this machine builds against.
    lsrc, linc = llhttp_paths()
    hdr = open(os.path.join(linc, "llhttp.h")).read()
    ver = ".".join(re.search(r"#define LLHTTP_VERSION_%s (\d+)" % k, hdr).group(1)
                   for k in ("MAJOR", "MINOR", "PATCH"))
    pins = {}
    for df in ("oss-fuzz/Dockerfile", ".clusterfuzzlite/Dockerfile"):
        text = rd(df)
        # OSS-Fuzz: the image tag goes with base_os_version. ClusterFuzzLite: v1 (Ubuntu 20.04),
        # because its runner image is 20.04 too.
        want = (":ubuntu-24-04" if df.startswith("oss-fuzz") else ":v1")
        if not re.search(r"^FROM gcr\.io/oss-fuzz-base/base-builder%s\s*$" % re.escape(want),
                         text, re.M):
            fails.append("%s: not FROM gcr.io/oss-fuzz-base/base-builder%s" % (df, want))
        for pkg in ("libssl-dev", "libnghttp2-dev", "zip", "python3", "make"):
            if not re.search(r"apt-get install[^\n]*\b%s\b" % re.escape(pkg), text):
                fails.append("%s: does not install %s" % (df, pkg))
        m = re.search(r"--branch (release/v[\d.]+) https://github\.com/nodejs/llhttp\b", text)
        if not m:
            fails.append("%s: llhttp is not cloned at a pinned release tag" % df)
        elif m.group(1) != "release/v" + ver:
            fails.append("%s: pins llhttp %s but the local check builds %s"
                         % (df, m.group(1), ver))
        pins[df] = m and m.group(1)
    if len(set(pins.values())) != 1:
        fails.append("oss-fuzz/Dockerfile and .clusterfuzzlite/Dockerfile pin different versions: %s"
                     % pins)
    ofd = rd("oss-fuzz/Dockerfile")
    if not re.search(r"^COPY build\.sh \$SRC/\s*$", ofd, re.M):
        fails.append("oss-fuzz/Dockerfile: no 'COPY build.sh $SRC/'")
    if not re.search(r"git clone [^\n]*%s(\.git)? switchyard\s*$" % re.escape(proj.get("main_repo", "")),
                     ofd, re.M):
        fails.append("oss-fuzz/Dockerfile: does not clone main_repo into $SRC/switchyard")
    cfd = rd(".clusterfuzzlite/Dockerfile")
    for line in (r"COPY \. \$SRC/switchyard", r"COPY \.clusterfuzzlite/build\.sh \$SRC/"):
        if not re.search("^" + line + r"\s*$", cfd, re.M):
            fails.append(".clusterfuzzlite/Dockerfile: no '%s'" % line.replace("\\", ""))
    if yaml.safe_load(rd(".clusterfuzzlite/project.yaml")).get("language") != "c":
        fails.append(".clusterfuzzlite/project.yaml: language must be c")
    for wf in ("cflite_pr.yml", "cflite_batch.yml"):
        doc = yaml.safe_load(rd(".github/workflows/" + wf))
        steps = [st for job in doc["jobs"].values() for st in job["steps"]]
        uses = [st.get("uses", "") for st in steps]
        if not any("clusterfuzzlite/actions/build_fuzzers" in u for u in uses) or \
                not any("clusterfuzzlite/actions/run_fuzzers" in u for u in uses):
            fails.append("%s: needs build_fuzzers and run_fuzzers steps" % wf)
        for st in steps:
            w = st.get("with") or {}
            if "build_fuzzers" in st.get("uses", "") and w.get("language") != "c":
                fails.append("%s: build_fuzzers language must be c" % wf)
        for job in doc["jobs"].values():
            ms = set(job.get("strategy", {}).get("matrix", {}).get("sanitizer", []))
            if ms - checked_sans:
                fails.append("%s: sanitizers %s are not checked locally" % (wf, sorted(ms - checked_sans)))
    for p in ("oss-fuzz/project.yaml", "oss-fuzz/Dockerfile"):
        if "OWNER" in rd(p):
            warns.append("%s still says OWNER: set the real repository before submitting" % p)
    return fails, warns


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--configs", default=",".join(CONFIGS),
                    help="comma-separated subset of " + ",".join(CONFIGS))
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build", "oss-fuzz"))
    ap.add_argument("--build-script",
                    help="copied to $SRC/build.sh for every configuration (default: "
                         ".clusterfuzzlite/build.sh for libfuzzer-address, oss-fuzz/build.sh "
                         "for the others)")
    ap.add_argument("--fuzz-seconds", type=int, default=4)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--build-timeout", type=int, default=900)
    ap.add_argument("--targets", nargs="*", help="only these targets (default: all)")
    ap.add_argument("--selftest", action="store_true",
                    help="build broken variants; pass only if the check fails each for the "
                         "expected reason")
    args = ap.parse_args()
    args.build_dir = os.path.abspath(args.build_dir)
    os.makedirs(args.build_dir, exist_ok=True)
    t0 = time.time()
    make_tree(os.path.join(args.build_dir, "tree"))

    if args.selftest:
        if not args.targets:  # one target is enough to show a broken build is caught
            args.targets = sorted(f[:-2] for f in os.listdir(os.path.join(ROOT, "fuzzers"))
                                  if re.match(r"fuzz_.*\.c$", f))[:1]
        passed = failed = 0
        for name, (config, what, expect) in SABOTAGES.items():
            log("== selftest %s: %s (%s)" % (name, what, config))
            _, fails = check_config(config, args, sabotage=name)
            text = "\n".join(fails)
            if fails and re.search(expect, text):
                passed += 1
                first = next(l for l in fails if re.search(expect, l))
                log("   caught: " + first.splitlines()[0])
            else:
                failed += 1
                log("   NOT CAUGHT as expected (/%s/); failures were:\n%s" % (expect, text or "none"))
        log("oss-fuzz-check selftest: %d passed, %d failed (%.0fs)" % (passed, failed,
                                                                        time.time() - t0))
        return 1 if failed else 0

    fails, warns = check_packaging()
    log("packaging (project.yaml, Dockerfiles, workflows): %s" % ("ok" if not fails else "FAILED"))
    for w in warns:
        log("note: " + w)
    configs = [c for c in args.configs.split(",") if c]
    for c in configs:
        if c not in CONFIGS:
            ap.error("unknown configuration " + c)
    if "libfuzzer-memory" in configs:
        fails += check_shim(args)
    passed = failed = 0
    for c in configs:
        results, cfails = check_config(c, args)
        passed += sum(1 for t in results if not t.fail)
        failed += sum(1 for t in results if t.fail)
        # A failure that belongs to no target (build, missing target) counts once.
        if any(not any(f in t.fail for t in results) for f in cfails):
            failed += 1
        fails += cfails
    if fails and not failed:
        failed = 1  # packaging or the crypto shim
    for f in fails:
        log(f)
    log("oss-fuzz-check: %d passed, %d failed (%.0fs)" % (passed, failed, time.time() - t0))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
