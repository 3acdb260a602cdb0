"""The results document -> reports/: report.json, report.md, junit.xml, report.sarif, index.html,
findings.md (each (server, rule) Fail group once, to audit).

Only rendering here; every number comes from results.document(). JUnit and SARIF are built with
xml.etree / json (no hand-written markup); index.html is rendered by report_html.py.

The outputs are one set: `write_all` renders every entry of WRITERS (at the end of this module:
add an output there and it is written like the others) into a staging directory inside the
output directory, then renames each into place and writes `manifest.json` last (the size and
SHA-256 of every file of the set). Nothing of the previous set is touched before every new file
is complete; `verify` tells whether a directory holds one whole set. The caller holds off
SIGINT/SIGTERM/SIGHUP while this runs (harness/run.py).
"""
from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Callable

from . import chain_report, findings, report_html

SARIF_LEVEL = {"MUST": "error", "SHOULD": "warning", "MAY": "note"}
MANIFEST = "manifest.json"
MANIFEST_SCHEMA = "switchyard-report-set/1"
STAGING = ".staging-"


def _fsync_write(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes | str) -> None:
    """Write one file by a temporary file beside it and a rename: readers see the old content or
    the new, never a part."""
    path = Path(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    tmp = path.parent / f".{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        _fsync_write(tmp, data)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    _fsync_dir(path.parent)


def _clear_stale_staging(out: Path) -> None:
    """Remove staging directories left by a writer that was killed (its PID is gone)."""
    for p in out.glob(STAGING + "*"):
        pid = p.name[len(STAGING):].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid():
            try:
                os.kill(int(pid), 0)
                continue                    # its writer still runs
            except ProcessLookupError:
                pass
            except PermissionError:
                continue
        shutil.rmtree(p, ignore_errors=True)


def write_all(doc: dict, out: Path) -> None:
    """Every output of WRITERS, replaced as one set (see the module's docstring). An exception
    while rendering leaves the previous set untouched (and the staging directory removed)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    _clear_stale_staging(out)
    stage = out / f"{STAGING}{os.getpid()}-{secrets.token_hex(4)}"
    stage.mkdir()
    try:
        files = {}
        for name, render in WRITERS.items():
            data = render(doc)
            if isinstance(data, str):
                data = data.encode("utf-8")
            _fsync_write(stage / name, data)
            files[name] = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        manifest = {"schema": MANIFEST_SCHEMA, "generated": doc.get("generated"),
                    "command": doc.get("command"), "outcome": doc.get("outcome"), "files": files}
        _fsync_write(stage / MANIFEST, (json.dumps(manifest, indent=1) + "\n").encode())
        _fsync_dir(stage)
        # the swap: renames only (microseconds), the manifest last
        for name in files:
            os.replace(stage / name, out / name)
        os.replace(stage / MANIFEST, out / MANIFEST)
        _fsync_dir(out)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def previous(out: Path) -> dict | None:
    """The manifest of the set in `out`, or None (no set there, or no manifest)."""
    try:
        return json.loads((Path(out) / MANIFEST).read_text())
    except (OSError, ValueError):
        return None


def verify(out: Path) -> tuple[bool, str]:
    """Whether `out` holds one whole set: every file the manifest lists, with its size and
    SHA-256. (False, why) otherwise."""
    m = previous(out)
    if m is None or not isinstance(m.get("files"), dict):
        return False, f"no {MANIFEST} in {out}"
    for name, want in m["files"].items():
        try:
            data = (Path(out) / name).read_bytes()
        except OSError:
            return False, f"{name} is missing"
        if len(data) != want.get("bytes") or hashlib.sha256(data).hexdigest() != want.get("sha256"):
            return False, f"{name} is not the file the manifest lists"
    return True, f"the report generated {m.get('generated')} by `{m.get('command')}`"


def _pct(score: dict) -> str:
    judged = score["total"] - score["skip"]
    return f"{100 * score['pass'] / judged:.0f}%" if judged else "-"


def summary_rows(doc: dict) -> list[list[str]]:
    rows = []
    smuggling = chain_report.smuggling_by_server(doc)
    for s in doc["servers"]:
        notes = "; ".join(s.get("notes") or [])
        if s["status"] != "ran":
            why = "; ".join(x for x in (s["skip_reason"] or "", notes) if x)
            rows.append([s["name"], s["status"], "", "", "", "", "", "", "", "", "", why])
            continue
        v = s["verdicts"]
        sc = s["score"]
        rows.append([s["name"], str(s["cells"]), str(v.get("pass", 0)), str(v.get("interop", 0)),
                     str(v.get("warn", 0)), str(v.get("fail", 0)), str(smuggling.get(s["name"], 0)),
                     str(v.get("error", 0)),
                     f"{_pct(sc['MUST'])} / {_pct(sc['SHOULD'])} / {_pct(sc['MAY'])}",
                     f"{s['agree']}/{s['agree'] + s['disagree']}", f"{s['cases_per_second']}",
                     "; ".join(x for x in (f"{s['restarts']} restarts" if s["restarts"] else "", notes)
                               if x)])
    return rows


# smuggling: cells with a chain's SECURITY finding (harness/rules/chain.py), whatever their verdict
HEAD = ["server", "cells", "pass", "interop", "warn", "fail", "smuggling", "error", "MUST/SHOULD/MAY pass",
        "agree w/ ref",
        "cases/s", "notes"]


def summary_table(doc: dict) -> str:
    rows = [HEAD] + summary_rows(doc)
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEAD) - 1)]
    lines = []
    for r in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[-1])
    s = doc["summary"]
    lines.append(f"{s['cases']} cases, {s['servers_ran']} servers ran, {_not_ran(s)}, "
                 f"{s['cells']} cells, matrix {doc['matrix_seconds']}s, wall {doc.get('wall_seconds', '?')}s")
    lines += _outcome_lines(doc)
    return "\n".join(lines)


def _not_ran(summary: dict) -> str:
    return (f"{summary['servers_skipped']} skipped (this machine lacks their setup)"
            + (f", {summary['servers_failed']} failed to start" if summary.get("servers_failed") else ""))


def _outcome_lines(doc: dict) -> list[str]:
    o = doc.get("outcome")
    if not o:
        return []
    return [f"exit {o['exit_code']}: {o['meaning']}"] + [f"  - {x}" for x in o.get("reasons", [])]


def markdown(doc: dict) -> str:
    s = doc["summary"]
    out = ["# Switchyard conformance report", "",
           f"Generated {doc['generated']} by `{doc['command']}`. {s['cases']} cases x "
           f"{s['servers_ran']} servers = {s['cells']} cells (server x case x delivery mode); "
           f"matrix {doc['matrix_seconds']} s, wall {doc.get('wall_seconds', '?')} s; "
           f"{_not_ran(s)}. Reference: `{doc['reference']}`.", ""]
    if doc.get("outcome"):
        o = doc["outcome"]
        out += ["## Outcome", "", f"Exit {o['exit_code']}: {o['meaning']}.", ""]
        out += [f"- {x}" for x in o.get("reasons", [])] + ([""] if o.get("reasons") else [])
    out += ["## Servers", "",
            "| " + " | ".join(HEAD) + " |", "|" + "---|" * len(HEAD)]
    for r in summary_rows(doc):
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in r) + " |")
    noted = [sv for sv in doc["servers"] if sv.get("notes")]
    if noted:
        out += ["", "Server notes (restarts, deaths, time budgets):", ""]
        for sv in noted:
            out += [f"- `{sv['name']}`: {n}" for n in sv["notes"]]
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
            "Each distinct (server, rule) group, with its sentence and bytes, is in `findings.md`; "
            "the chains (each proxy in front of the reference and the sentinel), with both ends' "
            "bytes, in `chains.md`.", "",
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
            elif r["verdict"] in ("warn", "interop", "security"):
                ET.SubElement(tc, "system-out").text = f"{r['verdict'].upper()} {msg}"
    return ET.ElementTree(root)


def sarif(doc: dict) -> dict:
    """SARIF 2.1.0: one rule per (rule, RFC section); one result per fail/warn, located at the
    case's .http file."""
    rules: dict[str, dict] = {}
    results = []
    cases = {c["id"]: c for c in doc["cases"]}
    for r in doc["results"]:
        if r["verdict"] not in ("fail", "warn", "interop", "security"):
            continue
        rid = f"{r['rule']}/{r['rfc']}".replace(" ", "_")
        if rid not in rules:
            rules[rid] = {"id": rid, "name": r["rule"],
                          "shortDescription": {"text": f"{r['rule']} ({r['rfc']})"},
                          "fullDescription": {"text": r.get("sentence") or r["rule"]},
                          "properties": {"rfc": r["rfc"], "level": r["level"]}}
        level = (SARIF_LEVEL.get(r["level"], "warning") if r["verdict"] == "fail" else
                 "warning" if r["verdict"] == "security" else "note")
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


def _json(doc: dict) -> str:
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def _junit_bytes(doc: dict) -> bytes:
    return ET.tostring(junit(doc).getroot(), encoding="utf-8", xml_declaration=True)


def _sarif_text(doc: dict) -> str:
    return json.dumps(sarif(doc), indent=1, ensure_ascii=False) + "\n"


# The set of outputs: file name -> doc -> text or bytes. write_all writes each of them (and the
# manifest) as one set; add an output here.
WRITERS: dict[str, Callable[[dict], str | bytes]] = {
    "report.json": _json,
    "report.md": lambda doc: markdown(doc),
    "junit.xml": _junit_bytes,
    "report.sarif": _sarif_text,
    "index.html": lambda doc: report_html.render(doc),
    "findings.md": lambda doc: findings.markdown(doc),
    "chains.md": lambda doc: chain_report.markdown(doc),
}
OUTPUTS = (*WRITERS, MANIFEST)
