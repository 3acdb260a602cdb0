/* SPDX-License-Identifier: MIT */
/* grammar.c: requests composed from a small grammar (issue 13), so that a campaign with no seed
 * at all reaches the states that matter (101, 426, 400 for each handshake rule, h2c and TLS
 * offers ignored, bodies, pipelining) within its first second.
 *
 *   request  = [ empty-line ] request-line *( field-line ) CRLF [ body ] [ tail ]
 *   fields   = the offer's fields (Host, Upgrade, Connection, Sec-WebSocket-Key/-Version,
 *              HTTP2-Settings, ...) in a random order, names in any case, OWS around values
 *   body     = Content-Length: n + n bytes | Transfer-Encoding: chunked + chunks [+ trailer]
 *   tail     = another request (pipelined) | a WebSocket frame after a handshake
 *
 * Every element has valid values and near-valid ones (the tables below: `ok` first, then `near`
 * after a NULL); one time in `near` an element takes a near-valid value, is left out or is
 * repeated. The token-level mutations are in tokens.c. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "grammar.h"
#include "oracles.h"

struct gbuf {
  uint8_t *p;
  size_t n, cap;
};

static void put(struct gbuf *b, const void *s, size_t n)
{
  if (n > b->cap - b->n)
    n = b->cap - b->n;
  memcpy(b->p + b->n, s, n);
  b->n += n;
}

static void puts_(struct gbuf *b, const char *s)
{
  put(b, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void putf(struct gbuf *b, const char *fmt, ...)
{
  char tmp[512];
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n > 0)
    put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static int one_in(uint64_t *r, unsigned n)
{
  return n && oc_below(r, n) == 0;
}

/* A table is {valid..., NULL, near-valid..., NULL}: a valid value, or one time in `near` a
 * near-valid one. */
static const char *choose(uint64_t *r, const char *const *t, unsigned near)
{
  size_t ok = 0, all;
  while (t[ok])
    ok++;
  all = ok + 1;
  while (t[all])
    all++;
  if (all > ok + 1 && one_in(r, near))
    return t[ok + 1 + oc_below(r, all - ok - 1)];
  return t[oc_below(r, ok)];
}

static const char *const m_ws[] = {"GET", NULL, "HEAD", "POST", "get", "PUT", "OPTIONS", "CONNECT",
                                   "GET ", NULL};
static const char *const m_plain[] = {"GET", "HEAD", "POST", "OPTIONS", "PUT", "DELETE", NULL,
                                      "TRACE", "PATCH", "BREW", "PRI", "get", NULL};
static const char *const t_ws[] = {"/live", "/live?x=1", "http://example.com/live", "/live?", NULL,
                                   "/live/", "/", "/nope", "/%6Cive", "/live#f", "//live",
                                   "http://example.com?x/live", "*", NULL};
static const char *const t_plain[] = {"/", "/live", "/index.html?q=1", "http://example.com/", NULL,
                                      "*", "/nope", "example.com:80", "/a b", "/\x7f", NULL};
static const char *const vers[] = {"HTTP/1.1", NULL, "HTTP/1.0", "HTTP/1.2", "HTTP/2.0",
                                   "HTTP/0.9", "http/1.1", "HTTP/1.10", "HTTP/3", "HTTP/1.1 ", NULL};
static const char *const hosts[] = {"example.com", "localhost:8080", "[::1]:80", "127.0.0.1",
                                    NULL, "", "a b", "example.com:", "x:y:z", "h%41", NULL};
static const char *const up_ws[] = {"websocket", "WebSocket", "websocket, h2c", "h2c, websocket",
                                    "foo/1, websocket", ", websocket ,", NULL, "websocket/13",
                                    "web socket", "websockets", "", "websocket;q=1", "h2c", NULL};
static const char *const up_h2c[] = {"h2c", "h2c, websocket", "H2C", NULL, "h2", "h2c/1", "HTTP/2.0",
                                     "", NULL};
static const char *const up_tls[] = {"TLS/1.2", "TLS/1.0", "TLS/1.2, HTTP/1.1", "tls/1.3", NULL,
                                     "TLS", "TLS/", "SSL/3.0", NULL};
