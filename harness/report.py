"""The results document -> reports/: report.json, report.md, junit.xml, report.sarif, index.html,
findings.md (each (server, rule) Fail group once, to audit).

Only rendering here; every number comes from results.document(). JUnit and SARIF are built with
xml.etree / json (no hand-written markup); index.html is rendered by report_html.py.
"""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from . import findings, report_html

OUTPUTS = ("index.html", "report.md", "report.json", "junit.xml", "report.sarif", "findings.md")
SARIF_LEVEL = {"MUST": "error", "SHOULD": "warning", "MAY": "note"}


def write_all(doc: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    (out / "report.md").write_text(markdown(doc))
    junit(doc).write(out / "junit.xml", encoding="utf-8", xml_declaration=True)
    (out / "report.sarif").write_text(json.dumps(sarif(doc), indent=1, ensure_ascii=False) + "\n")
    (out / "index.html").write_text(report_html.render(doc))
    (out / "findings.md").write_text(findings.markdown(doc))


def _pct(score: dict) -> str:
    judged = score["total"] - score["skip"]
    return f"{100 * score['pass'] / judged:.0f}%" if judged else "-"


def summary_rows(doc: dict) -> list[list[str]]:
    rows = []
    for s in doc["servers"]:
        if s["status"] != "ran":
            rows.append([s["name"], "skipped", "", "", "", "", "", "", "", "", s["skip_reason"] or ""])
            continue
        v = s["verdicts"]
        sc = s["score"]
        rows.append([s["name"], str(s["cells"]), str(v.get("pass", 0)), str(v.get("interop", 0)),
                     str(v.get("warn", 0)), str(v.get("fail", 0)), str(v.get("error", 0)),
                     f"{_pct(sc['MUST'])} / {_pct(sc['SHOULD'])} / {_pct(sc['MAY'])}",
                     f"{s['agree']}/{s['agree'] + s['disagree']}", f"{s['cases_per_second']}",
                     f"{s['restarts']} restarts" if s["restarts"] else ""])
    return rows


HEAD = ["server", "cells", "pass", "interop", "warn", "fail", "error", "MUST/SHOULD/MAY pass",
        "agree w/ ref",
        "cases/s", "notes"]


def summary_table(doc: dict) -> str:
    rows = [HEAD] + summary_rows(doc)
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEAD) - 1)]
    lines = []
    for r in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[-1])
    s = doc["summary"]
    lines.append(f"{s['cases']} cases, {s['servers_ran']} servers ran, {s['servers_skipped']} skipped, "
                 f"{s['cells']} cells, matrix {doc['matrix_seconds']}s, wall {doc.get('wall_seconds', '?')}s")
    return "\n".join(lines)


def markdown(doc: dict) -> str:
    s = doc["summary"]
    out = ["# Switchyard conformance report", "",
           f"Generated {doc['generated']} by `{doc['command']}`. {s['cases']} cases x "
           f"{s['servers_ran']} servers = {s['cells']} cells (server x case x delivery mode); "
           f"matrix {doc['matrix_seconds']} s, wall {doc.get('wall_seconds', '?')} s. "
           f"Reference: `{doc['reference']}`.", "",
           "## Servers", "",
           "| " + " | ".join(HEAD) + " |", "|" + "---|" * len(HEAD)]
    for r in summary_rows(doc):
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in r) + " |")
    out += ["", "Versions:", ""]
    for sv in doc["servers"]:
        out.append(f"- `{sv['name']}`: {sv['description']}" + (f" ({sv['version']})" if sv["version"] else ""))
    if "gate" in doc:
        g = doc["gate"]
        out += ["", "## CI gate", "",
                f"{'PASSED' if g['passed'] else 'FAILED'}: {len(g['new_must_failures'])} new MUST "
                f"failure(s) against `{g['baseline']}`, {len(g['fixed'])} fixed."]
        out += [f"- NEW `{a}` `{b}` [{c}]" for a, b, c in g["new_must_failures"]]
        out += [f"- did not reproduce (not counted): `{a}` `{b}` [{c}]" for a, b, c in g.get("flaky", [])]
    out += ["", "## Failures (MUST, whole delivery)", "",
            "Each distinct (server, rule) group, with its sentence and bytes, is in `findings.md`.", "",
            "| server | case | rule | RFC | detail |", "|---|---|---|---|---|"]
    for r in doc["results"]:
        if r["verdict"] == "fail" and r["mode"] == "whole":
            out.append(f"| {r['server']} | {r['case']} | {r['rule']} | {r['rfc']} | "
                       f"{r['detail'].replace('|', '/')} |")
    out += ["", "## Divergences from the reference (deduplicated by signature, whole delivery)", ""]
    for d in doc["divergences"]:
        sig = "; ".join(f"{srv}: {', '.join(f)}" for srv, f in d["signature"])
        m = d.get("minimised")
        extra = f" — minimised to `{m['stem']}` ({m['original_bytes']} -> {m['bytes']} bytes)" if m else ""
        out.append(f"- {len(d['cases'])} case(s), e.g. `{d['cases'][0]}`: {sig}{extra}")
    out += ["", "Reproduce one cell: `python3 -m harness.run --server NAME --case TOPIC/SCENARIO "
            "--mode MODE --out reports/one` (see docs/harness.md).", ""]
    return "\n".join(out)


