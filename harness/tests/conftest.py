"""Fixtures own every process these tests start: started in the fixture, stopped in its finalizer."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness import catalog, servers
from harness.cases import Case

HERE = Path(__file__).resolve().parent


def fake_adapter(mode: str = "ok", **kw) -> catalog.Adapter:
    """A runner adapter for tests/fake_server.py (data, like every adapter)."""
    return catalog.Adapter(name=f"fake-{mode}", argv=(catalog.PYTHON, str(HERE / "fake_server.py"),
                                                     "@HOST@", "@PORT@", mode),
                           ready_timeout=kw.pop("ready_timeout", 3.0), stop_timeout=1.0, **kw)


@pytest.fixture
def fake_server():
    started = []

    def start(mode: str = "ok", **kw) -> servers.Server:
        srv = servers.Server(fake_adapter(mode, **kw))
        started.append(srv)
        srv.start()
        return srv

    yield start
    for srv in started:
        srv.stop()


def case(raw: bytes, reason: str | None = None, tail=None, id="t/case", prefer=None,
         equivalent_to=None, equivalence_rfc=None) -> Case:
    """A case as the loader builds it: the reason (default: the core's reason for raw) gives the
    status, RFC section and level from the core's table."""
    from harness import core
    info = core.reason_info(reason or core.facts(raw).reason or "SERVED")
    return Case(id=id, raw=raw, reason=info.name, description="test case", status=info.status,
                rfc=info.rfc, level=info.level, tail=tail, prefer=prefer,
                equivalent_to=equivalent_to, equivalence_rfc=equivalence_rfc)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie still answers kill(0): look at its state
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False
