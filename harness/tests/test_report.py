"""harness/results.py + report.py + report_html.py: the five outputs from hand-built cells."""
import html
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest
from conftest import case

from harness import compare, report, results
from harness.matrix import Cell
from harness.observe import Observation

WS = b"GET /live HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"


def cell(server, c, status, headers=(), mode="whole"):
    decision = {101: "switch", 426: "upgrade-required"}.get(status, "reject")
    obs = Observation(decision=decision, status=status, headers=tuple(headers), fate="open",
                      raw=f"HTTP/1.1 {status} X\r\n\r\n".encode())
    return Cell(server, c.id, mode, obs, compare.classify(c, obs), c.raw)


def doc(baseline=None):
    c1 = case(WS, reason="WS_REQUIRED", id="websocket/a")
    c2 = case(WS + b"<script>", reason="WS_REQUIRED", id="websocket/b")
    up = [("Upgrade", "websocket"), ("Connection", "upgrade")]
    cells = [cell("reference", c1, 426, up), cell("reference", c2, 426, up),
             cell("srv", c1, 426, up), cell("srv", c2, 101, up)]
    rows = [{"name": n, "description": n, "package": "", "role": "origin", "supports": [],
             "backend": None, "quirks": {}, "version": "", "status": "ran", "skip_reason": None,
             "cells": 2, "seconds": 0.1, "cells_per_second": 20.0, "cases_per_second": 20.0,
             "restarts": 0} for n in ("reference", "srv")]
    rows.append(dict(rows[1], name="gone", status="skipped", skip_reason="not installed"))
    d = results.document(cells, [c1, c2], rows, "reference",
                         {"generated": "now", "command": "test", "matrix_seconds": 0.1})
    if baseline is not None:
        d["gate"] = results.gate(d, baseline) | {"baseline": "b.json"}
    return d


def test_document_scores_agreement_and_divergences():
    d = doc()
    srv = next(s for s in d["servers"] if s["name"] == "srv")
    assert srv["score"]["SHOULD"]["fail"] == 1 and (srv["agree"], srv["disagree"]) == (1, 1)
    assert len(d["divergences"]) == 1 and d["divergences"][0]["cases"] == ["websocket/b"]
    assert d["summary"]["servers_skipped"] == 1


def test_gate_fails_only_on_new_must_failures():
    assert not doc({})["gate"]["passed"]
    base = results.baseline_of(doc())
    assert doc(base)["gate"]["passed"]
    d = doc({})
    flaky = results.new_must_failures(d, {})
    g = results.gate(d, {}, flaky)
    assert g["passed"] and g["flaky"] == [list(x) for x in sorted(flaky)]


