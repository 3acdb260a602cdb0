/* SPDX-License-Identifier: MIT */
/* fuzz_policy.c: the policy-file parser (policy.c). Input: policy text.
 * Oracles: a parsed policy is well formed (routes start with "/", are unique and fit; the method
 * status is 405 or 400); serialising it and parsing that gives the same policy; an error message
 * is NUL-terminated inside the caller's buffer, whatever its size. Routes decide which requests
 * may switch (RFC 9110 §7.8: the server chooses the resource's protocol). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oracles.h"

static size_t serialise(const struct sy_policy *p, char *buf, size_t cap)
{
  size_t o = 0;
  o += (size_t)snprintf(buf + o, cap - o, "clear-routes\nws-method-status %d\n", p->ws_method_status);
  for (size_t i = 0; i < p->n_routes && o < cap; i++)
    o += (size_t)snprintf(buf + o, cap - o, "route %s %s\n", p->routes[i].path,
                          sy_route_kind_name(p->routes[i].kind));
  return o;
}

static int same_policy(const struct sy_policy *a, const struct sy_policy *b)
{
  if (a->n_routes != b->n_routes || a->ws_method_status != b->ws_method_status)
    return 0;
  for (size_t i = 0; i < a->n_routes; i++)
    if (strcmp(a->routes[i].path, b->routes[i].path) != 0 || a->routes[i].kind != b->routes[i].kind)
      return 0;
  return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static struct sy_policy p, q;
  static char text[SY_MAX_ROUTES * (SY_MAX_ROUTE_PATH + 32) + 64];
  size_t errcap = oc_hash(data, size) % 80;
  char *err = malloc(errcap ? errcap : 1);
  int rc;

  if (size > 1 << 16) {
    free(err);
    return 0;
  }
  sy_policy_default(&p);
  rc = sy_policy_parse(&p, (const char *)data, size, err, errcap);
  OC_CHECK(rc == 0 || rc == SY_ESYNTAX || rc == SY_ELIMIT, "policy-return",
           "switchyard.h sy_policy_parse", "rc %d", rc);
  oc_check_errno(rc);
  if (rc < 0 && errcap > 0)
    OC_CHECK(memchr(err, '\0', errcap) != NULL && strncmp(err, "line ", 5 < errcap ? 5 : errcap - 1) == 0,
             "policy-error-message", "switchyard.h sy_policy_parse",
             "error message not terminated inside %zu bytes, or not \"line N: ...\"", errcap);
  free(err);
  OC_CHECK(p.n_routes <= SY_MAX_ROUTES && (p.ws_method_status == 405 || p.ws_method_status == 400),
           "policy-wellformed", "switchyard.h sy_policy", "%zu routes, ws status %d", p.n_routes,
           p.ws_method_status);
  for (size_t i = 0; i < p.n_routes; i++) {
    size_t n = strnlen(p.routes[i].path, SY_MAX_ROUTE_PATH);
    OC_CHECK(n > 0 && n < SY_MAX_ROUTE_PATH && p.routes[i].path[0] == '/', "policy-wellformed",
             "RFC 9112 §3.2.1", "route %zu is not an absolute path", i);
    for (size_t k = 0; k < i; k++)
      OC_CHECK(strcmp(p.routes[i].path, p.routes[k].path) != 0, "policy-wellformed",
               "switchyard.h sy_policy_add_route", "route %s twice", p.routes[i].path);
  }
  if (rc == 0) {
    size_t n = serialise(&p, text, sizeof text);
    sy_policy_default(&q);
    rc = sy_policy_parse(&q, text, n, NULL, 0);
    OC_CHECK(rc == 0 && same_policy(&p, &q), "policy-roundtrip", "switchyard.h sy_policy_parse",
             "parse(serialise(policy)) differs (rc %d):\n%.*s", rc, (int)n, text);
  }
  return 0;
}
