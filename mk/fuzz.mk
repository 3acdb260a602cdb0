# mk/fuzz.mk: fuzz targets (fuzzers/), their builds, the replay and short runs of `make test`,
# campaigns and benchmarks (issue 3). How to use them: fuzzers/README.md.
#
#   make fuzz               libFuzzer + ASan + UBSan          -> build/fuzz-libfuzzer/<target>
#   make fuzz-msan          libFuzzer + MSan (crypto shim)    -> build/fuzz-msan/<target>
#   make fuzz-nosan         libFuzzer, no sanitizer (bench)   -> build/fuzz-nosan/<target>
#   make fuzz-afl           AFL++ persistent + ASan/UBSan, CMPLOG twins, refserver for --stdin,
#                           the mutator as an AFL++ library  -> build/fuzz-afl/, build/fuzz-afl-cmplog/
#   make fuzz-replay        engine-less main, any $(CC)       -> build/fuzz-replay/<target>
#   make fuzz-cov           clang source coverage + replay    -> build/fuzz-cov/<target>
#   make fuzz-seeds         corpus/ (harness/cases.py's load) -> build/fuzz-seeds/<target>/
#   make fuzzers [OUT=dir]  OSS-Fuzz entry: $(CC) $(CFLAGS), linked by $(CXX) $(CXXFLAGS)
#                           $(LIB_FUZZING_ENGINE) (replay main when unset) -> build/fuzz-oss/, $(OUT)
#   make test-fuzz          (part of `make test`) replay + a short libFuzzer run of every target
#   make fuzz-campaign TARGET=fuzz_decide ENGINE=libfuzzer|afl DURATION=300 [WORKERS=n]
#   make fuzz-campaign-selftest   campaigns (AFL++, libFuzzer) must find two planted bugs
#   make fuzz-coverage [TARGET=...]   llvm-cov HTML of the core over seeds + kept corpora
#   make fuzz-coverage-goal    from an empty corpus: seeds + one 5-minute campaign budget shared
#                           by the targets must reach 95 % of the core's lines, 90 % of branches
#   make bench-fuzz         exec/s against the bare llhttp target, and the coverage table
#   make fuzz-mutator-compare   custom mutator vs plain libFuzzer mutation (same seeds/budget)
#   make fuzz-bugbench      planted bugs (fuzzers/bugbench/) found by mutation: BUGBENCH_TRIALS x
#                           BUGBENCH_SECONDS per engine configuration, A12, report + plot
#   make fuzz-bugbench-verify   each planted bug's input fails on its mutant, passes on the product

FUZZ_ROOT ?= build
FUZZ_CLANG ?= clang-14
FUZZ_CLANGXX ?= clang++-14
FUZZ_REPLAY_CC ?= $(CC)
AFL_CC ?= afl-clang-fast
AFL_CXX ?= afl-clang-fast++
FUZZ_OPT ?= -O1 -g -fno-omit-frame-pointer
FUZZ_SANS := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CORPUS_DIR ?= $(FUZZ_ROOT)/fuzz-corpus
FUZZ_SEEDS := $(FUZZ_ROOT)/fuzz-seeds
FUZZ_TEST_SECONDS ?= 4

# The conformance targets; fuzz_llhttp and fuzz_core (fuzzers/bench/) are benchmark floors.
FUZZ_TARGETS := fuzz_decide fuzz_stream fuzz_render fuzz_lists fuzz_ws_key fuzz_ws_frames fuzz_policy \
	fuzz_h2settings
FUZZ_MUTATED := fuzz_decide fuzz_stream fuzz_render
FUZZ_BASELINE := fuzz_llhttp fuzz_core
# The llhttp response reader the oracles share with the harness (mk/harness.mk's libsyresp.so).
FUZZ_RESP_DIR := harness/respparse
# FUZZ_EXTRA_DEFS: -DSY_FUZZ_PLANTED for the campaign self-test's own build root only.
FUZZ_DEFS := -std=c11 -D_GNU_SOURCE -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION -Ireference_server \
	-Ifuzzers -I$(FUZZ_RESP_DIR) -I$(LLHTTP_INC) $(FUZZ_EXTRA_DEFS)
