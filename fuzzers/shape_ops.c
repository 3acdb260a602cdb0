/* SPDX-License-Identifier: MIT */
/* shape_ops.c: the request mutator's shape operators (shape.h): field lines added from a table
 * of the names and values that matter for 101/426, replaced, deleted, duplicated, swapped,
 * case-varied, folded (obs-fold), given another line ending (CRLF / LF / CR); list elements
 * inserted, dropped, doubled, padded with OWS and empty elements; the Sec-WebSocket-Key re-made
 * with another length, alphabet or padding; the request line re-made; a pipelined request or a
 * WebSocket frame appended; the named limits approached; the body re-framed. One operator per
 * function, picked from a table. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "grammar.h"
#include "oracles.h"
#include "shape.h"

static const char *const eols[] = {"\r\n", "\r\n", "\r\n", "\n", "\r", "\r\r\n", "\n\r"};

static const char *const methods[] = {"GET", "HEAD", "POST", "OPTIONS", "PUT", "DELETE",
                                      "CONNECT", "PRI", "get", "TRACE", "PATCH", "BREW"};
static const char *const targets[] = {"/live", "/", "/live?x=1", "/nope", "*",
                                      "http://example.com/live", "example.com:80",
                                      "http://example.com?x/live", "/live#f", "//live",
                                      "/%6Cive", "/live/", "http://h"};
static const char *const versions[] = {"HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/1.2",
                                       "HTTP/0.9", "http/1.1", "HTTP/1.10", "HTTP/3"};

struct field_kind {
  const char *name;
  const char *const *values;
  size_t n_values;
};
#define VALUES(a) a, sizeof a / sizeof a[0]
static const char *const v_upgrade[] = {"websocket", "WebSocket", "h2c", "websocket/13",
                                        "h2c, websocket", "TLS/1.2", "websocket, h2c",
                                        "foo/1, websocket", "web socket", ", websocket ,", ""};
static const char *const v_connection[] = {"Upgrade", "upgrade", "keep-alive, Upgrade", "close",
                                           "Upgrade, close", "HTTP2-Settings, Upgrade", "Upgrade,",
                                           ", , upgrade", "Upgrade;x", "keep-alive", "TE"};
static const char *const v_version[] = {"13", "8", "13, 8", "8, 13", "", "013", "13 ", "1 3"};
static const char *const v_host[] = {"example.com", "localhost:8080", "[::1]:80", "",
                                     "a b", "example.com:", "h%41", "x:y:z"};
static const char *const v_te[] = {"chunked", "gzip, chunked", "chunked, gzip", "identity",
                                   "Chunked"};
static const char *const v_cl[] = {"0", "5", "10", "-1", "65537", "1 1", "00", "99999999999999999"};
static const char *const v_expect[] = {"100-continue", "100-Continue", "200-ok", ""};
static const char *const v_misc[] = {"x", "", "a, b", "\x80\xff", "token/1"};
static const char *const v_settings[] = {"AAMAAABkAARAAAAAAAIAAAAA", ""};

static const struct field_kind fields[] = {
    {"Host", VALUES(v_host)},
    {"Upgrade", VALUES(v_upgrade)},
    {"Connection", VALUES(v_connection)},
    {"Sec-WebSocket-Version", VALUES(v_version)},
    {"Sec-WebSocket-Key", NULL, 0}, /* made by sy_fuzz_ws_key() */
    {"Transfer-Encoding", VALUES(v_te)},
    {"Content-Length", VALUES(v_cl)},
    {"Expect", VALUES(v_expect)},
    {"HTTP2-Settings", VALUES(v_settings)},
    {"Sec-WebSocket-Protocol", VALUES(v_misc)},
    {"Sec-WebSocket-Extensions", VALUES(v_misc)},
    {"Origin", VALUES(v_misc)},
};
#define N_FIELDS (sizeof fields / sizeof fields[0])

/* ---- field lines ---- */

/* A field line from the table; the bytes live in `store` until the shape is rebuilt. */
static char store[8][256];
static int store_i;

