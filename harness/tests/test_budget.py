"""Issue 11 item 6: a time budget per server (cells not run are marked so, the budget is noted,
exit 3), and what happened to a server (restarts, a death during minimisation) is in the report's
server notes (report.json servers[] and report.md)."""
import os
import signal
import time

from drive import args, corpus, fake, load, plain_corpus, server_row, standin

from harness import run

SILENT = b"GET /live HTTP/1.1\r\nHost: localhost\r\n\r\n"


def test_a_server_that_answers_only_some_requests_is_bounded_by_its_budget(tmp_path):
    c = corpus(tmp_path, {f"s{i:02d}": (SILENT, "WS_REQUIRED") for i in range(30)})
    t = time.monotonic()
    code = run.main(args(tmp_path, c, "--server-cmd", standin("partial"), "--timeout", "0.2",
                         "--server-budget", "1"))
    assert time.monotonic() - t < 8
    assert code == 3
    doc = load(tmp_path)
    row = server_row(doc, "server-cmd")
    mine = [r for r in doc["results"] if r["server"] == "server-cmd"]
    not_run = [r for r in mine if r["event"] == "not-run"]
    assert len(mine) == 30 and 0 < len(not_run) < 30 == row["cells"]      # none dropped
    assert all(r["rule"] == "budget" and r["verdict"] == "error" for r in not_run)
    assert row["not_run"] == len(not_run) and any("time budget" in n for n in row["notes"])
    assert "time budget" in (tmp_path / "out" / "report.md").read_text()
    assert any("time budget" in r for r in doc["outcome"]["reasons"])


def test_the_budget_is_on_by_default_and_derived_from_the_cell_count():
    a = run.parse_args([])
    assert a.server_budget is None
    assert run.budget_for(a, 500) == run.BUDGET_BASE + run.BUDGET_PER_CELL * 0.5 * 500
    assert run.budget_for(run.parse_args(["--server-budget", "0"]), 500) is None


def test_rows_at_once_default_to_a_few_per_core_not_all(monkeypatch):
    # every row at once overran the budgets of a 2-core machine (docs/harness.md)
    monkeypatch.setattr(run.os, "sched_getaffinity", lambda pid: {0, 1})
    assert run.parse_args([]).jobs is None
    assert run.default_jobs(58) == 2 * run.JOBS_PER_CORE < 58
    assert run.default_jobs(3) == 3
    monkeypatch.setattr(run.os, "sched_getaffinity", lambda pid: set(range(64)))
    assert run.default_jobs(58) == 58


def test_restarts_are_in_the_server_notes(tmp_path):
    c = corpus(tmp_path, {"a": (b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", "SERVED"),
                          "b_crash": (b"GET /CRASH HTTP/1.1\r\nHost: localhost\r\n\r\n", "NOT_FOUND"),
                          "c": (b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", "SERVED")})
    assert run.main(args(tmp_path, c, "--server-cmd", fake("ok"))) == 0
    row = server_row(load(tmp_path), "server-cmd")
    assert row["restarts"] == 1
    assert any("restart 1" in n and "exit status 3" in n and "t/b_crash" in n for n in row["notes"])
    assert "t/b_crash" in (tmp_path / "out" / "report.md").read_text()


def test_a_death_during_minimisation_is_in_the_server_notes(tmp_path, monkeypatch):
    def killing(doc, cases, running, out, **kw):
        srv = running["server-cmd"]
        os.kill(srv.proc.pid, signal.SIGKILL)
        srv.proc.wait(timeout=5)
    monkeypatch.setattr(run, "minimise_all", killing)
    c = plain_corpus(tmp_path, 1)
    argv = [a for a in args(tmp_path, c, "--server-cmd", fake("ok")) if a not in ("--minimise-budget", "0")]
    assert run.main(argv) == 0
    row = server_row(load(tmp_path), "server-cmd")
    assert any("died during minimisation" in n and "signal 9" in n for n in row["notes"])
    assert "died during minimisation" in (tmp_path / "out" / "report.md").read_text()
