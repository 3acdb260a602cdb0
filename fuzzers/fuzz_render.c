/* SPDX-License-Identifier: MIT */
/* fuzz_render.c: every decision the core can make renders to bytes that llhttp, in response
 * mode, parses back to the same status and fields (oc_render_checked). Decisions come from the
 * input parsed under three policies (default; ws-method-status 400; every route WebSocket) and
 * from sy_decide_reject (conn.c's timeouts and limits) for an error reason picked by the input's
 * hash; LLVMFuzzerInitialize renders every error row of the reason table once, so a replay
 * covers the whole table (success rows come from sy_decide). */
#include <string.h>

#include "oracles.h"

const int sy_fuzz_request_shaped = 1; /* mutator.c: mutate as HTTP requests */

static struct sy_policy pols[3];

/* Reasons sy_decide_reject can carry: errors; a 426 needs the Upgrade fields only sy_decide adds. */
static int rejectable(enum sy_reason r)
{
  return sy_reason_status(r) >= 400 && sy_reason_status(r) != 426;
}

static void check_all_reasons(void)
{
  static uint8_t out[SY_MAX_RESPONSE_BYTES];
  for (int r = SY_R_NONE + 1; r < SY_R__COUNT; r++)
    for (int head = 0; head < 2 && rejectable((enum sy_reason)r); head++) {
      struct sy_decision d;
      sy_decide_reject(&d, (enum sy_reason)r);
      d.head_only = head;
      oc_check_decision(&pols[0], &(struct sy_request){0}, &d, NULL, 0);
      (void)oc_render_checked(&d, out);
    }
}

/* switchyard.h §errors: misuse is a negative SY_E*, never a crash or bytes. */
static void check_misuse(void)
{
  static char out[SY_MAX_RESPONSE_BYTES];
  struct sy_decision d;
  sy_decide_reject(&d, SY_R_BAD_SYNTAX);
  OC_CHECK(sy_render(NULL, out, sizeof out) == SY_EINVAL && sy_render(&d, NULL, 64) == SY_EINVAL,
           "render-misuse", "switchyard.h sy_render", "NULL arguments not refused");
  d.status = 99;
  OC_CHECK(sy_render(&d, out, sizeof out) == SY_EINVAL, "render-misuse", "switchyard.h sy_render",
           "status 99 rendered");
  d.status = 1000;
  OC_CHECK(sy_render(&d, out, sizeof out) == SY_EINVAL, "render-misuse", "switchyard.h sy_render",
           "status 1000 rendered");
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  (void)argc;
  (void)argv;
  check_misuse();
  sy_policy_default(&pols[0]);
  sy_policy_default(&pols[1]);
  pols[1].ws_method_status = 400;
  sy_policy_default(&pols[2]);
  (void)sy_policy_add_route(&pols[2], "/", SY_ROUTE_WEBSOCKET);
  (void)sy_policy_add_route(&pols[2], "/live", SY_ROUTE_PLAIN);
  (void)sy_policy_add_route(&pols[2], "*", SY_ROUTE_WEBSOCKET); /* refused: not a path */
  check_all_reasons();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static uint8_t out[SY_MAX_RESPONSE_BYTES];
  struct sy_request req;
  struct sy_decision d;
  uint64_t h = oc_hash(data, size);

  if (size > 0x7fffffff)
    return 0;
  if (pols[0].n_routes == 0)
    LLVMFuzzerInitialize(NULL, NULL); /* engines that skip the initializer */
  for (size_t i = 0; i < sizeof pols / sizeof pols[0]; i++) {
    int rc = sy_handle(&pols[i], (const char *)data, size, &req, &d);
    if (rc <= 0)
      continue;
    oc_check_decision(&pols[i], &req, &d, data, size);
    (void)oc_render_checked(&d, out);
  }
  /* The decisions made outside sy_decide (timeouts, limits in conn.c). */
  {
    enum sy_reason r = (enum sy_reason)(1 + h % (SY_R__COUNT - 1));
    while (!rejectable(r))
      r = (enum sy_reason)(1 + r % (SY_R__COUNT - 1));
    sy_decide_reject(&d, r);
  }
  d.head_only = (int)(h >> 32) & 1;
  oc_check_decision(&pols[0], &(struct sy_request){0}, &d, NULL, 0);
  (void)oc_render_checked(&d, out);
  return 0;
}
