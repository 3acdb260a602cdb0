/* SPDX-License-Identifier: MIT */
/* shape.c: a request split into lines, and written back (shape.h). */
#include <string.h>

#include "shape.h"

void sy__shape_split(struct sy__shape *s, const uint8_t *d, size_t n)
{
  size_t i = 0;
  memset(s, 0, sizeof *s);
  while (i < n && s->n < SY__SHAPE_MAX_LINES) {
    size_t e = i;
    const char *eol;
    while (e < n && d[e] != '\n' && d[e] != '\r')
      e++;
    if (e == n) {
      eol = "";
    } else if (d[e] == '\r' && e + 1 < n && d[e + 1] == '\n') {
      eol = "\r\n";
    } else {
      eol = d[e] == '\n' ? "\n" : "\r";
    }
    if (e == i && eol[0] && s->n > 0) {
      s->has_blank = 1;
      s->blank = eol;
      i = e + strlen(eol);
      break;
    }
    s->l[s->n].p = d + i;
    s->l[s->n].n = e - i;
    s->l[s->n].eol = eol;
    s->n++;
    i = e + strlen(eol);
  }
  s->tail = d + i;
  s->tail_n = n - i;
}

void sy__emit(struct sy__out *o, const void *p, size_t n)
{
  if (n > o->cap - o->n)
    n = o->cap - o->n;
  memcpy(o->p + o->n, p, n);
  o->n += n;
}

void sy__emits(struct sy__out *o, const char *s)
{
  sy__emit(o, s, strlen(s));
}

void sy__emit_line(struct sy__out *o, const struct sy__line *l)
{
  sy__emit(o, l->p, l->n);
  sy__emits(o, l->eol);
}

size_t sy__shape_rebuild(const struct sy__shape *s, const char *extra, const uint8_t *body,
                         size_t bn, uint8_t *data, size_t max)
{
  static uint8_t buf[SY__SHAPE_SCRATCH];
  struct sy__out o = {buf, 0, max < SY__SHAPE_SCRATCH ? max : SY__SHAPE_SCRATCH};
  for (size_t i = 0; i < s->n; i++)
    sy__emit_line(&o, &s->l[i]);
  if (extra)
    sy__emits(&o, extra);
  sy__emits(&o, s->has_blank ? s->blank : "\r\n");
  sy__emit(&o, body, bn);
  memcpy(data, buf, o.n);
  return o.n;
}
