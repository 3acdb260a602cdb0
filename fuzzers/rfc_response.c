/* SPDX-License-Identifier: MIT */
/* rfc_response.c: one response re-parsed by llhttp in response mode, through the harness's reader
 * (harness/respparse/response.c), as oc_field pointers into the caller's bytes. */
#include <string.h>

#include "oracles.h"
#include "response.h"

static void copy_fields(struct oc_resp *r, const struct sy_resp *s, const char *base)
{
  for (uint32_t i = 0; i < s->nheaders; i++) {
    struct oc_field *f = &r->fields[i];
    f->name = base + s->names[i].off;
    f->nlen = s->names[i].len;
    /* an empty value has no span: NULL, as the rules expect */
    f->value = s->values[i].len ? base + s->values[i].off : NULL;
    f->vlen = s->values[i].len;
  }
  r->n_fields = s->nheaders;
}

int oc_parse_response(struct oc_resp *r, const uint8_t *buf, size_t n, int head_request,
                      const char **why)
{
  struct sy_resp s;
  memset(r, 0, sizeof *r);
  if (why)
    *why = "";
  sy_resp_parse((const char *)buf, n, 0, head_request, &s, NULL, 0);
  if (s.error != 0 || s.nheaders > OC_MAX_RESP_FIELDS || s.dropped_headers) {
    if (why)
      *why = s.error == 0 || s.nheaders > OC_MAX_RESP_FIELDS ? "too many fields"
                                                             : sy_resp_errno_name(s.error);
    return -1;
  }
  if (!s.complete && !s.upgrade)
    return 0;
  r->status = s.status;
  r->major = s.http_major;
  r->minor = s.http_minor;
  r->len = s.consumed;
  r->body_len = s.body_total;
  r->upgrade = s.upgrade;
  copy_fields(r, &s, (const char *)buf);
  return 1;
}

int oc_resp_field(const struct oc_resp *r, const char *name, const char **v, size_t *vlen)
{
  for (size_t i = 0; i < r->n_fields; i++)
    if (oc_ieq(r->fields[i].name, r->fields[i].nlen, name)) {
      if (v)
        *v = r->fields[i].value ? r->fields[i].value : "";
      if (vlen)
        *vlen = r->fields[i].vlen;
      return 1;
    }
  return 0;
}
