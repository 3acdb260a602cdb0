/* SPDX-License-Identifier: MIT */
/* mutator.c: a request-shape-aware mutator for the request targets (fuzz_decide, fuzz_stream,
 * fuzz_render). It splits the input into request line, field lines, the empty line and what
 * follows, and mutates at that level: fields added from a table of the names and values that
 * matter for 101/426, deleted, duplicated, swapped, folded (obs-fold), case-varied, given
 * another line ending (CRLF / LF / CR), list elements inserted / dropped / doubled / padded
 * with OWS and empty elements, the Sec-WebSocket-Key re-made with another length, alphabet or
 * padding, the request line re-made, a pipelined request or a WebSocket frame appended.
 * It also makes requests from nothing (grammar.c: WebSocket, h2c, TLS offers and plain requests
 * with valid and near-valid values) and mutates at token level (tokens.c: swap, repeat, drop,
 * case, OWS, fold, a list split over lines). A share of the calls still goes to libFuzzer's byte
 * mutator (LLVMFuzzerMutate).
 *
 * Built three ways: linked into the targets (LLVMFuzzerCustomMutator, LLVMFuzzerCustomCrossOver;
 * active only where sy_fuzz_request_shaped is defined), as an AFL++ custom mutator library with
 * -DSY_AFL_MUTATOR (AFL_CUSTOM_MUTATOR_LIBRARY=build/fuzz-afl/sy_mutator.so), and not at all for
 * the `*_plain` variants that `make fuzz-mutator-compare` measures against. */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "grammar.h"
#include "oracles.h"

/* Absent under engines that do not provide it (the AFL++ library): then bytes are mutated here. */
__attribute__((weak)) size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
/* Present only in request-shaped targets (oracles.h): oss-fuzz/build.sh links every support file
 * of fuzzers/ into every target, so the mutator must stand aside for the others. */
extern const int sy_fuzz_request_shaped __attribute__((weak));

#define MAX_LINES 96
#define SCRATCH (64 * 1024)

struct line {
  const uint8_t *p; /* without its line ending */
  size_t n;
  const char *eol; /* "\r\n", "\n", "\r", "" */
};
struct shape {
  struct line l[MAX_LINES];
  size_t n;          /* l[0] is the request line, l[1..n) field lines */
  int has_blank;     /* the empty line that ends the head was seen */
  const char *blank; /* its ending */
  const uint8_t *tail;
  size_t tail_n;
};

static uint64_t rnd(uint64_t *s) { return oc_rand(s); }
static size_t below(uint64_t *s, size_t n) { return n ? (size_t)(rnd(s) % n) : 0; }

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

/* ---- parsing the input's shape ---- */