static struct sy__line field_line(uint64_t *r, const struct field_kind *f)
{
  char *s = store[store_i++ & 7];
  char key[64];
  const char *v;
  if (f->values == NULL) {
    sy_fuzz_ws_key(r, 2, key, sizeof key); /* valid half the time */
    v = key;
  } else if (f->values == v_version && oc_below(r, 3) == 0) {
    /* any version of RFC 6455 §4.1's 0-255 (and a few past it): which ones get a 426 */
    snprintf(key, sizeof key, "%u", (unsigned)oc_below(r, 300));
    v = key;
  } else {
    v = f->values[oc_below(r, f->n_values)];
  }
  strcpy(s, f->name);
  strcat(s, oc_below(r, 8) ? ": " : (oc_below(r, 2) ? ":" : " : ")); /* space before colon: §5.1 */
  strncat(s, v, 200);
  return (struct sy__line){(const uint8_t *)s, strlen(s), "\r\n"};
}

static const struct field_kind *kind_of(const struct sy__line *l)
{
  for (size_t i = 0; i < N_FIELDS; i++) {
    size_t n = strlen(fields[i].name);
    if (l->n > n && l->p[n] == ':' && strncasecmp((const char *)l->p, fields[i].name, n) == 0)
      return &fields[i];
  }
  return NULL;
}

static void case_vary(uint64_t *r, uint8_t *p, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (((p[i] | 32) >= 'a' && (p[i] | 32) <= 'z') && oc_below(r, 3) == 0)
      p[i] ^= 32;
}

/* List-element surgery on a field value: insert, drop, double, pad with OWS and empties. */
static size_t list_mutate(uint64_t *r, const uint8_t *v, size_t n, char *out, size_t cap,
                          const struct field_kind *f)
{
  size_t starts[32], ends[32], k = 0, i = 0, o = 0, pick;
  while (i <= n && k < 32) {
    size_t e = i;
    while (e < n && v[e] != ',')
      e++;
    starts[k] = i;
    ends[k] = e;
    k++;
    i = e + 1;
  }
  pick = oc_below(r, k);
#define PUT(p_, n_)            \
  do {                         \
    size_t m_ = (n_);          \
    if (o + m_ > cap)          \
      m_ = cap - o;            \
    memcpy(out + o, (p_), m_); \
    o += m_;                   \
  } while (0)
  for (size_t j = 0; j < k; j++) {
    int op = j == pick ? (int)oc_below(r, 5) : -1;
    if (op == 0)
      continue; /* drop the element */
    if (o)
      PUT(",", 1);
    if (op == 3)
      PUT(" \t, ,", 5); /* empty elements and OWS (§5.6.1) */
    PUT(v + starts[j], ends[j] - starts[j]);
    if (op == 1) { /* double it */
      PUT(", ", 2);
      PUT(v + starts[j], ends[j] - starts[j]);
    }
    if (op == 2) { /* a new element from the table */
      const char *t = f && f->values ? f->values[oc_below(r, f->n_values)] : "upgrade";
      PUT(", ", 2);
      PUT(t, strlen(t));
    }
    if (op == 4)
      PUT("/1", 2); /* protocol-version */
  }
#undef PUT
  return o;
}

/* Around the limits of limits.h: SY_MAX_TARGET_BYTES, SY_MAX_HEAD_BYTES, SY_MAX_HEADERS. */
static size_t limits_mutate(uint64_t *r, struct sy__shape *s, uint8_t *data, size_t max)
{
  static char big[SY_MAX_HEAD_BYTES + 256];
  size_t want, n = 0;
  int k = (int)oc_below(r, 3);
  if (k == 0) { /* request-target at the limit, one over, or far over */
    want = SY_MAX_TARGET_BYTES - 8 + oc_below(r, 3) * 8 + oc_below(r, 8);
    n = (size_t)snprintf(big, sizeof big, "GET /live?");
    while (n < want && n < sizeof big - 16) {
      big[n] = (char)('a' + (n % 26));
      n++;
    }
    n += (size_t)snprintf(big + n, sizeof big - n, " HTTP/1.1");
    s->l[0] = (struct sy__line){(const uint8_t *)big, n, "\r\n"};
    return sy__shape_rebuild(s, NULL, s->tail, s->tail_n, data, max);
  }
  if (k == 1) { /* one field value long enough to take the head to the limit */
    want = SY_MAX_HEAD_BYTES - 64 + oc_below(r, 128);
    n = (size_t)snprintf(big, sizeof big, "X-Pad: ");
    while (n < want && n < sizeof big - 4)
      big[n++] = 'p';
    big[n++] = '\r';
    big[n++] = '\n';
    big[n] = '\0';
    return sy__shape_rebuild(s, big, s->tail, s->tail_n, data, max);
  }
  /* as many field lines as SY_MAX_HEADERS, give or take one */
  want = SY_MAX_HEADERS - 1 + oc_below(r, 3);
  for (size_t i = s->n; i < want + 1 && i < SY__SHAPE_MAX_LINES; i++) {
    s->l[i] = (struct sy__line){(const uint8_t *)"X-F: 1", 6, "\r\n"};
    s->n = i + 1;
  }
  return sy__shape_rebuild(s, NULL, s->tail, s->tail_n, data, max);
}