FUZZ_HDRS := $(HDRS) $(FUZZ_RESP_DIR)/response.h fuzzers/oracles.h fuzzers/oracle_rules.h fuzzers/grammar.h fuzzers/shape.h
# The oracles every target links: how a rule fails (oracles.c), the independent RFC readers
# (rfc_*.c) and the rules (rules_*.c).
FUZZ_ORACLE_SRCS := $(addprefix fuzzers/,oracles.c rfc_chars.c rfc_head.c rfc_lists.c rfc_keys.c \
	rfc_response.c rules_decision.c rules_response.c)
FUZZ_ORACLE_OBJS := $(notdir $(FUZZ_ORACLE_SRCS:.c=.o))
# MSan must see every write: Debian's libcrypto is not instrumented (false reports inside its
# config loading), so MSan builds link oss-fuzz/msan/crypto_shim.c (SHA-1 and base64 with
# OpenSSL's names, tested against libcrypto by its owner) compiled with the flavour's flags.
FUZZ_CRYPTO_SHIM := oss-fuzz/msan/crypto_shim.c
# The h2c and TLS sessions (reference_server/h2c.c, tls.c) call libnghttp2 and libssl, which MSan
# cannot see into either: MSan builds compile them out (-DSY_NO_SESSIONS: the 101 is sent, then
# the connection closes; switchyard.h) and link neither. Every other flavour links both.
FUZZ_NO_SESSIONS := -DSY_NO_SESSIONS
# Engine feedback where it helps: the mutator runs outside the target (no coverage at all); the
# oracles keep edge counters (a gradient towards inputs they judge) but no comparison tracing,
# which costs more than it finds there. Only where the flavour instruments (clang's fuzzer flags).
# $(1): object stem, $(2): the flavour's CFLAGS.
fuzz_cov_adj = $(if $(findstring fuzzer-no-link,$(2)),$(if $(filter $(basename $(notdir $(MUTATOR_SRCS))) replay_main,$(1)),\
	-fno-sanitize=fuzzer-no-link,$(if $(filter $(basename $(FUZZ_ORACLE_OBJS)) response,$(1)),-fno-sanitize-coverage=trace-cmp)))

# ---- flavours: each is a build as OSS-Fuzz hands one over: CC compiles with CFLAGS, CXX links
# with the same CFLAGS (OSS-Fuzz's own: CXXFLAGS), LIB_FUZZING_ENGINE (here ENGINE; empty: the
# replay driver, replay_main.c) and an output directory (DIR). What follows from those is the same
# for every flavour (fuzz_cflags, fuzz_ld, fuzz_engine_objs, fuzz_libs below). ----
fz_libfuzzer_DIR := $(FUZZ_ROOT)/fuzz-libfuzzer
fz_libfuzzer_CC = $(FUZZ_CLANG)
fz_libfuzzer_CXX = $(FUZZ_CLANGXX)
fz_libfuzzer_CFLAGS = $(FUZZ_OPT) $(FUZZ_SANS) -fsanitize=fuzzer-no-link
fz_libfuzzer_ENGINE = -fsanitize=fuzzer
fz_libfuzzer_TARGETS := $(FUZZ_TARGETS) $(FUZZ_BASELINE) $(FUZZ_MUTATED:%=%_plain)

fz_nosan_DIR := $(FUZZ_ROOT)/fuzz-nosan
fz_nosan_CC = $(FUZZ_CLANG)
fz_nosan_CXX = $(FUZZ_CLANGXX)
fz_nosan_CFLAGS = $(FUZZ_OPT) -fsanitize=fuzzer-no-link
fz_nosan_ENGINE = -fsanitize=fuzzer
fz_nosan_TARGETS := $(FUZZ_TARGETS) $(FUZZ_BASELINE) $(FUZZ_MUTATED:%=%_plain)

