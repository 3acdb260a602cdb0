/* SPDX-License-Identifier: MIT */
/* render.c: decision -> HTTP/1.1 response bytes in a caller buffer (RFC 9112 §4, §6). */
#include <stdio.h>
#include <string.h>

#include "switchyard.h"

static const char plain_body[] = "Switchyard reference server\n";

int sy_render(const struct sy_decision *d, char *buf, size_t cap)
{
  char body[384];
  int blen = 0, o;
  size_t len;

  if (d == NULL || buf == NULL || d->status < 100 || d->status > 999)
    return SY_EINVAL;
  if (d->status == 200)
    blen = snprintf(body, sizeof body, "%s", plain_body);
  else if (d->status >= 400)
    /* RFC 9112 §5.2 asks a 400 to explain itself; every error body names its rule. */
    blen = snprintf(body, sizeof body, "%d %s\nreason: %s\nrule: %s (%s)\n%s\n", d->status,
                    sy_status_phrase(d->status), sy_reason_name(d->reason),
                    sy_reason_rfc(d->reason), sy_level_name(sy_reason_level(d->reason)),
                    sy_reason_text(d->reason));
  if (blen < 0 || (size_t)blen >= sizeof body)
    return SY_ENOSPC;

  o = snprintf(buf, cap, "HTTP/1.1 %d %s\r\n", d->status, sy_status_phrase(d->status));
  len = (size_t)o;
  for (size_t i = 0; i < d->n_fields && len < cap; i++) {
    const char *v = d->fields[i].value ? d->fields[i].value : d->accept;
    o = snprintf(buf + len, cap - len, "%s: %s\r\n", d->fields[i].name, v);
    len += (size_t)o;
  }
  /* RFC 9110 §8.6: no Content-Length in 1xx and 204. */
  if (d->status >= 200 && d->status != 204 && len < cap) {
    if (blen > 0 && len < cap) {
      o = snprintf(buf + len, cap - len, "Content-Type: text/plain; charset=utf-8\r\n");
      len += (size_t)o;
    }
    if (len < cap) {
      o = snprintf(buf + len, cap - len, "Content-Length: %d\r\n", blen);
      len += (size_t)o;
    }
  }
  if (len + 2 > cap)
    return SY_ENOSPC;
  memcpy(buf + len, "\r\n", 2);
  len += 2;
  if (d->status >= 200 && d->status != 204 && !d->head_only && blen > 0) {
    if (len + (size_t)blen > cap)
      return SY_ENOSPC;
    memcpy(buf + len, body, (size_t)blen);
    len += (size_t)blen;
  }
  return (int)len;
}
