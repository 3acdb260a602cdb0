"""Readiness under load: a server still busy starting at its ready_timeout (imports, or no CPU
while fifty others start) is waited for, up to READY_BUSY_FACTOR times the timeout; one asleep
without accepting is not starting. (A full make report once exited 3 on tornado "not accepting
connections after 5s" while 58 rows started at once.)"""
import time
from pathlib import Path

import pytest

from harness import catalog, servers

HERE = Path(__file__).resolve().parent
FAKE = HERE / "fake_server.py"


def adapter(name, before):
    """fake_server.py (ok mode) after `before` seconds of spinning (busy) or sleeping (asleep)."""
    return catalog.Adapter(name=name, argv=("sh", "-c", f"{before}; exec {catalog.PYTHON} {FAKE} "
                                                        "@HOST@ @PORT@ ok"),
                           ready_timeout=0.5, stop_timeout=1.0)


def test_a_server_busy_past_its_ready_timeout_is_waited_for():
    spin = (f"{catalog.PYTHON} -c 'import time; t = time.monotonic() + 1.2\n"
            "while time.monotonic() < t: pass'")
    srv = servers.Server(adapter("busy-starter", spin))
    try:
        t = time.monotonic()
        srv.start()
        assert srv.alive() and 1.2 <= time.monotonic() - t < 2.0 * servers.READY_BUSY_FACTOR
    finally:
        srv.stop()


def test_a_server_asleep_at_its_ready_timeout_is_not_starting():
    srv = servers.Server(adapter("asleep-starter", "sleep 1.5"))
    t = time.monotonic()
    with pytest.raises(servers.ServerError, match="not accepting connections") as e:
        srv.start()
    assert e.value.kind == "refused" and time.monotonic() - t < 1.2
    srv.stop()


def test_busy_is_bounded():
    spin = f"{catalog.PYTHON} -c 'while True: pass'"
    srv = servers.Server(adapter("spins-forever", spin))
    t = time.monotonic()
    with pytest.raises(servers.ServerError, match="not accepting connections"):
        srv.start()
    bound = 0.5 * servers.READY_BUSY_FACTOR
    assert bound - 0.1 <= time.monotonic() - t < bound + 1.5
    srv.stop()
