/* SPDX-License-Identifier: MIT */
/* tokens.c: field- and token-level mutation of a request (issue 13; grammar.h). A token is a
 * request-line part, a field name or a list element of a field value (RFC 9110 §5.6.1). One call
 * does one of: swap two list elements, repeat one, drop one, change one token's case, add OWS
 * around one, obs-fold a value at a comma, change a number (a version, a length) by one, to 0,
 * to a small or a huge one, split a list over two field lines of the same name,
 * join two field lines of the same name into one (RFC 9110 §5.3 says the results are
 * equivalent, or for the near-valid layouts, that they are not). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "grammar.h"
#include "oracles.h"

#define MAX_TOK 48

struct span {
  size_t a, b; /* [a, b) in the input */
};

/* Field lines of the head: [start of name, end of line before CR/LF); colon position. */
static size_t field_lines(const uint8_t *d, size_t n, struct span *lines, size_t *colons,
                          size_t max)
{
  size_t i = 0, k = 0;
  while (i < n && d[i] != '\n') /* skip the request line */
    i++;
  i++;
  while (i < n && k < max) {
    size_t e = i, c = 0;
    if (d[i] == '\r' || d[i] == '\n')
      break; /* the empty line */
    while (e < n && d[e] != '\r' && d[e] != '\n') {
      if (!c && d[e] == ':')
        c = e;
      e++;
    }
    if (c) {
      lines[k] = (struct span){i, e};
      colons[k++] = c;
    }
    while (e < n && (d[e] == '\r' || d[e] == '\n') && e - i < 65536) {
      e++;
      if (d[e - 1] == '\n')
        break;
    }
    i = e;
  }
  return k;
}

/* The list elements of a value [a, b), without their OWS; empty ones are kept. */
static size_t elements(const uint8_t *d, size_t a, size_t b, struct span *t, size_t max)
{
  size_t k = 0, i = a;
  while (i <= b && k < max) {
    size_t e = i, s, z;
    while (e < b && d[e] != ',')
      e++;
    s = i;
    z = e;
    while (s < z && (d[s] == ' ' || d[s] == '\t'))
      s++;
    while (z > s && (d[z - 1] == ' ' || d[z - 1] == '\t'))
      z--;
    t[k++] = (struct span){s, z};
    i = e + 1;
  }
  return k;
}

/* data[a, b) := rep; returns the new size, or size when it does not fit. */
static size_t splice(uint8_t *d, size_t size, size_t max, size_t a, size_t b, const uint8_t *rep,
                     size_t n)
{
  if (size - (b - a) + n > max)
    return size;
  memmove(d + a + n, d + b, size - b);
  if (n)
    memcpy(d + a, rep, n);
  return size - (b - a) + n;
}

/* Rewrites the value of one field line from its elements, with one of the list operations. */
static size_t list_op(uint64_t *r, uint8_t *d, size_t size, size_t max, struct span line,
                      size_t colon, int op)
{
  static uint8_t out[8192];
  struct span t[MAX_TOK];
  size_t k = elements(d, colon + 1, line.b, t, MAX_TOK), o = 0, x, y;
  if (k == 0 || line.b - line.a > sizeof out / 2)
    return size;
  x = oc_below(r, k);
  y = oc_below(r, k);
#define OUT(p, n)              \
  do {                         \
    memcpy(out + o, (p), (n)); \
    o += (n);                  \
  } while (0)
  OUT(" ", 1);
  for (size_t j = 0; j < k; j++) {
    struct span e = op == 0 && j == x ? t[y] : op == 0 && j == y ? t[x]
                                                                 : t[j]; /* swap */
    if (op == 2 && j == x && k > 1)
      continue; /* drop */
    if (o > 1)
      OUT(op == 3 && (j == x || j == x + 1) ? " \t,  " : ", ", op == 3 && (j == x || j == x + 1) ? 5 : 2);
    OUT(d + e.a, e.b - e.a);
    if (op == 1 && j == x) { /* repeat */
      OUT(", ", 2);
      OUT(d + e.a, e.b - e.a);
    }
    if (op == 4 && j == x && j + 1 < k) { /* obs-fold at this comma */
      OUT(",\r\n ", 4);
      j++;
      OUT(d + t[j].a, t[j].b - t[j].a);
    }
  }
#undef OUT
  return splice(d, size, max, colon + 1, line.b, out, o);
}