def junit(doc: dict) -> ET.ElementTree:
    """One testsuite per server, one testcase per case x mode (the id style `topic/scenario[server-mode]`)."""
    root = ET.Element("testsuites", name="switchyard-conformance")
    by_server: dict[str, list[dict]] = {}
    for r in doc["results"]:
        by_server.setdefault(r["server"], []).append(r)
    for sv in doc["servers"]:
        rs = by_server.get(sv["name"], [])
        suite = ET.SubElement(root, "testsuite", name=sv["name"], tests=str(len(rs)),
                              failures=str(sum(r["verdict"] == "fail" for r in rs)),
                              errors=str(sum(r["verdict"] == "error" for r in rs)),
                              skipped=str(sum(r["verdict"] == "skip" for r in rs) + (sv["status"] != "ran")),
                              time=str(sv["seconds"]))
        if sv["status"] != "ran":
            tc = ET.SubElement(suite, "testcase", classname=sv["name"], name="(server)")
            ET.SubElement(tc, "skipped", message=sv["skip_reason"] or "skipped")
        for r in rs:
            tc = ET.SubElement(suite, "testcase", classname=f"{sv['name']}.{r['case'].split('/')[0]}",
                               name=f"{r['case']}[{r['server']}-{r['mode']}]",
                               time=f"{r['elapsed_ms'] / 1000:.3f}")
            props = ET.SubElement(tc, "properties")
            for k in ("verdict", "rule", "rfc", "level", "agree"):
                ET.SubElement(props, "property", name=k, value=str(r[k]))
            msg = f"{r['rule']} ({r['rfc']}, {r['level']}): {r['detail']}"
            if r["verdict"] == "fail":
                ET.SubElement(tc, "failure", message=msg, type=r["rule"]).text = r["repro"]
            elif r["verdict"] == "error":
                ET.SubElement(tc, "error", message=msg, type=r["rule"]).text = r["repro"]
            elif r["verdict"] == "skip":
                ET.SubElement(tc, "skipped", message=r["detail"])
            elif r["verdict"] in ("warn", "interop"):
                ET.SubElement(tc, "system-out").text = f"{r['verdict'].upper()} {msg}"
    return ET.ElementTree(root)


def sarif(doc: dict) -> dict:
    """SARIF 2.1.0: one rule per (rule, RFC section); one result per fail/warn, located at the
    case's .http file."""
    rules: dict[str, dict] = {}
    results = []
    cases = {c["id"]: c for c in doc["cases"]}
    for r in doc["results"]:
        if r["verdict"] not in ("fail", "warn", "interop"):
            continue
        rid = f"{r['rule']}/{r['rfc']}".replace(" ", "_")
        if rid not in rules:
            rules[rid] = {"id": rid, "name": r["rule"],
                          "shortDescription": {"text": f"{r['rule']} ({r['rfc']})"},
                          "fullDescription": {"text": r.get("sentence") or r["rule"]},
                          "properties": {"rfc": r["rfc"], "level": r["level"]}}
        level = SARIF_LEVEL.get(r["level"], "warning") if r["verdict"] == "fail" else "note"
        results.append({
            "ruleId": rid, "level": level,
            "message": {"text": f"{r['server']} [{r['mode']}]: {r['detail']}"},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": cases[r["case"]]["path"]}}}],
            "properties": {"server": r["server"], "case": r["case"], "mode": r["mode"],
                           "verdict": r["verdict"], "agree": r["agree"]},
        })
    return {"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0",
            "runs": [{"tool": {"driver": {"name": "switchyard-harness",
                                          "rules": list(rules.values())}},
                      "results": results}]}
