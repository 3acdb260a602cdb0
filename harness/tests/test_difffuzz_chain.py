"""harness/difffuzz over a chain to the sentinel: the campaign reads the sentinel's log around each
exchange, so a proxy that tunnels after the backend refused the upgrade (standin_proxy.py, fault
`intent`) is a `security` finding of chain-tunnel-no-101, minimised and confirmed; the same
stand-in forwarding correctly (`good`) gives none. The fault is chosen by the request's Host."""
from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import pytest
from conftest import HERE

from harness import catalog, chain, core
from harness.cases import CORPUS
from harness.difffuzz import cli

CHAIN = f"standin{catalog.CHAIN_SEP}{chain.SENTINEL}"


def _adapters(tmp_path: Path) -> Path:
    folder = tmp_path / "adapters"
    folder.mkdir()
    shutil.copy(catalog.ADAPTERS / f"{chain.SENTINEL}.toml", folder)
    (folder / "standin.toml").write_text(
        'description = "chain stand-in proxy (harness/tests/standin_proxy.py)"\n'
        f'role = "proxy"\nchain = true\nbackend = "{chain.SENTINEL}"\n'
        f'argv = ["{catalog.PYTHON}", "{HERE / "standin_proxy.py"}", "@HOST@", "@PORT@", "@BACKEND_PORT@"]\n'
        'supports = ["websocket"]\nready_timeout = 5.0\nstop_timeout = 1.0\n')
    return folder


def _campaign(tmp_path: Path, fault: str, triage: str) -> dict:
    folder = _adapters(tmp_path)
    if catalog.unavailable(catalog.load(folder)[chain.SENTINEL]):
        pytest.skip("the sentinel needs python3-h2 (make deps)")
    topic = tmp_path / "seeds" / "chain"
    topic.mkdir(parents=True)
    raw = (CORPUS / "chain" / "ws_refused_then_frame.http").read_bytes()
    (topic / "refused.http").write_bytes(raw.replace(b"Host: localhost", b"Host: " + fault.encode(), 1))
    (topic / "cases.toml").write_text('[refused]\nreason = "WS_SWITCH"\n'
                                      'description = "refused by the sentinel, then a frame"\n')
    out = tmp_path / "out"
    rc = cli.main(["run", "--adapters", str(folder), "--server", CHAIN, "--corpus",
                   str(tmp_path / "seeds"), "--duration", "20", "--max-inputs", "60",
                   "--triage-budget", triage, "--out", str(out), "--quiet"])
    assert rc == 0
    return json.loads((out / "summary.json").read_text())


def test_tunnel_on_intent_is_a_security_finding(tmp_path):
    doc = _campaign(tmp_path, "intent", "15")
    lane = next(s for s in doc["servers"] if s["name"] == CHAIN)
    assert lane["exchanges"] > 0 and not lane["dead"]
    hits = [f for f in doc["findings"] if f["rule"] == "chain-tunnel-no-101"]
    assert hits, [(f["rule"], f["kind"]) for f in doc["findings"]]
    f = hits[0]
    assert f["kind"] == "security" and f["confirmed"] and f["server"] == CHAIN
    small = base64.b64decode(f["request_b64"])
    assert core.facts(small).values("Host") == [b"intent"], small
    assert len(small) <= len(base64.b64decode(f["original_b64"]))
    # no divergence is judged on a chain to the sentinel (it switches on any offer)
    assert not [x for x in doc["findings"] if x["kind"] == "divergence"]


def test_forwarding_proxy_no_chain_findings(tmp_path):
    doc = _campaign(tmp_path, "good", "1")
    lane = next(s for s in doc["servers"] if s["name"] == CHAIN)
    assert lane["exchanges"] > 0
    assert not [f for f in doc["raw"] if f["rule"].startswith("chain-")], doc["raw"]
