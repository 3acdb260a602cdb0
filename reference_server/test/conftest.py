"""Fixtures for the refserver integration tests; the helpers are in refserver_util.py.

`server` is the session's main instance (default policy and limits). After every test each
running refserver must still be alive (the test that killed one fails), and at teardown each is
stopped by PID with SIGTERM and must exit 0 with no sanitizer report.
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from refserver_util import CASES, SLOW, SY_DECIDE, _running, start_refserver

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def decisions() -> dict[str, dict]:
    """The reference decision (`sy-decide`) of every corpus file's first request, by case id."""
    if not CASES:
        return {}
    files = [str(ROOT / c.path) for c in CASES]
    out = subprocess.run([str(SY_DECIDE), *files], capture_output=True, timeout=30 * SLOW,
                         check=True).stdout.decode()
    by_file = {}
    for line in out.splitlines():
        d = json.loads(line)
        by_file[str(Path(d["file"]).resolve())] = d
    return {c.id: by_file[str((ROOT / c.path).resolve())] for c in CASES}


@pytest.fixture(scope="session")
def server():
    """The main instance: default policy and limits."""
    srv = start_refserver()
    yield srv
    srv.stop()


@pytest.fixture(autouse=True)
def _servers_survive():
    """After every test, every running server is still alive: the test that killed one fails."""
    yield
    dead = [s for s in list(_running) if not s.alive()]
    for s in dead:
        _running.discard(s)
        s.stopped = True
    if dead:
        pytest.fail("refserver died during this test: " + "; ".join(
            f"{s.args} rc={s.proc.returncode} stderr={s.stderr_text()!r}" for s in dead))


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    """A last resort for servers whose fixture never tore down (an interrupted run)."""
    for s in list(_running):
        if s.alive():
            s.proc.kill()
            s.proc.wait(5)
    _running.clear()


