"""Rules on the bytes of findings a 30-minute diff-fuzz campaign (2026-12-04) made that no MUST
backs: each row is the campaign's minimised request and the server's answer, with the outcome the
rule now gives, and a row beside it that the rule must still break. A rule that fires here again
has lost the reading that keeps it to its sentence."""
from __future__ import annotations

import pytest
from conftest import case

from harness.difffuzz import oracle
from harness.observe import Observation
from harness.rules import BY_ID, Ctx

WS = (b"GET /live HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
H2C_101 = (("Connection", "Upgrade"), ("Upgrade", "h2c"))
WS_101 = (("Upgrade", "websocket"), ("Connection", "Upgrade"),
          ("Sec-WebSocket-Accept", "QCU98O5wtarG0wBIa6B0NZK7f2s="))


def obs(status, headers=(), **kw):
    decision = {101: "switch"}.get(status, "served" if status < 400 else "reject")
    return Observation(decision=kw.pop("decision", decision), status=status,
                       headers=tuple(headers), fate=kw.pop("fate", "open"), **kw)


ROWS = [
    # libwebsockets: the core stops at HTTP/2.0 in the request line, never reading `Upgrade:h2c`
    ("switch-to-offered", b"GET /live HTTP/2.0\r\nUpgrade:h2c\r\n :\r\nHTTP2-Settings: A\r\n\r\n",
     obs(101, H2C_101), "n/a"),
    ("switch-to-offered", WS.replace(b"Upgrade: websocket", b"Upgrade: websocket, foo"),
     obs(101, (("Upgrade", "h2c"), ("Connection", "Upgrade"))), "broken"),
    # websocketpp: a second key line after `Sec-WebSocket-Key : b=`, where the core stopped
    ("ws-accept", b"GET /h2c-required HTTP/1.1\r\nSec-WebSocket-Version: 8\r\nHost: lost\r\n"
     b"Sec-WebSocket-Key : b=\r\nConnection: upgrade\r\nUpgrade: websocket;q=1\r\n"
     b"Sec-WebSocket-Key:\r\n\r\n", obs(101, WS_101), "n/a"),
    # poco: a key that is a list is no key; refusing it is the invalid-handshake rule's
    ("ws-accept", WS.replace(b"Key: dGhlIHNhbXBsZSBub25jZQ==", b"Key: dGhlIHNhbXBsZSBub25jZQ==, "
                             b"dGhlIHNhbXBsZSBub25jZQ=="), obs(101, WS_101), "n/a"),
    ("ws-accept", WS, obs(101, WS_101, accept_ok=False), "broken"),
    # apache-wstunnel→reference: version 14 without a key and with an empty Host: the 400 may be
    # for the key
    ("ws-version-header", b"GET /live HTTP/1.1\r\nHost:\r\nUpgrade:websocket\r\nConnection: "
     b"Upgrade\r\nSec-WebSocket-Version: 14\r\n\r\n", obs(400), "n/a"),
    ("ws-version-header", WS.replace(b"Version: 13", b"Version: 14"), obs(400), "broken"),
    # libsoup: HTTP/1.0 needs no Host, so a 200 may follow lines consumed unprocessed
    ("start-line-space", b"GET / HTTP/1.0\r\n  Upgrade\r\n\n", obs(200), "n/a"),
    ("start-line-space", b"GET / HTTP/1.1\r\n Host: localhost\r\n\r\n", obs(200), "broken"),
    # bun: 505 to HTTP/1.2 refuses the version before the framing is read
    ("framing-400", b"CONNECT / HTTP/1.2\r\nContent-Length: -1\r\n\r\n", obs(505), "ok"),
    ("framing-400", b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n", obs(411), "broken"),
    # nginx: `GT /HTP/1.` has no version: an HTTP/0.9 request, answered without a status line
    ("answer-is-http", b"GT /HTP/1.\r\n\r\n",
     Observation(decision="invalid", raw=b"<html>\r\n", parse_error="HPE_INVALID_CONSTANT",
                 fate="closed"), "n/a"),
    ("answer-is-http", b"GT /x HTTP/1.1\r\nHost: x\r\n\r\n",
     Observation(decision="invalid", raw=b"<html>\r\n", parse_error="HPE_INVALID_CONSTANT",
                 fate="closed"), "broken"),
]


@pytest.mark.parametrize("rule,raw,o,state", ROWS, ids=[f"{r[0]}-{r[3]}-{i}" for i, r in enumerate(ROWS)])
def test_rule_keeps_to_its_sentence(rule, raw, o, state):
    assert BY_ID[rule].check(Ctx(case(raw), o, ("websocket", "h2c"))).state == state


def test_no_divergence_on_one_length_given_twice():
    # libwebsockets switched to h2c on `Content-Length: 5, 5`, which a recipient MAY read as 5
    raw = (b"GET / HTTP/1.0\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n"
           b"Content-Length: 5, 5\r\n\r\n")
    assert oracle.divergence(case(raw), obs(101, H2C_101)) is None
    assert oracle.divergence(case(raw.replace(b"5, 5", b"5, 6")), obs(101, H2C_101)) is not None


MORE = [
    # nginx-426 closed on a request line with no version (0.9 form) before a field with a space
    ("space-before-colon-400", b"GET /live?x\r\nSec-WebSocket-Key\t: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
     Observation(decision="close", fate="closed"), "n/a"),
    ("space-before-colon-400", b"GET /live HTTP/1.1\r\nHost: x\r\nA : b\r\n\r\n",
     Observation(decision="close", fate="closed"), "broken"),
    # poco echoes an invalid version token (`HTP/1.1`) in its status line
    ("answer-is-http", b"put # HTP/1.1\r\n\r\n",
     Observation(decision="invalid", raw=b"HTP/1.1 404 Not Found\r\n\r\n",
                 parse_error="HPE_INVALID_CONSTANT", fate="closed"), "n/a"),
]


@pytest.mark.parametrize("rule,raw,o,state", MORE, ids=[f"{r[0]}-{r[3]}-{i}" for i, r in enumerate(MORE)])
def test_no_version_no_http_rules(rule, raw, o, state):
    assert BY_ID[rule].check(Ctx(case(raw), o, ("websocket", "h2c"))).state == state


def test_chunked_followed_by_a_tab_is_valid_framing():
    # bun, tomcat10: `Transfer-Encoding:chunked<TAB>` is chunked (the tab is OWS); llhttp refuses
    # it, so the core says TE_UNSUPPORTED, and the framing rules must not follow it
    raw = b"GET /live/ HTTP/1.1\r\nHost:\r\nTransfer-Encoding:chunked\t\r\n\r\n"
    for rule in ("framing-400", "framing-close"):
        assert BY_ID[rule].check(Ctx(case(raw), obs(500), None)).state == "n/a"
    bad = raw.replace(b"chunked\t", b"identity")
    assert BY_ID["framing-400"].check(Ctx(case(bad), obs(200), None)).state == "broken"


def test_no_divergence_on_chunked_followed_by_a_tab():
    # the same exception as the framing rules: `chunked<TAB>` is chunked, the switch is no
    # divergence from a refusal the RFC does not require
    raw = b"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\t\r\n\r\n0\r\n\r\n"
    assert oracle.divergence(case(raw), obs(101, H2C_101)) is None
    bad = raw.replace(b"chunked\t", b"identity")
    assert oracle.divergence(case(bad), obs(101, H2C_101)) is not None


def test_open_with_nothing_sent_after_the_answer_is_no_evidence():
    # libwebsockets, poco: 200 to Content-Length with chunked, no probe after it (the campaign
    # sends none where the input has no room for one): still open says nothing; a server that
    # closes at the next bytes, serving none, keeps "close after responding"
    raw = b"POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    rule = BY_ID["cl-te-close"]
    assert rule.check(Ctx(case(raw), obs(200), None)).state == "n/a"
    assert rule.check(Ctx(case(raw), obs(200, tail="silent"), None)).state == "broken"
    assert rule.check(Ctx(case(raw), obs(200, tail="http", tail_status=200), None)).state == "broken"