fz_msan_DIR := $(FUZZ_ROOT)/fuzz-msan
fz_msan_CC = $(FUZZ_CLANG)
fz_msan_CXX = $(FUZZ_CLANGXX)
fz_msan_CFLAGS = $(FUZZ_OPT) -fsanitize=memory -fsanitize-memory-track-origins -fsanitize=fuzzer-no-link
fz_msan_ENGINE = -fsanitize=fuzzer
fz_msan_TARGETS := $(FUZZ_TARGETS)

fz_replay_DIR := $(FUZZ_ROOT)/fuzz-replay
fz_replay_CC = $(FUZZ_REPLAY_CC)
fz_replay_CXX = $(FUZZ_REPLAY_CC)
fz_replay_CFLAGS = $(FUZZ_OPT) $(FUZZ_SANS)
fz_replay_ENGINE =
fz_replay_TARGETS := $(FUZZ_TARGETS)

fz_cov_DIR := $(FUZZ_ROOT)/fuzz-cov
fz_cov_CC = $(FUZZ_CLANG)
fz_cov_CXX = $(FUZZ_CLANG)
fz_cov_CFLAGS = -O1 -g -fprofile-instr-generate -fcoverage-mapping
fz_cov_ENGINE =
fz_cov_TARGETS := $(FUZZ_TARGETS) $(FUZZ_BASELINE)

# AFL++ 4.04c (Debian's afl++) is built against clang-14; -fsanitize=fuzzer links its driver
# (persistent mode, shared-memory input).
fz_afl_DIR := $(FUZZ_ROOT)/fuzz-afl
fz_afl_CC = AFL_QUIET=1 $(AFL_CC)
fz_afl_CXX = AFL_QUIET=1 $(AFL_CXX)
fz_afl_CFLAGS = -O2 -g $(FUZZ_SANS)
fz_afl_ENGINE = -fsanitize=fuzzer
fz_afl_TARGETS := $(FUZZ_TARGETS)

fz_aflcmplog_DIR := $(FUZZ_ROOT)/fuzz-afl-cmplog
fz_aflcmplog_CC = AFL_QUIET=1 AFL_LLVM_CMPLOG=1 $(AFL_CC)
fz_aflcmplog_CXX = AFL_QUIET=1 AFL_LLVM_CMPLOG=1 $(AFL_CXX)
fz_aflcmplog_CFLAGS = -O2 -g
fz_aflcmplog_ENGINE = -fsanitize=fuzzer
fz_aflcmplog_TARGETS := $(FUZZ_TARGETS)

# OSS-Fuzz: everything from the environment (CC CFLAGS CXX CXXFLAGS LIB_FUZZING_ENGINE OUT).
FUZZ_OSS_DIR ?= $(FUZZ_ROOT)/fuzz-oss
fz_oss_DIR := $(FUZZ_OSS_DIR)
fz_oss_CC = $(CC)
fz_oss_CXX = $(CXX)
fz_oss_CFLAGS = $(CFLAGS)
fz_oss_LDFLAGS = $(CXXFLAGS)
fz_oss_ENGINE = $(LIB_FUZZING_ENGINE)
fz_oss_TARGETS := $(FUZZ_TARGETS)

FUZZ_FLAVOURS := libfuzzer nosan msan replay cov afl aflcmplog oss

# What follows from a flavour's variables ($(1): the flavour). MSan (sanitize=memory in CFLAGS)
# compiles the sessions out and links neither libnghttp2 nor libssl; it links the crypto shim,
# compiled here, unless a libcrypto is given on the command line (oss-fuzz/build.sh passes an
# instrumented one, or the shim).
fuzz_msan_on = $(findstring sanitize=memory,$(fz_$(1)_CFLAGS))
fuzz_shim = $(if $(call fuzz_msan_on,$(1)),$(filter-out command line,$(origin LDLIBS_CRYPTO)))
fuzz_cflags = $(fz_$(1)_CFLAGS) $(if $(call fuzz_msan_on,$(1)),$(FUZZ_NO_SESSIONS))
fuzz_ld = $(fz_$(1)_CXX) $(if $(filter undefined,$(origin fz_$(1)_LDFLAGS)),$(fz_$(1)_CFLAGS),$(fz_$(1)_LDFLAGS))
fuzz_engine_objs = $(if $(fz_$(1)_ENGINE),,$(fz_$(1)_DIR)/fuzzers/replay_main.o) \
	$(if $(call fuzz_shim,$(1)),$(fz_$(1)_DIR)/crypto_shim.o)
