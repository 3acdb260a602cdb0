"""harness/compare.py: verdicts from hand-built observations, no servers."""
from dataclasses import replace

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


def test_every_expected_status_passes_unless_the_manifest_prefers_one():
    # item 7: no status of `expect` is demoted because the reference chose another one
    c = case(b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n",
             expect=[101, 200], reason="UPGRADE_IGNORED", level="MAY")
    sw = o(101, [("Upgrade", "h2c"), ("Connection", "Upgrade")])
    assert compare.classify(c, o(200)).verdict == compare.PASS
    assert compare.classify(c, sw).verdict == compare.PASS
    # upgrade/http11_version_12 without its `prefer`: every listed status passes
    v12 = case(WS.replace(b"HTTP/1.1", b"HTTP/1.2"), expect=[101, 505], reason="WS_SWITCH",
               level="SHOULD")
    assert compare.classify(v12, o(101, GOOD, accept_ok=True)).verdict == compare.PASS
    preferring = replace(c, prefer=200)
    assert compare.classify(preferring, o(200)).verdict == compare.PASS
    v = compare.classify(preferring, sw)
    assert (v.verdict, v.rule) == (compare.WARN, "status") and "prefers 200" in v.detail


def test_status_outside_expect_fails_only_at_must():
    # item 2: a mixed list (101 or 200 allowed) on a MAY/SHOULD case warns for any other status
    for level in ("MAY", "SHOULD"):
        c = case(WS, expect=[101, 404], reason="WS_SWITCH", level=level)
        for st in (403, 426, 500, 200):
            assert compare.classify(c, o(st, [("Upgrade", "websocket")])).verdict == compare.WARN
    must = case(WS, expect=[101], reason="WS_SWITCH")
    assert compare.classify(must, o(403)).verdict == compare.FAIL
    # a refusal where the case allows a refusal: a different error status, a warning
    refuse = case(WS, expect=[426, 400], reason="WS_NOT_OFFERED", rfc="RFC 6455 §4.2.1")
    assert compare.classify(refuse, o(403)).verdict == compare.WARN
    assert compare.classify(refuse, o(200)).verdict == compare.FAIL
    ignore = case(WS, expect=[200, 400, 404], reason="UPGRADE_IGNORED_HTTP10")
    assert compare.classify(ignore, o(403)).verdict == compare.WARN
    assert compare.classify(ignore, o(101, GOOD, accept_ok=True)).verdict == compare.FAIL


def test_a_silent_close_fails_only_where_an_answer_is_required():
    # item 1: a close refuses without saying why
    closed = Observation(decision=observe.CLOSE, fate="closed")
    for level in ("MAY", "SHOULD"):
        for expect in ([101, 400, 411], [101], [200, 400, 404]):
            c = case(WS, expect=expect, level=level, rfc="RFC 9110 §9.3.1")
            assert compare.classify(c, closed).verdict == compare.WARN, (level, expect)
    # MUST, a refusal allowed, a rule that only says "reject" (RFC 9112 §2.2, RFC 9110 §7.8)
    for rfc in ("RFC 9112 §2.2", "RFC 9110 §7.8", "RFC 9110 §5.5"):
        c = case(WS, expect=[400, 200], rfc=rfc)
        assert compare.classify(c, closed).verdict == compare.WARN
    # MUST, and the rule requires a response: "MUST respond with a 400", "return an HTTP response"
    for rfc in ("RFC 9112 §3.2", "RFC 9112 §5.1", "RFC 9112 §6.3", "RFC 6455 §4.2.1", "RFC 6455 §4.4"):
        v = compare.classify(case(WS, expect=[426, 400], rfc=rfc), closed)
        assert (v.verdict, v.rule, v.rfc) == (compare.FAIL, "closed-without-status", rfc)
    # ... RFC 6455's rule binds a WebSocket server, not a 426-only endpoint
    c = case(WS, expect=[426, 400], rfc="RFC 6455 §4.2.1")
    assert compare.classify(c, closed, supports=()).verdict == compare.WARN
    assert compare.classify(c, closed, supports=("websocket",)).verdict == compare.FAIL
    # MUST and no refusal allowed: a close is not a 101, a 200 or a 426
    for expect in ([101], [200], [426]):
        assert compare.classify(case(WS, expect=expect), closed).verdict == compare.FAIL


