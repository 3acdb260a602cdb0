/* SPDX-License-Identifier: MIT */
/* fuzz_decide.c: bytes -> sy_request_parse -> sy_decide -> sy_render, with every decision oracle
 * after every input (oracles.c) and determinism. Prefix stability and split delivery are
 * fuzz_stream's (it feeds the same bytes one by one through the connection machine). */
#include <stdlib.h>
#include <string.h>

#include "oracles.h"

const int sy_fuzz_request_shaped = 1; /* mutator.c: mutate as HTTP requests */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static uint8_t resp[SY_MAX_RESPONSE_BYTES], resp2[SY_MAX_RESPONSE_BYTES];
  const struct sy_policy *pol = oc_policy();
  struct sy_request req, req2;
  struct sy_decision d, d2;
  uint8_t *copy;
  size_t n, n2;
  int rc, rc2;

  if (size > 0x7fffffff)
    return 0;
  rc = sy_handle(pol, (const char *)data, size, &req, &d);
  OC_CHECK(rc >= 0 && (size_t)rc <= size, "parse-return", "switchyard.h sy_request_parse",
           "returned %d for %zu bytes", rc, size);
  if (rc == SY_INCOMPLETE) {
    OC_CHECK(size < SY_MAX_HEAD_BYTES + SY_MAX_BODY_BYTES + 16 * 1024, "parse-bounded",
             "RFC 6585 §5", "%zu bytes and still incomplete", size);
    return 0;
  }
  oc_check_decision(pol, &req, &d, data, size);
  n = oc_render_checked(&d, resp);

  /* Identical input, identical decision: a copy at another address (no pointer leaks into the
   * decision, no hidden state). */
  copy = malloc(size);
  memcpy(copy, data, size);
  rc2 = sy_handle(pol, (const char *)copy, size, &req2, &d2);
  OC_CHECK(rc2 == rc && oc_decision_equal(&d, &d2), "deterministic", "house style §8.9",
           "same bytes, different decision: %d %s vs %d %s", d.status, sy_reason_name(d.reason),
           d2.status, sy_reason_name(d2.reason));
  n2 = (size_t)sy_render(&d2, (char *)resp2, sizeof resp2);
  OC_CHECK(n2 == n && memcmp(resp, resp2, n) == 0, "deterministic", "house style §8.9",
           "same decision, different bytes");
  free(copy);
  return 0;
}
