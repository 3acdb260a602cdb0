# mk/difffuzz.mk: differential fuzzing of live servers (issue 14, docs/difffuzz.md).
#   make diff-fuzz [DURATION=300] [SERVERS="nginx-426 h2o"] [SEED=1] [SHARD=1/1] [DIFF_FUZZ_OUT=...]
#       corpus seeds + mutations -> every selected server and the reference core (in-process);
#       findings, minimised and re-run, in $(DIFF_FUZZ_OUT) (summary.md, summary.json,
#       findings.html); Ctrl-C stops every server and leaves the directory consistent
#   make diff-fuzz-bench [BENCH_SECONDS=60]   exchanges/s of the loop, then `make report`'s cells/s
# build/libsyfuzz.so is the request mutator of the libFuzzer and AFL++ builds (MUTATOR_SRCS:
# the same sources, -DSY_AFL_MUTATOR for its API) with upgrade_ops.c, loaded
# by harness/difffuzz/gen.py through ctypes; built without sanitizers like libsycore.so.
LIBSYFUZZ := $(BUILD)/libsyfuzz.so
DIFFFUZZ_SRCS := $(MUTATOR_SRCS) fuzzers/upgrade_ops.c
DURATION ?= 300
SEED ?= 1
SHARD ?= 1/1
SERVERS ?=
BENCH_SECONDS ?= 60
DIFF_FUZZ_OUT ?= reports/difffuzz
DIFF_FUZZ_ARGS ?=

$(LIBSYFUZZ): $(DIFFFUZZ_SRCS) fuzzers/grammar.h fuzzers/shape.h fuzzers/oracles.h fuzzers/oracle_rules.h \
		fuzzers/upgrade_ops.h $(HDRS)
	@mkdir -p $(@D)
	$(call quiet,LD,$@)
	$(Q)$(CC) -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) -fPIC -shared -DSY_AFL_MUTATOR \
	  -Ireference_server -Ifuzzers $(DIFFFUZZ_SRCS) -o $@

.PHONY: diff-fuzz diff-fuzz-bench
diff-fuzz: report-deps
	$(MAKE) --no-print-directory all $(HARNESS_LIBS) $(LIBSYFUZZ)
	$(HARNESS_ENV) $(PYTHON) -m harness.difffuzz run --duration $(DURATION) --seed $(SEED) \
	  --shard $(SHARD) --out $(DIFF_FUZZ_OUT) $(foreach s,$(SERVERS),--server $(s)) \
	  $(if $(KNOWN),--known $(KNOWN)) $(DIFF_FUZZ_ARGS)

diff-fuzz-bench: report-deps
	$(MAKE) --no-print-directory all $(HARNESS_LIBS) $(LIBSYFUZZ)
	$(HARNESS_ENV) $(PYTHON) -m harness.difffuzz bench --seconds $(BENCH_SECONDS) \
	  --out $(DIFF_FUZZ_OUT)-bench $(foreach s,$(SERVERS),--server $(s))

# the harness tests load the mutator library (harness/tests/test_difffuzz*.py)
test-harness: $(LIBSYFUZZ)