fuzz_libs = $(if $(call fuzz_msan_on,$(1)),,$(LDLIBS_SESSIONS)) $(if $(call fuzz_shim,$(1)),,$(LDLIBS_CRYPTO))

# $(1): flavour. Objects of the core, llhttp, the response reader and fuzzers/ are compiled with
# the flavour's flags; -Werror applies to ours (WARN), llhttp gets -w. libsy-fuzz.a holds the
# core, llhttp and the response reader.
define FUZZ_FLAVOUR
$$(fz_$(1)_DIR)/core/%.o: reference_server/%.c $$(HDRS) | check-llhttp
	@mkdir -p $$(@D)
	$$(call quiet,CC,$$@)
	$$(Q)$$(fz_$(1)_CC) $$(FUZZ_DEFS) $$(WARN) $$(call fuzz_cflags,$(1)) -c $$< -o $$@
$$(fz_$(1)_DIR)/llhttp/%.o: $$(LLHTTP_SRC)/%.c | check-llhttp
	@mkdir -p $$(@D)
	$$(call quiet,CC,$$@)
	$$(Q)$$(fz_$(1)_CC) -std=c99 -w $$(call fuzz_cflags,$(1)) -I$$(LLHTTP_INC) -c $$< -o $$@
$$(fz_$(1)_DIR)/fuzzers/%.o: fuzzers/%.c $$(FUZZ_HDRS) | check-llhttp
	@mkdir -p $$(@D)
	$$(call quiet,CC,$$@)
	$$(Q)$$(fz_$(1)_CC) $$(FUZZ_DEFS) $$(WARN) $$(call fuzz_cflags,$(1)) $$(call fuzz_cov_adj,$$*,$$(fz_$(1)_CFLAGS)) -c $$< -o $$@
$$(fz_$(1)_DIR)/respparse/%.o: $$(FUZZ_RESP_DIR)/%.c $$(FUZZ_RESP_DIR)/response.h | check-llhttp
	@mkdir -p $$(@D)
	$$(call quiet,CC,$$@)
	$$(Q)$$(fz_$(1)_CC) $$(FUZZ_DEFS) $$(WARN) $$(call fuzz_cflags,$(1)) $$(call fuzz_cov_adj,$$*,$$(fz_$(1)_CFLAGS)) -c $$< -o $$@
$$(fz_$(1)_DIR)/crypto_shim.o: $$(FUZZ_CRYPTO_SHIM)
	@mkdir -p $$(@D)
	$$(call quiet,CC,$$@)
	$$(Q)$$(fz_$(1)_CC) -std=c11 -w $$(call fuzz_cflags,$(1)) -c $$< -o $$@
$$(fz_$(1)_DIR)/libsy-fuzz.a: $$(CORE_SRCS:reference_server/%.c=$$(fz_$(1)_DIR)/core/%.o) \
		$$(addprefix $$(fz_$(1)_DIR)/llhttp/,api.o http.o llhttp.o) $$(fz_$(1)_DIR)/respparse/response.o
	$$(call quiet,AR,$$@)
	$$(Q)rm -f $$@ && ar rcs $$@ $$^
fuzz-build-$(1): $$(addprefix $$(fz_$(1)_DIR)/,$$(fz_$(1)_TARGETS))
.PHONY: fuzz-build-$(1)
endef

# $(1): flavour, $(2): binary name, $(3): its objects (without the directory)
define FUZZ_LINK
$$(fz_$(1)_DIR)/$(2): $$(addprefix $$(fz_$(1)_DIR)/fuzzers/,$(3)) $$(fz_$(1)_DIR)/libsy-fuzz.a \
		$$(call fuzz_engine_objs,$(1))
	$$(call quiet,LD,$$@)
	$$(Q)$$(call fuzz_ld,$(1)) $$^ $$(fz_$(1)_ENGINE) $$(call fuzz_libs,$(1)) -o $$@
