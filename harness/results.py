"""Cells -> the results document (the stable schema behind report.json; see docs/harness.md).

Pure: no I/O. Agreement with the reference, per-server scores by requirement level, and the
divergence signatures are all computed here from the cells.
"""
from __future__ import annotations

import base64
from collections import Counter, defaultdict

from . import chain, compare
from .cases import Case
from .matrix import Cell
from .normalise import decision, view

SCHEMA = "switchyard-report/1"
VERDICTS = (compare.PASS, compare.INTEROP, compare.WARN, compare.SECURITY, compare.FAIL,
            compare.ERROR, compare.SKIP)
LEVELS = ("MUST", "SHOULD", "MAY")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def repro(server: str, case: str, mode: str) -> str:
    return f"python3 -m harness.run --server {server} --case {case} --mode {mode} --out reports/one"


def agreement(cells: list[Cell], reference: str) -> dict[tuple[str, str, str], tuple[bool | None, tuple]]:
    ref = {(c.case, c.mode): c for c in cells if c.server == reference}
    out = {}
    for c in cells:
        r = ref.get((c.case, c.mode))
        if c.server == reference:
            out[(c.server, c.case, c.mode)] = (True, ())
        elif r is None or c.event or r.event or c.obs.backend is not None:
            # (a chain to the sentinel answers by its script, not by any policy: no comparison)
            out[(c.server, c.case, c.mode)] = (None, ())
        else:
            out[(c.server, c.case, c.mode)] = compare.agreement(r.obs, c.obs)
    return out


def score(cells: list[Cell], levels: dict[str, str]) -> dict[str, dict[str, int]]:
    """Per requirement level of the request's rule (its reason's level, `levels`: case id ->
    level), counts of each verdict."""
    s = {lvl: {v: 0 for v in VERDICTS} | {"total": 0} for lvl in LEVELS}
    for c in cells:
        lvl = levels.get(c.case, "MUST")
        s[lvl][c.verdict.verdict] += 1
        s[lvl]["total"] += 1
    return s


def divergences(cells: list[Cell], reference: str, mode: str = "whole") -> list[dict]:
    """Cases where some servers split from the reference on the decision tuple (in one mode),
    deduplicated by signature (which servers, which fields)."""
    by_case: dict[str, dict[str, Cell]] = defaultdict(dict)
    for c in cells:
        if (c.mode == mode and not c.event and c.verdict.verdict != compare.SKIP
                and c.obs.backend is None):       # a chain to the sentinel: scripted, see agreement
            by_case[c.case][c.server] = c
    groups: dict[tuple, dict] = {}
    for case_id in sorted(by_case):
        row = by_case[case_id]
        if reference not in row:
            continue
        sig = compare.signature(case_id, {s: decision(c.obs) for s, c in row.items()}, reference)
        if not sig:
            continue
        g = groups.setdefault(sig, {"signature": [[s, list(f)] for s, f in sig], "cases": [],
                                    "servers": [s for s, _ in sig],
                                    "fields": sorted({x for _, f in sig for x in f})})
        g["cases"].append(case_id)
    return list(groups.values())


def document(cells: list[Cell], cases: list[Case], servers: list[dict], reference: str,
             meta: dict) -> dict:
    agree = agreement(cells, reference)
    levels = {c.id: c.level for c in cases}
    case_rows = [{
        "id": c.id, "path": c.path, "description": c.description, "rfc": c.rfc, "level": c.level,
        "status": c.status, "reason": c.reason, "modes": list(c.modes), "tail": c.tail,
        "prefer": c.prefer, "allow_http2": c.allow_http2, "equivalent_to": c.equivalent_to,
        "equivalence_rfc": c.equivalence_rfc, "origin": c.origin,
        "request_b64": b64(c.raw),
    } for c in cases]
    results = []
    for c in cells:
        ok, diff = agree[(c.server, c.case, c.mode)]
        results.append({
            "server": c.server, "case": c.case, "mode": c.mode,
            "verdict": c.verdict.verdict, "rule": c.verdict.rule, "rfc": c.verdict.rfc,
            "level": c.verdict.level, "detail": c.verdict.detail, "sentence": c.verdict.sentence,
            "findings": [f.__dict__ for f in c.verdict.findings],
            "agree": ok, "differs": list(diff),
            "observation": view(c.obs, benign=True) | {"notes": list(c.obs.notes),
                                                        "extra_statuses": list(c.obs.extra_statuses),
                                                        "after_101_b64": b64(c.obs.after_101),
                                                        "parse_error": c.obs.parse_error,
                                                        "tail_status": c.obs.tail_status},
            "response_b64": b64(c.obs.raw),
            "sent_b64": b64(c.sent) if c.sent != _raw_of(cases, c.case) else None,
            "backend": chain.to_json(c.obs.backend),     # a chain to the sentinel: its end
            "event": c.event or None,
            "elapsed_ms": round(c.obs.elapsed * 1000, 1),
            "repro": repro(c.server, c.case, c.mode),
        })
    by_server = defaultdict(list)
    for c in cells:
        by_server[c.server].append(c)
    for s in servers:
        mine = by_server.get(s["name"], [])
        s["score"] = score(mine, levels)
        s["verdicts"] = dict(Counter(c.verdict.verdict for c in mine))
        flags = [agree[(c.server, c.case, c.mode)][0] for c in mine]
        s["agree"] = sum(1 for f in flags if f is True)
        s["disagree"] = sum(1 for f in flags if f is False)
    totals = Counter(c.verdict.verdict for c in cells)
    return {
        "schema": SCHEMA,
        **meta,
        "reference": reference,
        "servers": servers,
        "cases": case_rows,
        "results": results,
        "divergences": divergences(cells, reference),
        "summary": {"cells": len(cells), "cases": len(cases),
                    "servers_ran": sum(1 for s in servers if s["status"] == "ran"),
                    "servers_skipped": sum(1 for s in servers if s["status"] != "ran"),
                    "verdicts": {v: totals.get(v, 0) for v in VERDICTS}},
    }


def _raw_of(cases: list[Case], case_id: str) -> bytes:
    for c in cases:
        if c.id == case_id:
            return c.raw
    return b""


def must_failures(doc: dict) -> set[tuple[str, str, str]]:
    return {(r["server"], r["case"], r["mode"]) for r in doc["results"]
            if r["verdict"] == compare.FAIL and r["level"] == "MUST"}


def new_must_failures(doc: dict, baseline: dict) -> set[tuple[str, str, str]]:
    return must_failures(doc) - {tuple(x) for x in baseline.get("must_failures", [])}


def gate(doc: dict, baseline: dict, flaky: set | frozenset = frozenset()) -> dict:
    """CI gate: only MUST-level failures that the baseline did not have count, and only those
    that reproduce (`flaky` lists the ones that did not on a re-run; they are reported, not
    counted)."""
    base = {tuple(x) for x in baseline.get("must_failures", [])}
    now = must_failures(doc)
    new = sorted(new_must_failures(doc, baseline) - set(flaky))
    fixed = sorted(base - now)
    return {"new_must_failures": [list(x) for x in new], "fixed": [list(x) for x in fixed],
            "flaky": [list(x) for x in sorted(flaky)], "passed": not new}


def baseline_of(doc: dict) -> dict:
    return {"schema": SCHEMA + "/baseline", "must_failures": sorted(list(x) for x in must_failures(doc))}
