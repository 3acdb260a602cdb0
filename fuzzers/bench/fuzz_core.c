/* SPDX-License-Identifier: MIT */
/* fuzz_core.c: the core's own path with no oracle: bytes -> sy_handle -> sy_render. Not a
 * conformance target (no rule is checked): `make bench-fuzz` uses it to split a request target's
 * cost into llhttp (fuzz_llhttp), the core (this) and the oracles (fuzz_decide). */
#include <stddef.h>
#include <stdint.h>

#include "switchyard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static struct sy_policy pol;
  static char out[SY_MAX_RESPONSE_BYTES];
  struct sy_request req;
  struct sy_decision d;
  if (pol.n_routes == 0)
    sy_policy_default(&pol);
  if (size <= 0x7fffffff && sy_handle(&pol, (const char *)data, size, &req, &d) > 0)
    (void)sy_render(&d, out, sizeof out);
  return 0;
}
