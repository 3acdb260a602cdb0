"""harness/results.py + report.py + report_html.py: the five outputs from hand-built cells."""
import json
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
    c1 = case(WS, expect=[426], reason="WS_REQUIRED", id="websocket/a")
    c2 = case(WS + b"<script>", expect=[426], reason="WS_REQUIRED", id="websocket/b")
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
    assert srv["score"]["MUST"]["fail"] == 1 and (srv["agree"], srv["disagree"]) == (1, 1)
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


@pytest.mark.browser
def test_index_html_renders_in_headless_chromium(tmp_path):
    exe = shutil.which("chromium")
    if exe is None:
        pytest.skip("chromium not installed (Debian package chromium; make deps)")
    report.write_all(doc(), tmp_path)
    page = (tmp_path / "index.html").as_uri()
    flags = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage",
             f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run(flags + ["--dump-dom", page], capture_output=True, timeout=60)
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout.decode()
    assert 'data-ready="yes"' in html, "the page's script did not run to the end"
    assert "websocket/b" in html and 'class="c fail dis"' in html
    shot = subprocess.run(flags + ["--window-size=1200,800", f"--screenshot={tmp_path / 'shot.png'}", page],
                          capture_output=True, timeout=60)
    assert shot.returncode == 0 and (tmp_path / "shot.png").stat().st_size > 1000
