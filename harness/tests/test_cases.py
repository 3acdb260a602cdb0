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


ROW = '[a]\nexpect = 200\nreason = "SERVED"\nrfc = "RFC 9110 §9.3.1"\nlevel = "MAY"\ndescription = "d"\n'


def test_missing_row_and_orphan_row_are_errors(tmp_path):
    with pytest.raises(cases.CorpusError, match="no manifest row for b"):
        cases.load(write(tmp_path, {"a.http": b"x", "b.http": b"y"}, ROW))


def test_orphan_row(tmp_path):
    with pytest.raises(cases.CorpusError, match="without a .http file: a"):
        cases.load(write(tmp_path, {}, ROW))


def test_bad_level(tmp_path):
    with pytest.raises(cases.CorpusError, match="level"):
        cases.load(write(tmp_path, {"a.http": b"x"}, ROW.replace('"MAY"', '"OFTEN"')))


def test_select_and_retarget():
    cs = cases.load()
    ws = cases.select(cs, ["websocket"])
    assert ws and all(c.topic == "websocket" for c in ws)
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


def test_prefer_must_close_and_allow_http2(tmp_path):
    row = ROW.replace("expect = 200", "expect = [400, 200]")
    c, = cases.load(write(tmp_path, {"a.http": b"x"},
                          row + "prefer = 400\nmust_close = true\nallow_http2 = true\n"))
    assert (c.prefer, c.must_close, c.allow_http2) == (400, True, True)
    (tmp_path / "d").mkdir()
    assert not cases.load(write(tmp_path / "d", {"a.http": b"x"}, row))[0].must_close


@pytest.mark.parametrize("extra,match", [("prefer = 404\n", "prefer"), ("prefer = true\n", "prefer"),
                                         ("must_close = 1\n", "must_close"),
                                         ("allow_http2 = \"yes\"\n", "allow_http2")])
def test_bad_prefer_must_close_allow_http2(tmp_path, extra, match):
    with pytest.raises(cases.CorpusError, match=match):
        cases.load(write(tmp_path, {"a.http": b"x"}, ROW + extra))
