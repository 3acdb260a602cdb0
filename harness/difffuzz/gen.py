"""Generation: the request mutator of the libFuzzer and AFL++ builds, called in batches (ctypes).

`$SY_BUILD/libsyfuzz.so` is the Makefile's MUTATOR_SRCS (fuzzers/mutator.c, shape.c, shape_ops.c,
grammar.c, tokens.c: the same sources as the engines' custom mutators) and fuzzers/upgrade_ops.c
(operators aimed at upgrade semantics), built by mk/difffuzz.mk. This module is the only place that touches it. Everything is
deterministic from the seed: the same seed and input give the same bytes.
"""
from __future__ import annotations

import ctypes
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
MAX_EACH = 16 * 1024          # bytes of one mutant (the corpus's size-limit cases reach 18 KiB)
BATCH_CAP = 1 << 20           # bytes of one batch


def library_path() -> Path:
    return Path(os.environ.get("SY_BUILD", ROOT / "build")) / "libsyfuzz.so"


_lib = None


def _load():
    global _lib
    if _lib is None:
        path = library_path()
        if not path.exists():
            raise RuntimeError(f"{path} is missing: run `make {path}` (mk/difffuzz.mk)")
        lib = ctypes.CDLL(str(path))
        sz = ctypes.POINTER(ctypes.c_size_t)
        lib.sy_fuzz_mutate_batch.argtypes = [ctypes.c_uint64, ctypes.c_char_p, ctypes.c_size_t,
                                             ctypes.c_char_p, ctypes.c_size_t, sz, ctypes.c_size_t,
                                             ctypes.c_size_t]
        lib.sy_fuzz_mutate_batch.restype = ctypes.c_size_t
        lib.sy_fuzz_generate_batch.argtypes = [ctypes.c_uint64, ctypes.c_char_p, ctypes.c_size_t,
                                               sz, ctypes.c_size_t]
        lib.sy_fuzz_generate_batch.restype = ctypes.c_size_t
        lib.sy_fuzz_upgrade_mutate.argtypes = [ctypes.POINTER(ctypes.c_uint64), ctypes.c_int,
                                               ctypes.c_char_p, ctypes.c_size_t, ctypes.c_size_t]
        lib.sy_fuzz_upgrade_mutate.restype = ctypes.c_size_t
        _lib = lib
    return _lib


def _split(buf, lens, n: int) -> list[bytes]:
    out, pos = [], 0
    for i in range(n):
        out.append(buf.raw[pos:pos + lens[i]])
        pos += lens[i]
    return out


def mutate_batch(seed: int, raw: bytes, count: int) -> list[bytes]:
    """`count` mutants of raw (1-4 stacked operations each: mutator.c's and upgrade_ops.c's)."""
    lib = _load()
    buf = ctypes.create_string_buffer(min(BATCH_CAP, count * MAX_EACH))
    lens = (ctypes.c_size_t * count)()
    n = lib.sy_fuzz_mutate_batch(seed & (2**64 - 1), raw, len(raw), buf, len(buf), lens, count,
                                 MAX_EACH)
    return _split(buf, lens, n)


def generate_batch(seed: int, count: int) -> list[bytes]:
    """`count` requests from the grammar (grammar.c): WebSocket, h2c, TLS and plain offers."""
    lib = _load()
    buf = ctypes.create_string_buffer(min(BATCH_CAP, count * 4096))
    lens = (ctypes.c_size_t * count)()
    n = lib.sy_fuzz_generate_batch(seed & (2**64 - 1), buf, len(buf), lens, count)
    return _split(buf, lens, n)


def upgrade_op(seed: int, raw: bytes, op: int = -1) -> bytes:
    """One upgrade-aimed operation (upgrade_ops.h: enum sy_fuzz_upgrade_op; -1: any)."""
    lib = _load()
    buf = ctypes.create_string_buffer(raw, MAX_EACH)
    rng = ctypes.c_uint64(seed & (2**64 - 1))
    n = lib.sy_fuzz_upgrade_mutate(ctypes.byref(rng), op, buf, min(len(raw), MAX_EACH), MAX_EACH)
    return buf.raw[:n]
