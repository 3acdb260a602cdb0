/* SPDX-License-Identifier: MIT */
/* render.c: decision -> HTTP/1.1 response bytes in a caller buffer (RFC 9112 §4, §6).
 * Plain copies, no snprintf: rendering is on every request's path (make bench). */
#include <string.h>

#include "switchyard.h"

static const char plain_body[] = SY_PLAIN_BODY;

struct out {
  char *buf; /* NULL: only count the length */
  size_t cap, len;
  int full; /* something did not fit: nothing more is written */
};

static void put(struct out *o, const char *s, size_t n)
{
  if (o->buf == NULL) {
    o->len += n;
    return;
  }
  if (o->full || n > o->cap - o->len) {
    o->full = 1;
    return;
  }
  memcpy(o->buf + o->len, s, n);
  o->len += n;
}

static void puts_(struct out *o, const char *s)
{
  put(o, s, strlen(s));
}

static void put_uint(struct out *o, size_t v)
{
  char digits[24];
  size_t i = sizeof digits;
  do {
    digits[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  put(o, digits + i, sizeof digits - i);
}

/* The error body: "<status> <phrase>\nreason: <name>\nrule: <rfc> (<level>)\n<text>\n".
 * RFC 9112 §5.2 asks a 400 to explain itself; every error body names its rule. */
static void error_body(struct out *o, const struct sy_decision *d)
{
  put_uint(o, (size_t)d->status);
  put(o, " ", 1);
  puts_(o, sy_status_phrase(d->status));
  puts_(o, "\nreason: ");
  puts_(o, sy_reason_name(d->reason));
  puts_(o, "\nrule: ");
  puts_(o, sy_reason_rfc(d->reason));
  puts_(o, " (");
  puts_(o, sy_level_name(sy_reason_level(d->reason)));
  puts_(o, ")\n");
  puts_(o, sy_reason_text(d->reason));
  put(o, "\n", 1);
}

static size_t body_len(const struct sy_decision *d)
{
  struct out count = {NULL, 0, 0, 0};
  if (d->status == 200)
    return sizeof plain_body - 1;
  if (d->status >= 400)
    error_body(&count, d); /* the same writer, counting: Content-Length cannot drift */
  return count.len;
}

int sy_render(const struct sy_decision *d, char *buf, size_t cap)
{
  struct out o = {buf, cap, 0, 0};
  size_t blen;
  int has_length;

  if (d == NULL || buf == NULL || d->status < 100 || d->status > 999)
    return SY_EINVAL;
  blen = body_len(d);
  put(&o, "HTTP/1.1 ", 9);
  put_uint(&o, (size_t)d->status);
  put(&o, " ", 1);
  puts_(&o, sy_status_phrase(d->status));
  put(&o, "\r\n", 2);
  for (size_t i = 0; i < d->n_fields; i++) {
    puts_(&o, d->fields[i].name);
    put(&o, ": ", 2);
    puts_(&o, d->fields[i].value ? d->fields[i].value : d->accept);
    put(&o, "\r\n", 2);
  }
  /* RFC 9110 §8.6: no Content-Length in 1xx and 204. */
  has_length = d->status >= 200 && d->status != 204;
  if (has_length) {
    if (blen > 0)
      puts_(&o, "Content-Type: text/plain; charset=utf-8\r\n");
    puts_(&o, "Content-Length: ");
    put_uint(&o, blen);
    put(&o, "\r\n", 2);
  }
  put(&o, "\r\n", 2);
  if (has_length && !d->head_only && blen > 0) {
    if (d->status == 200)
      put(&o, plain_body, blen);
    else
      error_body(&o, d);
  }
  return o.full ? SY_ENOSPC : (int)o.len;
}
