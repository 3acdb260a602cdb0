"""index.html: one self-contained page (no network): servers x cases matrix coloured by verdict,
per-server scores by requirement level, and a panel per cell with the raw bytes, the RFC rule and
a one-line reproduction command. The data is embedded as JSON; the page renders it with plain JS.
"""
from __future__ import annotations

import html
import json
from pathlib import Path

from . import chain_report, findings

CSS = """
body{font:13px/1.4 system-ui,sans-serif;margin:16px;color:#222}
h1{font-size:20px;margin:0 0 4px} h2{font-size:16px;margin:18px 0 6px} h3{font-size:14px;margin:12px 0 4px}
nav a{margin-right:12px}
table{border-collapse:separate;border-spacing:0} td,th{border:1px solid #ccc;padding:2px 5px}
th{background:#f3f3f3}
#scores th{position:sticky;top:0;z-index:1}
#matrix th{position:sticky;top:var(--controls,0px);z-index:2}
#matrix td.c{width:30px;min-width:30px;text-align:center;cursor:pointer;font-size:11px}
#matrix th.s{writing-mode:vertical-rl;transform:rotate(180deg);height:120px;font-weight:normal}
#matrix td.id{white-space:nowrap;font-family:monospace;font-size:11px;position:sticky;left:0;
 background:#fff;z-index:1;cursor:pointer;color:#0645ad}
#matrix th.id{left:0;z-index:3}
#matrix td.lv,#matrix td.ex{white-space:nowrap;font-size:11px}
#matrix tr:hover td{filter:brightness(0.93)}
.pass{background:#b7e4b0}.interop{background:#a8d4f0}.warn{background:#ffe08a}.fail{background:#f4a3a3}.error{background:#c9a0dc}
.skip{background:#e8e8e8;color:#777}.none{background:#fff}.security{background:#f7a84a}
.dis{outline:2px solid #333;outline-offset:-3px}
#controls{position:sticky;top:0;z-index:4;background:#fff;padding:4px 0;border-bottom:1px solid #ddd}
#controls label{margin-right:10px} #count{color:#666}
#panel{position:fixed;right:0;top:0;bottom:0;width:46%;overflow:auto;background:#fff;z-index:10;
 border-left:2px solid #888;padding:10px;box-shadow:-4px 0 8px #0002;display:none}
#panel table td{font-size:11px;text-align:center;cursor:pointer}
pre{background:#f6f6f6;padding:6px;white-space:pre-wrap;word-break:break-all;font-size:11px;margin:2px 0}
pre.resp{max-height:18em;overflow:auto} code.repro{user-select:all;word-break:break-all}
.legend span{padding:1px 6px;margin-right:4px;border:1px solid #aaa}
.muted{color:#666} code{background:#f3f3f3;padding:0 3px}
"""