/* Name: a, b, c  ->  Name: a, b CRLF Name: c (or the reverse, two lines of a name into one). */
static size_t split_or_join(uint64_t *r, uint8_t *d, size_t size, size_t max, struct span *lines,
                            size_t *colons, size_t n)
{
  static uint8_t out[4096];
  size_t i = oc_below(r, n), o = 0, cut, name = colons[i] - lines[i].a;
  if (lines[i].b - lines[i].a > sizeof out / 2)
    return size;
  for (size_t j = i + 1; j < n && oc_below(r, 2); j++) { /* join a later line of the same name */
    size_t nj = colons[j] - lines[j].a;
    if (nj == name && strncasecmp((const char *)d + lines[i].a,
                                  (const char *)d + lines[j].a, name) == 0) {
      size_t vj = lines[j].b - colons[j] - 1;
      uint8_t v[2048];
      if (vj > sizeof v)
        return size;
      memcpy(v, d + colons[j] + 1, vj);
      /* drop line j (and its line ending), then append ", value" to line i */
      size_t end = lines[j].b;
      while (end < size && (d[end] == '\r' || d[end] == '\n'))
        if (d[end++] == '\n')
          break;
      size = splice(d, size, max, lines[j].a, end, NULL, 0);
      memcpy(out, ",", 1);
      memcpy(out + 1, v, vj);
      return splice(d, size, max, lines[i].b, lines[i].b, out, vj + 1);
    }
  }
  cut = colons[i] + 1;
  while (cut < lines[i].b && d[cut] != ',')
    cut++;
  if (cut >= lines[i].b)
    return size; /* one element: nothing to split */
  memcpy(out, "\r\n", 2);
  o = 2;
  memcpy(out + o, d + lines[i].a, name + 1);
  o += name + 1;
  memcpy(out + o, d + cut + 1, lines[i].b - cut - 1);
  o += lines[i].b - cut - 1;
  return splice(d, size, max, cut, lines[i].b, out, o);
}

/* Case of one token: a field name, a list element, or the method / version. */
static size_t case_op(uint64_t *r, uint8_t *d, size_t size, struct span *lines, size_t *colons,
                      size_t n)
{
  struct span t[MAX_TOK], s;
  size_t which = oc_below(r, 3);
  if (n == 0 || which == 2) { /* a request-line token */
    size_t a = 0, b = 0, part = oc_below(r, 3), p = 0;
    while (b < size && d[b] != '\r' && d[b] != '\n') {
      if (d[b] == ' ') {
        if (p++ == part)
          break;
        a = b + 1;
      }
      b++;
    }
    s = (struct span){a, b};
  } else {
    size_t i = oc_below(r, n);
    if (which == 0) {
      s = (struct span){lines[i].a, colons[i]};
    } else {
      size_t k = elements(d, colons[i] + 1, lines[i].b, t, MAX_TOK);
      s = t[oc_below(r, k)];
    }
  }
  int how = (int)oc_below(r, 3);
  for (size_t j = s.a; j < s.b; j++) {
    uint8_t c = d[j];
    if ((c | 32) >= 'a' && (c | 32) <= 'z')
      d[j] = how == 0 ? (uint8_t)(c | 32) : how == 1 ? (uint8_t)(c & ~32)
                                                     : (uint8_t)(c ^ (j & 1 ? 32 : 0));
  }
  return size;
}

/* A run of digits in a field value becomes n - 1, n + 1, 0, a number below 300 or a huge one. */
static size_t number_op(uint64_t *r, uint8_t *d, size_t size, size_t max, struct span line,
                        size_t colon)
{
  size_t a = colon + 1 + oc_below(r, line.b - colon), b;
  unsigned long long n = 0;
  char num[32];
  int len;
  while (a < line.b && (d[a] < '0' || d[a] > '9'))
    a++;
  if (a >= line.b)
    return size;
  for (b = a; b < line.b && d[b] >= '0' && d[b] <= '9' && b - a < 18; b++)
    n = n * 10 + (unsigned)(d[b] - '0');
  switch (oc_below(r, 5)) {
  case 0: n = n ? n - 1 : 0; break;
  case 1: n++; break;
  case 2: n = 0; break;
  case 3: n = oc_below(r, 300); break;
  default: n = 18446744073709551615ull / (1 + oc_below(r, 1000)); break;
  }
  len = snprintf(num, sizeof num, "%llu", n);
  return splice(d, size, max, a, b, (const uint8_t *)num, (size_t)len);
}

size_t sy_fuzz_token_mutate(uint64_t *r, uint8_t *d, size_t size, size_t max)
{
  struct span lines[64];
  size_t colons[64], n = field_lines(d, size, lines, colons, 64), i;
  int op = (int)oc_below(r, 10);
  if (op == 7 || n == 0)
    return case_op(r, d, size, lines, colons, n);
  i = oc_below(r, n);
  switch (op) {
  case 5: /* OWS after the colon or at the end of the value (valid), or before the colon (not) */
  {
    static const char *const ws[] = {" ", "\t", "  \t", " "};
    const char *w = ws[oc_below(r, 4)];
    size_t at = oc_below(r, 4) == 0 ? colons[i] : oc_below(r, 2) ? colons[i] + 1
                                                                 : lines[i].b;
    return splice(d, size, max, at, at, (const uint8_t *)w, strlen(w));
  }
  case 6:
    return split_or_join(r, d, size, max, lines, colons, n);
  case 9:
    return number_op(r, d, size, max, lines[i], colons[i]);
  case 8: /* a field line repeated (same value) or dropped */
  {
    size_t end = lines[i].b;
    while (end < size && (d[end] == '\r' || d[end] == '\n'))
      if (d[end++] == '\n')
        break;
    if (oc_below(r, 2))
      return splice(d, size, max, lines[i].a, end, NULL, 0);
    if (end - lines[i].a > 2048)
      return size;
    uint8_t copy[2048];
    memcpy(copy, d + lines[i].a, end - lines[i].a);
    return splice(d, size, max, end, end, copy, end - lines[i].a);
  }
  default: /* 0 swap, 1 repeat, 2 drop, 3 OWS and empty elements, 4 obs-fold */
    return list_op(r, d, size, max, lines[i], colons[i], op);
  }
}
