# SPDX-License-Identifier: MIT
"""campaign.py's finding ids: what deduplication rests on (run by `make test-fuzz`)."""
import subprocess

import campaign

ASAN = """=================================================================
==27437==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x602000000019 at pc 0x55aa
WRITE of size 1 at 0x602000000019 thread T0
    #0 0x55aab11b62e0 in planted_overflow fuzzers/fuzz_decide.c:30
    #1 0x55aab11b6400 in planted fuzzers/fuzz_decide.c:37
    #2 0x55aab11b6500 in LLVMFuzzerTestOneInput fuzzers/fuzz_decide.c:60
    #3 0x55aab11b6600 in main fuzzers/replay_main.c:90
    #4 0x7f0000000000 in __libc_start_main ../csu/libc-start.c:392
    #5 0x55aab11b6700 in _start (build/fuzz-replay/fuzz_decide+0x1234)

0x602000000019 is located 1 bytes to the right of 8-byte region [0x602000000010,0x602000000018)
allocated by thread T0 here:
    #0 0x7f0000001000 in malloc ../../../../src/libsanitizer/asan/asan_malloc_linux.cpp:69
    #1 0x55aab11b62c0 in planted_overflow fuzzers/fuzz_decide.c:29
    #2 0x55aab11b6400 in planted fuzzers/fuzz_decide.c:37

SUMMARY: AddressSanitizer: heap-buffer-overflow fuzzers/fuzz_decide.c:30 in planted_overflow
"""


def test_a_crash_is_named_by_its_own_stack_not_the_allocation_stack():
    # the allocation stack after the blank line once made this "planted_overflow|planted|
    # planted_overflow", and _start made another id for the same bug
    assert campaign.signature(ASAN, 1) == "crash:heap-buffer-overflow:planted_overflow|planted"


def test_an_oracle_violation_is_named_by_its_rule_whatever_the_stack():
    out = ('SY-ORACLE rule=version-426-names-13 rfc="RFC 6455 §4.4": version mismatch answered '
           '426 without Sec-WebSocket-Version: 13\n==1== ERROR: libFuzzer: deadly signal\n' + ASAN)
    assert campaign.signature(out, 1) == "oracle:version-426-names-13"


def test_ubsan_and_unknown_exits():
    ub = "fuzzers/x.c:3:5: runtime error: signed integer overflow\n    #0 0x1 in f fuzzers/x.c:3\n"
    assert campaign.signature(ub, 1) == "crash:ubsan:f"
    assert campaign.signature("", 3) == "crash:exit-3:?"


def test_reproducer_falls_back_to_the_engine_build(tmp_path):
    # the replay build exits 0 on the input, the engine's build finds it: the finding is kept and
    # its repro command names the build that reproduced it
    root = tmp_path
    for flavour, body in (("fuzz-replay", "exit 0"),
                          ("fuzz-libfuzzer", 'echo "SY-ORACLE rule=r rfc=\\"RFC 1\\": m" >&2; exit 1')):
        (root / flavour).mkdir()
        b = root / flavour / "fuzz_decide"
        b.write_text(f"#!/bin/sh\n{body}\n")
        b.chmod(0o755)
    inp = root / "input"
    inp.write_bytes(b"x")
    rep = campaign.Reproducer(root, "fuzz_decide", engine="libfuzzer")
    assert rep.run(inp)[0] == "oracle:r"
    assert rep.command(inp) == f"{root / 'fuzz-libfuzzer' / 'fuzz_decide'} {inp}"
    (root / "fuzz-libfuzzer" / "fuzz_decide").write_text("#!/bin/sh\nexit 0\n")
    assert rep.run(inp)[0] is None
    assert rep.command(inp) == f"{root / 'fuzz-replay' / 'fuzz_decide'} {inp}"


TINY_TARGET = r"""
#include <stdint.h>
#include <stdlib.h>
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
  if (n && d[0] == 'X')
    abort(); /* an oracle's abort */
  return 0;
}
"""


def test_coverage_replay_resumes_after_an_input_that_stops_it(tmp_path):
    # a coverage build of replay_main.c: an abort on the second of three inputs keeps the profile
    # of what ran, and the replay resumes after it, so all three inputs count
    src = tmp_path / "tiny.c"
    src.write_text(TINY_TARGET)
    binary = tmp_path / "tiny"
    subprocess.run(["clang-14", "-O0", "-fprofile-instr-generate", "-fcoverage-mapping",
                    "-I", str(campaign.ROOT / "reference_server"), "-I", str(campaign.FUZZERS),
                    str(src), str(campaign.FUZZERS / "replay_main.c"),
                    "-o", str(binary)], check=True, timeout=120)
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    for name, data in (("a", b"ok"), ("b", b"X stops"), ("c", b"ok too"), ("d", b"X again")):
        (inputs / name).write_bytes(data)
    prof = tmp_path / "prof"
    prof.mkdir()
    stopped = campaign.replay_for_coverage(binary, [str(inputs)], prof / "t.%p.profraw")
    assert stopped == [f"{inputs}/b", f"{inputs}/d"]
    raws = sorted(str(p) for p in prof.glob("*.profraw"))
    assert len(raws) == 3  # two aborted runs wrote their profile, then the run that finished
    merged = tmp_path / "merged.profdata"
    subprocess.run([campaign.LLVM_PROFDATA, "merge", "-o", str(merged)] + raws, check=True)
    show = subprocess.run([campaign.LLVM_PROFDATA, "show", "--function=LLVMFuzzerTestOneInput",
                           str(merged)], capture_output=True, text=True, check=True).stdout
    assert "Function count: 4" in show  # every input ran once, the stopping ones included
