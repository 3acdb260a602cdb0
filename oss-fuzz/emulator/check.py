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
import os
import re
import secrets
import shutil
import sys
import time

from ossenv import (CONFIGS, ROOT, SABOTAGES, build_env, llhttp_paths, log, make_src, make_tree,
                    run)
from target import Target, is_target, tail


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


def _read(path):
    with open(os.path.join(ROOT, path)) as f:
        return f.read()


# the sanitizers the local run checks (CONFIGS): a project or workflow may ask for no other
CHECKED_SANS = {c.split("-")[1] for c in CONFIGS}


def _check_project(proj):
    """oss-fuzz/project.yaml's fields."""
    fails = []
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
    checked_engines = {c.split("-")[0] for c in CONFIGS}
    if sans - CHECKED_SANS:
        fails.append("oss-fuzz/project.yaml: sanitizers %s are not checked locally"
                     % sorted(sans - CHECKED_SANS))
    if "libfuzzer" not in engines:
        fails.append("oss-fuzz/project.yaml: OSS-Fuzz requires the libfuzzer engine")
    if engines - checked_engines:
        fails.append("oss-fuzz/project.yaml: engines %s are not checked locally"
                     % sorted(engines - checked_engines))
    return fails


def _check_dockerfiles(proj):
    """Both Dockerfiles: the base image, the packages, the llhttp pin (the release this machine
    builds against), and how the sources reach $SRC."""
    fails = []
    # llhttp: the pinned release must be the version this machine builds against.
    lsrc, linc = llhttp_paths()
    hdr = open(os.path.join(linc, "llhttp.h")).read()
    ver = ".".join(re.search(r"#define LLHTTP_VERSION_%s (\d+)" % k, hdr).group(1)
                   for k in ("MAJOR", "MINOR", "PATCH"))
    pins = {}
    for df in ("oss-fuzz/Dockerfile", ".clusterfuzzlite/Dockerfile"):
        text = _read(df)
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
    ofd = _read("oss-fuzz/Dockerfile")
    if not re.search(r"^COPY build\.sh \$SRC/\s*$", ofd, re.M):
        fails.append("oss-fuzz/Dockerfile: no 'COPY build.sh $SRC/'")
    if not re.search(r"git clone [^\n]*%s(\.git)? switchyard\s*$" % re.escape(proj.get("main_repo", "")),
                     ofd, re.M):
        fails.append("oss-fuzz/Dockerfile: does not clone main_repo into $SRC/switchyard")
    cfd = _read(".clusterfuzzlite/Dockerfile")
    for line in (r"COPY \. \$SRC/switchyard", r"COPY \.clusterfuzzlite/build\.sh \$SRC/"):
        if not re.search("^" + line + r"\s*$", cfd, re.M):
            fails.append(".clusterfuzzlite/Dockerfile: no '%s'" % line.replace("\\", ""))
    return fails


def _check_workflows(yaml):
    """ClusterFuzzLite's project.yaml and the example workflows."""
    fails = []
    if yaml.safe_load(_read(".clusterfuzzlite/project.yaml")).get("language") != "c":
        fails.append(".clusterfuzzlite/project.yaml: language must be c")
    for wf in ("cflite_pr.yml", "cflite_batch.yml"):
        doc = yaml.safe_load(_read(".github/workflows/" + wf))
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
            if ms - CHECKED_SANS:
                fails.append("%s: sanitizers %s are not checked locally" % (wf, sorted(ms - CHECKED_SANS)))
    return fails


def check_packaging():
    """The files OSS-Fuzz and ClusterFuzzLite read, checked for what the local run cannot see:
    project.yaml fields, the Dockerfiles' layout and pins, the example workflows."""
    import yaml  # python3-yaml (deps/ossfuzz.txt)

    proj = yaml.safe_load(_read("oss-fuzz/project.yaml"))
    fails = _check_project(proj) + _check_dockerfiles(proj) + _check_workflows(yaml)
    warns = []
    for p in ("oss-fuzz/project.yaml", "oss-fuzz/Dockerfile"):
        if "OWNER" in _read(p):
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
