"""harness/run.py: every process a report run starts is stopped, on an exception, SIGINT, SIGTERM.

The run's processes are found by a marker in their environment (every server inherits the run's
environment), so the check does not depend on names or on other runs on the machine.
"""
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from conftest import HERE, pid_alive

from harness import catalog, matrix, run

ROOT = HERE.parent.parent
MARK = "SY_TEST_RUN_MARK"


def corpus(tmp_path: Path, n: int = 6) -> Path:
    topic = tmp_path / "corpus" / "t"
    topic.mkdir(parents=True)
    rows = []
    for i in range(n):
        (topic / f"c{i}.http").write_bytes(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        rows.append(f'[c{i}]\nreason = "SERVED"\ndescription = "plain GET"\n')
    (topic / "cases.toml").write_text("\n".join(rows))
    return tmp_path / "corpus"


def marked(mark: str) -> list[int]:
    """PIDs of live processes whose environment carries MARK=mark."""
    needle = f"{MARK}={mark}".encode()
    out = []
    for p in Path("/proc").iterdir():
        if not p.name.isdigit() or int(p.name) == os.getpid():
            continue
        try:
            env = (p / "environ").read_bytes()
        except OSError:
            continue
        if needle in env.split(b"\0") and pid_alive(int(p.name)):
            out.append(int(p.name))
    return out


def wait_gone(mark: str, seconds: float = 5.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while (left := marked(mark)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


@pytest.fixture
def mark(monkeypatch):
    """A fresh marker; the finalizer kills (by PID) anything still carrying it, so that a failing
    test does not leave the run's servers behind either."""
    m = uuid.uuid4().hex
    yield m
    for pid in marked(m):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def argv(tmp_path: Path, mode: str) -> list[str]:
    cmd = f"{catalog.PYTHON} {HERE / 'fake_server.py'} @HOST@ @PORT@ {mode}"
    return ["--corpus", str(corpus(tmp_path)), "--out", str(tmp_path / "out"), "--quiet",
            "--minimise-budget", "0", "--server-cmd", cmd]


def test_an_exception_mid_run_stops_every_server(tmp_path, monkeypatch, mark):
    monkeypatch.setenv(MARK, mark)
    started = []

    def boom(srv, *a, **kw):
        started.extend(marked(mark))
        raise RuntimeError("harness bug")
    monkeypatch.setattr(matrix, "run_server", boom)
    with pytest.raises(RuntimeError, match="harness bug"):
        run.main(argv(tmp_path, "ok"))
    assert started, "no server was running when the exception came"
    assert wait_gone(mark) == []


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=lambda s: s.name)
def test_a_signal_mid_run_stops_every_server(tmp_path, sig, mark):
    env = dict(os.environ, **{MARK: mark}, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "harness.run", *argv(tmp_path, "slow")],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while len(marked(mark)) < 2 and time.monotonic() < deadline:   # the harness + a server
            time.sleep(0.05)
        assert len(marked(mark)) >= 2, "the run did not start its servers"
        time.sleep(0.3)                                   # mid-run: cells are being sent
        proc.send_signal(sig)
        rc = proc.wait(timeout=30)
        assert rc == 130, proc.stderr.read().decode()[-2000:]
        assert wait_gone(mark) == []
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
