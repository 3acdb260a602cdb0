"""Judge a saved report again with today's rules, without starting a server.

    python3 -m harness.rejudge reports/report.json [--out DIR]

Every cell's observation is rebuilt from report.json (its response bytes are parsed by llhttp
again; the fields the wire gave, fate and tail, are read back), judged by compare.classify and
relations.resolve against the current corpus, and the results document is written again with
the five reports. The rule fixtures of the harness's tests are observations read the same way.
"""
from __future__ import annotations

import argparse
import base64
import json
import sys
from pathlib import Path

from . import cases as cases_mod
from . import chain, compare, observe, relations, response
from .matrix import Cell
from .observe import Observation


def observation_of(result: dict) -> Observation:
    """The Observation behind one report.json result row."""
    v = result["observation"]
    raw = base64.b64decode(result.get("response_b64") or "")
    headers = tuple(tuple(h.split(": ", 1)) if ": " in h else (h.rstrip(":"), "")
                    for h in v.get("all_headers", []))
    parse_error = v.get("parse_error")
    if parse_error is None and v["decision"] == observe.INVALID and raw:
        parse_error = response.parse(raw).error
    return Observation(
        decision=v["decision"], status=v.get("status"), version=v.get("version", ""),
        reason_phrase=v.get("reason_phrase", ""), headers=headers, body_len=v.get("body_len", 0),
        parse_error=parse_error, accept_ok=v.get("accept_ok"), fate=v.get("fate", ""),
        tail=v.get("tail"), tail_status=v.get("tail_status"),
        after_101=base64.b64decode(v.get("after_101_b64") or ""),
        extra_statuses=tuple(v.get("extra_statuses", ())), raw=raw,
        elapsed=(result.get("elapsed_ms") or 0) / 1000, notes=tuple(v.get("notes", ())),
        backend=chain.from_json(result.get("backend")))


def cells_of(doc: dict, corpus: list[cases_mod.Case]) -> list[Cell]:
    """Cells of a saved report, judged by today's rules (a case no longer in the corpus is
    dropped; a server's claimed protocols are read from the report)."""
    by_id = {c.id: c for c in corpus}
    supports = {s["name"]: (tuple(s["supports"]) if s.get("supports") is not None else None)
                for s in doc["servers"]}
    roles = {s["name"]: s.get("role", "origin") for s in doc["servers"]}
    cells = []
    for r in doc["results"]:
        case = by_id.get(r["case"])
        if case is None:
            continue
        obs = observation_of(r)
        sent = base64.b64decode(r["sent_b64"]) if r.get("sent_b64") else case.raw
        if r.get("event"):
            verdict = compare.Verdict(compare.ERROR, r["rule"], r["rfc"], r["level"], r["detail"])
        else:
            verdict = compare.classify(case, obs, supports.get(r["server"]), roles.get(r["server"], "origin"))
        cells.append(Cell(r["server"], r["case"], r["mode"], obs, verdict, sent, r.get("event") or ""))
    return relations.resolve(cells, corpus)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m harness.rejudge", description=__doc__.split("\n\n")[0])
    ap.add_argument("report", type=Path, help="a report.json written by harness.run")
    ap.add_argument("--out", type=Path, default=None, help="where to write (default: the report's folder)")
    args = ap.parse_args(argv)
    try:
        doc = json.loads(args.report.read_text(encoding="utf-8"))
        if doc.get("schema") != "switchyard-report/1":
            raise ValueError(f"schema is {doc.get('schema')!r}, not 'switchyard-report/1'")
        corpus = cases_mod.load()
    except (OSError, ValueError, KeyError) as e:
        print(f"harness.rejudge: {args.report}: {e}", file=sys.stderr)
        return 2
    from . import report, results
    cells = cells_of(doc, corpus)
    chosen = [c for c in corpus if c.id in {x.case for x in cells}]
    meta = {k: doc[k] for k in ("generated", "command", "matrix_seconds", "wall_seconds",
                                "timeout_seconds") if k in doc}
    new = results.document(cells, chosen, doc["servers"], doc.get("reference", "reference"), meta)
    new["divergences"] = doc.get("divergences", new["divergences"])
    out = args.out or args.report.parent
    report.write_all(new, out)
    counts = new["summary"]["verdicts"]
    print(" ".join(f"{k} {v}" for k, v in counts.items()), f"-> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