def test_applicability_needs_a_case_only_a_websocket_switch_passes():
    # item 3: skipped only when every expected status is 101 and the switch is WebSocket's
    valid = case(WS, expect=[101], reason="WS_SWITCH")
    assert compare.classify_for(valid, o(426), ()).verdict == compare.SKIP
    with_h2c = case(WS.replace(b"Upgrade: websocket", b"Upgrade: h2c, websocket"), expect=[101])
    assert compare.applicable(with_h2c, ("h2c",)) == "server does not claim websocket"
    assert compare.applicable(with_h2c, ("websocket",)) is None
    h2c = case(b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\n"
               b"HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n", expect=[101])
    assert compare.applicable(h2c, ("h2c",)) is None and compare.applicable(h2c, ())
    # a list with another status is judged for everyone: a 426 endpoint passes with its 426
    mixed = case(WS.replace(b"websocket", b"websocket/13"), expect=[426, 400, 101], level="MAY",
                 reason="WS_NOT_OFFERED")
    ok426 = o(426, [("Upgrade", "websocket"), ("Connection", "upgrade")])
    assert compare.classify_for(mixed, ok426, ()).verdict == compare.PASS
    # the WebSocket endpoint's 101 beside other answers: a server without WebSocket refuses with
    # its 426 instead, and a preferred 101 is a preferred 426 for it
    assert compare.classify_for(case(WS, expect=[101, 404], level="MAY"), ok426, ()).verdict == compare.PASS
    assert compare.classify_for(case(WS, expect=[101, 404], level="MAY"), ok426,
                                ("websocket",)).verdict == compare.WARN
    lead = case(b"\r\n" + WS, expect=[101, 400], prefer=101, level="SHOULD")
    assert compare.judged_as(lead, ()).expect == (426, 400) and compare.judged_as(lead, ()).prefer == 426
    assert compare.classify_for(lead, ok426, ()).verdict == compare.PASS
    assert compare.classify_for(lead, o(400), ()).verdict == compare.WARN
    assert compare.classify_for(lead, ok426, ("websocket",)).verdict == compare.WARN
    assert compare.judged_as(lead, None) is lead  # a server that says nothing: judged as is
    must = case(WS, expect=[101, 400], level="MUST")
    assert compare.classify_for(must, o(101, GOOD), ()).verdict == compare.FAIL  # it cannot switch
    # not the WebSocket endpoint, or not a switch to WebSocket: unchanged
    plain = case(WS.replace(b"GET /live", b"GET /"), expect=[101, 200])
    assert compare.judged_as(plain, ()) is plain
    h2c = case(WS.replace(b"Upgrade: websocket", b"Upgrade: h2c"), expect=[101, 426])
    assert compare.judged_as(h2c, ()) is h2c
    absolute = case(WS.replace(b"GET /live", b"GET http://localhost/live?x=1"), expect=[101, 400])
    assert compare.judged_as(absolute, ()).expect == (426, 400)


def test_426_version_binds_websocket_servers_only():
    # item 3: RFC 6455 §4.4's Sec-WebSocket-Version on a 426 is for servers that speak WebSocket
    bad = case(WS.replace(b"Version: 13", b"Version: 8"), expect=[426, 400], reason="WS_VERSION_UNSUPPORTED",
               rfc="RFC 6455 §4.4")
    no_version = o(426, [("Upgrade", "websocket"), ("Connection", "upgrade")])
    assert compare.classify_for(bad, no_version, ()).verdict == compare.PASS
    v = compare.classify_for(bad, no_version, ("websocket",))
    assert (v.verdict, v.rule) == (compare.FAIL, "ws-version")
    named = o(426, [("Upgrade", "websocket"), ("Connection", "upgrade"), ("Sec-WebSocket-Version", "13")])
    assert compare.classify_for(bad, named, ("websocket",)).verdict == compare.PASS
    # no version in the request: nothing it asked for is unsupported (a warning, not §4.4's MUST)
    missing = replace(bad, reason="WS_VERSION_MISSING")
    assert compare.classify_for(missing, no_version, ("websocket",)).verdict == compare.WARN


