# mk/harness.mk: the differential driver (harness/) and the conformance reports (issue 4).
#   make report              deps, build, every server x every case -> reports/ (5 outputs)
#   make report-gate         the same, then fail only on MUST failures new against harness/baseline.json
#   make report-baseline     run, and rewrite harness/baseline.json from this run's MUST failures
#   make report-one SERVER=nginx-426 [CASE=websocket/valid_handshake]
#   make test-harness        pytest for harness/ (no network beyond loopback; part of `make test`)
# libsyresp.so and libsycore.so are built without sanitizers: they are loaded into
# /usr/bin/python3 by ctypes. libsycore.so is the reference core itself (CORE_SRCS + llhttp,
# -fPIC) with harness/corebind/facts.c, the one call harness/core.py makes per request.
RESP_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) -fPIC -I$(LLHTTP_INC) -Iharness/respparse
RESP_LLHTTP_OBJS := $(BUILD)/harness/llhttp/api.o $(BUILD)/harness/llhttp/http.o \
	$(BUILD)/harness/llhttp/llhttp.o
LIBSYRESP := $(BUILD)/libsyresp.so
CORE_PIC_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) -fPIC -I$(LLHTTP_INC) -Ireference_server
CORE_PIC_OBJS := $(CORE_SRCS:reference_server/%.c=$(BUILD)/harness/core/%.o) $(BUILD)/harness/core/facts.o
LIBSYCORE := $(BUILD)/libsycore.so
HARNESS_LIBS := $(LIBSYRESP) $(LIBSYCORE)
HARNESS_ENV := SY_BUILD=$(CURDIR)/$(BUILD)
REPORT_ARGS ?=
BASELINE ?= harness/baseline.json

$(BUILD)/harness/llhttp/%.o: $(LLHTTP_SRC)/%.c | check-llhttp
	@mkdir -p $(@D)
	$(call quiet,CC,$@)
	$(Q)$(CC) -std=c99 -w $(CFLAGS) -fPIC -I$(LLHTTP_INC) -c $< -o $@

$(BUILD)/harness/response.o: harness/respparse/response.c harness/respparse/response.h | check-llhttp
	@mkdir -p $(@D)
	$(call quiet,CC,$@)
	$(Q)$(CC) $(RESP_CFLAGS) -c $< -o $@

$(LIBSYRESP): $(BUILD)/harness/response.o $(RESP_LLHTTP_OBJS)
	$(call quiet,LD,$@)
	$(Q)$(CC) -shared -o $@ $^

$(BUILD)/harness/core/%.o: reference_server/%.c $(HDRS) | check-llhttp
	@mkdir -p $(@D)
	$(call quiet,CC,$@)
	$(Q)$(CC) $(CORE_PIC_CFLAGS) -c $< -o $@

$(BUILD)/harness/core/facts.o: harness/corebind/facts.c harness/corebind/facts.h $(HDRS) | check-llhttp
	@mkdir -p $(@D)
	$(call quiet,CC,$@)
	$(Q)$(CC) $(CORE_PIC_CFLAGS) -Iharness/corebind -c $< -o $@

$(LIBSYCORE): $(CORE_PIC_OBJS) $(RESP_LLHTTP_OBJS)
	$(call quiet,LD,$@)
	$(Q)$(CC) -shared -o $@ $^ $(LDLIBS_SESSIONS) $(LDLIBS_CRYPTO)

.PHONY: report report-gate report-baseline report-one report-deps test-harness
report-deps:
	@bash scripts/deps.sh

report: report-deps
	$(MAKE) --no-print-directory all $(HARNESS_LIBS)
	$(HARNESS_ENV) $(PYTHON) -m harness.run --out reports $(REPORT_ARGS)

report-gate: report-deps
	$(MAKE) --no-print-directory all $(HARNESS_LIBS)
	$(HARNESS_ENV) $(PYTHON) -m harness.run --out reports --confirm --baseline $(BASELINE) $(REPORT_ARGS)

report-baseline: report-deps
	$(MAKE) --no-print-directory all $(HARNESS_LIBS)
	$(HARNESS_ENV) $(PYTHON) -m harness.run --out reports --confirm --write-baseline $(BASELINE) $(REPORT_ARGS)

report-one: $(PROGRAMS) $(HARNESS_LIBS)
	$(HARNESS_ENV) $(PYTHON) -m harness.run --out reports/one --server $(SERVER) $(if $(CASE),--case $(CASE)) $(REPORT_ARGS)

# the socket tests (test-py, Makefile) read responses with harness/response.py, as the driver does
test-py: $(LIBSYRESP)

test-harness: $(PROGRAMS) $(HARNESS_LIBS)
	$(HARNESS_ENV) $(PYTEST) harness/tests

TESTS += test-harness