endef

# Every target links the mutator (MUTATOR_SRCS: the engines' entry points, the shape operators,
# requests from a grammar and token-level mutation), as oss-fuzz/build.sh does (it stands aside
# where the input is not a request); the floors in fuzzers/bench/ link no oracle and no mutator.
FUZZ_MUTATOR_OBJS := $(notdir $(MUTATOR_SRCS:.c=.o))
fuzz_objs = $(if $(filter $(1),$(FUZZ_BASELINE)),bench/$(1).o,$(1).o $(FUZZ_ORACLE_OBJS) $(FUZZ_MUTATOR_OBJS))

$(foreach f,$(FUZZ_FLAVOURS),$(eval $(call FUZZ_FLAVOUR,$(f))))
$(foreach f,$(FUZZ_FLAVOURS),$(foreach t,$(filter-out %_plain,$(fz_$(f)_TARGETS)),\
	$(eval $(call FUZZ_LINK,$(f),$(t),$(call fuzz_objs,$(t))))))
$(foreach f,libfuzzer nosan,$(foreach t,$(FUZZ_MUTATED),\
	$(eval $(call FUZZ_LINK,$(f),$(t)_plain,$(t).o $(FUZZ_ORACLE_OBJS)))))

# Timed twins for `make bench-fuzz`: the flavour's objects (instrumented as under libFuzzer) with
# replay_main.o's SY_REPLAY_SECONDS loop instead of libFuzzer's driver, so every target runs the
# very same inputs. libFuzzer's runtime without its main supplies the instrumentation hooks.
FUZZ_TIMED := $(FUZZ_BASELINE) $(FUZZ_MUTATED)
FUZZ_NO_MAIN_RT ?= $(shell $(FUZZ_CLANG) -print-resource-dir)/lib/linux/libclang_rt.fuzzer_no_main-$(shell uname -m).a
define FUZZ_TIMED_LINK
$$(fz_$(1)_DIR)/timed/$(2): $$(addprefix $$(fz_$(1)_DIR)/fuzzers/,$(3) replay_main.o) \
		$$(fz_$(1)_DIR)/libsy-fuzz.a
	@mkdir -p $$(@D)
	$$(call quiet,LD,$$@)
	$$(Q)$$(call fuzz_ld,$(1)) $$^ $$(FUZZ_NO_MAIN_RT) $$(call fuzz_libs,$(1)) -o $$@
endef
$(foreach f,libfuzzer nosan,$(foreach t,$(FUZZ_TIMED),\
	$(eval $(call FUZZ_TIMED_LINK,$(f),$(t),$(call fuzz_objs,$(t))))))
fuzz-build-timed: $(foreach f,libfuzzer nosan,$(addprefix $(fz_$(f)_DIR)/timed/,$(FUZZ_TIMED)))

# AFL++ extras: refserver over stdin, and the mutator as an AFL_CUSTOM_MUTATOR_LIBRARY.
$(fz_afl_DIR)/refserver: $(REFSERVER_SRCS:reference_server/%.c=$(fz_afl_DIR)/core/%.o) $(fz_afl_DIR)/libsy-fuzz.a
	$(call quiet,LD,$@)
	$(Q)$(call fuzz_ld,afl) $^ $(call fuzz_libs,afl) -o $@
$(fz_afl_DIR)/sy_mutator.so: $(MUTATOR_SRCS) $(FUZZ_HDRS)
	@mkdir -p $(@D)
	$(call quiet,LD,$@)
	$(Q)$(FUZZ_CLANG) $(FUZZ_DEFS) $(WARN) -O2 -g -fPIC -shared -DSY_AFL_MUTATOR $(filter %.c,$^) -o $@

