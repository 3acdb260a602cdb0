"""harness/servers.py + matrix.py: start, stop, crash mid-run, hang, start failure; the adapters."""
import threading
import time

import pytest
from conftest import case, fake_adapter, pid_alive

from harness import catalog, compare, matrix, servers, wire

OK = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"
HANDSHAKE = (b"GET /live HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")


def test_start_ready_and_stop_leaves_nothing(fake_server):
    srv = fake_server("ok")
    assert srv.alive() and wire.can_connect(srv.host, srv.port)
    pid, rundir = srv.proc.pid, srv.rundir
    srv.stop()
    assert not pid_alive(pid) and not rundir.exists()


def test_start_failure_raises_with_the_reason():
    with pytest.raises(servers.ServerError, match="exited with 7"):
        servers.Server(fake_adapter("die")).start()


def test_never_ready_times_out_and_is_stopped():
    srv = servers.Server(fake_adapter("never", ready_timeout=0.5))
    t = time.monotonic()
    with pytest.raises(servers.ServerError, match="not accepting"):
        srv.start()
    assert time.monotonic() - t < 5 and srv.proc is None


def test_crash_mid_run_is_an_error_cell_then_restart(fake_server):
    srv = fake_server("ok")
    cs = [case(OK, id="t/a"), case(b"GET /CRASH HTTP/1.1\r\nHost: x\r\n\r\n", id="t/crash"),
          case(OK, id="t/b")]
    cells = matrix.run_server(srv, cs, modes=("whole",))
    assert [c.verdict.verdict for c in cells] == [compare.PASS, compare.ERROR, compare.PASS]
    assert cells[1].event == "crash" and "exit status 3" in cells[1].verdict.detail
    assert srv.restarts == 1 and srv.alive()


def test_hang_is_detected_and_restarted(fake_server):
    srv = fake_server("ok")
    cs = [case(b"GET /HANG HTTP/1.1\r\nHost: x\r\n\r\n", id="t/hang"), case(OK, id="t/b")]
    t = time.monotonic()
    cells = matrix.run_server(srv, cs, modes=("whole",), timeout=0.3)
    assert [c.event for c in cells] == ["hang", ""]
    assert cells[0].verdict.verdict == compare.ERROR and cells[1].verdict.verdict == compare.PASS
    assert time.monotonic() - t < 8


def test_delivery_modes_reach_the_server(fake_server):
    srv = fake_server("ok")
    for mode in wire.MODES:
        obs, _ = matrix.run_one(srv, case(OK), mode)
        assert obs.status == 200, mode
    assert wire.split_point(b"GET / HTTP/1.1\r\n\r\nbody") == len(b"GET / HTTP/1.1\r\n\r\n")
    assert wire.split_point(b"GET / HTTP/1.1\r\n\r\n") == len(b"GET / HTTP/1.1\r\n\r\n") - 2


def test_every_adapter_is_valid_data():
    ads = catalog.load()
    # issue 15: at least 36 real setups (origins and proxies; chains are rows built from them)
    assert len([a for a in ads.values() if a.role in ("origin", "proxy")]) >= 36
    for a in ads.values():
        if a.config:
            assert (catalog.ADAPTERS / a.config).exists(), a.name
        if a.backend:
            assert a.backend in ads, a.name
        assert a.argv and a.paths["ws"].startswith("/")


def test_bring_your_own_adapters():
    t = catalog.from_target("127.0.0.1:8080", ws="/ws")
    assert t.target == "127.0.0.1:8080" and t.paths["ws"] == "/ws"
    with pytest.raises(ValueError):
        catalog.from_target("10.0.0.1:80")
    with pytest.raises(ValueError):
        catalog.from_command("myserver --port 80")


ADAPTERS = catalog.load()


@pytest.mark.server
@pytest.mark.parametrize("name", sorted(n for n, a in ADAPTERS.items() if a.role != "backend"))
def test_real_adapter_starts_answers_and_stops(name):
    ad = ADAPTERS[name]
    why = catalog.unavailable(ad, ADAPTERS)
    if why:
        pytest.skip(why)
    srv = servers.Server(ad, ADAPTERS)
    try:
        srv.start()
        # a WebSocket-only server (quirks.websocket_only: em-websocket) closes on a plain GET:
        # it must switch on the textbook handshake instead
        ws_only = "websocket_only" in ad.quirks
        req = HANDSHAKE.replace(b"/live", ad.paths["ws"].encode()) if ws_only else OK
        obs, _ = matrix.run_one(srv, case(req), "whole")
        assert (obs.status == 101) if ws_only else (obs.status is not None)
        pids = [srv.proc.pid] + ([srv.backend.proc.pid] if srv.backend else [])
    finally:
        srv.stop()
    deadline = time.monotonic() + 3
    while any(pid_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(pid_alive(p) for p in pids)


def test_stop_from_another_thread_during_start_leaves_nothing():
    # the run's cleanup on Ctrl-C can stop a server whose start() is still waiting for it
    srv = servers.Server(fake_adapter("never", ready_timeout=5.0))
    errors = []

    def starting():
        try:
            srv.start()
        except servers.ServerError as e:
            errors.append(str(e))
    t = threading.Thread(target=starting)
    t.start()
    deadline = time.monotonic() + 5
    while srv.proc is None and time.monotonic() < deadline:
        time.sleep(0.01)
    pid = srv.proc.pid
    srv.stop()
    t.join(timeout=10)
    assert errors and "stopped" in errors[0] and not pid_alive(pid)
    with pytest.raises(servers.ServerError, match="stopped"):
        srv.start()                      # a stopped Server spawns nothing any more
    assert srv.proc is None
