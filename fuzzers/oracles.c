/* SPDX-License-Identifier: MIT */
/* oracles.c: how an oracle fails, and what every target shares (rule ids: OC_RULE_MAP in
 * oracle_rules.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oracles.h"

static int rule_listed(const char *rule)
{
#define XX(id, rests_on, text) \
  if (strcmp(rule, id) == 0)   \
    return 1;
  OC_RULE_MAP(XX)
#undef XX
  return 0;
}

void oc_fail(const char *rule, const char *rfc, const char *fmt, ...)
{
  va_list ap;
  if (!rule_listed(rule))
    oc_fail("oracle-setup", "oracle_rules.h OC_RULE_MAP", "rule id %s is not listed", rule);
  /* One line, always the same shape: campaign.py dedups findings by the rule id. */
  fprintf(stderr, "SY-ORACLE rule=%s rfc=\"%s\": ", rule, rfc);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  fflush(stderr);
  abort();
}

void oc_check_errno(int rc)
{
  const char *t = sy_strerror(rc);
  if (rc >= 0)
    return;
  OC_CHECK(t != NULL && t[0] != '\0' && strcmp(t, "unknown error") != 0, "errno-has-text",
           "switchyard.h SY_ERRNO_MAP", "error %d has no text (\"%s\")", rc, t ? t : "");
}

const struct sy_policy *oc_policy(void)
{
  static struct sy_policy pol;
  static int init;
  if (!init) {
    sy_policy_default(&pol);
    init = 1;
  }
  return &pol;
}
