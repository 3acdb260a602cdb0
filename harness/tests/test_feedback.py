"""harness/difffuzz/feedback.py: the campaign's set of behaviour vectors stays one fixed size (a
Bloom filter) and forgets nothing it was given; the corpus keeps an input for a new vector only."""
from __future__ import annotations

import random

from harness.difffuzz import feedback


def _vec(i: int) -> tuple:
    return (f"server-{i % 58}", "reject", 400 + i % 100, (f"rule-{i}",), "closed", None)


def test_seen_is_fixed_size_and_never_forgets():
    s = feedback.Seen()
    size = len(s.table)
    n = 300_000
    for i in range(n):
        s.add(_vec(i))
    assert len(s.table) == size == feedback.SEEN_BITS // 8
    assert all(_vec(i) in s for i in range(0, n, 97))
    # vectors never added, taken for seen: about 1 in 1,000 (feedback.SEEN_BITS); str hashes vary
    # per process, so the bound leaves room
    false = sum(_vec(i) in s for i in range(n, n + 50_000))
    assert false < 50_000 / 500, false


def test_corpus_keeps_an_input_only_for_a_new_vector():
    c = feedback.Corpus(random.Random(1))
    c.add_seed(b"seed", "seed:x")
    assert c.observe(b"a", "gen:1", [_vec(1), _vec(2)]) == 2
    assert c.observe(b"b", "gen:1", [_vec(1)]) == 0
    assert c.observe(b"c", "gen:1", [_vec(1), _vec(3), _vec(3)]) == 1
    assert [e.raw for e in c.entries] == [b"seed", b"a", b"c"]
