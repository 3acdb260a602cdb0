/* SPDX-License-Identifier: MIT */
/* upgrade_ops.c: mutation operators aimed at upgrade semantics (issue 14; upgrade_ops.h).
 * The request is read as a request line, field lines, the empty line and the bytes after it;
 * one operation re-emits it with one change: a field set to a value from the tables below
 * (the values that decide 101, 426 or 400), a second line of a field, a field dropped, another
 * method or version, content framing added, one line ending, an obs-fold, a field name's case
 * or whitespace, or bytes after the head. The values are near the edges the RFCs draw (RFC 9110
 * §7.8, §5.6.1; RFC 9112 §2.2, §5.1, §5.2, §6; RFC 6455 §4.1, §4.2.1; RFC 7540 §3.2.1).
 *
 * sy_fuzz_mutate_batch stacks these with the request-shaped mutator of the libFuzzer and AFL++
 * builds (afl_custom_fuzz: mutator.c, grammar.c, tokens.c), in the shared library only. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "grammar.h"
#include "oracles.h"
#include "shape.h"
#include "upgrade_ops.h"

#define UOP_MAX_LINES 96
#define UOP_SCRATCH   (64 * 1024)
#define UOP_MAX_STACK 4 /* operations stacked on one mutant */

struct uline {
  size_t a, n;     /* content [a, a + n) of the input, without its line ending */
  const char *eol; /* "\r\n", "\n", "" */
};

struct head {
  const uint8_t *d;
  size_t size;
  struct uline l[UOP_MAX_LINES]; /* l[0]: the request line */
  size_t n;
  size_t after; /* first byte after the empty line (size without one) */
  const char *blank;
};

/* One change to apply while re-emitting (see emit). */
struct edit {
  const char *reqline; /* replaces the request line */
  const char *drop;    /* drop every field line of this name */
  const char *add;     /* field lines to append before the empty line (CRLF each) */
  const uint8_t *after;
  size_t after_n;
  int set_after;   /* replace the bytes after the head with after[0..after_n) */
  size_t line;     /* a field line (>= 1) that line_op applies to; 0: none */
  int line_op;     /* 'e' eol, 'f' fold, 'u' upper name, 'l' lower name, 's' SP before colon,
                    * 't' HTAB before colon, 'w' led by SP */
  const char *arg; /* the eol for 'e' */
};

static void split_head(struct head *h, const uint8_t *d, size_t size)
{
  size_t i = 0;
  h->d = d;
  h->size = size;
  h->n = 0;
  h->after = size;
  h->blank = "\r\n";
  while (i < size && h->n < UOP_MAX_LINES) {
    const uint8_t *nl = memchr(d + i, '\n', size - i);
    size_t j = nl ? (size_t)(nl - d) : size, end = j;
    int cr = end > i && d[end - 1] == '\r';
    if (cr)
      end--;
    if (end == i && h->n > 0) { /* the empty line */
      h->blank = cr ? "\r\n" : "\n";
      h->after = nl ? j + 1 : size;
      return;
    }
    h->l[h->n].a = i;
    h->l[h->n].n = end - i;
    h->l[h->n].eol = nl ? (cr ? "\r\n" : "\n") : "";
    h->n++;
    i = nl ? j + 1 : size;
  }
  h->after = i;
}

static int name_is(const struct head *h, size_t k, const char *name)
{
  size_t len = strlen(name);
  const uint8_t *p = h->d + h->l[k].a;
  return h->l[k].n > len && p[len] == ':' && strncasecmp((const char *)p, name, len) == 0;
}

static size_t colon_of(const struct head *h, size_t k)
{
  const uint8_t *c = memchr(h->d + h->l[k].a, ':', h->l[k].n);
  return c ? (size_t)(c - (h->d + h->l[k].a)) : h->l[k].n;
}