JS = r"""
const D = JSON.parse(document.getElementById('data').textContent);
const $ = (t, a = {}, ...kids) => { const e = document.createElement(t);
  for (const [k, v] of Object.entries(a)) { if (k === 'class') e.className = v; else if (k === 'text') e.textContent = v; else e.setAttribute(k, v); }
  for (const k of kids) e.append(k); return e; };
const RANK = {pass: 0, skip: 0, interop: 1, warn: 2, security: 3, error: 3, fail: 4};
const bytes = b64 => { const s = atob(b64 || ''); let o = '';
  for (const ch of s) { const c = ch.charCodeAt(0);
    if (c === 13) o += '\\r'; else if (c === 10) o += '\\n\n'; else if (c === 9) o += '\\t';
    else if (c < 32 || c > 126) o += '\\x' + c.toString(16).padStart(2, '0'); else o += ch; }
  return o; };
const ran = D.servers.filter(s => s.status === 'ran');
const topic = k => k.id.split('/')[0];
const val = id => document.getElementById(id).value;
function cell(server, kase, mode) { return D.cells[server + '|' + kase + '|' + mode]; }
function worst(server, kase) {
  let w = null; for (const m of D.modes) { const c = cell(server, kase, m);
    if (c && (w === null || RANK[c.v] > RANK[w.v])) w = c; } return w; }
function pick(server, kase, mode) { return mode === 'worst' ? worst(server, kase) : cell(server, kase, mode); }
function label(c) { return c.s === null ? (c.d === 'timeout' ? 'T' : '×') : String(c.s); }
function wanted(k, row) {
  const t = val('topic'), q = val('search').trim().toLowerCase(), v = val('verdict');
  if (t !== 'all' && topic(k) !== t) return false;
  if (q && !(k.id + ' ' + k.description + ' ' + k.reason + ' ' + k.rfc).toLowerCase().includes(q)) return false;
  if (v === 'all') return true;
  const cs = row.filter(c => c);
  if (v === 'notpass') return cs.some(c => c.v !== 'pass' && c.v !== 'skip');
  if (v === 'differs') return cs.some(c => c.a === false);
  return cs.some(c => c.v === v);
}
function controls() {
  const sel = document.getElementById('topic');
  for (const t of [...new Set(D.cases.map(topic))]) sel.append($('option', {value: t, text: t}));
  for (const id of ['mode', 'topic', 'verdict']) document.getElementById(id).addEventListener('change', matrix);
  document.getElementById('search').addEventListener('input', matrix);
}
function matrix() {
  const mode = val('mode');
  const t = document.getElementById('matrix'); t.textContent = '';
  const head = $('thead'), body = $('tbody');
  const hr = $('tr', {}, $('th', {class: 'id', text: 'case'}), $('th', {text: 'level'}), $('th', {text: 'reference'}));
  for (const s of ran) hr.append($('th', {class: 's', text: s.name, title: s.description || ''}));
  head.append(hr);
  let n = 0;
  for (const k of D.cases) {
    const row = ran.map(s => pick(s.name, k.id, mode));
    if (!wanted(k, row)) continue;
    n++;
    const id = $('td', {class: 'id', text: k.id, title: k.description});
    id.addEventListener('click', () => showCase(k));
    const tr = $('tr', {}, id, $('td', {class: 'lv', text: k.level}), $('td', {class: 'ex', text: String(k.status)}));
    ran.forEach((s, i) => {
      const c = row[i];
      const td = $('td', {class: 'c ' + (c ? c.v : 'none') + (c && c.a === false ? ' dis' : ''),
        text: c ? label(c) : '', title: c ? `${s.name} ${k.id}: ${c.v} (${c.r})` : ''});
      if (c) td.addEventListener('click', () => show(s.name, k));
      tr.append(td);
    });
    body.append(tr);
  }
  t.append(head, body);
  document.getElementById('count').textContent = `${n} of ${D.cases.length} cases shown`;
}
function panel(title) {
  const p = document.getElementById('panel'); p.textContent = ''; p.style.display = 'block'; p.scrollTop = 0;
  const close = $('button', {text: 'close (Esc)'});
  close.addEventListener('click', () => { p.style.display = 'none'; });
  p.append(close, $('h2', {text: title}));
  return p;
}
function about(p, k) {
  p.append($('div', {text: k.description}),
    $('div', {class: 'muted', text: `the reference answers ${k.status} (${k.reason}: ${k.rfc}, ${k.level}); file ${k.path}`}),
    $('h3', {text: 'request'}), $('pre', {text: bytes(k.req)}));
}
function showCase(k) {
  const p = panel(k.id); about(p, k);
  const t = $('table'), hr = $('tr', {}, $('th', {text: 'server'}));
  for (const m of D.modes) hr.append($('th', {text: m}));
  t.append(hr);
  for (const s of ran) {
    const tr = $('tr', {}, $('th', {text: s.name}));
    for (const m of D.modes) {
      const c = cell(s.name, k.id, m);
      const td = $('td', {class: (c ? c.v : 'none') + (c && c.a === false ? ' dis' : ''),
        text: c ? `${label(c)} ${c.v}` : '', title: c ? c.t : ''});
      if (c) td.addEventListener('click', () => show(s.name, k));
      tr.append(td);
    }
    t.append(tr);
  }
  p.append($('h3', {text: 'every server (click for the bytes)'}), t);
}
function show(server, k) {
  const p = panel(`${server} — ${k.id}`); about(p, k);
  const back = $('button', {text: 'all servers for this case'});
  back.addEventListener('click', () => showCase(k));
  p.append(back);
  for (const m of D.modes) {
    const c = cell(server, k.id, m); if (!c) continue;
    const box = $('div', {class: c.v}, $('b', {text: `${m}: ${c.v.toUpperCase()}`}),
      $('span', {text: ` — ${c.r} (${c.rfc}, ${c.l}): ${c.t}`}));
    if (c.se) box.append($('blockquote', {text: c.se}));
    p.append($('h3', {text: `mode ${m}`}), box);
    p.append($('div', {text: 'reproduce: '}, $('code', {class: 'repro', text: c.repro})));
    p.append($('div', {text: 'agrees with reference: ' + (c.a === null ? 'n/a' : c.a ? 'yes' : 'no, differs on ' + c.df.join(', '))}));
    p.append($('div', {text: 'decision: ' + Object.entries(c.o).map(([f, x]) => `${f}=${x}`).join(', ')}));
    if (c.notes && c.notes.length) p.append($('div', {class: 'muted', text: 'notes: ' + c.notes.join('; ')}));
    if (c.sent) p.append($('div', {text: 'sent (path-mapped):'}), $('pre', {text: bytes(c.sent)}));
    p.append($('div', {text: 'response bytes:'}), $('pre', {class: 'resp', text: bytes(c.resp) || '(nothing)'}));
  }
}
function scores() {
  const t = document.getElementById('scores');
  const hr = $('tr', {}); for (const h of ['server', 'role', 'version', 'MUST', 'SHOULD', 'MAY', 'agree w/ ref', 'cases/s', 'notes']) hr.append($('th', {text: h}));
  t.append(hr);
  for (const s of D.servers) {
    const tr = $('tr', {}, $('td', {text: s.name, title: s.description}), $('td', {text: s.role}), $('td', {text: s.version || ''}));
    for (const l of ['MUST', 'SHOULD', 'MAY']) {
      const sc = s.score ? s.score[l] : null;
      const judged = sc ? sc.total - sc.skip : 0;
      tr.append($('td', {text: sc && judged ? `${sc.pass}/${judged} pass, ${sc.interop || 0} interop, ${sc.warn} warn, ${sc.fail} fail, ${sc.error} err` : '-'}));
    }
    tr.append($('td', {text: s.status === 'ran' ? `${s.agree}/${s.agree + s.disagree}` : ''}),
      $('td', {text: s.status === 'ran' ? String(s.cases_per_second) : ''}),
      $('td', {text: (s.status === 'ran' ? '' : `${s.status.toUpperCase()}: ${s.skip_reason || ''} `) +
        (s.notes || []).join('; ')}));
    t.append(tr);
  }
}
function divergences() {
  const ul = document.getElementById('div');
  for (const d of D.divergences) {
    const li = $('li', {text: `${d.cases.length} case(s), e.g. ${d.cases[0]}: ` + d.signature.map(([s, f]) => `${s} (${f.join(', ')})`).join('; ')});
    if (d.minimised) li.append($('pre', {text: `minimised ${d.minimised.original_bytes} -> ${d.minimised.bytes} bytes (${d.minimised.stem}):\n` + bytes(d.minimised.request_b64)}));
    ul.append(li);
  }
}
document.addEventListener('keydown', e => { if (e.key === 'Escape') document.getElementById('panel').style.display = 'none'; });
scores(); controls(); matrix(); divergences();
const bar = () => document.documentElement.style.setProperty('--controls', document.getElementById('controls').offsetHeight + 'px');
bar(); window.addEventListener('resize', bar);
document.body.dataset.ready = 'yes';
"""


