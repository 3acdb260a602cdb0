"""harness/compare.py: verdicts from hand-built observations, no servers."""
from conftest import case

from harness import compare, observe
from harness.observe import Observation

WS = (b"GET /live HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
GOOD = [("Upgrade", "websocket"), ("Connection", "Upgrade"),
        ("Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")]


def o(status, headers=(), decision=None, **kw):
    decision = decision or {101: "switch", 426: "upgrade-required"}.get(status, "served" if status < 400 else "reject")
    return Observation(decision=decision, status=status, headers=tuple(headers), fate="open", **kw)


def test_accept_is_recomputed():
    assert observe.expected_accept(b"dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def test_valid_switch_passes():
    v = compare.classify(case(WS, expect=[101], reason="WS_SWITCH"), o(101, GOOD, accept_ok=True))
    assert v.verdict == compare.PASS


def test_switch_with_bad_accept_fails_on_the_rule():
    v = compare.classify(case(WS, expect=[101], reason="WS_SWITCH"), o(101, GOOD, accept_ok=False))
    assert (v.verdict, v.rule, v.rfc) == (compare.FAIL, "101-accept", "RFC 6455 §4.2.2")


def test_switch_when_refusal_expected_fails():
    v = compare.classify(case(WS, expect=[426], reason="WS_REQUIRED"), o(101, GOOD, accept_ok=True))
    assert v.verdict == compare.FAIL and v.rule == "status"


def test_426_without_upgrade_fails_and_other_refusal_warns():
    c = case(WS, expect=[426], reason="WS_REQUIRED")
    assert compare.classify(c, o(426, [("Connection", "upgrade")])).rule == "426-upgrade"
    assert compare.classify(c, o(400)).verdict == compare.WARN
    assert compare.classify(c, o(200)).verdict == compare.FAIL


def test_allowed_alternative_warns_and_preferred_passes():
    c = case(b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n",
             expect=[101, 200], reason="UPGRADE_IGNORED", level="MAY")
    assert compare.classify(c, o(200)).verdict == compare.PASS
    sw = o(101, [("Upgrade", "h2c"), ("Connection", "Upgrade")])
    assert compare.classify(c, sw).verdict == compare.WARN


def test_tail_after_refusal_and_after_switch():
    c = case(WS, expect=[426], reason="WS_REQUIRED", tail="http")
    ok = [("Upgrade", "websocket"), ("Connection", "upgrade")]
    assert compare.classify(c, o(426, ok, tail="http")).verdict == compare.PASS
    assert compare.classify(c, o(426, ok, tail="protocol")).rule == "tail-after-refusal"
    assert compare.classify(c, o(426, ok, tail="silent")).verdict == compare.WARN
    s = case(WS, expect=[101], reason="WS_SWITCH", tail="ws")
    assert compare.classify(s, o(101, GOOD, accept_ok=True, tail="http")).rule == "tail-after-101"


def test_harness_trouble_is_error_not_failure():
    c = case(WS, expect=[101])
    assert compare.classify(c, Observation(decision=observe.TIMEOUT)).verdict == compare.ERROR
    assert compare.classify(c, Observation(decision=observe.CLOSE, fate="closed")).verdict == compare.FAIL
    bad = case(WS, expect=[400])
    assert compare.classify(bad, Observation(decision=observe.CLOSE, fate="closed")).verdict == compare.WARN


def test_skip_when_the_server_does_not_claim_the_protocol():
    c = case(WS, expect=[101], reason="WS_SWITCH")
    assert compare.classify_for(c, o(426), ()).verdict == compare.SKIP
    assert compare.classify_for(c, o(426), ("websocket",)).verdict == compare.FAIL


def test_agreement_and_signature():
    from harness.normalise import decision
    a, b = o(426, [("Upgrade", "websocket")]), o(400)
    assert compare.agreement(a, a) == (True, ())
    ok, diff = compare.agreement(a, b)
    assert not ok and "status" in diff
    sig = compare.signature("x", {"reference": decision(a), "s1": decision(b), "s2": decision(a)}, "reference")
    assert [s for s, _ in sig] == ["s1"]
