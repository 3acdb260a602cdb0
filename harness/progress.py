"""Progress of a long run on stdout: the report's matrix (harness/run.py) and the fuzz campaigns
(fuzzers/engines.py).

Two kinds of line: `say` prints an event, stamped with the seconds since the start; `show` keeps
one status line current (rewritten in place on a terminal; elsewhere printed at most every
PLAIN_EVERY seconds, so that a log does not fill with it) and `finish` prints its last state.
A run that counts units of work calls `step` from any thread; `ticker` (a thread's target) says
the count every TICK seconds until `stop` is set.
"""
from __future__ import annotations

import sys
import threading
import time

PLAIN_EVERY = 10.0      # seconds between two status lines when stdout is not a terminal
TICK = 3.0              # seconds between two "progress N/TOTAL" lines of ticker()


class Progress:
    def __init__(self, total: int = 0, quiet: bool = False, unit: str = "cells", stream=None):
        self.total, self.quiet, self.unit = total, quiet, unit
        self.stream = stream            # None: sys.stdout as it is at each write
        self.tty = (stream or sys.stdout).isatty()
        self.count = 0
        self.lock = threading.Lock()
        self.t0 = time.monotonic()
        self.stop = threading.Event()
        self.text = ""
        self.last_plain = 0.0

    def _write(self, text: str) -> None:
        out = self.stream or sys.stdout
        out.write(text)
        out.flush()

    def say(self, text: str) -> None:
        if not self.quiet:
            self._write(f"[{time.monotonic() - self.t0:5.1f}s] {text}\n")

    def step(self) -> None:
        with self.lock:
            self.count += 1

    def ticker(self) -> None:
        while not self.stop.wait(TICK):
            self.say(f"progress {self.count}/{self.total} {self.unit}")

    def show(self, text: str, final: bool = False) -> None:
        self.text = text
        if self.quiet:
            return
        if self.tty:
            self._write("\r\x1b[K" + text + ("\n" if final else ""))
        elif final or time.time() - self.last_plain >= PLAIN_EVERY:
            self._write(text + "\n")
            self.last_plain = time.time()

    def finish(self) -> None:
        if self.text:
            self.show(self.text, final=True)
