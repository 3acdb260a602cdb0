"""The reference's decisions, from `sy-decide` (never copied into Python)."""
from __future__ import annotations

import json
import subprocess

from .servers import build_dir


def decide(paths: list[str]) -> list[dict]:
    """`sy-decide FILE...`: the reference decision for each request file (one JSON object each)."""
    exe = build_dir() / "sy-decide"
    out = subprocess.run([str(exe), *paths], stdout=subprocess.PIPE, check=True, timeout=60)
    return [json.loads(line) for line in out.stdout.decode().splitlines() if line.strip()]