def test_all_five_outputs(tmp_path):
    d = doc()
    report.write_all(d, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(report.OUTPUTS)
    assert json.loads((tmp_path / "report.json").read_text())["schema"] == results.SCHEMA
    suites = ET.parse(tmp_path / "junit.xml").getroot()
    assert suites.find("testsuite[@name='srv']").get("failures") == "1"
    assert suites.find("testsuite[@name='gone']").get("skipped") == "1"
    sarif = json.loads((tmp_path / "report.sarif").read_text())
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"][0]["properties"]["server"] == "srv"
    md = (tmp_path / "report.md").read_text()
    assert "| srv |" in md and "not installed" in md
    page = (tmp_path / "index.html").read_text()
    assert "<script>" not in page.split('id="data">')[1].split("</script>")[0]   # data cannot close the tag


# Injected into a copy of index.html before the page's own script: records every error the page
# raises or logs, then exercises the page (each mode, each filter, a cell panel, a case panel,
# Escape, scrolling) and writes what it saw into <body data-check=...> for --dump-dom.
RECORDER = r"""
window.__errors = [];
const rec = (kind, msg) => window.__errors.push(kind + ': ' + msg);
window.addEventListener('error', e => rec('error', e.message || (e.target && (e.target.src || e.target.href)) || 'resource'), true);
window.addEventListener('unhandledrejection', e => rec('unhandledrejection', String(e.reason)));
for (const level of ['error', 'warn']) {
  const orig = console[level].bind(console);
  console[level] = (...a) => { rec('console.' + level, a.join(' ')); orig(...a); };
}
window.addEventListener('load', () => {
  const out = {};
  try {
    const set = (id, v, ev = 'change') => { const e = document.getElementById(id); e.value = v; e.dispatchEvent(new Event(ev)); };
    const rows = () => document.querySelectorAll('#matrix tbody tr').length;
    out.rows = rows();
    for (const m of ['whole', 'bytewise', 'split_after_head', 'worst']) { set('mode', m); out['rows_' + m] = rows(); }
    for (const v of ['fail', 'warn', 'error', 'differs', 'notpass', 'all']) { set('verdict', v); out['verdict_' + v] = rows(); }
    const topics = [...document.getElementById('topic').options].map(o => o.value);
    out.topics = topics.length - 1;
    set('topic', topics[1]); out.topic_rows = rows(); set('topic', 'all');
    set('search', 'nomatch-xyz', 'input'); out.search_none = rows(); set('search', '', 'input');
    out.count = document.getElementById('count').textContent;
    const panel = document.getElementById('panel');
    document.querySelector('#matrix td.c').click();
    out.cell_panel = panel.style.display === 'block' && panel.textContent.includes('reproduce: python3 -m harness.run');
    document.querySelector('#matrix td.id').click();
    out.case_panel = panel.textContent.includes('every server');
    panel.querySelector('td.pass, td.fail, td.warn').click();
    out.case_to_cell = panel.textContent.includes('response bytes');
    document.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape'}));
    out.escape_closes = panel.style.display === 'none';
    const t = document.getElementById('matrix');
    window.scrollTo(600, t.offsetTop + t.offsetHeight / 2);
    const bar = document.getElementById('controls').getBoundingClientRect();
    out.controls_top = Math.round(bar.top);
    out.header_top = Math.round(t.querySelector('thead th.s').getBoundingClientRect().top - bar.bottom);
    out.first_col_left = Math.round(t.querySelector('tbody td.id').getBoundingClientRect().left);
    out.scrolled_x = window.scrollX > 0;
  } catch (e) { rec('exercise', e.stack || e); }
  out.errors = window.__errors;
  document.body.dataset.check = JSON.stringify(out);
});
"""


def big_doc(n_cases=170, servers=("reference", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k")):
    """A report the size of the real one: > 160 cases, a dozen servers, three modes."""
    up = [("Upgrade", "websocket"), ("Connection", "upgrade")]
    cases = [case(WS, reason="WS_REQUIRED", id=f"topic{i % 7}/case_{i:03d}")
             for i in range(n_cases)]
    statuses = (426, 426, 101, 400)
    cells = [cell(s, c, statuses[(i + j) % 4] if s != "reference" else 426, up, mode)
             for i, c in enumerate(cases) for j, s in enumerate(servers)
             for mode in ("whole", "bytewise", "split_after_head")]
    rows = [{"name": n, "description": n, "package": "", "role": "origin", "supports": [],
             "backend": None, "quirks": {}, "version": "", "status": "ran", "skip_reason": None,
             "cells": 3 * n_cases, "seconds": 1.0, "cells_per_second": 1.0, "cases_per_second": 1.0,
             "restarts": 0} for n in servers]
    return results.document(cells, cases, rows, "reference",
                            {"generated": "now", "command": "test", "matrix_seconds": 1.0})


def chromium(*args, profile):
    exe = shutil.which("chromium")
    if exe is None:
        pytest.skip("chromium not installed (Debian package chromium; make deps)")
    flags = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0"]
    return subprocess.run(flags + list(args), capture_output=True, timeout=90)


@pytest.mark.browser
@pytest.mark.parametrize("which", ["small", "big"])
def test_index_html_loads_and_works_in_headless_chromium_without_errors(tmp_path, which):
    d = doc() if which == "small" else big_doc()
    report.write_all(d, tmp_path)
    page = (tmp_path / "index.html").read_text()
    probe = tmp_path / "probe.html"
    probe.write_text(page.replace("<head>", "<head><script>" + RECORDER + "</script>", 1))
    dom = chromium("--window-size=600,700", "--dump-dom", probe.as_uri(), profile=tmp_path / "p1")
    assert dom.returncode == 0, dom.stderr[-2000:]
    html_out = dom.stdout.decode()
    # a console message that escaped the recorder (a script that failed to parse, for one)
    console = [ln for ln in dom.stderr.decode(errors="replace").splitlines()
               if ":CONSOLE" in ln and ("Uncaught" in ln or "Error" in ln)]
    assert console == []
    assert 'data-ready="yes"' in html_out, "the page's script did not run to the end"
    check = json.loads(html.unescape(re.search(r'data-check="([^"]*)"', html_out).group(1)))
    assert check["errors"] == []
    n = len(d["cases"])
    assert check["rows"] == n and check["verdict_all"] == n and check["search_none"] == 0
    assert check["count"] == f"{n} of {n} cases shown"
    assert 0 < check["verdict_fail"] <= n and 0 < check["verdict_differs"] <= n
    assert check["topics"] >= 1 and 0 < check["topic_rows"] <= n
    assert check["cell_panel"] and check["case_panel"] and check["case_to_cell"] and check["escape_closes"]
    if which == "big":
        # scrolled half-way down and to the right: the filter bar, the server names and the case
        # column stay in view
        assert check["controls_top"] == 0 and abs(check["header_top"]) <= 1
        assert check["scrolled_x"] and check["first_col_left"] == 0
    shot = chromium("--window-size=1200,800", f"--screenshot={tmp_path / 'shot.png'}",
                    (tmp_path / "index.html").as_uri(), profile=tmp_path / "p2")
    assert shot.returncode == 0 and (tmp_path / "shot.png").stat().st_size > 1000
