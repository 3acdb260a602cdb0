"""Feedback without instrumentation: behaviour vectors of real servers, and the campaign corpus.

A server's behaviour on one input is its vector: decision class, status, the rule ids the answer
broke (any level), the connection's fate and the tail probe's result. An input that shows a
vector not seen before (for any server) joins the campaign corpus, so that mutation spreads over
the behaviours of servers we cannot instrument, as coverage spreads a campaign over code.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

from ..observe import Observation

MAX_CORPUS = 4096           # inputs kept; beyond it, the oldest generated ones make room
RECENT = 64                 # half the picks come from the newest this many
SEEN_BITS = 1 << 23         # the set of vectors seen: a Bloom filter of this many bits (1 MiB),
SEEN_HASHES = 3             # so that a long campaign's memory stays flat; at 300,000 vectors
                            # about 1 new vector in 1,000 is taken for seen (not kept for it)


def vector(server: str, obs: Observation, rules: tuple[str, ...]) -> tuple:
    return (server, obs.decision, obs.status, tuple(sorted(set(rules))), obs.fate, obs.tail)


class Seen:
    """A fixed-size set of vectors that may answer "seen" for a vector it was never given (a
    Bloom filter): its memory does not grow with the campaign, unlike a set of tuples."""

    def __init__(self, bits: int = SEEN_BITS, hashes: int = SEEN_HASHES):
        self.bits, self.hashes = bits, hashes
        self.table = bytearray(bits // 8)

    def _slots(self, v: tuple):
        # two halves of one 64-bit hash make the k slots (Kirsch and Mitzenmacher, 2006)
        h = hash(v) & 0xFFFFFFFFFFFFFFFF
        h1, h2 = h & 0xFFFFFFFF, (h >> 32) | 1
        for i in range(self.hashes):
            yield (h1 + i * h2) % self.bits

    def __contains__(self, v: tuple) -> bool:
        return all(self.table[b >> 3] & (1 << (b & 7)) for b in self._slots(v))

    def add(self, v: tuple) -> None:
        for b in self._slots(v):
            self.table[b >> 3] |= 1 << (b & 7)


@dataclass
class Entry:
    raw: bytes
    origin: str             # "seed:<case id>" or "gen:<parent id>"
    new_vectors: int = 0


@dataclass
class Corpus:
    """The seeds (never evicted) and the inputs kept for new vectors."""
    rng: random.Random
    entries: list[Entry] = field(default_factory=list)
    seeds: int = 0
    seen: Seen = field(default_factory=Seen)
    kept: set = field(default_factory=set)     # raw bytes in entries (no duplicates)

    def add_seed(self, raw: bytes, origin: str) -> None:
        if raw not in self.kept:
            self.entries.insert(self.seeds, Entry(raw, origin))
            self.seeds += 1
            self.kept.add(raw)

    def observe(self, raw: bytes, origin: str, vectors: list[tuple]) -> int:
        """Record an input's vectors; keep it if one is new. Returns how many were new."""
        new = [v for v in set(vectors) if v not in self.seen]
        for v in new:
            self.seen.add(v)
        if new and raw not in self.kept:
            if len(self.entries) >= MAX_CORPUS:
                gone = self.entries.pop(self.seeds)
                self.kept.discard(gone.raw)
            self.entries.append(Entry(raw, origin, len(new)))
            self.kept.add(raw)
        return len(new)

    def pick(self) -> Entry:
        n = len(self.entries)
        if n > self.seeds and self.rng.random() < 0.5:
            return self.entries[self.rng.randrange(max(self.seeds, n - RECENT), n)]
        return self.entries[self.rng.randrange(n)]

    def __len__(self) -> int:
        return len(self.entries)