static void emit_line(struct sy__out *o, const struct head *h, size_t k, const struct edit *e)
{
  const uint8_t *p = h->d + h->l[k].a;
  size_t n = h->l[k].n, c = colon_of(h, k), i;
  if (e->line != k || k == 0) {
    sy__emit(o, p, n);
    sy__emits(o, h->l[k].eol);
    return;
  }
  switch (e->line_op) {
  case 'e':
    sy__emit(o, p, n);
    sy__emits(o, e->arg);
    return;
  case 'f': /* obs-fold (RFC 9112 §5.2) after the colon */
    sy__emit(o, p, c < n ? c + 1 : n);
    sy__emits(o, "\r\n ");
    if (c + 1 < n)
      sy__emit(o, p + c + 1, n - c - 1);
    break;
  case 'u':
  case 'l':
    for (i = 0; i < n; i++) {
      uint8_t b = p[i];
      if (i < c && b >= 'a' && b <= 'z' && e->line_op == 'u')
        b = (uint8_t)(b - 32);
      else if (i < c && b >= 'A' && b <= 'Z' && e->line_op == 'l')
        b = (uint8_t)(b + 32);
      sy__emit(o, &b, 1);
    }
    break;
  case 's':
  case 't': /* RFC 9112 §5.1: whitespace between the name and the colon */
    sy__emit(o, p, c);
    sy__emits(o, e->line_op == 's' ? " " : "\t");
    sy__emit(o, p + c, n - c);
    break;
  default: /* 'w': a line led by whitespace (RFC 9112 §2.2 after the start line, or a fold) */
    sy__emits(o, " ");
    sy__emit(o, p, n);
    break;
  }
  sy__emits(o, h->l[k].eol[0] ? h->l[k].eol : "\r\n");
}

static void emit(struct sy__out *o, const struct head *h, const struct edit *e)
{
  size_t k;
  if (e->reqline) {
    sy__emits(o, e->reqline);
    sy__emits(o, h->l[0].eol[0] ? h->l[0].eol : "\r\n");
  } else {
    emit_line(o, h, 0, e);
  }
  for (k = 1; k < h->n; k++)
    if (!e->drop || !name_is(h, k, e->drop))
      emit_line(o, h, k, e);
  if (e->add)
    sy__emits(o, e->add);
  sy__emits(o, h->blank);
  if (e->set_after)
    sy__emit(o, e->after, e->after_n);
  else
    sy__emit(o, h->d + h->after, h->size - h->after);
}

/* The tables: values that decide 101, 426 or 400 at an RFC's edge. */
static const char *const up_vals[] = {
    "websocket", "WebSocket", "websocket, h2c", "h2c, websocket", "h2c", "h2", "TLS/1.0",
    "TLS/1.0, HTTP/1.1", "websocket/13", "", ",websocket", "websocket,", ", ,websocket",
    "web socket", "websocket;q=1", "HTTP/2.0", "foo/1, websocket", "websocket websocket", "\"websocket\""};
static const char *const conn_vals[] = {
    "Upgrade", "upgrade", "keep-alive, Upgrade", "Upgrade, close", "close", "keep-alive", "",
    "Upgrade, HTTP2-Settings", "HTTP2-Settings", "Upgrade,", ",upgrade", "Upgrades", "up grade",
    "Upgrade, Sec-WebSocket-Key", "Keep-Alive"};
static const char *const key_vals[] = {
    "dGhlIHNhbXBsZSBub25jZQ==", "dGhlIHNhbXBsZSBub25jZQ=", "dGhlIHNhbXBsZSBub25jZQ",
    "dGhlIHNhbXBsZSBub25jZQ==x", "AQIDBAUGBwgJCgsMDQ4PEC==", "AQIDBAUGBwgJCgsMDQ4PEA==",
    "-_-_-_-_-_-_-_-_-_-_-w==", "", "dGhlIHNhbXBsZSBub25jZQ==, dGhlIHNhbXBsZSBub25jZQ==",
    "dGhlIHNh bXBsZSBub25jZQ=="};
static const char *const ver_vals[] = {"13", "8", "13, 8", "8, 13", "", "013", "12", "13,", "1 3",
                                       "25", "13 13", "+13"};
static const char *const proto_vals[] = {"chat", "chat, superchat", "", ",", "chat chat", "x;y",
                                         "permessage-deflate", "permessage-deflate; client_max_window_bits",
                                         "permessage-deflate;;", "foo, permessage-deflate"};
static const char *const h2s_vals[] = {"AAMAAABkAAQAAP__", "", "AAMAAABkAAQAAP__=", "!!",
                                       "AAMAAABk AAQAAP__", "AAMAAABkAAQAAP//", "AAMAAAB"};
static const char *const host_vals[] = {"localhost", "", "a b", "localhost:99999", "[::1]",
                                        "localhost, other", "localhost:", "user@localhost",
                                        "local_host"};
