"""Delta debugging (Zeller's ddmin) of a divergent request: lines first, then bytes.

Pure apart from the `test` predicate the caller supplies (which re-runs the servers and checks the
same servers still split the same way on the same fields). Bounded by a test count and a deadline.
"""
from __future__ import annotations

import time
from typing import Callable, Sequence


class Budget:
    def __init__(self, max_tests: int = 300, seconds: float = 30.0):
        self.max_tests = max_tests
        self.deadline = time.monotonic() + seconds
        self.tests = 0

    def spent(self) -> bool:
        return self.tests >= self.max_tests or time.monotonic() >= self.deadline


def ddmin(items: Sequence, test: Callable[[list], bool], budget: Budget | None = None) -> list:
    """A 1-minimal subsequence of items for which test() still holds (or the smallest found
    before the budget ran out). test(items) itself is assumed true."""
    budget = budget or Budget()
    cache: dict[tuple, bool] = {}

    def check(sub: list) -> bool:
        key = tuple(sub)
        if key not in cache:
            if budget.spent():
                return False
            budget.tests += 1
            cache[key] = bool(test(sub))
        return cache[key]

    cur = list(items)
    n = 2
    while len(cur) >= 2 and not budget.spent():
        size = len(cur) / n
        chunks = [cur[int(i * size):int((i + 1) * size)] for i in range(n)]
        reduced = False
        for i, chunk in enumerate(chunks):
            if chunk and check(chunk):
                cur, n, reduced = chunk, 2, True
                break
            comp = [x for j, c in enumerate(chunks) if j != i for x in c]
            if comp and len(comp) < len(cur) and check(comp):
                cur, n, reduced = comp, max(n - 1, 2), True
                break
        if not reduced:
            if n >= len(cur):
                break
            n = min(n * 2, len(cur))
    return cur


def lines(raw: bytes) -> list[bytes]:
    """Split keeping each line's own terminator (so CR, LF and CRLF survive as they were)."""
    out, start = [], 0
    for i, b in enumerate(raw):
        if b == 0x0A:
            out.append(raw[start:i + 1])
            start = i + 1
    if start < len(raw):
        out.append(raw[start:])
    return out


def minimise(raw: bytes, test: Callable[[bytes], bool], budget: Budget | None = None) -> bytes:
    """Lines, then bytes, while test(candidate) holds. Returns raw unchanged if test(raw) fails."""
    budget = budget or Budget()
    if not test(raw):
        return raw
    kept = ddmin(lines(raw), lambda ls: test(b"".join(ls)), budget)
    small = b"".join(kept)
    kept_bytes = ddmin([bytes([b]) for b in small], lambda bs: test(b"".join(bs)), budget)
    return b"".join(kept_bytes)
