"""index.html: one self-contained page (no network): servers x cases matrix coloured by verdict,
per-server scores by requirement level, and a panel per cell with the raw bytes, the RFC rule and
a one-line reproduction command. The data is embedded as JSON; the page renders it with plain JS.
"""
from __future__ import annotations

import html
import json

CSS = """
body{font:13px/1.4 system-ui,sans-serif;margin:16px;color:#222}
h1{font-size:20px;margin:0 0 4px} h2{font-size:16px;margin:18px 0 6px}
table{border-collapse:collapse} td,th{border:1px solid #ccc;padding:2px 5px}
th{background:#f3f3f3;position:sticky;top:0}
#matrix td.c{width:30px;text-align:center;cursor:pointer;font-size:11px}
#matrix th.s{writing-mode:vertical-rl;transform:rotate(180deg);height:120px;font-weight:normal}
#matrix td.id{white-space:nowrap;font-family:monospace;font-size:11px}
.pass{background:#b7e4b0}.warn{background:#ffe08a}.fail{background:#f4a3a3}.error{background:#c9a0dc}
.skip{background:#e8e8e8;color:#777}.none{background:#fff}
.dis{outline:2px solid #333;outline-offset:-3px}
#panel{position:fixed;right:0;top:0;bottom:0;width:46%;overflow:auto;background:#fff;
 border-left:2px solid #888;padding:10px;box-shadow:-4px 0 8px #0002;display:none}
pre{background:#f6f6f6;padding:6px;white-space:pre-wrap;word-break:break-all;font-size:11px;margin:2px 0}
.legend span{padding:1px 6px;margin-right:4px;border:1px solid #aaa}
.muted{color:#666} code{background:#f3f3f3;padding:0 3px}
"""

JS = r"""
const D = JSON.parse(document.getElementById('data').textContent);
const $ = (t, a = {}, ...kids) => { const e = document.createElement(t);
  for (const [k, v] of Object.entries(a)) { if (k === 'class') e.className = v; else if (k === 'text') e.textContent = v; else e.setAttribute(k, v); }
  for (const k of kids) e.append(k); return e; };
const RANK = {pass: 0, skip: 0, warn: 1, error: 2, fail: 3};
const bytes = b64 => { const s = atob(b64 || ''); let o = '';
  for (const ch of s) { const c = ch.charCodeAt(0);
    if (c === 13) o += '\\r'; else if (c === 10) o += '\\n\n'; else if (c === 9) o += '\\t';
    else if (c < 32 || c > 126) o += '\\x' + c.toString(16).padStart(2, '0'); else o += ch; }
  return o; };
function cell(server, kase, mode) { return D.cells[server + '|' + kase + '|' + mode]; }
function worst(server, kase) {
  let w = null; for (const m of D.modes) { const c = cell(server, kase, m);
    if (c && (w === null || RANK[c.v] > RANK[w.v])) w = c; } return w; }
function matrix() {
  const mode = document.getElementById('mode').value;
  const t = document.getElementById('matrix'); t.textContent = '';
  const ran = D.servers.filter(s => s.status === 'ran');
  const hr = $('tr', {}, $('th', {text: 'case'}), $('th', {text: 'level'}), $('th', {text: 'expect'}));
  for (const s of ran) hr.append($('th', {class: 's', text: s.name}));
  t.append(hr);
  for (const k of D.cases) {
    const tr = $('tr', {}, $('td', {class: 'id', text: k.id, title: k.description}),
      $('td', {text: k.level}), $('td', {text: k.expect.join('|')}));
    for (const s of ran) {
      const c = mode === 'worst' ? worst(s.name, k.id) : cell(s.name, k.id, mode);
      const td = $('td', {class: 'c ' + (c ? c.v : 'none') + (c && c.a === false ? ' dis' : ''),
        text: c ? (c.s === null ? (c.d === 'timeout' ? 'T' : '×') : String(c.s)) : '',
        title: c ? `${s.name} ${k.id}: ${c.v} (${c.r})` : ''});
      if (c) td.addEventListener('click', () => show(s.name, k));
      tr.append(td);
    }
    t.append(tr);
  }
}
function show(server, k) {
  const p = document.getElementById('panel'); p.textContent = ''; p.style.display = 'block';
  p.append($('button', {text: 'close', onclick: ''}));
  p.firstChild.addEventListener('click', () => { p.style.display = 'none'; });
  p.append($('h2', {text: `${server} — ${k.id}`}), $('div', {text: k.description}),
    $('div', {class: 'muted', text: `${k.rfc} (${k.level}); expected ${k.expect.join(' or ')} (${k.reason}); file ${k.path}`}),
    $('h3', {text: 'request'}), $('pre', {text: bytes(k.req)}));
  for (const m of D.modes) {
    const c = cell(server, k.id, m); if (!c) continue;
    const box = $('div', {class: c.v}, $('b', {text: `${m}: ${c.v.toUpperCase()}`}),
      $('span', {text: ` — ${c.r} (${c.rfc}, ${c.l}): ${c.t}`}));
    p.append($('h3', {text: `mode ${m}`}), box);
    p.append($('div', {text: 'agrees with reference: ' + (c.a === null ? 'n/a' : c.a ? 'yes' : 'no, differs on ' + c.df.join(', '))}));
    p.append($('div', {text: 'decision: ' + JSON.stringify(c.o)}));
    if (c.sent) p.append($('div', {text: 'sent (path-mapped):'}), $('pre', {text: bytes(c.sent)}));
    p.append($('div', {text: 'response bytes:'}), $('pre', {text: bytes(c.resp) || '(nothing)'}));
    p.append($('div', {text: 'reproduce:'}), $('pre', {text: c.repro}));
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
      tr.append($('td', {text: sc && judged ? `${sc.pass}/${judged} pass, ${sc.warn} warn, ${sc.fail} fail, ${sc.error} err` : '-'}));
    }
    tr.append($('td', {text: s.status === 'ran' ? `${s.agree}/${s.agree + s.disagree}` : ''}),
      $('td', {text: s.status === 'ran' ? String(s.cases_per_second) : ''}),
      $('td', {text: s.status === 'ran' ? (s.restarts ? s.restarts + ' restarts' : '') : 'SKIPPED: ' + s.skip_reason}));
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
scores(); matrix(); divergences();
document.getElementById('mode').addEventListener('change', matrix);
document.body.dataset.ready = 'yes';
"""