static const char *const conn_up[] = {"Upgrade", "upgrade", "keep-alive, Upgrade",
                                      "Upgrade, keep-alive", "UPGRADE", ", , Upgrade", NULL,
                                      "Upgrades", "Upgrade;x", "close", "keep-alive", "X-Upgrade",
                                      "Upgrade, close", "", NULL};
static const char *const conn_h2c[] = {"Upgrade, HTTP2-Settings", "HTTP2-Settings, Upgrade",
                                       "upgrade, http2-settings", NULL, "Upgrade", "HTTP2-Settings",
                                       "close, Upgrade, HTTP2-Settings", NULL};
static const char *const ws_vers[] = {"13", NULL, "8", "13, 8", "8, 13", "", "013", "13 ", "1 3",
                                      "14", "12", "255", "256", "+13", NULL};
static const char *const settings[] = {"AAMAAABkAARAAAAAAAIAAAAA", "", "AAMAAABk", NULL,
                                       "AAMAAABkAARAAAAAAAIAAAAA==", "AA+/", "A A", NULL};
static void name_in_case(uint64_t *r, const char *name, char *out, size_t cap)
{
  size_t i, n = strlen(name) < cap - 1 ? strlen(name) : cap - 1;
  int how = one_in(r, 6) ? 1 + (int)oc_below(r, 2) : 0; /* names are case-insensitive (§5.1) */
  for (i = 0; i < n; i++) {
    char c = name[i];
    if (how == 1 && c >= 'A' && c <= 'Z')
      c = (char)(c + 32);
    else if (how == 2 && c >= 'a' && c <= 'z')
      c = (char)(c - 32);
    out[i] = c;
  }
  out[n] = '\0';
}

/* One field line; with near-valid layout one time in `near`: whitespace before the colon, a
 * bare LF, an obs-fold inside the value. Valid OWS otherwise. */
static void field(struct gbuf *b, uint64_t *r, unsigned near, const char *name, const char *value)
{
  static const char *const ows[] = {" ", "", "  ", "\t", " \t"};
  char nm[64];
  name_in_case(r, name, nm, sizeof nm);
  if (one_in(r, near ? near * 4 : 0)) {
    static const char *const bad[] = {" : ", ":\r\n ", " :", "\t: "};
    putf(b, "%s%s%s\r\n", nm, bad[oc_below(r, 4)], value);
    return;
  }
  putf(b, "%s:%s%s%s\r\n", nm, ows[oc_below(r, 5)], value, one_in(r, 8) ? " " : "");
}

/* A field that is left out or repeated one time in 2*near (a repeat may differ). */
static void field_maybe(struct gbuf *b, uint64_t *r, unsigned near, const char *name,
                        const char *value, const char *again)
{
  if (one_in(r, near ? near * 2 : 0)) {
    if (one_in(r, 2))
      return; /* missing */
    field(b, r, near, name, again ? again : value);
  }
  field(b, r, near, name, value);
}

void sy_fuzz_ws_key(uint64_t *r, unsigned near, char *k, size_t cap)
{
  static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  uint8_t raw[18];
  size_t bytes = 16, o = 0, i;
  int pad = 1, how = one_in(r, near) ? 1 + (int)oc_below(r, 6) : 0;
  if (how == 1)
    bytes = one_in(r, 2) ? 15 : 17; /* a key that is not 16 bytes (RFC 6455 §4.1) */
  for (i = 0; i < bytes; i++)
    raw[i] = (uint8_t)oc_rand(r);
  for (i = 0; i < bytes && o + 5 < cap; i += 3) {
    uint32_t v = (uint32_t)raw[i] << 16 | (i + 1 < bytes ? (uint32_t)raw[i + 1] << 8 : 0) |
                 (i + 2 < bytes ? raw[i + 2] : 0);
    size_t have = bytes - i < 3 ? bytes - i : 3;
    k[o++] = b64[v >> 18 & 63];
    k[o++] = b64[v >> 12 & 63];
    if (have > 1)
      k[o++] = b64[v >> 6 & 63];
    if (have > 2)
      k[o++] = b64[v & 63];
  }
  if (how == 2)
    pad = 0; /* no padding */
  for (i = 0; pad && i < (3 - bytes % 3) % 3 && o + 1 < cap; i++)
    k[o++] = '=';
  if (how == 3)
    k[oc_below(r, 16)] = "-_"[oc_below(r, 2)]; /* base64url alphabet */
  if (how == 4 && bytes == 16)
    k[21] = b64[16 * oc_below(r, 4) + 1 + oc_below(r, 15)]; /* non-zero pad bits (accepted) */
  if (how == 5)
    k[oc_below(r, o)] = ' ';
  if (how == 6)
    o = o > 4 ? o - 1 - oc_below(r, 3) : o; /* truncated */
  k[o] = '\0';
}

