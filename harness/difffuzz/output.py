"""The campaign directory: summary.json (the data), summary.md, findings.html, the kept corpus,
and `--promote` into corpus/found/. Every file is written whole by report.atomic_write (a
temporary file and a rename), so an interrupted campaign leaves each file old or new, never half.
"""
from __future__ import annotations

import base64
import html
import json
from pathlib import Path

from ..findings import printable
from ..report import atomic_write
from . import oracle, triage

SCHEMA = 1
CORPUS_KEPT = 2000          # kept inputs written to the campaign directory (newest last)


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode()


def finding_row(f: triage.Finding, port_hint: str = "PORT") -> dict:
    return {"server": f.server, "rule": f.rule, "rfc": f.rfc, "sentence": f.sentence,
            "kind": f.kind, "reason": f.reason, "reference": f.reference, "detail": f.detail,
            "shape": [list(x) if isinstance(x, tuple) else x for x in f.shape],
            "confirmed": f.confirmed, "tests": f.tests, "count": f.count, "first_at": f.first_at,
            "tail": f.tail, "notes": f.notes,
            "request_b64": _b64(f.request), "original_b64": _b64(f.original),
            "response_b64": _b64(f.response),
            "repro_nc": triage.repro_nc(f.request, port_hint),
            "repro_bash": triage.repro_bash(f.request, port_hint), "repro": triage.repro_harness(f),
            "manifest": {triage.stem(f): triage.manifest_row(f, "difffuzz")}}