/* Content-Length that matches the body, misses it by one, or is repeated; or the body re-sent in
 * chunked coding, valid or broken (RFC 9112 §6.3, §7.1). */
static size_t body_mutate(uint64_t *r, struct sy__shape *s, uint8_t *data, size_t max)
{
  static uint8_t body[SY__SHAPE_SCRATCH / 2];
  static char field[64];
  size_t bn = 0, tn = s->tail_n < 2000 ? s->tail_n : 2000, k = 0;
  const uint8_t *t = s->tail;
  if (tn == 0) {
    t = (const uint8_t *)"hello=world";
    tn = 11;
  }
  if (oc_below(r, 2)) {
    long delta = (long)oc_below(r, 3) - 1;
    snprintf(field, sizeof field, "Content-Length: %ld\r\n%s", (long)tn + (oc_below(r, 2) ? delta : 0),
             oc_below(r, 6) == 0 ? "Content-Length: 1\r\n" : "");
    return sy__shape_rebuild(s, field, t, tn, data, max);
  }
  /* chunked: a few chunks of the tail, sometimes with an extension, a bad size or a trailer */
  while (k < tn && bn < sizeof body - 64) {
    size_t c = 1 + oc_below(r, 16);
    if (c > tn - k)
      c = tn - k;
    bn += (size_t)snprintf((char *)body + bn, sizeof body - bn, oc_below(r, 12) ? "%zx%s\r\n" : "%zX%s\r\n",
                           c + (oc_below(r, 20) == 0), oc_below(r, 8) == 0 ? ";ext=1" : "");
    memcpy(body + bn, t + k, c);
    bn += c;
    k += c;
    memcpy(body + bn, oc_below(r, 20) ? "\r\n" : "\n", 2);
    bn += 2;
  }
  bn += (size_t)snprintf((char *)body + bn, sizeof body - bn, "0\r\n%s\r\n",
                         oc_below(r, 4) == 0 ? "X-Trailer: 1\r\n" : "");
  snprintf(field, sizeof field, "Transfer-Encoding: %s\r\n",
           (const char *[]){"chunked", "chunked", "gzip, chunked", "chunked, chunked"}[oc_below(r, 4)]);
  return sy__shape_rebuild(s, field, body, bn, data, max);
}

/* ---- the line operators: each edits e->s (and may set e->extra), then emit_edited() ---- */

struct edit {
  struct sy__shape *s;
  uint64_t *r;
  size_t target; /* a field line (1..n-1), 0 when there is none */
  size_t size;   /* the input's size */
  struct sy__line extra;
};

/* The bytes an operator made live here until the shape is written. */
static char val[512];

static void op_insert(struct edit *e) /* a field line from the table */
{
  struct sy__shape *s = e->s;
  if (s->n < SY__SHAPE_MAX_LINES) {
    size_t at = 1 + oc_below(e->r, s->n);
    memmove(&s->l[at + 1], &s->l[at], (s->n - at) * sizeof s->l[0]);
    s->l[at] = field_line(e->r, &fields[oc_below(e->r, N_FIELDS)]);
    s->n++;
  }
}

static void op_replace(struct edit *e) /* a field line by one of its kind (or any) */
{
  if (e->target) {
    const struct field_kind *k = kind_of(&e->s->l[e->target]);
    if (!(k && oc_below(e->r, 4)))
      k = &fields[oc_below(e->r, N_FIELDS)];
    e->s->l[e->target] = field_line(e->r, k);
  }
}

static void op_delete(struct edit *e)
{
  struct sy__shape *s = e->s;
  if (e->target) {
    memmove(&s->l[e->target], &s->l[e->target + 1], (s->n - e->target - 1) * sizeof s->l[0]);
    s->n--;
  }
}

