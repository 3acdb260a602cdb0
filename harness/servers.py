"""The one generic runner of the servers under test (their adapters: catalog.py).

The runner starts an adapter as a child in its own process group, on a free loopback port, with its
config rendered into a private run directory; it is ready when the port accepts a connection, the
process is still alive a moment later, and a plain GET gets an answer (or a close). `stop()`
always terminates the group it started (TERM, then KILL after a deadline) and removes the run
directory unless asked to keep it.

`idle()` says whether every thread of every process the server started is asleep: wire.py ends a
quiet period only then, so what a cell observes does not depend on how the scheduler happened to
treat the server (see docs/harness.md, Repeatability). `notes` collects what happened to the
server during a run (restarts and why, a death, a time budget used up) for the report.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from . import wire
from .catalog import ADAPTERS, Adapter, env_of, render

START_ATTEMPTS = 2              # a server that exits while starting is started this many times
READY_BUSY_FACTOR = 4           # one still busy at its ready_timeout may take this many times it


class ServerError(RuntimeError):
    """Harness trouble: the server could not be started (the reason and its log are in the text).
    `kind`: "exited" (the process ended while starting), "refused" (nothing accepts connections),
    "silent" (connections are accepted but a plain GET gets no answer), "spawn" (the program could
    not be run), "stopped" (the run is stopping)."""

    def __init__(self, text: str, kind: str = "start"):
        super().__init__(text)
        self.kind = kind


class Server:
    """One running instance of an adapter (plus its backend). Use as a context manager.

    stop() may be called from another thread while start() or restart() is under way (the run's
    cleanup on Ctrl-C): it kills what was spawned, and no process is spawned after it. A stopped
    Server is not started again."""

    def __init__(self, adapter: Adapter, adapters: dict[str, Adapter] | None = None,
                 keep_rundir: bool = False):
        self.adapter = adapter
        self.adapters = adapters or {}
        self.keep_rundir = keep_rundir
        self.host = "127.0.0.1"
        self.port = 0
        self.rundir: Path | None = None
        self.proc: subprocess.Popen | None = None
        self.backend: Server | None = None
        self.restarts = 0
        self.notes: list[str] = []          # what happened to it during the run (the report shows them)
        self.budget_hit = False             # matrix.run_server stopped at its time budget
        self.gave_up = False                # a restart failed (or too many): cells were not run
        self._tasks: tuple[int, float, list[str]] | None = None   # (pid, when, stat files): idle()
        self.log_path: Path | None = None
        self._lock = threading.Lock()     # orders a spawn against a concurrent stop()
        self._stopped = False

    # -- lifetime -------------------------------------------------------------------------------
    def __enter__(self) -> "Server":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        ad = self.adapter
        if ad.target:
            host, _, port = ad.target.rpartition(":")
            self.host, self.port = host.strip("[]"), int(port)
            if not wire.can_connect(self.host, self.port, timeout=1.0):
                raise ServerError(f"{ad.name}: nothing accepts connections at {ad.target}", "refused")
            if not self._answers(time.monotonic() + ad.ready_timeout):
                raise ServerError(f"{ad.name}: {ad.target} accepts connections but never answered a "
                                  f"plain GET within {ad.ready_timeout:g}s", "silent")
            return
        try:
            for attempt in range(1, START_ATTEMPTS + 1):
                try:
                    self._start()
                    return
                except ServerError as e:
                    # the free port can be taken between free_port() and the server's bind (by
                    # one of the harness's own client connections, with 50 servers starting):
                    # a server that exits while starting gets one more port
                    if e.kind != "exited" or attempt == START_ATTEMPTS:
                        raise
                    self._stop_proc()
                    self.note(f"exited while starting on port {self.port}; started again on "
                              f"another ({str(e).splitlines()[0]})")
        except BaseException:
            self.stop()
            raise

    def _start(self) -> None:
        ad = self.adapter
        with self._lock:
            self._check_not_stopped()
            if ad.backend and self.backend is None:
                self.backend = Server(self.adapters[ad.backend], self.adapters, self.keep_rundir)
        if self.backend is not None and self.backend.proc is None:
            self.backend.start()
        if self.rundir is None:
            self.rundir = Path(tempfile.mkdtemp(prefix=f"sy-{ad.name}-"))
            if ad.world_writable:
                os.chmod(self.rundir, 0o777)
            else:
                os.chmod(self.rundir, 0o755)
        self.port = wire.free_port(self.host)
        values = {"HOST": self.host, "PORT": str(self.port), "RUNDIR": str(self.rundir),
                  "BACKEND_PORT": str(self.backend.port if self.backend else 0)}
        if ad.config:
            text = (ADAPTERS / ad.config).read_text()
            (self.rundir / ad.config_as).write_text(render(text, values))
        for rel, text in ad.files.items():
            p = self.rundir / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(p.parent, 0o777 if ad.world_writable else 0o755)
            p.write_text(render(text, values))
            os.chmod(p, 0o755 if rel in ad.executable else 0o644)
        argv = [render(a, values) for a in ad.argv]
        self.log_path = self.rundir / f"{ad.name}.log"
        log = self.log_path.open("ab")
        try:
            with self._lock:
                self._check_not_stopped()
                self.proc = subprocess.Popen(argv, cwd=self.rundir, env=env_of(ad),
                                             stdin=subprocess.DEVNULL, stdout=log,
                                             stderr=subprocess.STDOUT, start_new_session=True)
        except OSError as e:
            raise ServerError(f"{ad.name}: cannot run {argv[0]}: {e}", "spawn") from e
        finally:
            log.close()
        self._wait_ready(self.proc)

    def _check_not_stopped(self) -> None:
        if self._stopped:
            raise ServerError(f"{self.adapter.name}: stopped", "stopped")

    def _wait_ready(self, proc: subprocess.Popen) -> None:
        """Until the server answers a plain GET. At ready_timeout, a server that is still busy
        (a thread running or runnable: importing, compiling, or waiting for a CPU while fifty
        others start) has not failed to start, it has not had the time: the wait goes on while
        it stays busy, up to READY_BUSY_FACTOR times ready_timeout. One asleep at ready_timeout
        without accepting is not starting."""
        ad = self.adapter
        start = time.monotonic()
        deadline, hard = start + ad.ready_timeout, start + ad.ready_timeout * READY_BUSY_FACTOR
        accepted = False
        while True:
            now = time.monotonic()
            if now >= deadline:
                if now >= hard or self.idle():
                    break
                deadline = min(now + 0.5, hard)
            if self.proc is not proc:
                raise ServerError(f"{ad.name}: stopped while starting", "stopped")
            if proc.poll() is not None:
                raise ServerError(f"{ad.name}: exited with {proc.returncode} while starting\n"
                                  + self.log_tail(), "exited")
            if wire.can_connect(self.host, self.port, timeout=0.2):
                accepted = True
                time.sleep(0.05)   # "still alive a moment later": a server that dies on its first
                if proc.poll() is None and self._answers(deadline):  # accepted connection
                    return                                           # is not ready
                continue
            time.sleep(0.02)
        waited = f"{time.monotonic() - start:.3g}s"
        if accepted:
            raise ServerError(f"{ad.name}: accepts connections on {self.port} but never answered a "
                              f"plain GET within {waited}\n" + self.log_tail(), "silent")
        raise ServerError(f"{ad.name}: not accepting connections on {self.port} after "
                          f"{waited}\n" + self.log_tail(), "refused")

    def _answers(self, deadline: float) -> bool:
        """A plain GET gets some answer (bytes or a close) before `deadline`: some servers accept
        connections before they can answer (node's first request was seen to take > 0.5 s),
        and that first answer must not be charged to the first case as a timeout."""
        req = (f"GET {self.adapter.paths.get('plain', '/')} HTTP/1.1\r\nHost: localhost\r\n"
               "Connection: close\r\n\r\n").encode()
        ex = wire.exchange(self.host, self.port, req, "whole",
                           complete=lambda raw, eof: bool(raw) or eof,
                           timeout=max(0.2, deadline - time.monotonic()), grace=0.0)
        return not ex.connect_error and (bool(ex.first) or ex.eof or ex.reset)

    def alive(self) -> bool:
        if self.adapter.target:
            return wire.can_connect(self.host, self.port)
        ok = self.proc is not None and self.proc.poll() is None
        if ok and self.backend is not None:
            ok = self.backend.alive()
        return ok

    def asleep(self) -> bool:
        """Every process started for this server (and its backend) is asleep, waiting for work:
        none of them is exiting (a crashing process closes its sockets before it is reaped; it
        is never asleep in between). False when that cannot be read."""
        if self.adapter.target:
            return True
        for srv in (self, self.backend):
            if srv is None:
                continue
            if srv.proc is None:
                return False
            try:
                stat = Path(f"/proc/{srv.proc.pid}/stat").read_text()
            except OSError:
                return False
            if stat.rpartition(")")[2].split()[0] != "S":
                return False
        return True

    def idle(self) -> bool:
        """Every thread of every process started for this server (its process tree, and its
        backend's) is asleep: none is running, runnable, in uninterruptible sleep or stopped.
        A server that has been sent bytes is runnable from the moment they arrive (loopback
        delivery wakes it in our send), so idle after a send means it has reacted to them.
        True when that cannot be read (a server brought by the user: the quiet periods alone)."""
        if self.adapter.target:
            return True
        for srv in (self, self.backend):
            if srv is None:
                continue
            proc = srv.proc
            if proc is None:
                continue               # stopped or restarting: nothing of it to wait for
            now = time.monotonic()
            if srv._tasks is None or srv._tasks[0] != proc.pid or now - srv._tasks[1] > _TREE_TTL:
                srv._tasks = (proc.pid, now, _tree_tasks(proc.pid))
            if not _all_idle(srv._tasks[2]):
                return False
        return True

    def exit_status(self) -> str:
        """How the process (or its backend) ended: "exit status 3", "signal 9",
        "backend NAME: exit status 1"; "" while both run."""
        proc = self.proc
        if proc is not None and proc.poll() is not None:
            rc = proc.returncode
            return f"signal {-rc}" if rc < 0 else f"exit status {rc}"
        if self.backend is not None:
            why = self.backend.exit_status()
            return f"backend {self.backend.adapter.name}: {why}" if why else ""
        return ""

    def restart(self) -> None:
        """After a crash or a hang: stop what is left (the backend too) and start again. A server
        brought by the user (`--target`) cannot be restarted: it must accept connections again."""
        self.restarts += 1
        if self.adapter.target:
            self.start()
            return
        self._stop_proc()
        if self.backend is not None:
            self.backend._stop_proc()
            self.backend._start()
        self._start()

    def _stop_proc(self) -> None:
        with self._lock:
            proc, self.proc = self.proc, None
        if proc is None:
            return
        pgid = proc.pid        # start_new_session=True: the group id is the child's PID
        for sig, wait in ((signal.SIGTERM, self.adapter.stop_timeout), (signal.SIGKILL, 2.0)):
            try:
                os.killpg(pgid, sig)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=wait)
                # workers of a forking server may outlive the master briefly: sweep the group
                try:
                    os.killpg(pgid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                return
            except subprocess.TimeoutExpired:
                continue

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            backend = self.backend
        self._stop_proc()
        if backend is not None:
            backend.stop()
        if self.rundir is not None and not self.keep_rundir:
            shutil.rmtree(self.rundir, ignore_errors=True)
            self.rundir = None

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def log_tail(self, lines: int = 20) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])


# states of /proc/PID/task/TID/stat in which a thread is waiting for work (S: interruptible sleep,
# I: idle kernel-style wait) or has ended (Z, X: nothing more will come from it)
_IDLE_STATES = frozenset(b"SIZX")
_MAX_TREE = 256                 # processes looked at per server (bounds the walk)
_TREE_TTL = 0.5                 # seconds a walk of the process tree is reused


def _tree_tasks(root: int) -> list[str]:
    """The stat files of every thread of root and of its descendants (through
    /proc/PID/task/TID/children), at most _MAX_TREE processes."""
    todo, seen, out = [root], set(), []
    while todo and len(seen) < _MAX_TREE:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue                   # gone: nothing to wait for
        for tid in tids:
            base = f"/proc/{pid}/task/{tid}"
            out.append(f"{base}/stat")
            try:
                with open(f"{base}/children", "rb") as f:
                    todo.extend(int(x) for x in f.read().split())
            except OSError:
                pass
    return out


def _all_idle(stats: list[str]) -> bool:
    for path in stats:
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            continue                   # the thread has ended
        try:
            data = os.read(fd, 512)
        except OSError:
            continue
        finally:
            os.close(fd)
        rest = data.rpartition(b")")[2]
        if len(rest) > 1 and rest[1] not in _IDLE_STATES:
            return False
    return True
