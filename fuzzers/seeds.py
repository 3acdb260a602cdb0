#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""seeds: the corpus (harness/cases.py's load()) -> build/fuzz-seeds/<target>/ for every target.

Nothing here is hand-written input: each seed is derived from a corpus file (its bytes, one of its
field values, the bytes after its head) or made by a documented rule from corpus data (WebSocket
frames carrying a scenario's description, pipelined pairs of scenarios, policies naming the
targets the corpus uses). Seed names say where they came from: <topic>__<scenario>[__<how>].
The corpus is read by harness/cases.py only (a .http file without a manifest row, or a row without
a file, is its error, and stops this); it reads the reasons table from the core, so
$SY_BUILD/libsycore.so must exist (mk/fuzz.mk builds a host one). <out>/corpus.list names the
corpus files, one a line, for `make test-fuzz` to replay through every target.
"""
import argparse
import hashlib
import shutil
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the repository root: `import harness`

from harness import cases as corpus  # noqa: E402
from harness import core  # noqa: E402
from harness.wsframe import frame  # noqa: E402

REQUEST_TARGETS = ("fuzz_decide", "fuzz_stream", "fuzz_render", "fuzz_llhttp")
LIST_FIELDS = (b"connection", b"upgrade", b"sec-websocket-version", b"transfer-encoding",
               b"sec-websocket-protocol", b"sec-websocket-extensions")
# The reason of a valid WebSocket opening handshake (reasons.h): the reference switches, and what
# follows the head is frames (fuzz_ws_frames' input).
WS_SWITCH = "WS_SWITCH"


def frames_from(case):
    """WebSocket conversations made from one case (its id, description and reason)."""
    name = case.id.split("/", 1)[1]
    text = (case.description or name).encode()
    key = hashlib.sha1(case.id.encode()).digest()[:4]
    code = struct.pack("!H", 1000)
    half = len(text) // 2
    return {
        "text": frame(1, text, key),
        "ping_text_close": frame(9, name.encode()[:125], key) + frame(1, text, key)
        + frame(8, code + name.encode()[:100], key),
        "fragmented": frame(1, text[:half], key, fin=False) + frame(9, b"", key)
        + frame(0, text[half:], key),
        "binary16": frame(2, text * (200 // max(1, len(text)) + 1), key),
        # the reason's RFC section: UTF-8 ("§") in a close reason
        "close_reason": frame(8, code + case.rfc.encode()[:100], key),
        "unmasked": frame(1, text[:125]),
    }


def write(out: Path, target: str, name: str, data: bytes, seen: dict):
    digest = hashlib.sha1(data).hexdigest()
    if digest in seen.setdefault(target, set()):
        return
    seen[target].add(digest)
    d = out / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=corpus.CORPUS)
    ap.add_argument("--out", type=Path, default=Path("build/fuzz-seeds"))
    args = ap.parse_args()
    try:
        cases = corpus.load(args.corpus.resolve())
    except (corpus.CorpusError, RuntimeError) as e:  # RuntimeError: no libsycore.so to read
        print(f"seeds: {e}", file=sys.stderr)        # the reasons table from (harness/core.py)
        return 1
    if not cases:
        print(f"seeds: no cases under {args.corpus}", file=sys.stderr)
        return 1
    if args.out.exists():
        shutil.rmtree(args.out)
    seen: dict = {}
    paths = set()
    plain = next((c.raw for c in cases if c.id.endswith("/plain_get")), None)
    for case in cases:
        data = case.raw
        stem = case.id.replace("/", "__")
        for t in REQUEST_TARGETS:
            write(args.out, t, stem, data, seen)
        if plain is not None and plain != data:
            # pipelined behind a keep-alive request, for the connection machine
            write(args.out, "fuzz_stream", f"{stem}__after_plain_get", plain + data, seen)
        # the request as the reference core reads it (harness/core.py): the fields it read (for a
        # head it refuses, those before the error), its path, and what follows the message
        facts = core.facts(data)
        if facts.target and facts.target.startswith("/"):     # known even when refused later
            paths.add(facts.target.encode("latin-1").split(b"?")[0])
        by_name: dict = {}
        for fname, value in facts.headers:
            by_name.setdefault(fname.lower(), []).append(value)
        tail = data[facts.message_len:] if facts.complete else b""
        for fname in LIST_FIELDS:
            if fname in by_name:  # one field line per input line (the target's format)
                write(args.out, "fuzz_lists", f"{stem}__{fname.decode()}",
                      b"\n".join(by_name[fname]), seen)
        for key in by_name.get(b"sec-websocket-key", []):
            write(args.out, "fuzz_ws_key", f"{stem}__key", key, seen)
        for value in by_name.get(b"http2-settings", []):
            write(args.out, "fuzz_h2settings", f"{stem}__settings", value, seen)
        if case.reason == WS_SWITCH and case.tail == "ws" and tail:
            write(args.out, "fuzz_ws_frames", f"{stem}__tail", tail, seen)
        if case.reason == WS_SWITCH:
            for how, conv in frames_from(case).items():
                write(args.out, "fuzz_ws_frames", f"{stem}__{how}", conv, seen)
    # policies: the paths the corpus requests, as WebSocket and as plain routes
    ordered = sorted(paths)
    for i, p in enumerate(ordered):
        text = b"# from corpus request targets\nroute %s websocket\nroute / plain\n" % p
        write(args.out, "fuzz_policy", f"route_{i:02d}", text, seen)
    write(args.out, "fuzz_policy", "all_routes",
          b"clear-routes\nws-method-status 400\n"
          + b"".join(b"route %s %s\n" % (p, b"websocket" if i % 2 else b"plain")
                     for i, p in enumerate(ordered)), seen)
    if "fuzz_ws_frames" not in seen:
        print(f"seeds: no case has reason {WS_SWITCH}: fuzz_ws_frames would get no seed",
              file=sys.stderr)
        return 1
    # the corpus files, for `make test-fuzz` to replay through every target
    (args.out / "corpus.list").write_text("".join(f"{ROOT / c.path}\n" for c in cases))
    total = sum(len(v) for v in seen.values())
    print(f"seeds: {total} seeds for {len(seen)} targets from {len(cases)} corpus files "
          f"-> {args.out}")
    for t in sorted(seen):
        print(f"  {t}: {len(seen[t])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
