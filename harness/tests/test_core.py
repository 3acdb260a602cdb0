"""harness/core.py: the reference core's facts about a request, in-process (libsycore.so), checked
against real corpus bytes and against `sy-decide`, the core as a command."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from harness import cases, core

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"
SY_DECIDE = core.library_path().parent / "sy-decide"


def raw(case_id: str) -> bytes:
    return (CORPUS / f"{case_id}.http").read_bytes()


def decide(*paths: Path) -> list[dict]:
    out = subprocess.run([str(SY_DECIDE), *map(str, paths)], capture_output=True, check=True,
                         timeout=60).stdout.decode()
    return [json.loads(line) for line in out.splitlines()]


def test_every_corpus_request_gets_the_decision_sy_decide_prints():
    files = sorted(CORPUS.glob("*/*.http"))
    assert files
    for path, d in zip(files, decide(*files)):
        f = core.facts(path.read_bytes())
        assert f.decided == d["complete"], path
        assert f.head_len == d["head_len"], path
        if d["complete"]:
            got = (f.status, f.reason, f.reason_rfc, f.reason_level, f.fate, f.proto or "",
                   f.consumed)
            assert got == (d["status"], d["reason"], d["rfc"], d["level"], d["fate"], d["proto"],
                           d["consumed"]), path


def test_the_reasons_table_is_the_cores():
    want = json.loads(subprocess.run([str(SY_DECIDE), "--reasons"], capture_output=True,
                                     check=True, timeout=60).stdout)
    got = core.all_reasons()
    assert list(got) == [r["name"] for r in want]
    for r in want:
        assert core.reason_info(r["name"]) == core.ReasonInfo(r["name"], r["status"], r["rfc"],
                                                              r["level"], r["text"])
    with pytest.raises(KeyError):
        core.reason_info("NO_SUCH_REASON")


def test_valid_handshake():
    b = raw("websocket/valid_handshake")
    f = core.facts(b)
    assert (f.decided, f.reason, f.status, f.reason_rfc, f.reason_level, f.fate, f.proto) == (
        True, "WS_SWITCH", 101, "RFC 6455 §4.2.2", "MUST", "switch", "websocket")
    assert (f.error, f.error_offset, f.complete) == (None, 0, True)
    assert f.head_len == f.message_len == f.consumed == len(b)
    assert (f.method, f.target, f.path, f.version, f.keep_alive) == ("GET", "/live", "/live",
                                                                       (1, 1), True)
    assert b[slice(*f.target_span)] == b"/live" and f.line_span == (0, b.index(b"\n"))
    assert f.headers[0] == (b"Host", b"localhost") and len(f.headers) == 5
    assert f.values("HOST") == [b"localhost"] and f.values("Origin") == []
    assert (f.offered, f.upgrade_lines, f.upgrade_ok) == (("websocket",), 1, True)
    assert (f.connection_options, f.connection_lines, f.connection_ok) == (("upgrade",), 1, True)
    assert (f.ws_keys, f.ws_key_valid, f.ws_versions) == (1, True, (b"13",))


def test_two_upgrade_lines_are_one_list():
    # RFC 9110 §5.3: the field lines of one field combine into one list, in order
    f = core.facts(raw("websocket/valid_repeated_upgrade_fields"))
    assert f.values("Upgrade") == [b"h2c", b"websocket"]
    assert (f.offered, f.upgrade_lines, f.upgrade_ok, f.reason) == (("h2c", "websocket"), 2, True,
                                                                     "WS_SWITCH")


def test_an_upgrade_list_with_h2c_first():
    f = core.facts(raw("websocket/valid_upgrade_list_with_h2c"))
    assert f.values("Upgrade") == [b"h2c, websocket"]
    assert (f.offered, f.upgrade_lines, f.reason) == (("h2c", "websocket"), 1, "WS_SWITCH")


def test_obs_fold():
    # the core reads the whole head and refuses the fold (RFC 9112 §5.2 MUST reject or unfold);
    # the value stays as sent, the list is read as a recipient that unfolds it reads it
    b = raw("syntax/obs_fold_upgrade")
    f = core.facts(b)
    assert (f.reason, f.error, f.complete, f.fate) == ("OBS_FOLD", "OBS_FOLD", True, "close")
    assert f.values("Upgrade") == [b"h2c,\r\n websocket"]
    assert (f.offered, f.upgrade_ok) == (("h2c", "websocket"), True)
    assert (f.ws_keys, f.ws_key_valid) == (1, True)
    # a fold that starts with HTAB: the value is not cut at it either, nor are the lines after it
    g = core.facts(b"GET /live HTTP/1.1\r\nHost: x\r\nUpgrade: h2c,\r\n\t websocket\r\n"
                   b"X: a\r\n\r\n")
    assert (g.reason, g.complete) == ("OBS_FOLD", True)
    assert g.values("Upgrade") == [b"h2c,\r\n\t websocket"] and g.values("X") == [b"a"]
    assert g.offered == ("h2c", "websocket")


def test_http10_offer():
    f = core.facts(raw("websocket/http10_upgrade"))
    assert (f.version, f.reason, f.status, f.keep_alive) == ((1, 0), "WS_HTTP10", 426, False)
    assert f.offered == ("websocket",) and f.connection_options == ("upgrade",)


WS_FIELDS = (b"Host: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")


def test_field_lines_do_not_depend_on_the_minor_version():
    # HTTP/1.2 and 1.9 are read as 1.1 (RFC 9110 §2.5): the head is read and the offer switches
    b = raw("syntax/http_version_1_2")
    f = core.facts(b)
    assert (f.version, f.complete, f.error, f.reason) == ((1, 2), True, None, "WS_SWITCH")
    assert f.values("Upgrade") == [b"websocket"]
    assert f.values("Sec-WebSocket-Key") == [b"dGhlIHNhbXBsZSBub25jZQ=="]
    g = core.facts(b"GET /live HTTP/1.9\r\n" + WS_FIELDS)
    assert (g.version, g.complete, g.reason, g.offered, g.ws_keys) == ((1, 9), True, "WS_SWITCH",
                                                                      ("websocket",), 1)


def test_field_lines_of_other_versions_are_known_only_as_far_as_the_core_reads():
    # HTTP/0.9 and HTTP/2.0: the core reads the whole head, then refuses the version (505)
    for v, version in ((b"0.9", (0, 9)), (b"2.0", (2, 0))):
        b = b"GET /live HTTP/" + v + b"\r\n" + WS_FIELDS
        f = core.facts(b)
        assert (f.reason, f.status, f.complete, f.version) == ("VERSION_UNSUPPORTED", 505, True,
                                                               version), v
        assert f.head_len == len(b) and len(f.headers) == 5, v
        assert (f.offered, f.ws_keys, f.ws_key_valid) == (("websocket",), 1, True), v
    # any other version: the core stops at the version in the request line, so no field line is
    # known (not re-read more leniently)
    for v in (b"2.1", b"3.1", b"9.9", b"0.0"):
        b = b"GET /live HTTP/" + v + b"\r\n" + WS_FIELDS
        f = core.facts(b)
        assert (f.reason, f.status, f.complete) == ("VERSION_UNSUPPORTED", 505, False), v
        assert 0 < f.error_offset <= b.index(b"\r\n"), v
        assert (f.method, f.target, f.version) == ("GET", "/live", None), v
        assert (f.headers, f.offered, f.ws_keys, f.ws_key_valid) == ((), (), 0, None), v


def test_a_request_refused_before_the_end_of_its_head():
    # "Upgrade : websocket": the core stops at the space before the colon; what follows is unknown
    b = raw("syntax/space_before_colon_upgrade")
    f = core.facts(b)
    assert (f.reason, f.error, f.status, f.fate) == ("SPACE_BEFORE_COLON", "SPACE_BEFORE_COLON",
                                                      400, "close")
    assert not f.complete and 0 < f.error_offset < b.index(b"\r\n\r\n")
    assert f.headers == ((b"Host", b"localhost"),)
    assert (f.offered, f.upgrade_lines, f.ws_keys, f.ws_key_valid, f.ws_versions) == (
        (), 0, 0, None, ())
    assert (f.head_len, f.version, f.path, f.keep_alive) == (0, None, None, None)
    assert (f.method, f.target) == ("GET", "/live")     # the request line was read
    # lines of the same field: those before the error are known, those after it are not
    g = core.facts(b"GET / HTTP/1.1\r\nUpgrade: a\r\nUpgrade : b\r\nUpgrade: c\r\n\r\n")
    assert (g.reason, g.complete) == ("SPACE_BEFORE_COLON", False)
    assert g.values("Upgrade") == [b"a"] and (g.offered, g.upgrade_lines) == (("a",), 1)


def test_a_key_that_is_not_16_bytes():
    f = core.facts(raw("websocket/key_short"))
    assert (f.ws_keys, f.ws_key_valid, f.reason, f.status) == (1, False, "WS_KEY_INVALID", 400)


def test_two_keys():
    f = core.facts(raw("websocket/key_repeated"))
    assert (f.ws_keys, f.ws_key_valid, f.reason) == (2, True, "WS_KEY_REPEATED")
    assert len(f.values("sec-websocket-key")) == 2


def test_version_8():
    f = core.facts(raw("websocket/ws_version_8"))
    assert (f.ws_versions, f.reason, f.status) == ((b"8",), "WS_VERSION_UNSUPPORTED", 426)


def test_a_versioned_offer_and_a_malformed_list():
    assert core.facts(raw("websocket/upgrade_websocket_versioned")).offered == ("websocket/13",)
    f = core.facts(raw("websocket/upgrade_syntax_space"))
    assert not f.upgrade_ok and f.reason == "UPGRADE_SYNTAX"


def test_leading_empty_lines_and_a_leading_bare_lf():
    # RFC 9112 §2.2: empty lines (CRLF) before the request line are skipped; a bare LF is none
    b = raw("websocket/valid_handshake_leading_empty_line")
    f = core.facts(b)
    assert f.line_span[0] == 2 and f.target == "/live" and f.reason == "WS_SWITCH"
    assert cases.request_target(b) == "/live" and cases.request_line(b) == f.line_span
    assert cases.retarget(b, {"/live": "/ws"}) == b.replace(b"GET /live ", b"GET /ws ", 1)
    lf = raw("syntax/leading_bare_lf")
    g = core.facts(lf)
    assert g.reason == "BARE_LF" and g.line_span is None
    assert cases.request_target(lf) is None and cases.request_line(lf) == (0, 0)


def test_more_bytes_needed_is_no_decision():
    part = b"GET /live HTTP/1.1\r\nHost: x\r\nUpgrade: a\r\n"
    f = core.facts(part)
    assert (f.decided, f.reason, f.status, f.fate, f.proto, f.error) == (False, None, None, None,
                                                                        None, None)
    # the Upgrade line may still be continued by an obs-fold: not known yet
    assert f.headers == ((b"Host", b"x"),) and f.offered == ()
    assert core.facts(part + b"X: y").values("Upgrade") == [b"a"]
    assert core.facts(b"").decided is False


def test_a_policy():
    b = raw("websocket/valid_handshake").replace(b"GET /live ", b"GET /ws ", 1)
    assert core.facts(b).reason == "NOT_FOUND"
    assert core.facts(b, "route /ws websocket\n").reason == "WS_SWITCH"
    with pytest.raises(ValueError, match="line 1"):
        core.facts(b, "no such directive\n")


def test_a_missing_or_stale_library_names_the_make_target(monkeypatch, tmp_path):
    monkeypatch.setattr(core, "_lib", None)
    monkeypatch.setenv("SY_BUILD", str(tmp_path))
    with pytest.raises(RuntimeError, match=r"missing: run `make .*libsycore\.so`"):
        core._load()
    monkeypatch.delenv("SY_BUILD")
    monkeypatch.setenv("SY_BUILD", str(SY_DECIDE.parent))
    monkeypatch.setattr(core, "ABI", core.ABI + 1)
    with pytest.raises(RuntimeError, match=r"stale .*run `make .*libsycore\.so`"):
        core._load()
