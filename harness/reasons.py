"""The reference's reasons table, read from `sy-decide --reasons` (never copied into Python)."""
from __future__ import annotations

import functools
import json
import subprocess

from .servers import build_dir


@functools.lru_cache(maxsize=1)
def table() -> dict[str, dict]:
    """name -> {status, rfc, level, text}; empty when sy-decide is not built."""
    exe = build_dir() / "sy-decide"
    if not exe.exists():
        return {}
    out = subprocess.run([str(exe), "--reasons"], stdout=subprocess.PIPE, check=True, timeout=10)
    return {row["name"]: row for row in json.loads(out.stdout)}


def preferred_status(reason: str, expect: tuple[int, ...]) -> int:
    """The status the reference gives for `reason` when it is among `expect`, else expect[0]."""
    row = table().get(reason)
    if row is not None and row["status"] in expect:
        return row["status"]
    return expect[0]


def decide(paths: list[str]) -> list[dict]:
    """`sy-decide FILE...`: the reference decision for each request file (one JSON object each)."""
    exe = build_dir() / "sy-decide"
    out = subprocess.run([str(exe), *paths], stdout=subprocess.PIPE, check=True, timeout=60)
    return [json.loads(line) for line in out.stdout.decode().splitlines() if line.strip()]
