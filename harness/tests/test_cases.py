"""harness/cases.py: the corpus loads, and a file without a row (or a row without a file) fails."""
import pytest

from harness import cases


def test_corpus_loads_with_ids_and_valid_fields():
    cs = cases.load()
    assert len(cs) >= 80
    assert len({c.id for c in cs}) == len(cs)
    for c in cs:
        assert c.raw and c.level in cases.LEVELS and set(c.modes) <= set(cases.MODES)


def write(tmp_path, files, toml):
    d = tmp_path / "topic"
    d.mkdir()
    for name, data in files.items():
        (d / name).write_bytes(data)
    (d / "cases.toml").write_text(toml)
    return tmp_path


GET = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"
ROW = '[a]\nreason = "SERVED"\ndescription = "d"\n'


def test_missing_row_and_orphan_row_are_errors(tmp_path):
    with pytest.raises(cases.CorpusError, match="no manifest row for b"):
        cases.load(write(tmp_path, {"a.http": GET, "b.http": GET}, ROW))


def test_orphan_row(tmp_path):
    with pytest.raises(cases.CorpusError, match="without a .http file: a"):
        cases.load(write(tmp_path, {}, ROW))


def test_status_rfc_and_level_come_from_the_reason(tmp_path):
    bad_key = (b"GET /live HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               b"Sec-WebSocket-Key: AAAA\r\nSec-WebSocket-Version: 13\r\n\r\n")
    c, = cases.load(write(tmp_path, {"a.http": bad_key}, ROW.replace("SERVED", "WS_KEY_INVALID")))
    assert (c.status, c.rfc, c.level) == (400, "RFC 6455 §4.2.1", "MUST")


@pytest.mark.parametrize("row,match", [
    (ROW.replace('"SERVED"', '"SERVD"'), r"\[a\]: reason 'SERVD' is not in reference_server/reasons.h"),
    (ROW.replace('reason = "SERVED"\n', ''), r"\[a\]: reason must be a non-empty string \(required\)"),
    (ROW + "expect = 200\n", r"\[a\]: unknown key\(s\) expect"),
    (ROW + "prefer = 99999\n", "prefer must be an HTTP status code"),
    (ROW + "prefer = true\n", "prefer must be an HTTP status code"),
    (ROW + "allow_http2 = \"yes\"\n", "allow_http2 must be true or false"),
    (ROW + "modes = [\"sideways\"]\n", "modes must be"),
    (ROW + "tail = \"ftp\"\n", "tail must be"),
    (ROW + 'equivalent_to = "t/x"\n', "equivalent_to and equivalence_rfc go together"),
    (ROW + 'equivalent_to = "topic/zz"\nequivalence_rfc = "RFC 9110 §5.3"\n', "equivalent_to names no case"),
    ("[a]\nreason = \"SERVED\"\ndescription = 1\n", "description must be a non-empty string"),
    (ROW + 'modes = ["whole", "whole"]\n', "modes must be a non-empty list of distinct modes"),
    (ROW + 'equivalent_to = "topic/a"\nequivalence_rfc = "RFC 9110 §5.3"\n', "forms a cycle"),
    (ROW.replace("SERVED", "NOT_FOUND"), "reason is NOT_FOUND, but the reference decides SERVED"),
])
def test_bad_manifest_fields_name_the_file_case_and_key(tmp_path, row, match):
    with pytest.raises(cases.CorpusError, match=match):
        cases.load(write(tmp_path, {"a.http": GET}, row))


@pytest.mark.parametrize("files,toml,match", [
    ({"a.http": b""}, ROW, r"topic/a.http is empty"),
    ({"A-b.http": GET}, ROW.replace("[a]", '["A-b"]'), "a case name is lower-case"),
])
def test_bad_files_are_named(tmp_path, files, toml, match):
    with pytest.raises(cases.CorpusError, match=match):
        cases.load(write(tmp_path, files, toml))


def test_nested_http_files_are_an_error(tmp_path):
    d = write(tmp_path, {"a.http": GET}, ROW)
    (d / "topic" / "sub").mkdir()
    (d / "topic" / "sub" / "b.http").write_bytes(GET)
    with pytest.raises(cases.CorpusError, match="in a subfolder are not read"):
        cases.load(d)


def test_non_utf8_and_bad_toml_name_the_file(tmp_path):
    d = write(tmp_path, {"a.http": GET}, ROW)
    (d / "topic" / "cases.toml").write_bytes(ROW.encode() + b"# \xff\n")
    with pytest.raises(cases.CorpusError, match=r"topic/cases.toml: not UTF-8"):
        cases.load(d)
    (d / "topic" / "cases.toml").write_text("[a\n")
    with pytest.raises(cases.CorpusError, match=r"topic/cases.toml: "):
        cases.load(d)


def test_select_adds_the_controls_a_case_is_judged_against():
    cs = cases.load()
    picked = {c.id for c in cases.select(cs, ["websocket/key_ows"])}
    assert picked == {"websocket/key_ows", cases.CONTROL}


def test_select_and_retarget():
    cs = cases.load()
    ws = cases.select(cs, ["websocket"])
    assert ws and all(c.topic == "websocket" for c in ws)     # the control is in the topic
    with pytest.raises(cases.CorpusError):
        cases.select(cs, ["no/such"])
    raw = b"GET /live HTTP/1.1\r\nHost: x\r\nX: /live\r\n\r\n"
    assert cases.retarget(raw, {"/live": "/ws"}) == b"GET /ws HTTP/1.1\r\nHost: x\r\nX: /live\r\n\r\n"
    # after the empty lines a server skips before the request line (RFC 9112 §2.2)
    assert cases.retarget(b"\r\n" + raw, {"/live": "/ws"}) == b"\r\nGET /ws HTTP/1.1\r\nHost: x\r\nX: /live\r\n\r\n"
    assert cases.retarget(raw, {}) == raw and cases.retarget(b"GET /live", {"/live": "/ws"}) == b"GET /live"
    assert cases.request_target(b"\r\n\r\nGET /a?b HTTP/1.1\r\n") == "/a?b"
    assert cases.request_target(b"\nGET /a HTTP/1.1\r\n") is None  # a bare LF is no empty line


def test_ws_tail_is_a_masked_text_frame():
    assert cases.TAIL_WS[0] == 0x81 and cases.TAIL_WS[1] & 0x80


def test_prefer_allow_http2_equivalence_and_origin(tmp_path):
    row = ROW + ('prefer = 400\nallow_http2 = true\nequivalent_to = "topic/b"\n'
                 'equivalence_rfc = "RFC 9110 §5.3"\norigin = "oven-sh/bun#35870"\n')
    c, _ = cases.load(write(tmp_path, {"a.http": GET, "b.http": GET}, row + ROW.replace("[a]", "[b]")))
    assert (c.prefer, c.allow_http2, c.equivalent_to, c.origin) == (400, True, "topic/b", "oven-sh/bun#35870")