static void split(struct shape *s, const uint8_t *d, size_t n)
{
  size_t i = 0;
  memset(s, 0, sizeof *s);
  while (i < n && s->n < MAX_LINES) {
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

/* ---- output ---- */

struct out {
  uint8_t *p;
  size_t n, cap;
};

static void emit(struct out *o, const void *p, size_t n)
{
  if (n > o->cap - o->n)
    n = o->cap - o->n;
  memcpy(o->p + o->n, p, n);
  o->n += n;
}

static void emits(struct out *o, const char *s) { emit(o, s, strlen(s)); }

static void emit_line(struct out *o, const struct line *l)
{
  emit(o, l->p, l->n);
  emits(o, l->eol);
}

/* A field line from the table; the bytes live in `store` until the shape is rebuilt. */
static char store[8][256];
static int store_i;

static struct line field_line(uint64_t *r, const struct field_kind *f)
{
  char *s = store[store_i++ & 7];
  char key[64];
  const char *v;
  if (f->values == NULL) {
    sy_fuzz_ws_key(r, 2, key, sizeof key); /* valid half the time */
    v = key;
  } else if (f->values == v_version && below(r, 3) == 0) {
    /* any version of RFC 6455 §4.1's 0-255 (and a few past it): which ones get a 426 */
    snprintf(key, sizeof key, "%u", (unsigned)below(r, 300));
    v = key;
  } else {
    v = f->values[below(r, f->n_values)];
  }
  strcpy(s, f->name);
  strcat(s, below(r, 8) ? ": " : (below(r, 2) ? ":" : " : ")); /* space before colon: §5.1 */
  strncat(s, v, 200);
  return (struct line){(const uint8_t *)s, strlen(s), "\r\n"};
}

static const struct field_kind *kind_of(const struct line *l)
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
    if (((p[i] | 32) >= 'a' && (p[i] | 32) <= 'z') && below(r, 3) == 0)
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
  pick = below(r, k);
#define PUT(p_, n_)                                                                                \
  do {                                                                                             \
    size_t m_ = (n_);                                                                              \
    if (o + m_ > cap)                                                                              \
      m_ = cap - o;                                                                                \
    memcpy(out + o, (p_), m_);                                                                     \
    o += m_;                                                                                       \
  } while (0)
  for (size_t j = 0; j < k; j++) {
    int op = j == pick ? (int)below(r, 5) : -1;
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
      const char *t = f && f->values ? f->values[below(r, f->n_values)] : "upgrade";
      PUT(", ", 2);
      PUT(t, strlen(t));
    }
    if (op == 4)
      PUT("/1", 2); /* protocol-version */
  }
#undef PUT
  return o;
}

/* Byte-level mutation when libFuzzer's is not linked (AFL++ library). */
static size_t bytes_mutate(uint64_t *r, uint8_t *d, size_t n, size_t max)
{
  if (LLVMFuzzerMutate)
    return LLVMFuzzerMutate(d, n, max);
  for (int k = 1 + (int)below(r, 4); k > 0; k--) {
    size_t at = below(r, n + 1);
    switch (below(r, 3)) {
    case 0:
      if (n)
        d[below(r, n)] = (uint8_t)rnd(r);
      break;
    case 1:
      if (n < max) {
        memmove(d + at + 1, d + at, n - at);
        d[at] = (uint8_t)rnd(r);
        n++;
      }
      break;
    default:
      if (n && at < n) {
        memmove(d + at, d + at + 1, n - at - 1);
        n--;
      }
    }
  }
  return n;
}

/* Writes the head of s (with `extra` as one more field line when non-NULL), the empty line and
 * `body`, into data. */
static size_t rebuild(const struct shape *s, const char *extra, const uint8_t *body, size_t bn,
                      uint8_t *data, size_t max)
{
  static uint8_t buf[SCRATCH];
  struct out o = {buf, 0, max < SCRATCH ? max : SCRATCH};
  for (size_t i = 0; i < s->n; i++)
    emit_line(&o, &s->l[i]);
  if (extra)
    emits(&o, extra);
  emits(&o, s->has_blank ? s->blank : "\r\n");
  emit(&o, body, bn);
  memcpy(data, buf, o.n);
  return o.n;
}

