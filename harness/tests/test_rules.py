"""harness/rules: every rule of the table is broken by one observation and satisfied by another.

The observations are real: the bytes servers sent in a `make report` run (fixtures/rules.json,
one broken and one satisfied cell per rule where some server broke it). Rules that no server in
that run broke get a synthetic violation below, built from a real answer with the one change
the rule is about, and say so.
"""
import base64
import json
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import case

from harness import compare, rejudge
from harness.observe import Observation
from harness.rules import BY_ID, LEVELS, RULES, Ctx

FIXTURES = json.loads((Path(__file__).parent / "fixtures" / "rules.json").read_text())["fixtures"]
CROSS_CELL = {"equivalent-requests"}            # judged in relations.py (test_relations.py)
WS = (b"GET /live HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
SWITCH = (("Upgrade", "websocket"), ("Connection", "Upgrade"),
          ("Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="))


def ctx_of(fx: dict) -> Ctx:
    c = case(base64.b64decode(fx["request_b64"]), reason=fx["reason"], tail=fx["tail"],
             id=fx["case"], prefer=fx["prefer"])
    sup = tuple(fx["supports"]) if fx["supports"] is not None else None
    return Ctx(c, rejudge.observation_of(fx["result"]), sup)


@pytest.mark.parametrize("fx", FIXTURES, ids=lambda f: f"{f['rule']}-{f['state']}-{f['server']}-{f['case']}")
def test_rule_on_real_bytes(fx):
    assert BY_ID[fx["rule"]].check(ctx_of(fx)).state == fx["state"]


def obs(status, headers=(), **kw):
    decision = {101: "switch", 426: "upgrade-required"}.get(status, "served" if status < 400 else "reject")
    return Observation(decision=kw.pop("decision", decision), status=status, headers=tuple(headers),
                       fate=kw.pop("fate", "open"), **kw)


H2C = (b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
       b"HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n")
SETTINGS = b"\x00\x00\x06\x04\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00\x64"

# Synthetic violations for the rules no server broke in the fixture run: (rule, request, observation).
SYNTHETIC = [
    ("answer-is-http", WS.replace(b"/live", b"/"),
     Observation(decision="invalid", raw=SETTINGS, parse_error="HPE_INVALID_CONSTANT", fate="open")),
    ("101-names-protocol", WS, obs(101, SWITCH[1:], accept_ok=True)),
    ("switch-to-offered", WS.replace(b"Upgrade: websocket\r\n", b"Upgrade: h2c\r\n"),
     obs(101, SWITCH, accept_ok=True)),
    ("h2c-one-settings", H2C.replace(b"HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n", b""),
     obs(101, (("Upgrade", "h2c"), ("Connection", "Upgrade")))),
    ("h2-not-cleartext", H2C.replace(b"Upgrade: h2c", b"Upgrade: h2"),
     obs(101, (("Upgrade", "h2"), ("Connection", "Upgrade")))),
    ("te-http10-close", b"POST / HTTP/1.0\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
     obs(200, (("Content-Length", "2"),), tail="silent")),
    ("tail-after-101", WS, obs(101, SWITCH, accept_ok=True, tail="http", tail_status=200)),
    ("tail-after-refusal", WS.replace(b"13", b"8"),
     obs(426, (("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Version", "13")),
         tail="protocol")),
]


@pytest.mark.parametrize("rule,raw,o", SYNTHETIC, ids=[s[0] for s in SYNTHETIC])
def test_rule_on_synthetic_violation(rule, raw, o):
    assert BY_ID[rule].check(Ctx(case(raw), o, ("websocket", "h2c"))).state == "broken"


def test_every_rule_has_a_violating_and_a_conforming_observation():
    real = {(f["rule"], f["state"]) for f in FIXTURES}
    synthetic = {r for r, _, _ in SYNTHETIC}
    for rule in RULES:
        if rule.id in CROSS_CELL:
            continue
        assert (rule.id, "broken") in real or rule.id in synthetic, rule.id
        assert (rule.id, "ok") in real, rule.id


def test_table_is_well_formed():
    for rule in RULES:
        assert rule.level in LEVELS and rule.sentence and rule.rfc
        if rule.level == "MUST":      # a Fail quotes the MUST it breaks
            assert "MUST" in rule.sentence, rule.id


def test_version_8_switch_is_no_fail_but_version_list_is():
    # RFC 6455 §4.4 lets a server speak other versions; "13, 8" is no version at all
    good = obs(101, SWITCH, accept_ok=True)
    v8 = Ctx(case(WS.replace(b"Version: 13", b"Version: 8")), good, ("websocket",))
    assert BY_ID["ws-refuse-invalid"].check(v8).state == "n/a"
    lst = Ctx(case(WS.replace(b"Version: 13", b"Version: 13, 8")), good, ("websocket",))
    assert BY_ID["ws-refuse-invalid"].check(lst).state == "broken"


def test_origin_403_is_the_answer_the_rfc_names():
    raw = WS.replace(b"\r\n\r\n", b"\r\nOrigin: http://example.com\r\n\r\n")
    assert BY_ID["declined-valid"].check(Ctx(case(raw), obs(403))).state == "ok"
    assert BY_ID["declined-valid"].check(Ctx(case(WS), obs(403))).state == "broken"


def test_serving_the_websocket_url_is_no_fail():
    plain = b"GET /live HTTP/1.1\r\nHost: localhost\r\n\r\n"
    c = Ctx(case(plain), obs(200, (("Content-Length", "2"),)), ("websocket",))
    broken = [r for r in RULES if r.check(c).state == "broken"]
    assert [r.id for r in broken] == ["reference-kind"] and broken[0].level == "SHOULD"


def test_426_without_connection_upgrade_breaks_the_must():
    c = Ctx(case(WS.replace(b"13", b"8")), obs(426, (("Upgrade", "websocket"), ("Connection", "close"))))
    assert BY_ID["upgrade-needs-connection"].check(c).state == "broken"
    fixed = replace(c.obs, headers=(("Upgrade", "websocket"), ("Connection", "Upgrade")))
    assert BY_ID["upgrade-needs-connection"].check(Ctx(c.case, fixed)).state == "ok"


def test_426_without_upgrade_fails_the_origin_not_a_proxy_that_relays_it():
    # caddy's bytes in front of python3-websockets, whose own 426 said
    # "Upgrade: websocket" + "Connection: close": caddy removed Upgrade (RFC 9110 §7.6.1 SHOULD).
    relayed = obs(426, (("Content-Length", "156"), ("Server", "Caddy"),
                        ("Server", "Python/3.11 websockets/10.4")))
    raw = b"GET /live HTTP/1.1\r\nHost: localhost\r\n\r\n"
    assert BY_ID["426-names-protocol"].check(Ctx(case(raw), relayed)).state == "broken"
    assert BY_ID["426-names-protocol"].check(Ctx(case(raw), relayed, relays=True)).state == "n/a"
    assert compare.classify(case(raw), relayed, ("websocket",), "origin").rule == "426-names-protocol"
    assert compare.classify(case(raw), relayed, ("websocket",), "proxy").rule != "426-names-protocol"
    assert compare.classify(case(raw), relayed, ("websocket",), "chain").rule != "426-names-protocol"


# Rule questions from the diff-fuzz campaign (issue 14), each on the bytes it showed.

def test_identical_content_lengths_may_be_accepted():
    # RFC 9110 §8.6: duplicated identical values MAY be replaced by one (bun, caddy, deno,
    # haproxy, uvicorn, websocketd answered 200; haproxy also to "5, 5")
    two = b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc"
    listed = b"DELETE / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\nabcde"
    differ = two.replace(b"Length: 3\r\nContent-Length: 3", b"Length: 3\r\nContent-Length: 4")
    ok = obs(200, (("Content-Length", "2"),), tail="http", tail_status=200)
    for raw in (two, listed):
        assert BY_ID["framing-400"].check(Ctx(case(raw), ok)).state == "n/a"
        assert BY_ID["framing-close"].check(Ctx(case(raw), ok)).state == "n/a"
    assert BY_ID["framing-400"].check(Ctx(case(differ), ok)).state == "broken"
    assert BY_ID["framing-close"].check(Ctx(case(differ), obs(400, tail="http", tail_status=200))).state == "broken"


def test_505_to_another_major_version_is_no_400_violation():
    raw = b"CONNECT / HTTP/2.0\r\nHost: x\r\nTransfer-Encoding : gzip\r\n\r\n"     # nginx: 505
    assert BY_ID["space-before-colon-400"].check(Ctx(case(raw), obs(505))).state == "ok"
    v11 = raw.replace(b"HTTP/2.0", b"HTTP/1.1")
    assert BY_ID["space-before-colon-400"].check(Ctx(case(v11), obs(505))).state == "broken"


def test_an_http09_request_may_get_an_http09_answer():
    raw = b"GET /HTP1z0\r\n\r\n"                                                    # Apache
    body = Observation(decision="invalid", raw=b"<!DOCTYPE HTML PUBLIC", parse_error="HPE_INVALID_CONSTANT",
                       fate="closed")
    assert BY_ID["answer-is-http"].check(Ctx(case(raw), body)).state == "n/a"
    assert BY_ID["answer-is-http"].check(Ctx(case(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"), body)).state == "broken"


def test_h2c_settings_are_not_counted_past_the_cores_error():
    raw = (b"PRI / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
           b"HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n")                    # caddy: 101
    switched = obs(101, (("Upgrade", "h2c"), ("Connection", "Upgrade")))
    assert BY_ID["h2c-one-settings"].check(Ctx(case(raw), switched)).state == "n/a"
    assert BY_ID["h2c-one-settings"].check(Ctx(case(H2C.replace(b"HTTP2-Settings: AAMA", b"HTTP2-Settings: x\r\nHTTP2-Settings: AAMA")), switched)).state == "broken"


def test_a_fold_in_the_offer_or_key_is_not_judged_by_the_switch_rules():
    folded = WS.replace(b"Upgrade: websocket\r\n", b"Upgrade: websocket\r\n Uade:\r\n")
    assert BY_ID["switch-to-offered"].check(Ctx(case(folded), obs(101, SWITCH, accept_ok=True))).state == "n/a"
    key = WS.replace(b"dGhlIHNhbXBsZSBub25jZQ==", b"dGhlIHNhbXBs\r\n ZSBub25jZQ==")
    assert BY_ID["ws-accept"].check(Ctx(case(key), obs(101, SWITCH, accept_ok=False))).state == "n/a"
    assert BY_ID["ws-accept"].check(Ctx(case(WS), obs(101, SWITCH, accept_ok=False))).state == "broken"