# ---- seeds, built from the corpus as harness/cases.py loads it (CORPUS_INPUTS: Makefile) ----
# The loader reads the reasons table from the core, libsycore.so loaded into $(PYTHON) by ctypes:
# a host build of its own (mk/harness.mk's rule, run with BUILD=$(FUZZ_HOST_BUILD)), whatever CC
# and CFLAGS the fuzz build is given, since sanitizer- or AFL-instrumented code (OSS-Fuzz's
# `make fuzzers`) cannot be loaded into Python.
FUZZ_HOST_BUILD := $(FUZZ_ROOT)/fuzz-host
FUZZ_HOST_CC ?= $(firstword $(shell command -v cc gcc clang 2>/dev/null) cc)
FUZZ_HOST_LIB := $(FUZZ_HOST_BUILD)/libsycore.so
ifneq ($(BUILD),$(FUZZ_HOST_BUILD))
$(FUZZ_HOST_LIB): $(CORE_SRCS) $(HDRS) harness/corebind/facts.c harness/corebind/facts.h
	$(MAKE) --no-print-directory BUILD=$(FUZZ_HOST_BUILD) SAN= CC=$(FUZZ_HOST_CC) \
	  CFLAGS='-O2 -g' LDLIBS_CRYPTO=-lcrypto LDLIBS_SESSIONS='-lnghttp2 -lssl' $@
endif
$(FUZZ_SEEDS)/.stamp: fuzzers/seeds.py $(CORPUS_INPUTS) $(FUZZ_HOST_LIB)
	$(call quiet,GEN,$(FUZZ_SEEDS))
	$(Q)SY_BUILD=$(abspath $(FUZZ_HOST_BUILD)) $(PYTHON) fuzzers/seeds.py --corpus corpus --out $(FUZZ_SEEDS)
	@touch $@

.PHONY: fuzz fuzz-msan fuzz-nosan fuzz-afl fuzz-replay fuzz-cov fuzz-seeds fuzzers test-fuzz fuzz-build-timed \
	fuzz-campaign fuzz-coverage fuzz-coverage-goal bench-fuzz fuzz-mutator-compare fuzz-clean fuzz-campaign-selftest \
	fuzz-bugbench fuzz-bugbench-verify
fuzz-seeds: $(FUZZ_SEEDS)/.stamp
fuzz: fuzz-build-libfuzzer fuzz-seeds
fuzz-msan: fuzz-build-msan fuzz-seeds
fuzz-nosan: fuzz-build-nosan fuzz-seeds
fuzz-replay: fuzz-build-replay fuzz-seeds
fuzz-cov: fuzz-build-cov fuzz-seeds
fuzz-afl: fuzz-build-afl fuzz-build-aflcmplog $(fz_afl_DIR)/refserver $(fz_afl_DIR)/sy_mutator.so \
	fuzz-seeds

# OSS-Fuzz's build.sh: `make fuzzers OUT=$OUT` with its CC/CFLAGS/CXX/CXXFLAGS/LIB_FUZZING_ENGINE.
# Puts each target with its .dict, .options and <target>_seed_corpus.zip into $(OUT).
fuzzers: fuzz-build-oss fuzz-seeds
	@if [ -n "$(OUT)" ]; then \
	  set -e; mkdir -p "$(OUT)"; \
	  for t in $(FUZZ_TARGETS); do \
	    cp $(fz_oss_DIR)/$$t fuzzers/$$t.dict fuzzers/$$t.options "$(OUT)/"; \
	    rm -f "$(OUT)/$${t}_seed_corpus.zip"; \
	    (cd $(FUZZ_SEEDS)/$$t && zip -qj "$(abspath $(OUT))/$${t}_seed_corpus.zip" *); \
	  done; echo "fuzzers: $(FUZZ_TARGETS) -> $(OUT)"; \
	fi