static void op_duplicate(struct edit *e) /* repeated fields, RFC 9110 §5.3 */
{
  struct sy__shape *s = e->s;
  if (e->target && s->n < SY__SHAPE_MAX_LINES) {
    size_t at = 1 + oc_below(e->r, s->n);
    struct sy__line copy = s->l[e->target];
    memmove(&s->l[at + 1], &s->l[at], (s->n - at) * sizeof s->l[0]);
    s->l[at] = copy;
    s->n++;
  }
}

static void op_swap(struct edit *e)
{
  struct sy__shape *s = e->s;
  if (s->n > 2) {
    size_t b = 1 + oc_below(e->r, s->n - 1);
    struct sy__line t = s->l[e->target];
    s->l[e->target] = s->l[b];
    s->l[b] = t;
  }
}

static void op_case(struct edit *e) /* names are case-insensitive; methods are not */
{
  struct sy__shape *s = e->s;
  size_t t = oc_below(e->r, s->n), n = s->l[t].n < sizeof val ? s->l[t].n : sizeof val;
  memcpy(val, s->l[t].p, n);
  case_vary(e->r, (uint8_t *)val, n);
  s->l[t].p = (const uint8_t *)val;
  s->l[t].n = n;
}

static void op_eol(struct edit *e) /* another line ending, or the head's end */
{
  struct sy__shape *s = e->s;
  if (oc_below(e->r, 4))
    s->l[oc_below(e->r, s->n)].eol = eols[oc_below(e->r, sizeof eols / sizeof eols[0])];
  else
    s->blank = eols[oc_below(e->r, sizeof eols / sizeof eols[0])], s->has_blank = 1;
}

static void op_fold(struct edit *e) /* obs-fold, or whitespace around the colon or at the start */
{
  struct sy__line *l = &e->s->l[e->target];
  size_t n, cut, il;
  const char *ins;
  if (!e->target)
    return;
  n = l->n < sizeof val - 8 ? l->n : sizeof val - 8;
  cut = oc_below(e->r, n + 1);
  ins = (const char *[]){"\r\n ", "\r\n\t", " ", "\t", "\n "}[oc_below(e->r, 5)];
  il = strlen(ins);
  if (oc_below(e->r, 3) == 0) {
    const uint8_t *colon = memchr(l->p, ':', n);
    if (colon)
      cut = (size_t)(colon - l->p);
  }
  memcpy(val, l->p, cut);
  memcpy(val + cut, ins, il);
  memcpy(val + cut + il, l->p + cut, n - cut);
  l->p = (const uint8_t *)val;
  l->n = n + il;
}

static void op_list(struct edit *e) /* list elements of a field value */
{
  struct sy__line *l = &e->s->l[e->target];
  const uint8_t *colon;
  size_t pre, vn;
  if (!e->target || (colon = memchr(l->p, ':', l->n)) == NULL)
    return;
  pre = (size_t)(colon - l->p) + 1;
  if (pre > 128)
    return;
  memcpy(val, l->p, pre);
  vn = list_mutate(e->r, colon + 1, l->n - pre, val + pre, sizeof val - pre, kind_of(l));
  l->p = (const uint8_t *)val;
  l->n = pre + vn;
}

/* The request line with one of method, target, version replaced; n < 0 when it did not fit. */
static int keep_two_parts(struct edit *e, const char *m, const char *t, const char *v)
{
  const struct sy__line *l0 = &e->s->l[0];
  const uint8_t *a = memchr(l0->p, ' ', l0->n);
  const uint8_t *b = a ? memchr(a + 1, ' ', l0->n - (size_t)(a + 1 - l0->p)) : NULL;
  int ml, tl, vl, which;
  if (!a || !b)
    return snprintf(val, sizeof val, "%s %s %s", m, t, v);
  ml = (int)(a - l0->p);
  tl = (int)(b - a - 1);
  vl = (int)(l0->n - (size_t)(b + 1 - l0->p));
  which = (int)oc_below(e->r, 3);
  return snprintf(val, sizeof val, "%.*s %.*s %.*s", which == 0 ? (int)strlen(m) : ml,
                  which == 0 ? m : (const char *)l0->p, which == 1 ? (int)strlen(t) : tl,
                  which == 1 ? t : (const char *)a + 1, which == 2 ? (int)strlen(v) : vl,
                  which == 2 ? v : (const char *)b + 1);
}

