"""Issue 11 item 4: exit codes a CI can rely on (README, "Exit status"). 0 every server under test
ran; 1 the gate failed; 2 usage or input error before any server starts; 3 infrastructure."""
import dataclasses
import socket

import pytest
from drive import args, fake, load, plain_corpus, server_row, standin

from harness import catalog, run, servers


@pytest.fixture
def no_server_starts(monkeypatch):
    started = []

    def start(self):
        started.append(self.adapter.name)
        raise AssertionError("a server was started")
    monkeypatch.setattr(servers.Server, "start", start)
    return started


@pytest.mark.parametrize("bad", [["--timeout", "-1"], ["--timeout", "nan"], ["--timeout", "0"],
                                 ["--timeout", "inf"], ["--jobs", "-1"], ["--jobs", "0"],
                                 ["--minimise-budget", "nan"], ["--server-budget", "-5"],
                                 ["--server", "no-such-server"], ["--target", "10.0.0.1:80"],
                                 ["--target", "127.0.0.1:70000"], ["--ws-path", "live"],
                                 ["--server-cmd", "no-such-program-here @PORT@"],
                                 ["--server-cmd", "python3 -V"],
                                 ["--target", "127.0.0.1:9", "--server-cmd", "x @PORT@"],
                                 ["--baseline", "/no/such/baseline.json"], ["--case", "no/such"]],
                         ids=lambda a: " ".join(a))
def test_usage_errors_exit_2_naming_the_option_before_any_server_starts(tmp_path, capsys, bad,
                                                                        no_server_starts):
    assert run.main(args(tmp_path, plain_corpus(tmp_path, 1), *bad)) == 2
    err = capsys.readouterr().err
    assert bad[0].split("-", 2)[-1] in err and "Traceback" not in err
    assert no_server_starts == []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_target_nothing_listens_on_is_exit_3(tmp_path):
    assert run.main(args(tmp_path, plain_corpus(tmp_path, 1), "--target", f"127.0.0.1:{free_port()}")) == 3
    row = server_row(load(tmp_path), "target")
    assert row["status"] == "failed" and "nothing accepts connections" in row["skip_reason"]


def test_a_server_cmd_that_exits_at_once_is_exit_3(tmp_path):
    assert run.main(args(tmp_path, plain_corpus(tmp_path, 1), "--server-cmd", fake("die"))) == 3
    doc = load(tmp_path)
    assert server_row(doc, "server-cmd")["status"] == "failed"
    assert doc["outcome"]["exit_code"] == 3 and doc["summary"]["servers_failed"] == 1


def test_a_server_that_accepts_but_never_answers_is_labelled_so_and_exit_3(tmp_path, monkeypatch):
    real = catalog.from_command
    monkeypatch.setattr(catalog, "from_command",       # wait 1 s for an answer, not 5
                        lambda *a, **kw: dataclasses.replace(real(*a, **kw), ready_timeout=1.0))
    assert run.main(args(tmp_path, plain_corpus(tmp_path, 1), "--server-cmd", standin("mute"))) == 3
    why = server_row(load(tmp_path), "server-cmd")["skip_reason"]
    assert "accepts connections" in why and "never answered" in why and "not accepting" not in why


def test_a_working_server_cmd_is_exit_0(tmp_path):
    assert run.main(args(tmp_path, plain_corpus(tmp_path, 2), "--server-cmd", fake("ok"))) == 0
    doc = load(tmp_path)
    assert doc["outcome"]["exit_code"] == 0 and server_row(doc, "server-cmd")["status"] == "ran"


def test_skipped_is_only_a_missing_setup_and_require_all_makes_it_exit_3(tmp_path, monkeypatch):
    real = catalog.load

    def load_more(*a, **kw):
        ads = real(*a, **kw)
        ads["absent"] = dataclasses.replace(ads["reference"], name="absent", package="absent-pkg",
                                            binary="/nonexistent/absent-server")
        return ads
    monkeypatch.setattr(catalog, "load", load_more)
    c = plain_corpus(tmp_path, 1)
    assert run.main(args(tmp_path, c, "--server", "absent")) == 0
    doc = load(tmp_path)
    assert server_row(doc, "absent")["status"] == "skipped"
    assert "lacks" in doc["outcome"]["meaning"] and doc["summary"]["servers_skipped"] == 1
    assert "skipped (this machine lacks their setup)" in (tmp_path / "out" / "report.md").read_text()
    assert run.main(args(tmp_path, c, "--server", "absent", "--require-all")) == 3


def test_the_gate_is_exit_1_on_a_must_failure(tmp_path):
    # a 200 to a request without Host (HOST_MISSING: MUST 400)
    from drive import corpus
    c = corpus(tmp_path, {"no_host": (b"GET / HTTP/1.1\r\n\r\n", "HOST_MISSING")})
    assert run.main(args(tmp_path, c, "--server-cmd", fake("ok"))) == 0
    assert run.main(args(tmp_path, c, "--server-cmd", fake("ok"), "--gate")) == 1
    assert load(tmp_path)["outcome"]["exit_code"] == 1