def data(doc: dict) -> dict:
    cases = [{"id": c["id"], "description": c["description"], "rfc": c["rfc"], "level": c["level"],
              "status": c["status"], "reason": c["reason"], "path": c["path"], "req": c["request_b64"]}
             for c in doc["cases"]]
    cells = {}
    modes = []
    for r in doc["results"]:
        if r["mode"] not in modes:
            modes.append(r["mode"])
        o = r["observation"]
        cells[f"{r['server']}|{r['case']}|{r['mode']}"] = {
            "v": r["verdict"], "r": r["rule"], "rfc": r["rfc"], "l": r["level"], "t": r["detail"],
            "se": r.get("sentence", ""),
            "a": r["agree"], "df": r["differs"], "s": o["status"], "d": o["decision"],
            "o": {k: o[k] for k in ("decision", "status", "protocol", "connection_upgrade", "accept_ok",
                                    "ws_version", "fate", "tail")},
            "resp": r["response_b64"], "sent": r["sent_b64"], "repro": r["repro"],
            "notes": o.get("notes", [])}
    servers = [{k: s.get(k) for k in ("name", "description", "role", "version", "status", "skip_reason",
                                      "score", "agree", "disagree", "cases_per_second", "restarts", "notes")}
               for s in doc["servers"]]
    return {"cases": cases, "cells": cells, "modes": modes, "servers": servers,
            "divergences": doc["divergences"]}


