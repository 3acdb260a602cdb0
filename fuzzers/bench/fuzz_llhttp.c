/* SPDX-License-Identifier: MIT */
/* fuzz_llhttp.c: the bare llhttp request parse with no-op callbacks. Not a conformance target:
 * it is the floor `make bench-fuzz` measures every request target against (fuzzing-toolchain
 * notes §3, target "b"). */
#include "llhttp.h"
#include "oracles.h"

static int noop_data(llhttp_t *p, const char *at, size_t n)
{
  (void)p;
  (void)at;
  (void)n;
  return 0;
}

static int noop(llhttp_t *p)
{
  (void)p;
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static llhttp_settings_t s;
  static int init;
  llhttp_t parser;
  if (!init) {
    llhttp_settings_init(&s);
    s.on_message_begin = noop;
    s.on_url = noop_data;
    s.on_header_field = noop_data;
    s.on_header_value = noop_data;
    s.on_headers_complete = noop;
    s.on_body = noop_data;
    s.on_message_complete = noop;
    init = 1;
  }
  llhttp_init(&parser, HTTP_REQUEST, &s);
  (void)llhttp_execute(&parser, (const char *)data, size);
  return 0;
}
