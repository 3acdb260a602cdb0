"""Delta debugging (Zeller's ddmin) of a divergent request: lines first, then bytes.

Pure apart from the `test` predicate the caller supplies (which re-runs the servers and checks the
same servers still split the same way on the same fields). Bounded by a test count and a deadline.
Where the request line and the head end are is read by the reference core (harness/core.py).
"""
from __future__ import annotations

import itertools
import time
from typing import Callable, Sequence

from . import core


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
    """Lines, then bytes, while test(candidate) holds. Returns raw unchanged if test(raw) fails.

    The request line and the head's closing blank line are pinned (candidates without them only
    measure how servers time out), so ddmin works on the field lines (and on whatever follows the
    head, as one more unit), then on the bytes of the field lines that are left."""
    budget = budget or Budget()
    budget.tests += 1
    if not test(raw):
        return raw
    ls = lines(raw)
    first, blank = _frame(raw, ls)
    head, middle, tail = ls[:first], ls[first:blank], ls[blank:]
    rest = [b"".join(tail[1:])] if len(tail) > 1 else []
    tail = tail[:1]

    def join(mid: list[bytes], after: list[bytes]) -> bytes:
        return b"".join(head + mid + tail + after)

    units = [("f", x) for x in middle] + [("r", x) for x in rest]
    kept = ddmin(units, lambda us: test(join([x for k, x in us if k == "f"], [x for k, x in us if k == "r"])),
                 budget)
    mid = [x for k, x in kept if k == "f"]
    after = [x for k, x in kept if k == "r"]
    # bytes: each field line loses bytes of its content, never its terminator (a line emptied
    # of content disappears), so the head keeps its shape
    units2 = [(i, line[j:j + 1]) for i, line in enumerate(mid) for j in range(len(_body(line)))]

    def rebuild(us: list) -> bytes:
        out = []
        for i, line in enumerate(mid):
            content = b"".join(b for k, b in us if k == i)
            if content:
                out.append(content + line[len(_body(line)):])
        return join(out, after)

    kept_bytes = ddmin(units2, lambda us: test(rebuild(us)), budget)
    return rebuild(kept_bytes)


def _frame(raw: bytes, ls: list[bytes]) -> tuple[int, int]:
    """(first, blank): lines ls[:first] end with the request line (and the empty lines before
    it), ls[blank] is the head's closing empty line, as the reference core read raw. Without a
    request line the core read, the first line stands for it; without a head the core read to its
    end, there is no closing line to pin (blank = len(ls))."""
    f = core.facts(raw)
    ends = list(itertools.accumulate(len(x) for x in ls))
    first = 1
    if f.line_span is not None:
        first = next((i + 1 for i, e in enumerate(ends) if e > f.line_span[1]), len(ls))
    blank = len(ls)
    if f.complete:
        blank = next((i for i, e in enumerate(ends) if e == f.head_len), len(ls))
    return first, max(blank, first)


def _body(line: bytes) -> bytes:
    """A line without its terminator (CRLF, LF, or a trailing CR)."""
    return line.rstrip(b"\r\n")
