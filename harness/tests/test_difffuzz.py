"""harness/difffuzz: the campaign loop finds, minimises and reproduces a planted server bug, and
finds nothing in a stand-in that breaks no MUST rule; the mutator library is deterministic; shards,
merge, promotion into the corpus format, repro lines; SIGTERM leaves a consistent directory."""
from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import HERE, pid_alive

from harness import cases, catalog, core
from harness.difffuzz import cli, gen, shard, triage

ROOT = HERE.parent.parent
VALID = (b"GET /live HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
PLAIN = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"


def seeds(tmp_path: Path) -> Path:
    topic = tmp_path / "seeds" / "t"
    topic.mkdir(parents=True)
    (topic / "valid.http").write_bytes(VALID)
    (topic / "plain.http").write_bytes(PLAIN)
    (topic / "cases.toml").write_text('[valid]\nreason = "WS_SWITCH"\ndescription = "handshake"\n\n'
                                      '[plain]\nreason = "SERVED"\ndescription = "plain GET"\n')
    return tmp_path / "seeds"


def adapters(tmp_path: Path, *modes: str) -> Path:
    folder = tmp_path / "adapters"
    folder.mkdir(exist_ok=True)
    for m in modes:
        (folder / f"{m}.toml").write_text(
            f'description = "difffuzz stand-in ({m})"\n'
            f'argv = ["{catalog.PYTHON}", "{HERE / "difffuzz_standin.py"}", "@HOST@", "@PORT@", "{m}"]\n'
            'supports = ["websocket"]\nready_timeout = 5.0\nstop_timeout = 1.0\n')
    return folder


def run(tmp_path: Path, mode: str, *extra: str) -> dict:
    out = tmp_path / f"out-{mode}"
    rc = cli.main(["run", "--adapters", str(adapters(tmp_path, mode)), "--server", mode,
                   "--corpus", str(seeds(tmp_path) if not (tmp_path / "seeds").exists() else tmp_path / "seeds"),
                   "--duration", "30", "--max-inputs", "800", "--triage-budget", "30", "--out", str(out), "--quiet", *extra])
    assert rc == 0
    return json.loads((out / "summary.json").read_text())


def test_planted_bug_found_minimised_reproduced_promoted(tmp_path):
    t0 = time.monotonic()
    doc = run(tmp_path, "buggy", "--promote", "--corpus-out", str(tmp_path / "corpus"))
    hits = [f for f in doc["findings"] if f["rule"] == "ws-refuse-invalid" and f["confirmed"]
            and f["reason"] == "WS_NO_CONNECTION_UPGRADE"]
    assert hits, [(f["rule"], f["reason"], f["confirmed"]) for f in doc["findings"]]
    f = min(hits, key=lambda f: len(base64.b64decode(f["request_b64"])))
    small = base64.b64decode(f["request_b64"])
    assert len(small) < len(base64.b64decode(f["original_b64"])) or f["original_b64"] == f["request_b64"]
    # minimised: nothing the planted bug does not need is left (what it needs: the request line,
    # Host, Upgrade, the key, the version; a Connection line may stay with another value)
    facts = core.facts(small)
    assert not any(b"upgrade" in v.lower() for v in facts.values("Connection")), small
    assert len(facts.headers) <= 5, small
    assert f["tests"] > 1 and "nc -q 2 127.0.0.1" in f["repro_nc"]
    assert triage.printf_escape(small) in f["repro_bash"] and "/dev/tcp/127.0.0.1/" in f["repro_bash"]
    assert "ws-refuse-invalid" in (tmp_path / "out-buggy" / "findings.html").read_text()
    # the harness repro line reproduces it
    rc = cli.main(["repro", "--adapters", str(tmp_path / "adapters"), "--server", "buggy",
                   "--rule", "ws-refuse-invalid", "--request-b64", f["request_b64"]])
    assert rc == 1
    # --promote: cases in the corpus format that the loader accepts, with their sentence
    loaded = cases.load_topic(tmp_path / "corpus" / "found")
    assert len(loaded) == sum(f["confirmed"] for f in doc["findings"]) > 0
    text = (tmp_path / "corpus" / "found" / "cases.toml").read_text()
    assert "MUST stop processing the client's handshake" in text
    assert time.monotonic() - t0 < 30


def test_correct_standin_no_findings(tmp_path):
    doc = run(tmp_path, "strict")
    assert doc["meta"]["exchanges"] > 50
    assert doc["findings"] == [] and doc["raw"] == []


def test_a_dying_server_costs_only_its_own_cells(tmp_path):
    """A stand-in that exits on a request containing CRASH: restarted once, then given up on
    (--max-restarts 1) while the other server goes on; each crash is recorded with its input."""
    folder = adapters(tmp_path, "strict", "mortal")
    topic = tmp_path / "seeds" / "t"
    topic.mkdir(parents=True)
    (topic / "crash.http").write_bytes(b"GET / HTTP/1.1\r\nHost: localhost\r\nX-A: CRASH\r\n\r\n")
    (topic / "cases.toml").write_text('[crash]\nreason = "SERVED"\ndescription = "crashes the stand-in"\n')
    out = tmp_path / "out"
    rc = cli.main(["run", "--adapters", str(folder), "--server", "strict", "--server", "mortal",
                   "--corpus", str(tmp_path / "seeds"), "--duration", "20", "--max-inputs", "1500",
                   "--max-restarts", "1", "--triage-budget", "1", "--out", str(out), "--quiet"])
    assert rc == 0
    doc = json.loads((out / "summary.json").read_text())
    rows = {s["name"]: s for s in doc["servers"]}
    mortal, strict = rows["mortal"], rows["strict"]
    assert mortal["dead"] == "crash, not restarted: gave up after 1 restarts" and mortal["restarts"] == 1
    assert [(e["event"], e["exit"]) for e in mortal["events"]] == [("crash", "exit status 3")] * 2
    assert mortal["skipped"] > 0 and strict["exchanges"] > mortal["exchanges"]
    assert "Crashes and hangs" in (out / "summary.md").read_text()


def test_mutator_is_deterministic():
    a = gen.mutate_batch(42, VALID, 20)
    assert a == gen.mutate_batch(42, VALID, 20) and len(a) == 20
    assert a != gen.mutate_batch(43, VALID, 20)
    assert len(set(a)) > 10
    assert gen.upgrade_op(3, VALID, 8).startswith(b"GET /live HTTP/") and gen.generate_batch(1, 4)


def test_printf_repro_round_trips():
    raw = b"GET /%41 HTTP/1.1\r\nX: a'b\\c\x00\xff\t\r\n\r\n"
    line = triage.printf_escape(raw)
    got = subprocess.run(["bash", "-c", f"printf '{line}'"], capture_output=True).stdout
    assert got == raw


def test_shards_and_merge(tmp_path):
    assert shard.parse("2/3") == (2, 3)
    for bad in ("0/2", "3/2", "x", "1/0"):
        with pytest.raises(ValueError, match="--shard"):
            shard.parse(bad)
    names = ["a", "b", "c"]
    got = [shard.select(names, list(range(6)), k, 3)[0] for k in (1, 2, 3)]
    assert sorted(sum(got, [])) == names
    s1, seeds1 = shard.select(names, list(range(6)), 1, 6)
    s4, seeds4 = shard.select(names, list(range(6)), 4, 6)
    assert s1 == s4 == ["a"] and sorted(seeds1 + seeds4) == list(range(6)) and not set(seeds1) & set(seeds4)

    def doc(n, req):
        return {"schema": 1, "meta": {"elapsed_seconds": 1.0, "inputs": n, "exchanges": n,
                                      "exchanges_per_second": n, "corpus": 1, "corpus_seeds": 1,
                                      "seed": n, "shard": f"{n}/2"},
                "servers": [{"name": "a", "exchanges": n, "skipped": 0, "errors": 0, "restarts": 0, "dead": ""}],
                "findings": [{"server": "a", "rule": "r", "shape": ["X"], "confirmed": True,
                              "request_b64": base64.b64encode(req).decode()}]}
    for i, req in ((1, b"long request"), (2, b"short")):
        (tmp_path / f"c{i}").mkdir()
        (tmp_path / f"c{i}" / "summary.json").write_text(json.dumps(doc(i, req)))
    merged = shard.merge([tmp_path / "c1", tmp_path / "c2"])
    assert merged["servers"][0]["exchanges"] == 3 and len(merged["findings"]) == 1
    assert base64.b64decode(merged["findings"][0]["request_b64"]) == b"short"
    with pytest.raises(ValueError, match="summary.json"):
        shard.merge([tmp_path / "nope"])


def test_sigterm_stops_servers_and_leaves_a_summary(tmp_path):
    out = tmp_path / "out"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    p = subprocess.Popen([sys.executable, "-m", "harness.difffuzz", "run", "--adapters",
                          str(adapters(tmp_path, "strict")), "--server", "strict", "--corpus",
                          str(seeds(tmp_path)), "--duration", "60", "--out", str(out)],
                         cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    try:
        line = ""
        while "servers," not in line:
            line = p.stdout.readline()
            assert line, "the campaign ended before it started"
        # servers are started from worker threads: each thread's children are listed apart
        kids = []
        for t in Path(f"/proc/{p.pid}/task").iterdir():
            try:
                kids += [int(x) for x in (t / "children").read_text().split()]
            except OSError:                     # a thread that ended meanwhile
                pass
        assert kids
        time.sleep(1.0)
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=20) == 130
    finally:
        if p.poll() is None:
            p.kill()
    doc = json.loads((out / "summary.json").read_text())
    assert doc["meta"]["interrupted"] and doc["meta"]["exchanges"] >= 0
    assert "Interrupted" in (out / "summary.md").read_text() and (out / "findings.html").exists()
    assert not list(out.glob(".*tmp*"))          # atomic writes leave no partial file
    assert not any(pid_alive(k) for k in kids)


def test_a_flooding_or_hanging_server_costs_only_its_own_cells(tmp_path):
    """One stand-in floods (a 200 announcing 1 GiB, then bytes for as long as it is read) and one
    hangs (no answer, connection kept) on their trigger inputs; the strict one beside them answers
    every input it was sent, the campaign ends on time and its memory stays flat."""
    folder = adapters(tmp_path, "strict", "flood", "mute")
    topic = tmp_path / "seeds" / "t"
    topic.mkdir(parents=True)
    (topic / "plain.http").write_bytes(PLAIN)
    (topic / "flood.http").write_bytes(b"GET / HTTP/1.1\r\nHost: localhost\r\nX-A: FLOOD\r\n\r\n")
    (topic / "hang.http").write_bytes(b"GET / HTTP/1.1\r\nHost: localhost\r\nX-A: HANG\r\n\r\n")
    (topic / "cases.toml").write_text(
        '[plain]\nreason = "SERVED"\ndescription = "plain GET"\n\n'
        '[flood]\nreason = "SERVED"\ndescription = "floods the flood stand-in"\n\n'
        '[hang]\nreason = "SERVED"\ndescription = "hangs the mute stand-in"\n')
    out = tmp_path / "out"
    t0 = time.monotonic()
    rc = cli.main(["run", "--adapters", str(folder), "--server", "strict", "--server", "flood",
                   "--server", "mute", "--corpus", str(tmp_path / "seeds"), "--duration", "15",
                   "--max-inputs", "600", "--triage-budget", "1", "--out", str(out), "--quiet"])
    assert rc == 0 and time.monotonic() - t0 < 40
    doc = json.loads((out / "summary.json").read_text())
    rows = {s["name"]: s for s in doc["servers"]}
    strict, flooded, mute = rows["strict"], rows["flood"], rows["mute"]
    m = doc["meta"]
    # the strict stand-in got (nearly) every input the core decides; its errors are its own
    # (it reads a head to CRLF CRLF only, so a bare-LF mutant waits for the deadline there too)
    assert not strict["dead"] and strict["restarts"] == 0, rows
    assert strict["exchanges"] >= 0.75 * (m["inputs"] - m["undecided"]) > 100, (rows, m)
    # each trigger is in the mutants' parents, so both faulty lanes met it more than once
    assert flooded["errors"] > 0 and mute["errors"] > 0, (flooded, mute)
    rss = doc["meta"]["rss_kb"]
    assert rss[-1][1] - rss[0][1] < 64 * 1024, rss       # a flood is cut at wire.MAX_READ per phase
