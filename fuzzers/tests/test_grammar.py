# SPDX-License-Identifier: MIT
"""grammar.c and tokens.c (issue 13), judged by the reference core itself: generated requests
reach the states they aim at, the batch call is deterministic, token mutation changes inputs and
stays inside its buffer (ASan), and fuzz_decide with no seed at all reaches a 101.
Run by `make test-fuzz` (it builds the replay and libFuzzer flavours first), about 10 s."""
import json
import subprocess
import sys

import pytest

import campaign

BUILD = campaign.ROOT / "build"
REPLAY = BUILD / "fuzz-replay"


@pytest.fixture(scope="module")
def check(tmp_path_factory):
    if not (REPLAY / "libsy-fuzz.a").exists():
        pytest.skip("run `make fuzz-replay` first (make test-fuzz does)")
    out = tmp_path_factory.mktemp("grammar") / "grammar_check"
    f = campaign.FUZZERS
    subprocess.run(["cc", "-std=c11", "-D_GNU_SOURCE", "-I", str(campaign.ROOT / "reference_server"),
                    "-I", str(f), "-I", "/usr/share/include/llhttp", "-Wall", "-Wextra", "-Werror",
                    "-O1", "-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=undefined",
                    str(f / "tests" / "grammar_check.c"), str(f / "grammar.c"), str(f / "tokens.c"),
                    str(REPLAY / "fuzzers" / "oracles.o"), str(REPLAY / "libsy-fuzz.a"),
                    "-lnghttp2", "-lssl", "-lcrypto",
                    "-o", str(out)], check=True, timeout=120)
    return out


def run(binary, *args):
    p = subprocess.run([str(binary)] + [str(x) for x in args], capture_output=True, timeout=120,
                       env=campaign.env_with())
    assert p.returncode == 0, p.stderr.decode(errors="replace")[-3000:]
    return p.stdout


def test_valid_offers_get_what_the_rfcs_give_them(check):
    got = json.loads(run(check, "batch", 7, 1600))
    assert got["generated"] == 1600
    # every fully valid WebSocket offer on /live is switched (RFC 6455 §4.2.2)
    assert got["websocket/valid"] == {"101": 100}
    for kind in ("h2c", "tls", "plain"):
        seen = got[f"{kind}/valid"]
        assert "400" not in seen and "0" not in seen, (kind, seen)
        # the grammar's targets are /, /live and the like, where h2c is never switched to (issue
        # 16: only routes that opt in); a valid TLS offer in OPTIONS * is RFC 2817 §3.2's
        # mandatory upgrade, switched since the default policy has a tls route
        assert kind == "tls" or "101" not in seen, (kind, seen)
    # the near-valid ones reach the refusals: malformed, version/handshake 426, and still 101s
    near = got["websocket/near"]
    assert {"101", "400", "426"} <= set(near) and len(near) >= 5, near


def test_batch_is_deterministic(check):
    assert run(check, "dump", 3, 64) == run(check, "dump", 3, 64)
    assert run(check, "dump", 3, 64) != run(check, "dump", 4, 64)


def test_token_mutation_changes_inputs_within_their_buffer(check):
    # buffers 1..64 bytes larger than the input: ASan stops the run on a write past one
    got = json.loads(run(check, "tokens", 11, 3000))
    assert got["changed"] > 0.6 * got["calls"], got
    after = got["after_one"]
    # equivalent rewrites (OWS, case, a list split over lines) keep the 101; others do not
    assert after.get("101", 0) > 0.3 * 3000 and after.get("400", 0) > 0.03 * 3000, after


def test_fuzz_decide_reaches_101_from_no_seed_at_all():
    binary = BUILD / "fuzz-libfuzzer" / "fuzz_decide"
    if not binary.exists() or not (BUILD / "sy-decide").exists():
        pytest.skip("run `make fuzz` and `make` first (make test does)")
    p = subprocess.run([sys.executable, str(campaign.FUZZERS / "seedless.py"), "--root", str(BUILD),
                        "--binaries", "fuzz_decide", "--seconds", "2", "--runs", "1"],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