def test_every_error_answer_to_an_unsupported_version_names_the_versions():
    # RFC 6455 §4.4 "If the server doesn't support the requested version, it MUST respond with a
    # |Sec-WebSocket-Version| header field ... containing all versions it is willing to use": any
    # error status (§4.4's own example is a 400), not only a 426
    ws = ("websocket",)
    for version in (b"8", b"12", b"0", b"255"):
        bad = case(WS.replace(b"Version: 13", b"Version: " + version), expect=[426, 400],
                   reason="WS_VERSION_UNSUPPORTED", rfc="RFC 6455 §4.4")
        for st in (400, 403, 426, 501):
            hdrs = [("Upgrade", "websocket"), ("Connection", "upgrade")] if st == 426 else []
            v = compare.classify_for(bad, o(st, hdrs), ws)
            assert (v.verdict, v.rule, v.level, v.rfc) == (compare.FAIL, "ws-version", "MUST",
                                                           "RFC 6455 §4.4"), (version, st)
            named = o(st, hdrs + [("Sec-Websocket-Version", "13")])
            assert compare.classify_for(bad, named, ws).rule != "ws-version"
        assert compare.classify_for(bad, o(400, [("Sec-WebSocket-Version", "13")]), ws).verdict == compare.PASS
        # a 426-only endpoint (supports nothing) speaks no version: nothing to name
        assert compare.classify_for(bad, o(400), ()).verdict == compare.PASS
        # the rule is about error answers: a 101 or a 200 is judged by its status, not by this rule
        assert "ws-version" not in [f.rule for f in compare.classify_for(bad, o(200), ws).findings]
    # the case names another rule (bugs/kemal_refused_then_pipelined: RFC 9110 §7.8), the version is
    # still unsupported, and the answer still owes the header
    kemal = case(WS.replace(b"Version: 13", b"Version: 12"), expect=[426, 400],
                 reason="WS_VERSION_UNSUPPORTED", rfc="RFC 9110 §7.8")
    assert compare.classify_for(kemal, o(400), ws).rule == "ws-version"
    # the distinctions kept: a request without the field asked for no version; a 400 to it owes
    # nothing, a 426 without the versions warns (SHOULD); another reason is another rule
    missing = case(WS.replace(b"Sec-WebSocket-Version: 13\r\n", b""), expect=[426, 400],
                   reason="WS_VERSION_MISSING", rfc="RFC 6455 §4.2.1")
    assert compare.requested_version(missing) == ("missing", None)
    assert compare.classify_for(missing, o(400), ws).verdict == compare.PASS
    v = compare.classify_for(missing, o(426, [("Upgrade", "websocket"), ("Connection", "upgrade")]), ws)
    assert (v.verdict, v.level) == (compare.WARN, "SHOULD")
    for reason in ("WS_KEY_MISSING", "WS_VERSION_REPEATED", "WS_REQUIRED"):
        assert compare.classify_for(replace(missing, reason=reason), o(400), ws).verdict == compare.PASS


def test_a_value_that_is_no_version_warns_without_the_header():
    # RFC 6455 §4.1 "version = DIGIT | (NZDIGIT DIGIT) | ... ; Limited to 0-255 range, with no
    # leading zeros": an empty value, a list, a leading zero or 1337 is no requested version but an
    # invalid handshake (§4.2.1: any error); §4.4 binds only a server that read it as a version
    ws = ("websocket",)
    for value in (b"", b"13, 8", b"013", b"1337", b"256"):
        c = case(WS.replace(b"Version: 13", b"Version: " + value), expect=[426, 400],
                 reason="WS_VERSION_UNSUPPORTED", rfc="RFC 6455 §4.4")
        assert compare.requested_version(c)[0] == "malformed", value
        for st in (400, 426):
            hdrs = [("Upgrade", "websocket"), ("Connection", "upgrade")] if st == 426 else []
            v = compare.classify_for(c, o(st, hdrs), ws)
            assert (v.verdict, v.rule) == (compare.WARN, "ws-version"), (value, st)
            assert compare.classify_for(c, o(st, hdrs + [("Sec-WebSocket-Version", "13")]), ws).verdict == compare.PASS
    assert compare.requested_version(case(WS, expect=[101])) == ("version", b"13")
    ows = case(WS.replace(b"Version: 13", b"Version:  8 "), expect=[426, 400], reason="WS_VERSION_UNSUPPORTED")
    assert compare.requested_version(ows) == ("version", b"8")
    twice = case(WS.replace(b"Version: 13", b"Version: 8\r\nSec-WebSocket-Version: 8"), expect=[400, 426])
    assert compare.requested_version(twice)[0] == "malformed"


