# Switchyard: the only build entry. Variables with ?= can be overridden on the command line.
#   make            build/refserver, build/sy-decide, build/libsy.a
#   make deps       apt-get what is missing (idempotent, no prompts)
#   make test       everything CI runs (C unit tests, pytest, fuzz replay, ...)
#   make test SAN=1 the same, built with ASan+UBSan
#   make bench      refserver vs nginx under the same wrk load
CC ?= cc
PYTHON ?= /usr/bin/python3
# llhttp: Debian's node-llhttp by default; LLHTTP_DIR=path points at an llhttp release checkout
# (src/*.c, include/llhttp.h), as OSS-Fuzz builds clone it.
LLHTTP_DIR ?=
ifeq ($(LLHTTP_DIR),)
LLHTTP_SRC ?= /usr/share/llhttp
LLHTTP_INC ?= /usr/share/include/llhttp
else
LLHTTP_SRC ?= $(LLHTTP_DIR)/src
LLHTTP_INC ?= $(LLHTTP_DIR)/include
endif

SAN ?=
CFLAGS ?= -O2 -g
ifeq ($(SAN),1)
BUILD ?= build/san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
else
BUILD ?= build
SANFLAGS :=
endif
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
SY_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(SANFLAGS) -I$(LLHTTP_INC) -Ireference_server
LLHTTP_CFLAGS := -std=c99 -w $(CFLAGS) $(SANFLAGS) -I$(LLHTTP_INC)
LDLIBS_CRYPTO := -lcrypto
# The sessions after an h2c or TLS switch (h2c.c, tls.c); empty with -DSY_NO_SESSIONS.
LDLIBS_SESSIONS ?= -lnghttp2 -lssl

# Quiet by default: one short line per product; V=1 prints every command line.
V ?= 0
ifeq ($(V),1)
Q :=
quiet = @:
else
Q := @
quiet = @printf '  %-8s %s\n' $(1) $(2)
endif

export ASAN_OPTIONS ?= detect_leaks=1:abort_on_error=1:halt_on_error=1
export UBSAN_OPTIONS ?= print_stacktrace=1:halt_on_error=1

CORE_SRCS := $(addprefix reference_server/,chars.c lists.c reasons.c syntax.c request.c policy.c decide.c handle.c render.c \
	wsaccept.c wsframe.c conn.c settings.c h2c.c tls.c)
CORE_OBJS := $(CORE_SRCS:reference_server/%.c=$(BUILD)/core/%.o)
# refserver, the program around the core (reference_server/server/server.h says which file does what).
REFSERVER_SRCS := $(addprefix reference_server/server/,main.c loop.c clients.c overload.c)
# The request mutator: libFuzzer's custom mutator, AFL++'s library (mk/fuzz.mk) and the diff-fuzz
# loop's build/libsyfuzz.so (mk/difffuzz.mk) are built from these same sources.
MUTATOR_SRCS := $(addprefix fuzzers/,mutator.c shape.c shape_ops.c grammar.c tokens.c)
LLHTTP_OBJS := $(BUILD)/llhttp/api.o $(BUILD)/llhttp/http.o $(BUILD)/llhttp/llhttp.o
LIBSY := $(BUILD)/libsy.a
HDRS := $(wildcard reference_server/*.h reference_server/server/*.h)

TESTS := test-unit test-py test-docs format-check
ifneq ($(SAN),1)
TESTS += test-san
endif
PROGRAMS := $(BUILD)/refserver $(BUILD)/sy-decide
# refserver's certificate for TLS upgrades (RFC 2817), made at build time: no key in the repository.
TLS_CERT := $(BUILD)/tls/cert.pem
TLS_KEY := $(BUILD)/tls/key.pem

.PHONY: all deps test clean bench test-unit test-py test-san test-docs docs check-llhttp format format-check
all: $(PROGRAMS) $(TLS_CERT)

$(TLS_CERT):
	@mkdir -p $(@D)
	$(call quiet,CERT,$@)
	$(Q)openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
	  -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1 \
	  -keyout $(TLS_KEY) -out $@ 2>/dev/null

check-llhttp:
	@test -f $(LLHTTP_SRC)/llhttp.c -a -f $(LLHTTP_INC)/llhttp.h || { \
	  echo "llhttp not found in $(LLHTTP_SRC) / $(LLHTTP_INC): run 'make deps' (Debian node-llhttp) or set LLHTTP_DIR" >&2; exit 1; }

$(BUILD)/llhttp/%.o: $(LLHTTP_SRC)/%.c | check-llhttp
	@mkdir -p $(@D)
	$(call quiet,CC,$@)
	$(Q)$(CC) $(LLHTTP_CFLAGS) -c $< -o $@

$(BUILD)/core/%.o: reference_server/%.c $(HDRS) | check-llhttp
	@mkdir -p $(@D)
	$(call quiet,CC,$@)
	$(Q)$(CC) $(SY_CFLAGS) -c $< -o $@

$(LIBSY): $(CORE_OBJS) $(LLHTTP_OBJS)
	$(call quiet,AR,$@)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(BUILD)/refserver: $(REFSERVER_SRCS:reference_server/%.c=$(BUILD)/core/%.o) $(LIBSY)
	$(call quiet,LD,$@)
	$(Q)$(CC) $(SY_CFLAGS) $^ $(LDLIBS_SESSIONS) $(LDLIBS_CRYPTO) -o $@

$(BUILD)/sy-decide: $(BUILD)/core/decide_cli.o $(LIBSY)
	$(call quiet,LD,$@)
	$(Q)$(CC) $(SY_CFLAGS) $^ $(LDLIBS_SESSIONS) $(LDLIBS_CRYPTO) -o $@

# ---- the corpus: harness/cases.py is its one reader ----
# What a product made from corpus/ depends on: the loader, every file it reads, and the
# directories, whose mtime changes when a file or a topic is added, removed or renamed (so a
# deleted case cannot survive in a stale product). The loader also reads the reasons table from
# the core through libsycore.so (harness/core.py, mk/harness.mk): each product names the one it
# loads.
CORPUS_INPUTS := harness/__init__.py harness/cases.py harness/core.py harness/wire.py harness/wsframe.py corpus \
	$(patsubst %/,%,$(wildcard corpus/*/)) $(wildcard corpus/*/*.http corpus/*/cases.toml)