/* Around the limits of limits.h: SY_MAX_TARGET_BYTES, SY_MAX_HEAD_BYTES, SY_MAX_HEADERS. */
static size_t limits_mutate(uint64_t *r, struct shape *s, uint8_t *data, size_t max)
{
  static char big[SY_MAX_HEAD_BYTES + 256];
  size_t want, n = 0;
  int k = (int)below(r, 3);
  if (k == 0) { /* request-target at the limit, one over, or far over */
    want = SY_MAX_TARGET_BYTES - 8 + below(r, 3) * 8 + below(r, 8);
    n = (size_t)snprintf(big, sizeof big, "GET /live?");
    while (n < want && n < sizeof big - 16) {
      big[n] = (char)('a' + (n % 26));
      n++;
    }
    n += (size_t)snprintf(big + n, sizeof big - n, " HTTP/1.1");
    s->l[0] = (struct line){(const uint8_t *)big, n, "\r\n"};
    return rebuild(s, NULL, s->tail, s->tail_n, data, max);
  }
  if (k == 1) { /* one field value long enough to take the head to the limit */
    want = SY_MAX_HEAD_BYTES - 64 + below(r, 128);
    n = (size_t)snprintf(big, sizeof big, "X-Pad: ");
    while (n < want && n < sizeof big - 4)
      big[n++] = 'p';
    big[n++] = '\r';
    big[n++] = '\n';
    big[n] = '\0';
    return rebuild(s, big, s->tail, s->tail_n, data, max);
  }
  /* as many field lines as SY_MAX_HEADERS, give or take one */
  want = SY_MAX_HEADERS - 1 + below(r, 3);
  for (size_t i = s->n; i < want + 1 && i < MAX_LINES; i++) {
    s->l[i] = (struct line){(const uint8_t *)"X-F: 1", 6, "\r\n"};
    s->n = i + 1;
  }
  return rebuild(s, NULL, s->tail, s->tail_n, data, max);
}

/* Content-Length that matches the body, misses it by one, or is repeated; or the body re-sent in
 * chunked coding, valid or broken (RFC 9112 §6.3, §7.1). */
static size_t body_mutate(uint64_t *r, struct shape *s, uint8_t *data, size_t max)
{
  static uint8_t body[SCRATCH / 2];
  static char field[64];
  size_t bn = 0, tn = s->tail_n < 2000 ? s->tail_n : 2000, k = 0;
  const uint8_t *t = s->tail;
  if (tn == 0) {
    t = (const uint8_t *)"hello=world";
    tn = 11;
  }
  if (below(r, 2)) {
    long delta = (long)below(r, 3) - 1;
    snprintf(field, sizeof field, "Content-Length: %ld\r\n%s", (long)tn + (below(r, 2) ? delta : 0),
             below(r, 6) == 0 ? "Content-Length: 1\r\n" : "");
    return rebuild(s, field, t, tn, data, max);
  }
  /* chunked: a few chunks of the tail, sometimes with an extension, a bad size or a trailer */
  while (k < tn && bn < sizeof body - 64) {
    size_t c = 1 + below(r, 16);
    if (c > tn - k)
      c = tn - k;
    bn += (size_t)snprintf((char *)body + bn, sizeof body - bn, below(r, 12) ? "%zx%s\r\n" : "%zX%s\r\n",
                           c + (below(r, 20) == 0), below(r, 8) == 0 ? ";ext=1" : "");
    memcpy(body + bn, t + k, c);
    bn += c;
    k += c;
    memcpy(body + bn, below(r, 20) ? "\r\n" : "\n", 2);
    bn += 2;
  }
  bn += (size_t)snprintf((char *)body + bn, sizeof body - bn, "0\r\n%s\r\n",
                         below(r, 4) == 0 ? "X-Trailer: 1\r\n" : "");
  snprintf(field, sizeof field, "Transfer-Encoding: %s\r\n",
           (const char *[]){"chunked", "chunked", "gzip, chunked", "chunked, chunked"}[below(r, 4)]);
  return rebuild(s, field, body, bn, data, max);
}

