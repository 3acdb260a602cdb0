"""Issue 11 item 3: the outputs are replaced as one set, and an interrupted run leaves the previous
report whole and says so (report.write_all, run.main's signal handling)."""
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from conftest import HERE
from drive import PLAIN, args, corpus, fake, plain_corpus

from harness import report, report_html, run

ROOT = HERE.parent.parent
CHECKED = ("report.json", "index.html", "junit.xml")     # the files that name every case


def only_ref(root, c):
    return args(root, c, "--server", "reference")


def snapshot(out):
    return {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}


def test_a_failing_output_leaves_the_previous_set_untouched(tmp_path, monkeypatch):
    c = plain_corpus(tmp_path, 2)
    assert run.main(only_ref(tmp_path, c)) == 0
    out = tmp_path / "out"
    before = snapshot(out)

    def boom(doc):
        raise RuntimeError("renderer bug")
    monkeypatch.setattr(report_html, "render", boom)
    doc = json.loads((out / "report.json").read_text())
    doc["command"] = "a later run"
    with pytest.raises(RuntimeError, match="renderer bug"):
        report.write_all(doc, out)
    assert snapshot(out) == before                         # not one file replaced
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []   # no staging left
    assert set(before) == set(report.OUTPUTS) and report.verify(out)[0]


WRAPPER = textwrap.dedent("""
    import os, signal, sys, time
    sys.path.insert(0, {root!r})
    from harness import report_html, run
    real = report_html.render

    def render(doc):            # a SIGTERM arrives while the outputs are being written
        os.kill(os.getpid(), signal.{sig})
        time.sleep(0.05)
        return real(doc)
    report_html.render = render
    sys.exit(run.main(sys.argv[1:]))
""")


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGINT"])
def test_a_signal_while_writing_is_held_until_the_set_is_whole(tmp_path, sig):
    first = plain_corpus(tmp_path / "a", 1)
    assert run.main(only_ref(tmp_path, first)) == 0
    second = corpus(tmp_path / "b", {"c00": (PLAIN, "SERVED"), "only_b": (PLAIN, "SERVED")})
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", WRAPPER.format(root=str(ROOT), sig=sig),
                           *only_ref(tmp_path, second)], cwd=ROOT, env=env, capture_output=True,
                          timeout=60)
    err = proc.stderr.decode()
    assert proc.returncode == 130, err[-2000:]
    assert "Traceback" not in err and "the new report" in err
    out = tmp_path / "out"
    assert all(b"only_b" in (out / n).read_bytes() for n in CHECKED)    # every file is the new run's
    assert report.verify(out) == (True, report.verify(out)[1])


def test_an_interrupted_run_keeps_the_previous_report_and_says_so(tmp_path):
    first = plain_corpus(tmp_path / "a", 1)
    assert run.main(only_ref(tmp_path, first)) == 0
    out = tmp_path / "out"
    before = snapshot(out)
    slow = plain_corpus(tmp_path / "b", 40)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "harness.run",
                             *args(tmp_path, slow, "--server-cmd", fake("slow"))],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        time.sleep(1.5)                 # the servers are up and cells are being sent (0.2 s each)
        assert proc.poll() is None
        proc.send_signal(signal.SIGINT)
        rc = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    err = proc.stderr.read().decode()
    assert rc == 130 and "Traceback" not in err, err[-2000:]
    assert "still holds the previous report" in err
    assert snapshot(out) == before