def test_offered_protocols_come_from_llhttp_with_folds_and_any_version():
    # item 4: b"h2c,\r\n websock" and an HTTP/1.2 request made a valid switch "not offered"
    folded = case(WS.replace(b"Upgrade: websocket", b"Upgrade: h2c,\r\n websocket"),
                  expect=[400, 101, 426], level="MAY", reason="OBS_FOLD", rfc="RFC 9112 §5.2")
    assert compare.offered(folded) == (("h2c", "websocket"), True)
    assert compare.classify(folded, o(101, GOOD, accept_ok=True)).verdict == compare.PASS
    v12 = case(WS.replace(b"HTTP/1.1", b"HTTP/1.2"), expect=[505, 101], level="SHOULD")
    assert compare.offered(v12) == (("websocket",), True)
    assert compare.classify(v12, o(101, GOOD, accept_ok=True)).verdict == compare.PASS
    # a switch to something the complete head does not offer is still a failure
    v = compare.classify(case(WS, expect=[101]), o(101, [("Upgrade", "h2c"), ("Connection", "Upgrade")]))
    assert (v.verdict, v.rule) == (compare.FAIL, "101-upgrade")
    # llhttp refused the head before its end: what it offered is not known, so not judged
    refused = case(WS.replace(b"Upgrade: websocket", b"Upgrade : websocket"), expect=[400],
                   rfc="RFC 9112 §5.1")
    assert compare.offered(refused) == ((), False)
    v = compare.classify(refused, o(101, GOOD, accept_ok=True))
    assert v.verdict == compare.FAIL and [f.rule for f in v.findings] == ["status"]


def test_a_versionless_101_answers_a_versioned_offer():
    # item 5: RFC 9110 §7.8 protocol = protocol-name ["/" protocol-version]; `websocket` names the
    # protocol the client indicated as `websocket/13`, without naming another version
    versioned = case(WS.replace(b"Upgrade: websocket", b"Upgrade: websocket/13"), expect=[426, 400, 101],
                     level="MAY", reason="WS_NOT_OFFERED")
    assert compare.indicated("websocket", ("websocket/13",))
    assert compare.indicated("websocket/13", ("websocket/13",))
    assert compare.indicated("websocket/13", ("websocket",))
    assert not compare.indicated("websocket/8", ("websocket/13",))
    assert not compare.indicated("websockets", ("websocket",))
    assert compare.classify(versioned, o(101, GOOD, accept_ok=True)).verdict == compare.PASS
    echo = [("Upgrade", "websocket/13"), ("Connection", "Upgrade")]
    assert compare.classify(versioned, o(101, echo, accept_ok=True)).verdict == compare.PASS
    # the accept value is checked for a versioned websocket too
    assert compare.classify(versioned, o(101, echo, accept_ok=False)).rule == "101-accept"
    other = [("Upgrade", "websocket/8"), ("Connection", "Upgrade")]
    v = compare.classify(versioned, o(101, other, accept_ok=True))
    assert (v.verdict, v.rule) == (compare.FAIL, "101-upgrade")


SETTINGS = bytes.fromhex("00000c040000000000000300000064000401000000") + bytes.fromhex("000004080000000000")