# ---- make test: replay everything through every target, then a short run of each ----
# The corpus files replayed are the ones harness/cases.py loads (seeds.py lists them).
test-fuzz: $(addprefix $(fz_replay_DIR)/,$(FUZZ_TARGETS)) $(addprefix $(fz_libfuzzer_DIR)/,$(FUZZ_TARGETS)) \
		fuzz-seeds
	@set -e; test -s $(FUZZ_SEEDS)/corpus.list; for t in $(FUZZ_TARGETS); do \
	  regs=""; [ -d fuzzers/regressions/$$t ] && regs=fuzzers/regressions/$$t; \
	  $(fz_replay_DIR)/$$t $$(cat $(FUZZ_SEEDS)/corpus.list) $(FUZZ_SEEDS)/$$t $$regs; \
	done
	$(PYTHON) fuzzers/campaign.py smoke --seconds $(FUZZ_TEST_SECONDS) --build $(fz_libfuzzer_DIR) \
	  --seeds $(FUZZ_SEEDS) --work $(FUZZ_ROOT)/fuzz-smoke $(FUZZ_TARGETS)
	$(PYTHON) fuzzers/bugbench.py check --root $(FUZZ_ROOT)
	$(PYTHON) fuzzers/bugbench.py run --root $(FUZZ_ROOT) --bugs $(BUGBENCH_SMOKE) --trials 1 \
	  --seconds $(BUGBENCH_SMOKE_SECONDS) --configs libfuzzer-mut --require-found \
	  --out $(FUZZ_ROOT)/fuzz-bugbench-smoke
	$(PYTHON) -m pytest -q -p no:cacheprovider fuzzers/tests

TESTS += test-fuzz

# ---- the bug benchmark (issue 13): fuzzers/bugbench.py, fuzzers/bugbench/<id>.patch ----
# The full default run (17 bugs x 4 configurations x 5 trials x 60 s) took 1 h 13 min here with
# BUGBENCH_JOBS=2 (fuzzers/bugbench/README.md; the default is 1 at a time); BUGBENCH_BUGS (ids),
# BUGBENCH_TRIALS, BUGBENCH_SECONDS, BUGBENCH_CONFIGS and BUGBENCH_JOBS (trials at a time) make
# it shorter. make test runs one bug, one trial (BUGBENCH_SMOKE) and checks every patch applies.
BUGBENCH_TRIALS ?= 5
BUGBENCH_SECONDS ?= 60
BUGBENCH_CONFIGS ?= libfuzzer libfuzzer-mut afl-mut afl
BUGBENCH_BUGS ?=
BUGBENCH_JOBS ?= 1
BUGBENCH_SMOKE ?= 101-content-length
BUGBENCH_SMOKE_SECONDS ?= 10
fuzz-bugbench: fuzz fuzz-afl fuzz-replay
	$(PYTHON) fuzzers/bugbench.py run --root $(FUZZ_ROOT) --trials $(BUGBENCH_TRIALS) \
	  --seconds $(BUGBENCH_SECONDS) --configs $(BUGBENCH_CONFIGS) --jobs $(BUGBENCH_JOBS) \
	  $(if $(BUGBENCH_BUGS),--bugs $(BUGBENCH_BUGS))
fuzz-bugbench-verify: fuzz-build-replay
	$(PYTHON) fuzzers/bugbench.py verify --root $(FUZZ_ROOT) $(if $(BUGBENCH_BUGS),--bugs $(BUGBENCH_BUGS))

# ---- campaigns, coverage, benchmarks ----
TARGET ?= fuzz_decide
ENGINE ?= libfuzzer
DURATION ?= 300
WORKERS ?=
CAMPAIGN_ARGS ?=
fuzz-campaign: $(if $(filter afl,$(ENGINE)),fuzz-afl,fuzz) fuzz-replay fuzz-cov
	$(PYTHON) fuzzers/campaign.py run --target $(TARGET) --engine $(ENGINE) --duration $(DURATION) \
	  $(if $(WORKERS),--workers $(WORKERS)) --root $(FUZZ_ROOT) --corpus-dir $(FUZZ_CORPUS_DIR) \
	  $(CAMPAIGN_ARGS)

fuzz-coverage: fuzz-cov
	$(PYTHON) fuzzers/campaign.py coverage --root $(FUZZ_ROOT) --corpus-dir $(FUZZ_CORPUS_DIR) \
	  $(if $(filter command line,$(origin TARGET)),--target $(TARGET))