static size_t shape_mutate(uint8_t *data, size_t size, size_t max, uint64_t *r)
{
  static struct shape s;
  static uint8_t buf[SCRATCH];
  static char val[512];
  struct out o = {buf, 0, max < SCRATCH ? max : SCRATCH};
  struct line extra = {0};
  size_t target = 0, at = 0;
  int op;

  if (size > SCRATCH)
    return bytes_mutate(r, data, size, max);
  split(&s, data, size);
  if (s.n == 0) {
    s.l[0] = (struct line){(const uint8_t *)"GET /live HTTP/1.1", 18, "\r\n"};
    s.n = 1;
  }
  op = (int)below(r, 16);
  if (s.n > 1)
    target = 1 + below(r, s.n - 1);
  switch (op) {
  case 0: /* insert a field line from the table */
  case 1:
    if (s.n < MAX_LINES) {
      at = 1 + below(r, s.n);
      memmove(&s.l[at + 1], &s.l[at], (s.n - at) * sizeof s.l[0]);
      s.l[at] = field_line(r, &fields[below(r, N_FIELDS)]);
      s.n++;
    }
    break;
  case 2: /* replace a field line with one of its kind (or any) */
    if (target) {
      const struct field_kind *k = kind_of(&s.l[target]);
      s.l[target] = field_line(r, k && below(r, 4) ? k : &fields[below(r, N_FIELDS)]);
    }
    break;
  case 3: /* delete a field line */
    if (target) {
      memmove(&s.l[target], &s.l[target + 1], (s.n - target - 1) * sizeof s.l[0]);
      s.n--;
    }
    break;
  case 4: /* duplicate a field line (repeated fields, §5.3) */
    if (target && s.n < MAX_LINES) {
      at = 1 + below(r, s.n);
      extra = s.l[target];
      memmove(&s.l[at + 1], &s.l[at], (s.n - at) * sizeof s.l[0]);
      s.l[at] = extra;
      s.n++;
    }
    break;
  case 5: /* swap two lines */
    if (s.n > 2) {
      size_t b = 1 + below(r, s.n - 1);
      extra = s.l[target];
      s.l[target] = s.l[b];
      s.l[b] = extra;
    }
    break;
  case 6: /* case-vary a line (names are case-insensitive; methods are not) */
  {
    size_t t = below(r, s.n), n = s.l[t].n < sizeof val ? s.l[t].n : sizeof val;
    memcpy(val, s.l[t].p, n);
    case_vary(r, (uint8_t *)val, n);
    s.l[t].p = (const uint8_t *)val;
    s.l[t].n = n;
    break;
  }
  case 7: /* another line ending, or the head's end */
    if (below(r, 4))
      s.l[below(r, s.n)].eol = eols[below(r, sizeof eols / sizeof eols[0])];
    else
      s.blank = eols[below(r, sizeof eols / sizeof eols[0])], s.has_blank = 1;
    break;
  case 8: /* obs-fold or whitespace around the colon / at the line start */
    if (target) {
      size_t n = s.l[target].n < sizeof val - 8 ? s.l[target].n : sizeof val - 8, cut = below(r, n + 1);
      const char *ins = (const char *[]){"\r\n ", "\r\n\t", " ", "\t", "\n "}[below(r, 5)];
      size_t il = strlen(ins);
      if (below(r, 3) == 0) {
        const uint8_t *colon = memchr(s.l[target].p, ':', n);
        if (colon)
          cut = (size_t)(colon - s.l[target].p);
      }
      memcpy(val, s.l[target].p, cut);
      memcpy(val + cut, ins, il);
      memcpy(val + cut + il, s.l[target].p + cut, n - cut);
      s.l[target].p = (const uint8_t *)val;
      s.l[target].n = n + il;
    }
    break;
  case 9: /* list elements */
    if (target) {
      const uint8_t *colon = memchr(s.l[target].p, ':', s.l[target].n);
      if (colon) {
        size_t pre = (size_t)(colon - s.l[target].p) + 1, vn;
        if (pre > 128)
          break;
        memcpy(val, s.l[target].p, pre);
        vn = list_mutate(r, colon + 1, s.l[target].n - pre, val + pre, sizeof val - pre,
                         kind_of(&s.l[target]));
        s.l[target].p = (const uint8_t *)val;
        s.l[target].n = pre + vn;
      }
    }
    break;
  case 10: /* the request line */
  {
    int n = 0;
    const char *m = methods[below(r, sizeof methods / sizeof methods[0])];
    const char *t = targets[below(r, sizeof targets / sizeof targets[0])];
    const char *v = versions[below(r, sizeof versions / sizeof versions[0])];
    const char *sp = below(r, 8) ? " " : (below(r, 2) ? "  " : "\t");
    switch (below(r, 4)) { /* keep two parts of the old line most of the time */
    case 0: n = snprintf(val, sizeof val, "%s%s%s%s%s", m, sp, t, sp, v); break;
    default: {
      const uint8_t *a = memchr(s.l[0].p, ' ', s.l[0].n);
      const uint8_t *b = a ? memchr(a + 1, ' ', s.l[0].n - (size_t)(a + 1 - s.l[0].p)) : NULL;
      if (!a || !b) {
        n = snprintf(val, sizeof val, "%s %s %s", m, t, v);
        break;
      }
      int ml = (int)(a - s.l[0].p), tl = (int)(b - a - 1), vl = (int)(s.l[0].n - (size_t)(b + 1 - s.l[0].p));
      int which = (int)below(r, 3);
      n = snprintf(val, sizeof val, "%.*s %.*s %.*s", which == 0 ? (int)strlen(m) : ml,
                   which == 0 ? m : (const char *)s.l[0].p, which == 1 ? (int)strlen(t) : tl,
                   which == 1 ? t : (const char *)a + 1, which == 2 ? (int)strlen(v) : vl,
                   which == 2 ? v : (const char *)b + 1);
    }
    }
    if (n > 0 && (size_t)n < sizeof val) {
      s.l[0].p = (const uint8_t *)val;
      s.l[0].n = (size_t)n;
    }
    break;
  }
  case 11: /* append a pipelined copy of the head, or a WebSocket frame */
    if (below(r, 2) || size > 2048) {
      size_t fn;
      const uint8_t *f = sy_fuzz_ws_frame(r, &fn);
      memcpy(val, f, fn);
      extra = (struct line){(const uint8_t *)val, fn, ""};
    } else {
      extra.n = 1; /* marker: copy the head again after the tail */
    }
    break;
  case 12: /* byte mutation of one line only */
  {
    size_t t = below(r, s.n), n = s.l[t].n < sizeof val / 2 ? s.l[t].n : sizeof val / 2;
    memcpy(val, s.l[t].p, n);
    s.l[t].n = bytes_mutate(r, (uint8_t *)val, n, sizeof val);
    s.l[t].p = (const uint8_t *)val;
    break;
  }
  case 13: /* the named limits: a long target (414), a long head (431), many fields (431) */
    return limits_mutate(r, &s, data, max);
  case 14: /* the body's framing: Content-Length against the bytes, or chunked encoding */
    return body_mutate(r, &s, data, max);
  default: /* the whole input, bytes only */
    return bytes_mutate(r, data, size, max);
  }

  for (size_t i = 0; i < s.n; i++)
    emit_line(&o, &s.l[i]);
  if (s.has_blank || op == 11 || below(r, 2))
    emits(&o, s.has_blank ? s.blank : "\r\n"); /* an unfinished head mostly stays unfinished */
  emit(&o, s.tail, s.tail_n);
  if (op == 11) {
    if (extra.p)
      emit(&o, extra.p, extra.n);
    else {
      for (size_t i = 0; i < s.n; i++)
        emit_line(&o, &s.l[i]);
      emits(&o, "\r\n");
    }
  }
  memcpy(data, buf, o.n);
  return o.n;
}