const uint8_t *sy_fuzz_ws_frame(uint64_t *r, size_t *n)
{
  static uint8_t f[160];
  static const uint8_t ops[] = {0x81, 0x82, 0x89, 0x8a, 0x88, 0x01, 0x80, 0x83, 0xc1};
  size_t len = oc_below(r, 8) ? oc_below(r, 12) : oc_below(r, 126);
  f[0] = ops[oc_below(r, sizeof ops)];
  f[1] = (uint8_t)(0x80 | len);
  memcpy(f + 2, "\x37\xfa\x21\x3d", 4);
  for (size_t i = 0; i < len; i++)
    f[6 + i] = (uint8_t)("Hello, close 1000\xe9"[i % 18] ^ f[2 + (i & 3)]);
  if (f[0] == 0x88 && len >= 2) {
    f[6] = 0x03 ^ f[2];
    f[7] = (uint8_t)(0xe8 + oc_below(r, 20)) ^ f[3];
  }
  *n = 6 + len;
  return f;
}

/* Content: none, Content-Length with the bytes (or off by one), or chunked, maybe a trailer. */
static void body(struct gbuf *b, uint64_t *r, unsigned near, int expect)
{
  static const char data[] = "hello=world&a=b0123456789";
  size_t n = 1 + oc_below(r, sizeof data - 1), k = 0;
  if (expect)
    field(b, r, near, "Expect", one_in(r, near) ? "100-Continue" : "100-continue");
  if (one_in(r, 2)) {
    long off = one_in(r, near) ? (long)oc_below(r, 3) - 1 : 0;
    putf(b, "Content-Length: %ld\r\n", (long)n + off);
    if (one_in(r, near * 2))
      putf(b, "Content-Length: %zu\r\n", n + 1);
    puts_(b, "\r\n");
    put(b, data, n);
    return;
  }
  field(b, r, near, "Transfer-Encoding", one_in(r, near) ? "gzip, chunked" : "chunked");
  puts_(b, "\r\n");
  while (k < n) {
    size_t c = 1 + oc_below(r, 8);
    c = c > n - k ? n - k : c;
    putf(b, one_in(r, 8) ? "%zX;ext=1\r\n" : "%zx\r\n", c + (one_in(r, near * 2) ? 1 : 0));
    put(b, data + k, c);
    puts_(b, one_in(r, near * 4) ? "\n" : "\r\n");
    k += c;
  }
  puts_(b, "0\r\n");
  if (one_in(r, 4))
    puts_(b, one_in(r, near) ? "Upgrade: websocket\r\n" : "X-Trailer: 1\r\n");
  puts_(b, "\r\n");
}

