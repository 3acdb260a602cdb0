#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""triage: reproduce, sign, deduplicate and minimise findings (campaign.py run/triage,
bugbench.py)."""
import os
import re
import subprocess
import tempfile
import time
from pathlib import Path

from fuzzbase import ROOT, env_with  # noqa: E402

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