def test_an_http2_preface_answer_is_judged_by_the_manifest():
    # item 6: a SETTINGS frame is an HTTP/2 answer, not an invalid HTTP/1.1 one
    preface = case(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", expect=[505, 400, 501], level="MAY",
                   reason="VERSION_UNSUPPORTED", rfc="RFC 9110 §15.6.6")
    h2 = Observation(decision=observe.INVALID, parse_error="HPE_INVALID_CONSTANT", raw=SETTINGS, fate="open")
    v = compare.classify(replace(preface, allow_http2=True), h2)
    assert (v.verdict, v.rule, v.rfc) == (compare.PASS, "http2-answer", "RFC 9113 §3.3")
    # where the manifest does not allow it (an HTTP/1.0 h2c offer), HTTP/2 frames without a 101 fail
    v = compare.classify(case(b"GET / HTTP/1.0\r\nUpgrade: h2c\r\n\r\n", expect=[200]), h2)
    assert (v.verdict, v.rule) == (compare.FAIL, "http2-answer")
    junk = Observation(decision=observe.INVALID, parse_error="HPE_INVALID_CONSTANT", raw=b"SSH-2.0-x\r\n")
    assert compare.classify(replace(preface, allow_http2=True), junk).rule == "invalid-response"
    # a status line with a version the server cannot conform to (aiohttp echoes HTTP/1.2, HTTP/3.1)
    echo = Observation(decision=observe.INVALID, parse_error="HPE_INVALID_VERSION",
                       raw=b"HTTP/1.2 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n")
    v = compare.classify(preface, echo)
    assert (v.verdict, v.rfc) == (compare.FAIL, "RFC 9110 §6.2") and "HTTP/1.2 101" in v.detail


def test_an_http10_h2c_offer_is_judged_on_the_switch_not_on_the_response_version():
    # upgrade/h2c_http10. RFC 9110 §7.8: "A server MUST ignore an Upgrade header field that is
    # received in an HTTP/1.0 request." §6.2: "A server SHOULD send a response version equal to the
    # highest version to which the server is conformant that has a major version less than or equal
    # to the one received in the request": an HTTP/1.1 200 (reference, Apache, nginx, HAProxy, Node,
    # Tornado) passes like an HTTP/1.0 one; a 101 or HTTP/2 frames fail whatever else is allowed.
    from harness.cases import CORPUS, load_topic
    c = next(x for x in load_topic(CORPUS / "upgrade") if x.id == "upgrade/h2c_http10")
    assert c.raw.startswith(b"GET / HTTP/1.0\r\n") and compare.offered(c) == (("h2c",), True)
    for version in ("1.0", "1.1"):
        v = compare.classify(c, replace(o(200), version=version, fate="closed"), ("websocket", "h2c"))
        assert v.verdict == compare.PASS, version
    # a server that refuses every HTTP/1.0 request (py-websockets: 400) ignored the offer too;
    # allowed, but the manifest prefers the 200
    v = compare.classify(c, replace(o(400), fate="closed"), ("websocket", "h2c"))
    assert (v.verdict, v.rule) == (compare.WARN, "status")
    v = compare.classify(c, o(101, [("Upgrade", "h2c"), ("Connection", "Upgrade")]), ("h2c",))
    assert (v.verdict, v.level) == (compare.FAIL, "MUST")
    h2 = Observation(decision=observe.INVALID, parse_error="HPE_INVALID_CONSTANT", raw=SETTINGS, fate="open")
    assert compare.classify(c, h2, ("h2c",)).rule == "http2-answer"


