"""Minimise each divergence (deduplicated by signature) against the running servers and save it
as a corpus case (its reason: the reference core's decision, harness/core.py)."""
from __future__ import annotations

import base64
import hashlib
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Callable

from . import compare, core, matrix
from .cases import Case
from .minimise import Budget, minimise
from .normalise import decision
from .servers import Server

TOML_KEYS = ("reason", "description", "modes")   # a manifest row (harness/cases.py KEYS)


def _decisions(raw: bytes, case: Case, involved: list[Server], pool) -> dict:
    probe = replace(case, raw=raw)
    obs = list(pool.map(lambda s: matrix.run_one(s, probe, "whole", timeout=0.2)[0], involved))
    return {s.adapter.name: decision(o) for s, o in zip(involved, obs)}


def _toml_value(v) -> str:
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return str(v)


def save_case(folder: Path, stem: str, raw: bytes, row: dict) -> Path:
    """Write <stem>.http and append its table to cases.toml (idempotent for an existing stem)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem}.http"
    manifest = folder / "cases.toml"
    text = manifest.read_text() if manifest.exists() else (
        "# minimised divergences (written by harness/divergence.py; reasons from the reference core)\n")
    if f"[{stem}]" in text:
        return path
    path.write_bytes(raw)
    text += f"\n[{stem}]\n" + "".join(f"{k} = {_toml_value(row[k])}\n" for k in TOML_KEYS if k in row)
    manifest.write_text(text)
    return path


def minimise_all(doc: dict, cases: list[Case], running: dict[str, Server], out: Path, *,
                 budget: float, promote: bool, say: Callable[[str], None]) -> None:
    """Fill doc["divergences"][i]["minimised"] for as many signatures as the budget allows."""
    by_id = {c.id: c for c in cases}
    deadline = time.monotonic() + budget
    seen: set[bytes] = set()
    folders = [out / "minimised"] + ([Path(__file__).resolve().parent.parent / "corpus" / "minimised"]
                                    if promote else [])
    # one-server splits first: the likeliest to be one server's bug, and the cheapest to re-run
    groups = sorted(doc["divergences"], key=lambda g: (len(g["servers"]), g["cases"][0]))
    for g in groups:
        g["minimised"] = None               # the schema's null: not minimised (or not reached)
    done = 0
    for g in groups:
        left = deadline - time.monotonic()
        if left <= 0.5:
            break
        case = by_id[g["cases"][0]]
        involved = [running[n] for n in ["reference", *g["servers"]] if n in running]
        if len(involved) < 2 or not all(s.alive() for s in involved):
            continue
        want = {tuple(x[0] for x in g["signature"]): [tuple(x[1]) for x in g["signature"]]}
        with ThreadPoolExecutor(max_workers=len(involved)) as pool:
            def test(raw: bytes) -> bool:
                if not raw:
                    return False
                sig = compare.signature(case.id, _decisions(raw, case, involved, pool), "reference")
                return {tuple(s for s, _ in sig): [tuple(f) for _, f in sig]} == want
            b = Budget(max_tests=150, seconds=min(left, budget / 4))
            small = minimise(case.raw, test, b)
        if small == case.raw or small in seen:
            g["minimised"] = None
            continue
        seen.add(small)
        ref = core.facts(small)
        if not ref.decided:
            # the reference waits for more bytes: no decision, so no reason for the row
            say(f"minimised {case.id}: the reference does not decide on the {len(small)} bytes "
                f"left; not saved")
            continue
        stem = f"min_{case.id.split('/')[-1]}_{hashlib.sha1(small).hexdigest()[:8]}"
        row = {"reason": ref.reason,
               "description": f"minimised from {case.id}: {', '.join(g['servers'])} split from the "
                              f"reference on {', '.join(g['fields'])}",
               "modes": ["whole"]}
        paths = [str(save_case(f, stem, small, row)) for f in folders]
        g["minimised"] = {"stem": stem, "from": case.id, "bytes": len(small), "original_bytes": len(case.raw),
                          "tests": b.tests, "request_b64": base64.b64encode(small).decode(),
                          "paths": paths}
        done += 1
        say(f"minimised {case.id}: {len(case.raw)} -> {len(small)} bytes in {b.tests} tests "
            f"({', '.join(g['servers'])} on {', '.join(g['fields'])})")
    say(f"minimisation: {done} of {len(groups)} divergence signatures minimised")