/* The offer's fields, each at a random place: a small shuffle of the order they are written. */
static void offer_fields(struct gbuf *b, uint64_t *r, int kind, unsigned near)
{
  char key[48];
  int order[6] = {0, 1, 2, 3, 4, 5};
  for (int i = 5; i > 0; i--) {
    int j = (int)oc_below(r, (size_t)i + 1), t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  for (int i = 0; i < 6; i++) {
    switch (order[i]) {
    case 0: field_maybe(b, r, near, "Host", choose(r, hosts, near), "other.example"); break;
    case 1:
      if (kind != SY_FUZZ_PLAIN)
        field_maybe(b, r, near, "Upgrade",
                    choose(r, kind == SY_FUZZ_WEBSOCKET ? up_ws : kind == SY_FUZZ_H2C ? up_h2c
                                                                                      : up_tls,
                           near),
                    "websocket");
      break;
    case 2:
      if (kind != SY_FUZZ_PLAIN || one_in(r, 4))
        field_maybe(b, r, near, "Connection",
                    kind == SY_FUZZ_PLAIN ? (one_in(r, 2) ? "close" : "keep-alive")
                                          : choose(r, kind == SY_FUZZ_H2C ? conn_h2c : conn_up, near),
                    "Upgrade");
      break;
    case 3:
      if (kind == SY_FUZZ_WEBSOCKET) {
        sy_fuzz_ws_key(r, near, key, sizeof key);
        field_maybe(b, r, near, "Sec-WebSocket-Key", key, "dGhlIHNhbXBsZSBub25jZQ==");
      } else if (kind == SY_FUZZ_H2C) {
        field_maybe(b, r, near, "HTTP2-Settings", choose(r, settings, near), NULL);
      }
      break;
    case 4:
      if (kind == SY_FUZZ_WEBSOCKET) {
        char num[8]; /* any version of RFC 6455 §4.1's 0-255, and a few past it */
        snprintf(num, sizeof num, "%u", (unsigned)oc_below(r, 300));
        field_maybe(b, r, near, "Sec-WebSocket-Version",
                    one_in(r, near * 2) ? num : choose(r, ws_vers, near), "8");
      }
      break;
    default:
      if (one_in(r, 3))
        field(b, r, near, (const char *[]){"Origin", "Sec-WebSocket-Protocol", "User-Agent", "Sec-WebSocket-Extensions", "Accept"}[oc_below(r, 5)],
              (const char *[]){"http://example.com", "chat, superchat", "sy/1",
                               "permessage-deflate", "*/*"}[oc_below(r, 5)]);
    }
  }
}

size_t sy_fuzz_generate(uint64_t *r, int kind, unsigned near, uint8_t *out, size_t cap)
{
  struct gbuf b = {out, 0, cap};
  const char *method, *target;
  if (kind < 0 || kind >= SY_FUZZ_KINDS)
    kind = (int)oc_below(r, SY_FUZZ_KINDS);
  if (kind == SY_FUZZ_WEBSOCKET) {
    method = choose(r, m_ws, near);
    target = choose(r, t_ws, near);
  } else if (kind == SY_FUZZ_TLS) {
    method = one_in(r, 2) ? "OPTIONS" : choose(r, m_plain, near);
    target = one_in(r, 2) ? "*" : choose(r, t_plain, near);
  } else {
    method = choose(r, m_plain, near);
    target = choose(r, kind == SY_FUZZ_H2C && one_in(r, 2) ? t_ws : t_plain, near);
  }
  if (one_in(r, near * 4))
    puts_(&b, "\r\n"); /* an empty line before the request line (RFC 9112 §2.2) */
  putf(&b, "%s %s %s\r\n", method, target, choose(r, vers, near));
  offer_fields(&b, r, kind, near);
  if (strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 || one_in(r, 6))
    body(&b, r, near ? near : 1000000, kind == SY_FUZZ_WEBSOCKET && one_in(r, 4));
  else
    puts_(&b, "\r\n");
  if (near && one_in(r, 5)) { /* a tail: frames after a handshake, or a pipelined request */
    if (kind == SY_FUZZ_WEBSOCKET && one_in(r, 2)) {
      size_t fn;
      const uint8_t *f = sy_fuzz_ws_frame(r, &fn);
      put(&b, f, fn);
    } else {
      b.n += sy_fuzz_generate(r, SY_FUZZ_PLAIN, 0, b.p + b.n, b.cap - b.n);
    }
  }
  return b.n;
}

size_t sy_fuzz_generate_batch(uint64_t seed, uint8_t *buf, size_t cap, size_t *lens, size_t count)
{
  uint64_t r = seed;
  size_t used = 0, i;
  for (i = 0; i < count; i++) {
    uint8_t one[4096];
    int valid = (i / SY_FUZZ_KINDS) % 4 == 0;
    size_t n = sy_fuzz_generate(&r, (int)(i % SY_FUZZ_KINDS), valid ? 0 : 6, one, sizeof one);
    if (n > cap - used)
      break;
    memcpy(buf + used, one, n);
    lens[i] = n;
    used += n;
  }
  return i;
}