def test_must_close_is_checked_whatever_the_status():
    # item 8: RFC 9112 §6.1 "Regardless, the server MUST close the connection after responding"
    c = replace(case(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
                     b"0\r\n\r\n", expect=[400, 405, 200], level="MAY", reason="CL_WITH_TE",
                     rfc="RFC 9112 §6.1", tail="http"), must_close=True)
    closed = {"fate": "closed", "tail": "closed"}
    assert compare.classify(c, replace(o(400), **closed)).verdict == compare.PASS
    assert compare.classify(c, replace(o(200), **closed)).verdict == compare.PASS
    v = compare.classify(c, replace(o(200), fate="open", tail="http", tail_status=200))
    assert (v.verdict, v.rule, v.level, v.rfc) == (compare.FAIL, "must-close", "MUST", "RFC 9112 §6.1")
    v = compare.classify(c, replace(o(405), fate="open", tail="silent"))
    assert (v.verdict, v.rule) == (compare.FAIL, "must-close")
    assert compare.classify(c, replace(o(400), fate="open", tail=None)).rule == "must-close"
    assert compare.classify(c, replace(o(400), fate="reset", tail="closed")).verdict == compare.PASS
    # a close without an answer closed the connection: only check_answered speaks
    v = compare.classify(c, Observation(decision=observe.CLOSE, fate="closed"))
    assert [f.rule for f in v.findings] == ["closed-without-status"]
    # without the key the same observation is not judged on the close
    assert compare.classify(replace(c, must_close=False), replace(o(200), fate="open")).verdict == compare.PASS


def test_te_not_chunked_prefers_400_and_warns_on_501_with_close():
    # corpus/syntax/te_not_chunked (Transfer-Encoding: gzip, no content). RFC 9112 §6.3: "If a
    # Transfer-Encoding header field is present in a request and the chunked transfer coding is not
    # the final encoding, the message body length cannot be determined reliably; the server MUST
    # respond with the 400 (Bad Request) status code and then close the connection." §6.1: "A server
    # that receives a request message with a transfer coding it does not understand SHOULD respond
    # with 501 (Not Implemented)." The MUST wins: 400 passes, 501 warns, a connection left open fails.
    from harness.cases import CORPUS, load_topic
    c = next(x for x in load_topic(CORPUS / "syntax") if x.id == "syntax/te_not_chunked")
    assert b"Transfer-Encoding: gzip\r\n" in c.raw and c.raw.endswith(b"\r\n\r\n")
    assert (c.expect, c.prefer, c.level, c.must_close, c.tail) == ((400, 501), 400, "MUST", True, "http")
    closed = {"fate": "closed", "tail": "closed"}
    assert compare.classify(c, replace(o(400), **closed)).verdict == compare.PASS
    v = compare.classify(c, replace(o(501), **closed))
    assert (v.verdict, v.rule) == (compare.WARN, "status") and "prefers 400" in v.detail
    v = compare.classify(c, replace(o(501), fate="open", tail="http", tail_status=200))
    assert (v.verdict, v.rule) == (compare.FAIL, "must-close")
    assert compare.classify(c, replace(o(405), **closed)).verdict == compare.WARN
    assert compare.classify(c, replace(o(200), **closed)).verdict == compare.FAIL


def test_tail_after_refusal_and_after_switch():
    c = case(WS, expect=[426], reason="WS_REQUIRED", tail="http")
    ok = [("Upgrade", "websocket"), ("Connection", "upgrade")]
    assert compare.classify(c, o(426, ok, tail="http")).verdict == compare.PASS
    assert compare.classify(c, o(426, ok, tail="protocol")).rule == "tail-after-refusal"
    assert compare.classify(c, o(426, ok, tail="silent")).verdict == compare.WARN
    s = case(WS, expect=[101], reason="WS_SWITCH", tail="ws")
    assert compare.classify(s, o(101, GOOD, accept_ok=True, tail="http")).rule == "tail-after-101"
    # frame bytes after a refusal: waiting for the rest of a "request line" is no tunnel
    w = case(WS, expect=[426, 101], reason="WS_SWITCH", tail="ws")
    assert compare.classify(w, o(426, ok, tail="silent")).verdict == compare.PASS
    assert compare.classify(w, o(426, ok, tail="protocol")).rule == "tail-after-refusal"


def test_harness_trouble_is_error_not_failure():
    c = case(WS, expect=[101])
    assert compare.classify(c, Observation(decision=observe.TIMEOUT)).verdict == compare.ERROR
    assert compare.classify(c, Observation(decision=observe.CLOSE, fate="closed")).verdict == compare.FAIL
    bad = case(WS, expect=[400], rfc="RFC 9112 §2.2")
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