/* One mutation: a request generated from the grammar (grammar.c) when the input is not one yet
 * (a campaign with no seeds starts from the empty input) and one time in 128 anyway (more often
 * fills the corpus with generated near-misses, which dilutes the inputs that got far); a field
 * or token operation (tokens.c) one time in 8; a shape operation above otherwise. */
static size_t mutate_one(uint8_t *data, size_t size, size_t max, uint64_t *r)
{
  if (size < 4 || below(r, 128) == 0)
    return sy_fuzz_generate(r, SY_FUZZ_KINDS, below(r, 4) ? 6 : 0, data, max);
  if (below(r, 8) == 0)
    return sy_fuzz_token_mutate(r, data, size, max);
  return shape_mutate(data, size, max, r);
}

/* SY_MUTATOR=plain: byte mutation only (and libFuzzer-like crossover), for comparisons. */
static int plain_only(void)
{
  static int v = -1;
  if (v < 0) {
    const char *e = getenv("SY_MUTATOR");
    v = (e && strcmp(e, "plain") == 0) || &sy_fuzz_request_shaped == NULL;
  }
  return v;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
  uint64_t r = seed;
  if (plain_only() || below(&r, 5) == 0)
    return bytes_mutate(&r, data, size, max_size);
  return mutate_one(data, size, max_size, &r);
}