def markdown(doc: dict) -> str:
    m, fs = doc["meta"], [f for f in doc["findings"] if f["confirmed"]]
    pairs = sorted({(f["server"], f["rule"]) for f in fs})
    lines = ["# Differential fuzzing campaign", "",
             f"{m['elapsed_seconds']:.0f} s, {m['inputs']} inputs, {m['exchanges']} exchanges "
             f"({m['exchanges_per_second']:.1f}/s over {len(doc['servers'])} servers), corpus "
             f"{m['corpus']} ({m['corpus_seeds']} seeds), seed {m['seed']}, shard {m['shard']}."
             + (" **Interrupted**: findings are not triaged." if m.get("interrupted") else ""), "",
             f"**{len(fs)} confirmed findings, {len(pairs)} distinct (server, rule)**; "
             f"{len(doc['findings']) - len(fs)} did not reproduce; {m.get('untriaged', 0)} raw keys "
             f"not triaged; {len(doc.get('raw', []))} raw (server, rule, reason) keys."
             + (f" **{len({(f['server'], f['rule']) for f in fs if not f.get('in_report')})} "
                f"(server, rule) pairs are not flagged by the report** {m['known_from']}."
                if m.get("known_from") else ""), "",
             "| server | exchanges | skipped | errors | restarts | findings | note |",
             "| --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    for s in doc["servers"]:
        n = sum(1 for f in fs if f["server"] == s["name"])
        lines.append(f"| {s['name']} | {s['exchanges']} | {s['skipped']} | {s['errors']} | "
                     f"{s['restarts']} | {n} | {s['dead'] or ''} |")
    lines.append("")
    events = [(s["name"], e) for s in doc["servers"] for e in s.get("events", [])]
    if events:
        lines += ["## Crashes and hangs (the input that preceded each restart)", ""]
        for name, e in events[:40]:
            req = printable(base64.b64decode(e.get("request_b64", "")))[:300].replace("\n", " ")
            lines.append(f"- {name} at {e['at']} s: {e['event']} ({e.get('exit') or 'still running'}), "
                         f"{'restarted' if e.get('restarted') else 'NOT restarted'}: `{req}`")
        lines.append("")
    for i, f in enumerate(fs, 1):
        new = "" if "in_report" not in f else (" (also in the report)" if f["in_report"]
                                               else " **(not in the report)**")
        lines += [f"## {i}. {f['server']}: `{f['rule']}` ({f['rfc']}){new}", "", f"> {f['sentence']}", "",
                  f"**Seen:** {f['detail']}  ", f"**Reference:** {f['reference']}  ",
                  f"**Minimised:** {len(base64.b64decode(f['original_b64']))} -> "
                  f"{len(base64.b64decode(f['request_b64']))} bytes in {f['tests']} tests; "
                  f"{f['count']} exchanges showed it", "",
                  "Request:", "", "```", printable(base64.b64decode(f["request_b64"])), "```", "",
                  "Response:", "", "```", printable(base64.b64decode(f["response_b64"])) or "(closed)",
                  "```", "", f"Repro: `{f['repro']}`  ", f"or `{f['repro_nc']}`  ",
                  f"or, without nc: `{f.get('repro_bash', '')}`", "",
                  "Draft manifest entry (`--promote` writes it into corpus/found/):", "", "```toml",
                  *_toml_table(f["manifest"]), "```", ""]
    return "\n".join(lines)


def page(doc: dict) -> str:
    """findings.html: server x rule, each cell expandable to its findings' bytes."""
    fs = [f for f in doc["findings"] if f["confirmed"]]
    servers = sorted({f["server"] for f in fs})
    rules = sorted({f["rule"] for f in fs})
    e = html.escape
    head = "".join(f"<th>{e(r)}</th>" for r in rules)
    rows = []
    for s in servers:
        cells = []
        for r in rules:
            mine = [f for f in fs if f["server"] == s and f["rule"] == r]
            if not mine:
                cells.append("<td></td>")
                continue
            body = "".join(
                f"<details><summary>{e(f['reason'])} ({len(base64.b64decode(f['request_b64']))} B)"
                f"</summary><p>{e(f['detail'])}</p><p>reference: {e(f['reference'])}</p>"
                f"<pre>{e(printable(base64.b64decode(f['request_b64'])))}</pre>"
                f"<pre>{e(printable(base64.b64decode(f['response_b64'])) or '(closed)')}</pre>"
                f"<p><code>{e(f['repro'])}</code></p></details>" for f in mine)
            cells.append(f'<td class="f"><b>{len(mine)}</b>{body}</td>')
        rows.append(f"<tr><th>{e(s)}</th>{''.join(cells)}</tr>")
    m = doc["meta"]
    sentences = "".join(f"<li><b>{e(r)}</b>: {e(next(f['sentence'] for f in fs if f['rule'] == r))}</li>"
                        for r in rules)
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>Switchyard: differential fuzzing</title>
<style>body{{font-family:sans-serif;margin:1em}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;
padding:4px;vertical-align:top}}td.f{{background:#fdd}}pre{{white-space:pre-wrap;max-width:60em;font-size:80%}}</style>
</head><body><h1>Differential fuzzing: findings (server &times; rule)</h1>
<p>{m['elapsed_seconds']:.0f} s, {m['inputs']} inputs, {m['exchanges']} exchanges ({m['exchanges_per_second']:.1f}/s),
seed {m['seed']}, shard {e(m['shard'])}; {len(fs)} confirmed findings. See summary.md for the full list.</p>
<table><tr><th>server</th>{head}</tr>{''.join(rows)}</table><h2>Rules</h2><ul>{sentences}</ul></body></html>
"""


def write(out: Path, doc: dict, corpus_entries=()) -> None:
    out.mkdir(parents=True, exist_ok=True)
    kept = list(corpus_entries)[-CORPUS_KEPT:]
    if kept:
        folder = out / "corpus"
        folder.mkdir(exist_ok=True)
        for e in kept:
            p = folder / f"{oracle.input_id(e.raw)}.http"
            if not p.exists():
                atomic_write(p, e.raw)
    atomic_write(out / "summary.json", json.dumps(doc, indent=1) + "\n")
    atomic_write(out / "summary.md", markdown(doc))
    atomic_write(out / "findings.html", page(doc))


def promote(doc: dict, corpus_dir: Path) -> list[Path]:
    """Write each confirmed finding as a case of corpus/found/ (docs/corpus.md's format: the
    .http file and its table; the reason is the reference's decision, so the loader accepts it)."""
    folder = corpus_dir / "found"
    folder.mkdir(parents=True, exist_ok=True)
    manifest = folder / "cases.toml"
    text = manifest.read_text() if manifest.exists() else (
        "# corpus/found: differential-fuzzing findings promoted by `python3 -m harness.difffuzz "
        "--promote` (docs/difffuzz.md)\n")
    written = []
    for f in doc["findings"]:
        if not f["confirmed"]:
            continue
        (stem, row), = f["manifest"].items()
        if f"[{stem}]" in text:
            continue
        path = folder / f"{stem}.http"
        atomic_write(path, base64.b64decode(f["request_b64"]))
        text += (f"\n# {f['server']} breaks {f['rule']} ({f['rfc']}): \"{f['sentence'][:160]}\"\n"
                 f"[{stem}]\n" + "".join(f"{k} = {_toml(v)}\n" for k, v in row.items()))
        written.append(path)
    atomic_write(manifest, text)
    return written


def _toml_table(manifest: dict) -> list[str]:
    (stem, row), = manifest.items()
    return [f"[{stem}]", *(f"{k} = {_toml(v)}" for k, v in row.items())]


def _toml(v) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(_toml(x) for x in v) + "]"
    return json.dumps(v, ensure_ascii=False)