def audit(doc: dict) -> str:
    """Each distinct (server, rule) Fail group once, with its sentence and smallest case's bytes
    (the same groups as findings.md)."""
    rows = []
    for g in findings.groups(doc):
        ex = g["example"]
        rows.append(
            f"<details><summary><b>{html.escape(g['server'])}</b> <code>{html.escape(g['rule'])}"
            f"</code> ({html.escape(g['rfc'])}): {g['cells']} cell(s), {len(g['cases'])} case(s)"
            f"</summary><blockquote>{html.escape(g['sentence'])}</blockquote>"
            f"<p>{html.escape(g['detail'])}</p><p>smallest case <code>{html.escape(ex['case'])}"
            f"</code> ({html.escape(ex['mode'])}); repro <code>{html.escape(ex['repro'])}</code></p>"
            f"<pre>{html.escape(findings.printable(g['request']))}</pre>"
            f"<pre>{html.escape(findings.printable(g['response']) or '(closed)')}</pre></details>")
    return (f'<h2 id="findings">Fail groups to audit ({len(rows)})</h2>\n' + "\n".join(rows))


def _campaign_link() -> str:
    """A link to the differential-fuzzing campaign page (docs/difffuzz.md) when `make diff-fuzz`
    left one beside the report in reports/."""
    page = Path(__file__).resolve().parent.parent / "reports" / "difffuzz" / "findings.html"
    return '<a href="difffuzz/findings.html">differential fuzzing</a>' if page.exists() else ""


def render(doc: dict) -> str:
    s = doc["summary"]
    blob = json.dumps(data(doc), ensure_ascii=True, separators=(",", ":")).replace("</", "<\\/")
    gate = ""
    if "gate" in doc:
        g = doc["gate"]
        gate = (f"<p><b>CI gate {'passed' if g['passed'] else 'FAILED'}</b>: "
                f"{len(g['new_must_failures'])} new MUST failure(s) against "
                f"<code>{html.escape(g['baseline'])}</code>.</p>")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Switchyard conformance report</title>
<style>{CSS}</style></head><body>
<h1>Switchyard conformance report</h1>
<nav><a href="#servers">servers</a><a href="#matrix-h">matrix</a><a href="#findings">fail groups</a><a href="#chains">chains</a><a href="#divergences">divergences</a>{_campaign_link()}</nav>
<p class="muted">Generated {html.escape(doc['generated'])} by <code>{html.escape(doc['command'])}</code>:
{s['cases']} cases × {s['servers_ran']} servers ({s['servers_skipped']} skipped) = {s['cells']} cells;
matrix {doc['matrix_seconds']} s. Reference: <code>{html.escape(doc['reference'])}</code>.
Verdicts: {', '.join(f'{k} {v}' for k, v in s['verdicts'].items())}.</p>
{gate}
<h2 id="servers">Servers (score by requirement level)</h2><table id="scores"></table>
<h2 id="matrix-h">Matrix</h2>
<p class="legend"><span class="pass">pass</span><span class="interop">interop (a valid request
declined, or equivalent requests split)</span><span class="warn">warn (a SHOULD, or another answer
the RFC allows)</span><span class="fail">fail (a MUST the bytes contradict)</span><span class="security">security (a chain let a request past the proxy)</span><span class="error">error (crash/hang/no answer)</span>
<span class="skip">skip (not claimed)</span><span class="dis">differs from reference</span>
Cell text: status code; × closed, T no answer. Click a cell for the bytes, a case for every server.</p>
<div id="controls">
<label>mode <select id="mode"><option value="worst">worst of all modes</option>
<option>whole</option><option>bytewise</option><option>split_after_head</option></select></label>
<label>topic <select id="topic"><option value="all">all</option></select></label>
<label>rows where some server <select id="verdict"><option value="all">(any)</option>
<option value="notpass">does not pass</option><option value="fail">fails</option>
<option value="interop">interop</option><option value="security">security (chains)</option><option value="warn">warns</option><option value="error">errs</option>
<option value="differs">differs from the reference</option></select></label>
<label>search <input id="search" type="search" placeholder="case, reason, RFC"></label>
<span id="count"></span></div>
<table id="matrix"></table>
{audit(doc)}
{chain_report.section(doc)}
<h2 id="divergences">Divergences from the reference (by signature)</h2><ul id="div"></ul>
<div id="panel"></div>
<script type="application/json" id="data">{blob}</script>
<script>{JS}</script>
</body></html>
"""
