"""The exchange engine: one request to one server on a new connection, non-blocking (asyncio).

It fills the same `wire.Exchange` that harness/wire.py fills for a report cell, so that
observe.py, the rules and compare.py judge a campaign's exchange exactly as they judge a report's
cell. What differs is the waiting: a response is complete when llhttp says so (the predicates of
harness/matrix.py, over harness/response.py); the only deadlines are where a server stays silent
(no complete answer, no answer to the tail probe, no close it announced). There are no quiet
periods and no pacing through sock_diag: thousands of exchanges run side by side, so a server
that is slow to answer costs its own connections' time, not the campaign's.

Delivery: "whole" (one write) or "split" (the head, then, once the server has read it, the rest:
the report's split_after_head, with the same sock_diag read check, bounded by SPLIT_WAIT).
"""
from __future__ import annotations

import asyncio
import errno
import socket
import time

from dataclasses import replace

from .. import core, response, wire
from ..matrix import _closing, _tail_complete
from . import oracle

MAX_READ = wire.MAX_READ        # bytes kept per phase (a flooding server is cut there)
SPLIT_WAIT = 0.2                # at most this long for the server to read the head (split)
CONNECT_TIMEOUT = 1.0


def first_complete(no_body: bool):
    """matrix.run_one's predicate: the first answer is complete (after any 1xx but a 101)."""
    def complete(raw: bytes, eof: bool) -> bool:
        r = response.parse(raw, eof=eof, no_body=no_body)
        if r.complete and 100 <= r.status < 200 and r.status != 101:
            return response.is_complete(raw[r.consumed:], eof)
        return r.complete or r.error is not None
    return complete


class _Reader:
    """Reads one phase of a connection into an Exchange field, until a predicate holds, the peer
    closes or resets, MAX_READ, or a deadline."""

    def __init__(self, loop, sock: socket.socket, ex: wire.Exchange):
        self.loop, self.sock, self.ex = loop, sock, ex
        self.dead = False

    async def read(self, buf: bytearray, until, deadline: float, phase: str) -> bool:
        # one timer for the whole phase (asyncio.timeout_at), not one per recv (wait_for makes a
        # task per call: a third of the loop's time in a profile)
        try:
            async with asyncio.timeout_at(self.loop.time() + (deadline - time.monotonic())):
                return await self._read(buf, until, phase)
        except TimeoutError:
            return False

    async def _read(self, buf: bytearray, until, phase: str) -> bool:
        while True:
            if until is not None and buf and until(bytes(buf), False):
                return True
            if self.ex.eof or self.dead or self.ex.truncated:
                return until is not None and self.ex.eof and bool(until(bytes(buf), True))
            try:
                chunk = await self.loop.sock_recv(self.sock, 65536)
            except (ConnectionResetError, BrokenPipeError):
                self.dead = True
                self.ex.reset = True
                self.ex.eof_phase = self.ex.eof_phase or phase
                continue
            if not chunk:
                self.ex.eof = True
                self.ex.eof_phase = self.ex.eof_phase or phase
                continue
            if len(buf) + len(chunk) > MAX_READ:
                self.ex.truncated = True
                chunk = chunk[:MAX_READ - len(buf)]
            buf += chunk

    async def send(self, data: bytes, phase: str) -> bool:
        try:
            await self.loop.sock_sendall(self.sock, data)
            return True
        except OSError as e:
            if e.errno in (errno.EPIPE, errno.ECONNRESET):
                self.ex.reset = True
                self.ex.eof_phase = self.ex.eof_phase or phase
                return False
            raise


async def _wait_read(sock: socket.socket, seconds: float) -> None:
    """Until the server has read everything sent so far (sock_diag), at most `seconds`."""
    peer = wire._Peer(sock)
    try:
        end = time.monotonic() + seconds
        while peer.available and peer.unread() and time.monotonic() < end:
            await asyncio.sleep(0.001)
    finally:
        peer.close()


async def exchange(host: str, port: int, sent: bytes, tail: bytes, *, timeout: float,
                   tail_timeout: float, split: bool = False) -> wire.Exchange:
    """Send `sent`, read its answer; then, on a connection still open, send `tail` and read its
    answer. Fills a wire.Exchange as wire.exchange does (first, tail, eof, reset, phases)."""
    loop = asyncio.get_running_loop()
    ex = wire.Exchange()
    t0 = time.monotonic()
    no_body = sent.startswith(b"HEAD ")
    persists = core.facts(sent).keep_alive
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setblocking(False)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT):
                await loop.sock_connect(sock, (host, port))
        except (OSError, TimeoutError) as e:
            ex.connect_error = f"connect {host}:{port}: {e.__class__.__name__} {e}".strip()
            return ex
        rd = _Reader(loop, sock, ex)
        first = bytearray()
        complete = first_complete(no_body)
        cut = wire.split_point(sent) if split else len(sent)
        if await rd.send(sent[:cut], "send") and cut < len(sent):
            await _wait_read(sock, SPLIT_WAIT)
            await rd.send(sent[cut:], "send")
        ex.first_complete = await rd.read(first, complete, t0 + timeout, "first")
        ex.first = bytes(first)
        ex.first_timeout = not ex.first_complete and not (ex.eof or ex.reset)
        if not ex.first_complete or ex.eof or rd.dead:
            return ex
        if _closing(persists, no_body)(ex.first):
            # the answer announced a close: wait for it (a deadline only if it never comes)
            late = bytearray()
            await rd.read(late, None, time.monotonic() + tail_timeout, "first")
            ex.late = bytes(late)
            return ex
        if tail:
            ex.tail_sent = await rd.send(tail, "tail")
            got = bytearray()
            done = await rd.read(got, _tail_complete, time.monotonic() + tail_timeout, "tail")
            ex.tail = bytes(got)
            ex.tail_timeout = not done and not (ex.eof or ex.reset)
        return ex
    finally:
        ex.elapsed = time.monotonic() - t0
        sock.close()


async def observed(host: str, port: int, case, sent: bytes, tail: bytes, log, *, timeout: float,
                   tail_timeout: float, split: bool = False):
    """One exchange as an observation (oracle.observation). On a chain to the sentinel (`log`, a
    chain.Log) it carries what the backend received meanwhile, read once the log stops growing:
    the sentinel may still be writing when the client's answer is complete."""
    mark = log.mark() if log is not None else 0
    ex = await exchange(host, port, sent, tail, timeout=timeout, tail_timeout=tail_timeout,
                        split=split)
    obs = oracle.observation(case, ex, sent)
    if log is not None:
        for pause in log.settle_steps():
            await asyncio.sleep(pause)
        obs = replace(obs, backend=log.since(mark))
    return obs