static const char *const methods[] = {"GET", "HEAD", "POST", "PUT", "OPTIONS", "CONNECT", "get",
                                      "PRI", "DELETE", "G ET"};
static const char *const versions[] = {"HTTP/1.1", "HTTP/1.0", "HTTP/1.2", "HTTP/2.0", "HTTP/0.9",
                                       "HTTP/1.1 ", "http/1.1", "HTTP/1.10", "HTTP/2"};
struct body_form {
  const char *fields, *content;
};
static const struct body_form bodies[] = {
    {"Content-Length: 5\r\n", "hello"},
    {"Transfer-Encoding: chunked\r\n", "5\r\nhello\r\n0\r\n\r\n"},
    {"Transfer-Encoding: chunked\r\n", "0\r\nUpgrade: h2c\r\n\r\n"},
    {"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", "0\r\n\r\n"},
    {"Content-Length: 5, 5\r\n", "hello"},
    {"Content-Length: 5\r\nContent-Length: 6\r\n", "hello!"},
    {"Content-Length: -1\r\n", ""},
    {"Transfer-Encoding: gzip\r\n", ""},
    {"Transfer-Encoding: chunked, identity\r\n", "0\r\n\r\n"},
    {"Content-Length: 0\r\n", ""},
    {"Expect: 100-continue\r\nContent-Length: 2\r\n", "hi"}};
static const char *const afters[] = {
    "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
    "GET /live HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "\r\n", "X"};
static const char *const drops[] = {"Upgrade", "Connection", "Sec-WebSocket-Key",
                                    "Sec-WebSocket-Version", "Host", "HTTP2-Settings"};
static const char *const eols[] = {"\n", "\r", "\r\r\n", "\r\n\r\n"};

#define PICK(r, t) ((t)[oc_below((r), sizeof(t) / sizeof(t)[0])])

/* A field set to a value: replaced (two times in three) or given another line. */
static void set_field(uint64_t *r, struct edit *e, char *line, size_t cap, const char *name,
                      const char *value)
{
  size_t n = strlen(name), v = strlen(value);
  if (n + v + 5 > cap)
    return;
  memcpy(line, name, n);
  memcpy(line + n, ": ", 2);
  memcpy(line + n + 2, value, v);
  memcpy(line + n + 2 + v, "\r\n", 3);
  e->add = line;
  if (oc_below(r, 3))
    e->drop = name;
}

/* The request line with its method (part 0) or its version (part 2) replaced. */
static void reqline_part(const struct head *h, int part, const char *with, char *out, size_t cap)
{
  const char *p = (const char *)h->d + h->l[0].a;
  size_t n = h->l[0].n, sp1, sp2, w = strlen(with);
  const char *a = memchr(p, ' ', n), *b;
  out[0] = '\0';
  if (!a)
    return;
  sp1 = (size_t)(a - p);
  for (b = p + n; b > a && b[-1] != ' '; b--)
    ;
  sp2 = (size_t)(b - p) - 1;
  if (sp2 <= sp1 || n + w + 1 > cap)
    return;
  if (part == 0) {
    memcpy(out, with, w);
    memcpy(out + w, p + sp1, n - sp1);
    out[w + n - sp1] = '\0';
  } else {
    memcpy(out, p, sp2 + 1);
    memcpy(out + sp2 + 1, with, w);
    out[sp2 + 1 + w] = '\0';
  }
}

static void choose_edit(uint64_t *r, int op, const struct head *h, struct edit *e, char *line,
                        size_t cap)
{
  const struct body_form *bf;
  const char *name;
  size_t fields = h->n > 1 ? h->n - 1 : 0;
  switch (op) {
  case SY_UOP_UPGRADE:
    set_field(r, e, line, cap, "Upgrade", PICK(r, up_vals));
    break;
  case SY_UOP_CONNECTION:
    set_field(r, e, line, cap, "Connection", PICK(r, conn_vals));
    break;
  case SY_UOP_WS_KEY:
    set_field(r, e, line, cap, "Sec-WebSocket-Key", PICK(r, key_vals));
    break;
  case SY_UOP_WS_VERSION:
    set_field(r, e, line, cap, "Sec-WebSocket-Version", PICK(r, ver_vals));
    break;
  case SY_UOP_WS_PROTO:
    name = oc_below(r, 2) ? "Sec-WebSocket-Protocol" : "Sec-WebSocket-Extensions";
    set_field(r, e, line, cap, name, PICK(r, proto_vals));
    break;
  case SY_UOP_H2_SETTINGS:
    set_field(r, e, line, cap, "HTTP2-Settings", PICK(r, h2s_vals));
    break;
  case SY_UOP_HOST:
    set_field(r, e, line, cap, "Host", PICK(r, host_vals));
    break;
  case SY_UOP_METHOD:
  case SY_UOP_VERSION:
    reqline_part(h, op == SY_UOP_METHOD ? 0 : 2,
                 op == SY_UOP_METHOD ? PICK(r, methods) : PICK(r, versions), line, cap);
    e->reqline = line[0] ? line : NULL;
    break;
  case SY_UOP_BODY:
    bf = &PICK(r, bodies);
    e->add = bf->fields;
    e->after = (const uint8_t *)bf->content;
    e->after_n = strlen(bf->content);
    e->set_after = 1;
    break;
  case SY_UOP_EOL:
  case SY_UOP_FOLD:
  case SY_UOP_NAME:
    if (!fields)
      break;
    e->line = 1 + oc_below(r, fields);
    e->line_op = op == SY_UOP_EOL ? 'e' : op == SY_UOP_FOLD ? 'f'
                                                            : "ulstw"[oc_below(r, 5)];
    e->arg = PICK(r, eols);
    break;
  case SY_UOP_AFTER_HEAD:
    if (oc_below(r, 3) == 0) {
      e->after = sy_fuzz_ws_frame(r, &e->after_n); /* early data before the 101 */
    } else {
      e->after = (const uint8_t *)PICK(r, afters);
      e->after_n = strlen((const char *)e->after);
    }
    e->set_after = 1;
    break;
  default:
    e->drop = PICK(r, drops);
    break;
  }
}

size_t sy_fuzz_upgrade_mutate(uint64_t *rng, int op, uint8_t *data, size_t size, size_t max)
{
  struct head h;
  struct edit e;
  struct sy__out o;
  char line[512];
  uint8_t *scratch;
  size_t cap = max < UOP_SCRATCH ? max : UOP_SCRATCH;
  if (op < 0 || op >= SY_UOP__COUNT)
    op = (int)oc_below(rng, SY_UOP__COUNT);
  split_head(&h, data, size);
  if (h.n == 0 || !memchr(data, ' ', h.l[0].n))
    return size;
  scratch = malloc(cap ? cap : 1);
  if (!scratch)
    return size;
  memset(&e, 0, sizeof e);
  choose_edit(rng, op, &h, &e, line, sizeof line);
  o.p = scratch;
  o.n = 0;
  o.cap = cap;
  emit(&o, &h, &e);
  memcpy(data, scratch, o.n);
  free(scratch);
  return o.n;
}

#ifdef SY_AFL_MUTATOR
struct afl_state;
void *afl_custom_init(struct afl_state *afl, unsigned int seed);
size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size, uint8_t **out_buf,
                       uint8_t *add_buf, size_t add_buf_size, size_t max_size);
