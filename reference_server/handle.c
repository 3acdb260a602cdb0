/* SPDX-License-Identifier: MIT */
/* handle.c: one request, parsed (request.c) then decided (decide.c). The decision sits below
 * the parser: decide.c reads a parsed struct sy_request and never parses. */
#include "switchyard.h"

int sy_handle(const struct sy_policy *pol, const char *buf, size_t len, struct sy_request *req,
              struct sy_decision *d)
{
  int rc = sy_request_parse(req, buf, len);
  if (rc > 0)
    sy_decide(req, pol, d);
  return rc;
}
