# mk/ossfuzz.mk: OSS-Fuzz and ClusterFuzzLite packaging, checked locally without Docker (issue 5).
#   make oss-fuzz-check            oss-fuzz/build.sh (and .clusterfuzzlite/build.sh) run with the
#                                  OSS-Fuzz environment for libfuzzer+address/undefined/memory and
#                                  afl+address, each $OUT checked as check_build does; ~3 min
#   make oss-fuzz-check-selftest   deliberately broken builds must fail that check; ~40 s
# OSS_FUZZ_CHECK_ARGS passes options, e.g. --configs afl-address --targets fuzz_decide
# --fuzz-seconds 10 (oss-fuzz/emulator/check.py --help; docs/oss-fuzz.md).
# Not part of `make test`: the whole check takes longer than the ~3 minutes allowed there;
# CI runs `make oss-fuzz-check oss-fuzz-check-selftest` as its own step.
OSS_FUZZ_CHECK_ARGS ?=

.PHONY: oss-fuzz-check oss-fuzz-check-selftest
oss-fuzz-check:
	$(PYTHON) oss-fuzz/emulator/check.py $(OSS_FUZZ_CHECK_ARGS)

oss-fuzz-check-selftest:
	$(PYTHON) oss-fuzz/emulator/check.py --selftest $(OSS_FUZZ_CHECK_ARGS)
