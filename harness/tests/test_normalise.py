"""harness/normalise.py: benign differences disappear in one place; the decision tuple stays."""
from harness import normalise
from harness.observe import Observation


def obs(status=426, headers=(), decision="upgrade-required", fate="open", **kw):
    return Observation(decision=decision, status=status, headers=tuple(headers), fate=fate, **kw)


def test_benign_headers_case_order_and_reset_are_normalised():
    a = obs(headers=[("Date", "Mon"), ("Server", "nginx"), ("Upgrade", "WebSocket"),
                     ("Connection", "keep-alive, Upgrade")], reason_phrase="", fate="reset")
    b = obs(headers=[("connection", "upgrade"), ("upgrade", "websocket"), ("Server", "Apache")],
            reason_phrase="Upgrade Required", fate="closed")
    assert normalise.decision(a) == normalise.decision(b)
    assert normalise.differing(normalise.decision(a), normalise.decision(b)) == ()
    assert normalise.view(a)["headers"] != normalise.view(b)["headers"]   # shown on request
    assert "all_headers" in normalise.view(a, benign=True)


def test_decision_tuple_keeps_what_matters():
    a = obs(headers=[("Upgrade", "websocket"), ("Connection", "upgrade")])
    b = obs(headers=[("Upgrade", "websocket")])
    assert normalise.differing(normalise.decision(a), normalise.decision(b)) == ("connection_upgrade",)
    c = obs(status=200, decision="served", headers=[("Upgrade", "h2c")])
    assert normalise.decision(c).protocol is None          # advertising on a 200 is not a decision


def test_tokens():
    assert normalise.tokens(["a, ,B", "c"]) == ("a", "b", "c")