static void op_request_line(struct edit *e)
{
  const char *m = methods[oc_below(e->r, sizeof methods / sizeof methods[0])];
  const char *t = targets[oc_below(e->r, sizeof targets / sizeof targets[0])];
  const char *v = versions[oc_below(e->r, sizeof versions / sizeof versions[0])];
  const char *sp = oc_below(e->r, 8) ? " " : (oc_below(e->r, 2) ? "  " : "\t");
  int n;
  if (oc_below(e->r, 4) == 0) /* a new line; else keep two parts of the old one */
    n = snprintf(val, sizeof val, "%s%s%s%s%s", m, sp, t, sp, v);
  else
    n = keep_two_parts(e, m, t, v);
  if (n > 0 && (size_t)n < sizeof val) {
    e->s->l[0].p = (const uint8_t *)val;
    e->s->l[0].n = (size_t)n;
  }
}

static void op_append(struct edit *e) /* a WebSocket frame, or a pipelined copy of the head */
{
  if (oc_below(e->r, 2) || e->size > 2048) {
    size_t fn;
    const uint8_t *f = sy_fuzz_ws_frame(e->r, &fn);
    memcpy(val, f, fn);
    e->extra = (struct sy__line){(const uint8_t *)val, fn, ""};
  } else {
    e->extra.n = 1; /* no bytes: the head again after the tail */
  }
}

static void op_line_bytes(struct edit *e) /* byte mutation of one line only */
{
  struct sy__shape *s = e->s;
  size_t t = oc_below(e->r, s->n), n = s->l[t].n < sizeof val / 2 ? s->l[t].n : sizeof val / 2;
  memcpy(val, s->l[t].p, n);
  s->l[t].n = sy__bytes_mutate(e->r, (uint8_t *)val, n, sizeof val);
  s->l[t].p = (const uint8_t *)val;
}

/* Drawn one in 16 each; ops 13 and 14 are limits_mutate and body_mutate, 15 bytes only. */
static void (*const line_ops[])(struct edit *) = {
    op_insert, op_insert, op_replace, op_delete, op_duplicate, op_swap, op_case,
    op_eol, op_fold, op_list, op_request_line, op_append, op_line_bytes};
#define N_LINE_OPS (sizeof line_ops / sizeof line_ops[0])
#define OP_APPEND  11

static size_t emit_edited(struct edit *e, int appended, uint8_t *data, size_t max)
{
  static uint8_t buf[SY__SHAPE_SCRATCH];
  const struct sy__shape *s = e->s;
  struct sy__out o = {buf, 0, max < SY__SHAPE_SCRATCH ? max : SY__SHAPE_SCRATCH};
  for (size_t i = 0; i < s->n; i++)
    sy__emit_line(&o, &s->l[i]);
  if (s->has_blank || appended || oc_below(e->r, 2))
    sy__emits(&o, s->has_blank ? s->blank : "\r\n"); /* an unfinished head mostly stays so */
  sy__emit(&o, s->tail, s->tail_n);
  if (appended && e->extra.p) {
    sy__emit(&o, e->extra.p, e->extra.n);
  } else if (appended) {
    for (size_t i = 0; i < s->n; i++)
      sy__emit_line(&o, &s->l[i]);
    sy__emits(&o, "\r\n");
  }
  memcpy(data, buf, o.n);
  return o.n;
}

size_t sy__shape_mutate(uint8_t *data, size_t size, size_t max, uint64_t *r)
{
  static struct sy__shape s;
  struct edit e = {&s, r, 0, size, {0}};
  size_t op;
  if (size > SY__SHAPE_SCRATCH)
    return sy__bytes_mutate(r, data, size, max);
  sy__shape_split(&s, data, size);
  if (s.n == 0) {
    s.l[0] = (struct sy__line){(const uint8_t *)"GET /live HTTP/1.1", 18, "\r\n"};
    s.n = 1;
  }
  op = oc_below(r, 16);
  if (s.n > 1)
    e.target = 1 + oc_below(r, s.n - 1);
  if (op < N_LINE_OPS) {
    line_ops[op](&e);
    return emit_edited(&e, op == OP_APPEND, data, max);
  }
  if (op == 13) /* the named limits: a long target (414), a long head (431), many fields (431) */
    return limits_mutate(r, &s, data, max);
  if (op == 14) /* the body's framing: Content-Length against the bytes, or chunked coding */
    return body_mutate(r, &s, data, max);
  return sy__bytes_mutate(r, data, size, max); /* the whole input, bytes only */
}