def data(doc: dict) -> dict:
    cases = [{"id": c["id"], "description": c["description"], "rfc": c["rfc"], "level": c["level"],
              "expect": c["expect"], "reason": c["reason"], "path": c["path"], "req": c["request_b64"]}
             for c in doc["cases"]]
    cells = {}
    modes = []
    for r in doc["results"]:
        if r["mode"] not in modes:
            modes.append(r["mode"])
        o = r["observation"]
        cells[f"{r['server']}|{r['case']}|{r['mode']}"] = {
            "v": r["verdict"], "r": r["rule"], "rfc": r["rfc"], "l": r["level"], "t": r["detail"],
            "a": r["agree"], "df": r["differs"], "s": o["status"], "d": o["decision"],
            "o": {k: o[k] for k in ("decision", "status", "protocol", "connection_upgrade", "accept_ok",
                                    "ws_version", "fate", "tail")},
            "resp": r["response_b64"], "sent": r["sent_b64"], "repro": r["repro"]}
    servers = [{k: s.get(k) for k in ("name", "description", "role", "version", "status", "skip_reason",
                                      "score", "agree", "disagree", "cases_per_second", "restarts")}
               for s in doc["servers"]]
    return {"cases": cases, "cells": cells, "modes": modes, "servers": servers,
            "divergences": doc["divergences"]}


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
<p class="muted">Generated {html.escape(doc['generated'])} by <code>{html.escape(doc['command'])}</code>:
{s['cases']} cases × {s['servers_ran']} servers ({s['servers_skipped']} skipped) = {s['cells']} cells;
matrix {doc['matrix_seconds']} s. Reference: <code>{html.escape(doc['reference'])}</code>.
Verdicts: {', '.join(f'{k} {v}' for k, v in s['verdicts'].items())}.</p>
{gate}
<h2>Servers (score by requirement level)</h2><table id="scores"></table>
<h2>Matrix</h2>
<p class="legend"><span class="pass">pass</span><span class="warn">warn (allowed alternative)</span>
<span class="fail">fail</span><span class="error">error (crash/hang/no answer)</span>
<span class="skip">skip (not claimed)</span><span class="dis">differs from reference</span>
Cell text: status code; × closed, T no answer. Click a cell for the bytes.
Delivery mode: <select id="mode"><option value="worst">worst of all modes</option>
<option>whole</option><option>bytewise</option><option>split_after_head</option></select></p>
<table id="matrix"></table>
<h2>Divergences from the reference (by signature)</h2><ul id="div"></ul>
<div id="panel"></div>
<script type="application/json" id="data">{blob}</script>
<script>{JS}</script>
</body></html>
"""
