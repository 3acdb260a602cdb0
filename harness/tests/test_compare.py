"""harness/compare.py and relations.py: verdicts from hand-built observations, no servers.
(Each rule's own tests, on real bytes, are in test_rules.py.)"""
from conftest import case

from harness import compare, observe, relations
from harness.matrix import Cell
from harness.observe import Observation

WS = (b"GET /live HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
GOOD = [("Upgrade", "websocket"), ("Connection", "Upgrade"),
        ("Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")]
REFUSE = [("Upgrade", "websocket"), ("Connection", "Upgrade")]


def o(status, headers=(), decision=None, **kw):
    decision = decision or {101: "switch", 426: "upgrade-required"}.get(status, "served" if status < 400 else "reject")
    return Observation(decision=decision, status=status, headers=tuple(headers), fate="open", **kw)


def test_accept_is_recomputed():
    assert observe.expected_accept(b"dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def test_valid_switch_passes_and_a_bad_accept_fails_quoting_its_sentence():
    c = case(WS)
    assert compare.classify(c, o(101, GOOD, accept_ok=True)).verdict == compare.PASS
    v = compare.classify(c, o(101, GOOD, accept_ok=False))
    assert (v.verdict, v.rule, v.rfc) == (compare.FAIL, "ws-accept", "RFC 6455 §4.2.2")
    assert "MUST reply" in v.sentence and v.findings[0].sentence == v.sentence


def test_a_fail_is_only_ever_a_must():
    cases = [case(WS), case(WS.replace(b"13", b"8")), case(b"GET /live HTTP/1.1\r\nHost: x\r\n\r\n"),
             case(b"GET / HTTP/1.1\r\n\r\n")]
    answers = [o(s, h) for s in (101, 200, 400, 403, 404, 426, 500) for h in ((), REFUSE, GOOD)]
    answers += [Observation(decision=observe.CLOSE, fate="closed")]
    for c in cases:
        for a in answers:
            v = compare.classify(c, a, ("websocket",))
            if v.verdict == compare.FAIL:
                assert v.level == "MUST" and "MUST" in v.sentence, (c.raw, a)


def test_worst_finding_wins():
    c = case(WS.replace(b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", b""))    # no key
    v = compare.classify(c, o(200), ("websocket",))
    assert v.verdict == compare.WARN and v.rule == "reference-kind"
    v = compare.classify(c, o(101, GOOD[:2]), ("websocket",))
    assert v.verdict == compare.FAIL and v.rule == "ws-refuse-invalid"


def test_harness_trouble_is_error_not_failure():
    assert compare.classify(case(WS), Observation(decision=observe.TIMEOUT)).verdict == compare.ERROR
    assert compare.classify(case(WS), Observation(decision=observe.NOCONNECT)).verdict == compare.ERROR


def test_skip_only_when_the_server_neither_claims_websocket_nor_switches():
    c = case(WS)
    assert compare.classify(c, o(426, REFUSE), ()).verdict == compare.SKIP
    assert compare.classify(c, o(101, GOOD, accept_ok=True), ()).verdict == compare.PASS
    assert compare.classify(c, o(426, REFUSE), ("websocket",)).verdict == compare.INTEROP


def cell(server, case_id, status, headers=(), mode="whole", **kw):
    c = Cell(server, case_id, mode, o(status, headers, **kw), compare.Verdict("pass", "-", "", "", ""), b"")
    return c


def judged(cells, cases):
    by = {c.id: c for c in cases}
    cells = [Cell(x.server, x.case, x.mode, x.obs, compare.classify(by[x.case], x.obs, ("websocket",)),
                  x.sent) for x in cells]
    return {(x.server, x.case): x.verdict for x in relations.resolve(cells, cases)}


def test_declined_valid_is_interop_only_when_the_control_switches():
    control = case(WS, id=relations.CONTROL)
    variant = case(WS.replace(b"Upgrade: websocket", b"Upgrade: h2c, websocket"), id="w/list")
    v = judged([cell("a", control.id, 101, GOOD, accept_ok=True), cell("a", variant.id, 400),
                cell("b", control.id, 426, REFUSE), cell("b", variant.id, 426, REFUSE)],
               [control, variant])
    assert v[("a", "w/list")].verdict == compare.INTEROP and relations.CONTROL in v[("a", "w/list")].detail
    assert v[("b", "w/list")].verdict == compare.PASS         # declines WebSocket on the whole
    assert v[("b", control.id)].verdict == compare.PASS


def test_equivalent_requests_split_is_interop_naming_the_pair():
    one = case(WS.replace(b"Upgrade: websocket", b"Upgrade: h2c, websocket"), id="w/one")
    two = case(WS.replace(b"Upgrade: websocket", b"Upgrade: h2c\r\nUpgrade: websocket"), id="w/two",
               equivalent_to="w/one", equivalence_rfc="RFC 9110 §5.3")
    control = case(WS, id=relations.CONTROL)
    v = judged([cell("a", "w/one", 400), cell("a", "w/two", 101, GOOD, accept_ok=True),
                cell("a", control.id, 101, GOOD, accept_ok=True)], [one, two, control])
    eq = [f for f in v[("a", "w/two")].findings if f.rule == "equivalent-requests"]
    assert v[("a", "w/two")].verdict == compare.INTEROP and "w/one" in eq[0].detail
    assert eq[0].rfc == "RFC 9110 §5.3"


def test_agreement_and_signature():
    from harness.normalise import decision
    a, b = o(426, [("Upgrade", "websocket")]), o(400)
    assert compare.agreement(a, a) == (True, ())
    ok, diff = compare.agreement(a, b)
    assert not ok and "status" in diff
    sig = compare.signature("x", {"reference": decision(a), "s1": decision(b), "s2": decision(a)}, "reference")
    assert [s for s, _ in sig] == ["s1"]
