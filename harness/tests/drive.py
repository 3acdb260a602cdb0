"""Helpers for the tests that drive `harness.run` end to end (test_exit.py, test_repeat.py):
small corpora in the manifest schema, the stand-in servers' command lines, reading a report."""
from __future__ import annotations

import json
import shlex
from pathlib import Path

from conftest import HERE

from harness import catalog

PLAIN = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"


def corpus(root: Path, rows: dict[str, tuple[bytes, str]], modes=("whole",), topic: str = "t") -> Path:
    """root/corpus/<topic>/<stem>.http + cases.toml; rows: stem -> (request bytes, reason)."""
    folder = root / "corpus" / topic
    folder.mkdir(parents=True, exist_ok=True)
    toml = []
    for stem, (raw, reason) in rows.items():
        (folder / f"{stem}.http").write_bytes(raw)
        toml.append(f'[{stem}]\nreason = "{reason}"\ndescription = "test case {stem}"\n'
                    f'modes = {json.dumps(list(modes))}\n')
    (folder / "cases.toml").write_text("\n".join(toml))
    return root / "corpus"


def plain_corpus(root: Path, n: int, modes=("whole",), topic: str = "t") -> Path:
    return corpus(root, {f"c{i:02d}": (PLAIN, "SERVED") for i in range(n)}, modes, topic)


def standin(mode: str) -> str:
    """--server-cmd for harness/tests/standin_server.py in `mode`."""
    return shlex.join([catalog.PYTHON, str(HERE / "standin_server.py"), "@HOST@", "@PORT@", mode])


def fake(mode: str) -> str:
    """--server-cmd for harness/tests/fake_server.py in `mode`."""
    return shlex.join([catalog.PYTHON, str(HERE / "fake_server.py"), "@HOST@", "@PORT@", mode])


def args(root: Path, corpus_dir: Path, *extra: str, out: str = "out") -> list[str]:
    return ["--corpus", str(corpus_dir), "--out", str(root / out), "--quiet", "--minimise-budget", "0",
            *extra]


def load(root: Path, out: str = "out") -> dict:
    return json.loads((root / out / "report.json").read_text())


def server_row(doc: dict, name: str) -> dict:
    return next(s for s in doc["servers"] if s["name"] == name)