# Issue 3's coverage goal, reproducible from scratch: an empty corpus directory, the seeds, and
# COVGOAL_PLAN's campaigns (target:seconds, every core each, 300 s in all), then the coverage of
# the core over seeds + regressions + what those campaigns kept. Fails below the goals.
COVGOAL_ROOT := $(FUZZ_ROOT)/fuzz-coverage-goal
COVGOAL_PLAN ?= fuzz_stream:120 fuzz_decide:60 fuzz_render:30 fuzz_ws_frames:30 fuzz_lists:20 \
	fuzz_ws_key:20 fuzz_policy:20 fuzz_h2settings:20
COVGOAL_LINES ?= 95
COVGOAL_BRANCHES ?= 90
covgoal_target = $(word 1,$(subst :, ,$(1)))
covgoal_seconds = $(word 2,$(subst :, ,$(1)))
fuzz-coverage-goal: fuzz fuzz-replay fuzz-cov fuzz-seeds
	@rm -rf $(COVGOAL_ROOT) && mkdir -p $(COVGOAL_ROOT)/logs
	@$(foreach p,$(COVGOAL_PLAN),echo "fuzz-coverage-goal: $(p) s, log $(COVGOAL_ROOT)/logs/$(call covgoal_target,$(p)).log" && \
	  $(PYTHON) fuzzers/campaign.py run --target $(call covgoal_target,$(p)) \
	  --duration $(call covgoal_seconds,$(p)) --root $(FUZZ_ROOT) --corpus-dir $(COVGOAL_ROOT)/corpus \
	  --out $(COVGOAL_ROOT)/campaigns/$(call covgoal_target,$(p)) --no-coverage \
	  >$(COVGOAL_ROOT)/logs/$(call covgoal_target,$(p)).log 2>&1 &&) true
	@grep -H "^## Findings" $(COVGOAL_ROOT)/campaigns/*/summary.md
	$(PYTHON) fuzzers/campaign.py coverage --root $(FUZZ_ROOT) --corpus-dir $(COVGOAL_ROOT)/corpus \
	  --out $(COVGOAL_ROOT) --min-lines $(COVGOAL_LINES) --min-branches $(COVGOAL_BRANCHES)

# Planted bugs a campaign must find, deduplicate, minimise and reproduce, with each engine
# (fuzzers/campaign_selftest.py). Its own build root; ~2 min of builds + 2 x SELFTEST_SECONDS.
SELFTEST_ROOT := $(FUZZ_ROOT)/fuzz-selftest
SELFTEST_SECONDS ?= 90
fuzz-campaign-selftest:
	$(MAKE) fuzz-afl fuzz fuzz-replay FUZZ_ROOT=$(SELFTEST_ROOT) FUZZ_EXTRA_DEFS=-DSY_FUZZ_PLANTED
	$(PYTHON) fuzzers/campaign_selftest.py --root $(SELFTEST_ROOT) --duration $(SELFTEST_SECONDS)

BENCH_SECONDS ?= 10
BENCH_RUNS ?= 3
bench-fuzz: fuzz-build-libfuzzer fuzz-build-nosan fuzz-build-timed fuzz-cov fuzz-seeds
	$(PYTHON) fuzzers/bench.py exec --seconds $(BENCH_SECONDS) --runs $(BENCH_RUNS) --root $(FUZZ_ROOT) \
	  --corpus-dir $(FUZZ_CORPUS_DIR)
	$(PYTHON) fuzzers/campaign.py coverage --root $(FUZZ_ROOT) --corpus-dir $(FUZZ_CORPUS_DIR)

COMPARE_SECONDS ?= 60
COMPARE_RUNS ?= 3
fuzz-mutator-compare: fuzz-build-libfuzzer fuzz-cov fuzz-seeds
	$(PYTHON) fuzzers/bench.py mutators --seconds $(COMPARE_SECONDS) --runs $(COMPARE_RUNS) \
	  --root $(FUZZ_ROOT) $(if $(filter command line,$(origin TARGET)),--target $(TARGET))

fuzz-clean:
	rm -rf $(addprefix $(FUZZ_ROOT)/,fuzz-libfuzzer fuzz-nosan fuzz-msan fuzz-replay fuzz-cov \
	  fuzz-afl fuzz-afl-cmplog fuzz-oss fuzz-seeds fuzz-smoke fuzz-host fuzz-bugbench-smoke)
