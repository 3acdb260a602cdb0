#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""fuzzbase: paths, environment and small helpers shared by campaign.py, triage.py, corecov.py,
engines.py and bugbench.py (standard library only)."""
import configparser
import hashlib
import os
import re
import signal
import subprocess
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


def sha1_of(path: Path):
    return hashlib.sha1(Path(path).read_bytes()).hexdigest()
