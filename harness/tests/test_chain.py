"""Chain rules (harness/rules/chain.py), each against a stand-in proxy that breaks it and one that
does not (standin_proxy.py, chosen by the Host of the request), in front of the real sentinel
(harness/apps/sentinel.py), through the harness's own path: matrix.run_one reads the sentinel's
log into the observation, compare.classify judges it. Loopback only; one proxy, one sentinel."""
from __future__ import annotations

import base64
import json

import pytest

from conftest import HERE, case
from harness import catalog, chain, compare, matrix, servers
from harness.cases import CORPUS
from harness.rules import CHAIN_RULES
from harness.rules.ctx import Ctx


@pytest.fixture(scope="module")
def proxy():
    adapters = catalog.load()
    if catalog.unavailable(adapters[chain.SENTINEL], adapters):
        pytest.skip("the sentinel needs python3-h2 (make deps)")
    ad = catalog.Adapter(name="standin→sentinel", backend=chain.SENTINEL, role="chain",
                         chain_of="standin", ready_timeout=5.0, stop_timeout=1.0,
                         argv=(catalog.PYTHON, str(HERE / "standin_proxy.py"), "@HOST@", "@PORT@",
                               "@BACKEND_PORT@"))
    srv = servers.Server(ad, adapters)
    srv.start()
    yield srv
    srv.stop()


def _case(stem: str, host: str):
    raw = (CORPUS / "chain" / f"{stem}.http").read_bytes()
    return case(raw.replace(b"Host: localhost", b"Host: " + host.encode(), 1), id=f"chain/{stem}")


def _broken(srv, stem: str, host: str, mode: str = "whole") -> dict[str, str]:
    c = _case(stem, host)
    obs, _ = matrix.run_one(srv, c, mode)
    assert obs.backend is not None, "a chain to the sentinel carries the sentinel's end"
    v = compare.classify(c, obs)
    return {f.rule: f.verdict for f in v.findings}


# (rule, corpus case, the stand-in's fault, the verdict the rule gives)
RULES = [
    ("chain-connection-named", "connection_named_fields", "named", compare.FAIL),
    ("chain-upgrade-not-offered", "upgrade_without_connection", "plain", compare.WARN),
    ("chain-h2c-tls-relayed", "tls_upgrade", "opaque", compare.SECURITY),
    ("chain-tunnel-no-101", "ws_refused_then_frame", "intent", compare.SECURITY),
    ("chain-early-data", "ws_frame_before_101", "early", compare.SECURITY),
    ("chain-body-smuggled", "upgrade_content_length_admin", "unframed", compare.SECURITY),
    ("chain-admin-bypass", "admin_denied", "nodeny", compare.SECURITY),
]


def test_every_chain_rule_is_tested():
    assert {r.id for r in CHAIN_RULES} == {r[0] for r in RULES}


@pytest.mark.parametrize("rule,stem,fault,verdict", RULES, ids=[r[0] for r in RULES])
def test_rule_broken_by_faulty_proxy_only(proxy, rule, stem, fault, verdict):
    bad = _broken(proxy, stem, fault)
    assert bad.get(rule) == verdict, f"{fault} proxy on {stem}: {bad}"
    good = _broken(proxy, stem, "good")
    assert not good, f"the good proxy broke {good} on {stem}"


def test_tunnel_after_refusal_split(proxy):
    """Sent after the 426 came back (split_after_head): a tunnel on intent, not early data."""
    bad = _broken(proxy, "ws_refused_then_frame", "intent", "split_after_head")
    assert "chain-tunnel-no-101" in bad and "chain-early-data" not in bad
    assert not _broken(proxy, "ws_refused_then_frame", "good", "split_after_head")


def test_h2c_relayed_reaches_admin(proxy):
    bad = _broken(proxy, "h2c_then_admin", "opaque")
    assert {"chain-h2c-tls-relayed", "chain-admin-bypass"} <= set(bad)
    assert not _broken(proxy, "h2c_then_admin", "good")


def test_reference_chain_has_no_backend_view():
    """Only a chain to the sentinel reads a log: other rows are judged by the usual rules."""
    ad = catalog.load()["nginx-proxy→reference"]
    assert ad.chain_of == "nginx-proxy" and ad.backend == "reference"
    assert chain.sentinel_log(servers.Server(ad)) is None


def _log(*events) -> bytes:
    return b"".join(json.dumps(e).encode() + b"\n" for e in events)


def test_log_window_of_a_reused_connection():
    """A window that starts mid-stream: offsets are relative to its first byte, the answer's
    too; bytes received before the answer after the request's end are early data."""
    req = _case("ws_frame_before_101", "x").raw
    head_len = req.index(b"\r\n\r\n") + 4
    ev = _log({"c": 4, "e": "recv", "off": 500, "b": base64.b64encode(req).decode(), "mode": "http"},
              {"c": 4, "e": "answer", "status": 101, "end": 500 + head_len, "rx": 500 + len(req)},
              {"c": 4, "e": "switch", "proto": "websocket"})
    (conn,) = chain.parse(ev + b'{"c": 4, "e": "rec')      # a partial last line is ignored
    msgs = conn.messages()
    assert [m.kind for m in msgs] == ["http", "tunnel"] and msgs[0].end == head_len
    obs = matrix.observe.Observation(decision="switch", status=101, backend=(conn,))
    found = compare.findings(Ctx(_case("ws_frame_before_101", "x"), obs))
    assert [f.rule for f in found] == ["chain-early-data"]
    assert chain.from_json(chain.to_json((conn,))) == (conn,)


def test_a_server_that_exits_while_starting_gets_one_more_port():
    """50 servers start at once in a full run: a port can be taken between free_port() and the
    bind (haproxy→reference was seen to exit so). The first start exits, the second works."""
    script = (f"if [ -e started-once ]; then exec {catalog.PYTHON} {HERE / 'fake_server.py'} "
              f"@HOST@ @PORT@ ok; fi; touch started-once; exit 1")
    srv = servers.Server(catalog.Adapter(name="exits-once", argv=("sh", "-c", script),
                                         ready_timeout=3.0, stop_timeout=1.0))
    try:
        srv.start()
        assert srv.alive() and any("exited while starting" in n for n in srv.notes)
    finally:
        srv.stop()


def test_which_rows_run_which_cases():
    from harness import cases as cases_mod
    allc = cases_mod.load()
    ads = catalog.load()
    only = {c.id for c in allc if c.topic == chain.TOPIC}
    assert {c.id for c in chain.cases_for(ads["nginx-proxy→sentinel"], allc, True)} == only
    assert {c.id for c in chain.cases_for(ads["nginx-proxy→reference"], allc)} == only
    assert len(chain.cases_for(ads["nginx-proxy→reference"], allc, True)) == len(allc)
    assert len(chain.cases_for(ads["reference"], allc)) == len(allc)
    assert not {c.id for c in chain.cases_for(ads["nginx-proxy"], allc)} & only
