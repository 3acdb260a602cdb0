# SPDX-License-Identifier: MIT
"""OSS-Fuzz as check.py emulates it: the builder's environment per configuration (flags of the
base-clang/base-builder images, base-runner's options, bad_build_check's thresholds), the $SRC
layout a build sees, and running a command in its own process group."""
import os
import shutil
import signal
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

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