void afl_custom_deinit(void *data);

size_t sy_fuzz_mutate_batch(uint64_t seed, const uint8_t *in, size_t n, uint8_t *buf, size_t cap,
                            size_t *lens, size_t count, size_t max_each)
{
  uint64_t r = seed;
  void *afl = afl_custom_init(NULL, (unsigned)oc_rand(&r));
  uint8_t *one = malloc(max_each ? max_each : 1), *got;
  size_t used = 0, i, k, m;
  if (!afl || !one) {
    free(one);
    if (afl)
      afl_custom_deinit(afl);
    return 0;
  }
  for (i = 0; i < count; i++) {
    m = n < max_each ? n : max_each;
    memcpy(one, in, m);
    for (k = 1 + oc_below(&r, UOP_MAX_STACK); k > 0; k--) {
      if (oc_below(&r, 2)) {
        m = sy_fuzz_upgrade_mutate(&r, -1, one, m, max_each);
        continue;
      }
      got = NULL;
      m = afl_custom_fuzz(afl, one, m, &got, NULL, 0, max_each);
      if (got && got != one)
        memcpy(one, got, m);
    }
    if (m > cap - used)
      break;
    memcpy(buf + used, one, m);
    lens[i] = m;
    used += m;
  }
  free(one);
  afl_custom_deinit(afl);
  return i;
}
#endif