/* Field lines of one input spliced into the head of another. */
size_t LLVMFuzzerCustomCrossOver(const uint8_t *d1, size_t s1, const uint8_t *d2, size_t s2,
                                 uint8_t *out, size_t max_out, unsigned int seed)
{
  static struct shape a, b;
  struct out o = {out, 0, max_out};
  uint64_t r = seed;
  if (plain_only()) {
    /* a prefix of one input and a suffix of the other */
    size_t p = below(&r, s1 + 1), q = below(&r, s2 + 1);
    emit(&o, d1, p);
    emit(&o, d2 + q, s2 - q);
    return o.n;
  }
  split(&a, d1, s1);
  split(&b, d2, s2);
  if (a.n == 0) {
    size_t n = s1 < max_out ? s1 : max_out;
    memcpy(out, d1, n);
    return n;
  }
  emit_line(&o, &a.l[0]);
  for (size_t i = 1; i < a.n; i++) {
    if (below(&r, 3))
      emit_line(&o, &a.l[i]);
    if (b.n > 1 && below(&r, 3) == 0)
      emit_line(&o, &b.l[1 + below(&r, b.n - 1)]);
  }
  emits(&o, a.has_blank ? a.blank : "\r\n");
  if (below(&r, 2))
    emit(&o, a.tail, a.tail_n);
  else
    emit(&o, b.tail, b.tail_n);
  return o.n;
}

#ifdef SY_AFL_MUTATOR
/* AFL++ custom mutator API (docs/custom_mutators.md): AFL_CUSTOM_MUTATOR_LIBRARY=this.so */
struct afl_state;
struct sy_afl {
  uint64_t r;
  uint8_t *buf;
  size_t cap;
};
void *afl_custom_init(struct afl_state *afl, unsigned int seed);
size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size, uint8_t **out_buf,
                       uint8_t *add_buf, size_t add_buf_size, size_t max_size);
void afl_custom_deinit(void *data);

void *afl_custom_init(struct afl_state *afl, unsigned int seed)
{
  struct sy_afl *m = calloc(1, sizeof *m);
  (void)afl;
  m->r = seed;
  return m;
}

size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size, uint8_t **out_buf,
                       uint8_t *add_buf, size_t add_buf_size, size_t max_size)
{
  struct sy_afl *m = data;
  size_t cap = max_size < SCRATCH ? max_size : SCRATCH;
  if (m->cap < cap) {
    m->buf = realloc(m->buf, cap);
    m->cap = cap;
  }
  if (add_buf && add_buf_size && below(&m->r, 8) == 0) {
    *out_buf = m->buf;
    return LLVMFuzzerCustomCrossOver(buf, buf_size, add_buf, add_buf_size, m->buf, cap,
                                     (unsigned)rnd(&m->r));
  }
  if (buf_size > cap)
    buf_size = cap;
  memcpy(m->buf, buf, buf_size);
  *out_buf = m->buf;
  return mutate_one(m->buf, buf_size, cap, &m->r);
}

void afl_custom_deinit(void *data)
{
  struct sy_afl *m = data;
  free(m->buf);
  free(m);
}
#endif