# ---- C unit tests (cmocka) ----
UNIT_SRCS := $(wildcard reference_server/test/test_*.c)
UNIT_BINS := $(UNIT_SRCS:reference_server/test/%.c=$(BUILD)/test/%)
$(BUILD)/test/%: reference_server/test/%.c reference_server/test/testutil.h $(LIBSY)
	@mkdir -p $(@D)
	$(call quiet,LD,$@)
	$(Q)$(CC) $(SY_CFLAGS) -I$(BUILD)/test $< $(LIBSY) -lcmocka $(LDLIBS_SESSIONS) $(LDLIBS_CRYPTO) -o $@

# test_split.c's rows: every corpus case, from the loader.
$(BUILD)/test/corpus_rows.h: reference_server/test/corpus_rows.py $(CORPUS_INPUTS) $(BUILD)/libsycore.so
	$(call quiet,GEN,$@)
	$(Q)SY_BUILD=$(CURDIR)/$(BUILD) $(PYTHON) reference_server/test/corpus_rows.py --out $@
$(BUILD)/test/test_split: $(BUILD)/test/corpus_rows.h

test-unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; $$t; done

# ---- pytest over real sockets ----
PYTEST := $(PYTHON) -m pytest -q -p no:cacheprovider
# (libsycore.so: the corpus loader, harness/cases.py, reads the reasons table from the core)
test-py: $(PROGRAMS) $(TLS_CERT) $(BUILD)/libsycore.so
	SY_BUILD=$(CURDIR)/$(BUILD) $(PYTEST) reference_server/test

# The same unit tests and socket tests against an ASan+UBSan build (build/san).
test-san:
	$(MAKE) SAN=1 test-unit test-py

# README's decision table and flag list are generated (scripts/docs.py); the test keeps them true.
docs: $(PROGRAMS)
	$(PYTHON) scripts/docs.py --build $(BUILD) --write
test-docs: $(PROGRAMS)
	$(PYTHON) scripts/docs.py --build $(BUILD) --check

deps:
	bash scripts/deps.sh

# The house C style (.clang-format), applied once to every C file: `make format` rewrites,
# `make format-check` (part of `make test`) names the files that differ.
CLANG_FORMAT ?= clang-format-14
C_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
format:
	$(Q)$(CLANG_FORMAT) -style=file -i $(C_FILES)
format-check:
	@bad=$$(for f in $(C_FILES); do $(CLANG_FORMAT) -style=file "$$f" | cmp -s "$$f" - || echo "$$f"; done); \
	  if [ -n "$$bad" ]; then echo "not in the house style (make format): $$bad" >&2; exit 1; fi

bench: $(PROGRAMS)
	SY_BUILD=$(CURDIR)/$(BUILD) $(PYTHON) bench/refserver_vs_nginx.py

clean:
	rm -rf build

# Fragments for the fuzzers, the harness and OSS-Fuzz add their targets and append to TESTS.
-include $(sort $(wildcard mk/*.mk))

test: $(TESTS)
