/* SPDX-License-Identifier: MIT */
/* test_decide.c: one row per decision rule. A row is the request bytes and what the reference
 * must decide for them under the default policy: status, reason, the connection's fate and the
 * response fields exactly ("Name: value|..."). Every reason of reasons.h has at least one row
 * (checked below, so a new reason without a row fails), and every reason row cites its RFC.
 * Then: incomplete requests, what the parser extracts, and the policy file. */
#include "testutil.h"

/* ---- request building blocks ---- */
#define H          "Host: a\r\n"
#define GET        "GET / HTTP/1.1\r\n" H
#define GL         "GET /live HTTP/1.1\r\n" H
#define UPG        "Upgrade: websocket\r\n"
#define CUP        "Connection: Upgrade\r\n"
#define KEY        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
#define V13        "Sec-WebSocket-Version: 13\r\n"
#define WS         GL UPG CUP KEY V13 /* a valid handshake's fields; rows add the empty line */
#define WS_NO(...) GL __VA_ARGS__
#define END        "\r\n"
#define FRAME      "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58" /* masked "Hello" (RFC 6455 §5.7) */

/* ---- the response fields each outcome carries ---- */
#define ACCEPT     "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" /* RFC 6455 §1.3 */
#define F101       "Upgrade: websocket|Connection: Upgrade|Sec-WebSocket-Accept: " ACCEPT
#define F426       "Upgrade: websocket|Connection: Upgrade"
#define F426_CLOSE "Upgrade: websocket|Connection: Upgrade, close"
#define F426V      F426 "|Sec-WebSocket-Version: 13"
#define CLOSE      "Connection: close"
#define ALLOW      "Allow: GET, HEAD, OPTIONS"
#define ALLOW_POST "Allow: GET, HEAD, OPTIONS, POST"
/* h2c and TLS offers */
#define H2UP         "Upgrade: h2c\r\n"
#define H2CONN       "Connection: Upgrade, HTTP2-Settings\r\n"
#define H2S          "HTTP2-Settings: AAMAAABkAAQAAP__\r\n" /* nghttp's: 100 streams, window 65535 */
#define F101H2C      "Connection: Upgrade|Upgrade: h2c"
#define F426H2C      "Upgrade: h2c|Connection: Upgrade"
#define F101TLS(v)   "Upgrade: TLS/" v "|Connection: Upgrade"
#define F101TLS11(v) "Upgrade: TLS/" v ", HTTP/1.1|Connection: Upgrade"
#define F426TLS      "Upgrade: TLS/1.2, HTTP/1.1|Connection: Upgrade"

#define R(x) SY_R_##x
#define KA   SY_FATE_KEEP_ALIVE
#define CL   SY_FATE_CLOSE
#define SW   SY_FATE_SWITCH

typedef size_t (*gen_fn)(char *buf, size_t cap);

struct row {
  const char *name;
  const char *req;
  size_t len;
  int status;
  enum sy_reason reason;
  enum sy_fate fate;
  const char *fields;
  size_t consumed; /* 0: the whole input */
  gen_fn gen;      /* builds the request instead of req (large inputs) */
};

/* ---- generated requests (limits) ---- */
static size_t gen_fields(char *buf, size_t cap, size_t n)
{
  size_t o = (size_t)snprintf(buf, cap, "%s", GET);
  for (size_t i = 1; i < n; i++) /* Host is the first of the n */
    o += (size_t)snprintf(buf + o, cap - o, "X-%zu: v\r\n", i);
  o += (size_t)snprintf(buf + o, cap - o, "\r\n");
  return o;
}
static size_t gen_max_fields(char *buf, size_t cap)
{
  return gen_fields(buf, cap, SY_MAX_HEADERS);
}
static size_t gen_too_many_fields(char *buf, size_t cap)
{
  return gen_fields(buf, cap, SY_MAX_HEADERS + 1);
}

/* A handshake whose Connection (or Upgrade) lists 40 other tokens before the one that counts:
 * every element is looked at, not only the SY_MAX_LIST_ITEMS kept (RFC 9110 §5.6.1). */
static size_t gen_long_list(char *buf, size_t cap, const char *field, const char *last,
                            const char *rest)
{
  size_t o = (size_t)snprintf(buf, cap, "GET /live HTTP/1.1\r\nHost: a\r\n%s: ", field);
  for (int i = 0; i < 40; i++)
    o += (size_t)snprintf(buf + o, cap - o, "x%d, ", i);
  o += (size_t)snprintf(buf + o, cap - o, "%s\r\n%s" KEY V13 "\r\n", last, rest);
  return o;
}
static size_t gen_upgrade_option_41st(char *buf, size_t cap)
{
  return gen_long_list(buf, cap, "Connection", "Upgrade", UPG);
}
static size_t gen_websocket_41st(char *buf, size_t cap)
{
  return gen_long_list(buf, cap, "Upgrade", "websocket", CUP);
}
static size_t gen_close_41st(char *buf, size_t cap)
{
  return gen_long_list(buf, cap, "Connection", "close", UPG);
}

/* A head of exactly `total` bytes: GET, one padding field, the empty line. */
static size_t gen_head(char *buf, size_t cap, size_t total)
{
  size_t o = (size_t)snprintf(buf, cap, "%sX: ", GET);
  size_t pad = total - o - 4;
  memset(buf + o, 'v', pad);
  o += pad;
  memcpy(buf + o, "\r\n\r\n", 4);
  return o + 4;
}
static size_t gen_head_at_limit(char *buf, size_t cap)
{
  return gen_head(buf, cap, SY_MAX_HEAD_BYTES);
}
static size_t gen_head_over_limit(char *buf, size_t cap)
{
  return gen_head(buf, cap, SY_MAX_HEAD_BYTES + 1);
}

static size_t gen_target(char *buf, size_t tlen)
{
  size_t o = 4;
  memcpy(buf, "GET /", 5);
  memset(buf + 5, 'a', tlen - 1);
  o += tlen;
  memcpy(buf + o, " HTTP/1.1\r\n" H "\r\n", sizeof(" HTTP/1.1\r\n" H "\r\n") - 1);
  return o + sizeof(" HTTP/1.1\r\n" H "\r\n") - 1;
}
static size_t gen_target_at_limit(char *buf, size_t cap)
{
  (void)cap;
  return gen_target(buf, SY_MAX_TARGET_BYTES);
}
static size_t gen_target_over_limit(char *buf, size_t cap)
{
  (void)cap;
  return gen_target(buf, SY_MAX_TARGET_BYTES + 1);
}

/* A secure-redirect whose Location would not fit SY_MAX_LOCATION_BYTES. */
static size_t gen_long_redirect(char *buf, size_t cap)
{
  size_t o = (size_t)snprintf(buf, cap, "GET /secure-redirect?");
  memset(buf + o, 'q', SY_MAX_LOCATION_BYTES);
  o += SY_MAX_LOCATION_BYTES;
  return o + (size_t)snprintf(buf + o, cap - o, " HTTP/1.1\r\n" H "\r\n");
}

/* Chunked content of `total` bytes in 4 KiB chunks. */
static size_t gen_chunked(char *buf, size_t cap, size_t total)
{
  size_t o = (size_t)snprintf(buf, cap, "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n");
  while (total) {
    size_t n = total < 4096 ? total : 4096;
    o += (size_t)snprintf(buf + o, cap - o, "%zx\r\n", n);
    memset(buf + o, 'b', n);
    o += n;
    o += (size_t)snprintf(buf + o, cap - o, "\r\n");
    total -= n;
  }
  o += (size_t)snprintf(buf + o, cap - o, "0\r\n\r\n");
  return o;
}
static size_t gen_chunked_at_limit(char *buf, size_t cap)
{
  return gen_chunked(buf, cap, SY_MAX_BODY_BYTES);
}
static size_t gen_chunked_over_limit(char *buf, size_t cap)
{
  return gen_chunked(buf, cap, SY_MAX_BODY_BYTES + 1);
}
/* content 8 bytes under the limit, then a trailer field of 5 + pad bytes (name and value) */
static size_t gen_trailer(char *buf, size_t cap, size_t pad)
{
  size_t o = gen_chunked(buf, cap, SY_MAX_BODY_BYTES - 8) - 2; /* before the final CRLF */
  o += (size_t)snprintf(buf + o, cap - o, "X-Pad: ");
  memset(buf + o, 'p', pad);
  o += pad;
  o += (size_t)snprintf(buf + o, cap - o, "\r\n\r\n");
  return o;
}
static size_t gen_trailer_at_limit(char *buf, size_t cap)
{
  return gen_trailer(buf, cap, 3); /* "X-Pad" + "ppp": the 8 bytes left */
}
static size_t gen_trailer_over_limit(char *buf, size_t cap)
{
  return gen_trailer(buf, cap, 4);
}

/* clang-format off */
static const struct row rows[] = {
  /* 200: the plain resource (RFC 9110 §9.3.1) */
  {"GET / is served", LIT(GET END), 200, R(SERVED), KA, "", 0, NULL},
  {"GET / with a query", LIT("GET /?q=1 HTTP/1.1\r\n" H END), 200, R(SERVED), KA, "", 0, NULL},
  {"HEAD / is served (head only)", LIT("HEAD / HTTP/1.1\r\n" H END), 200, R(SERVED), KA, "", 0, NULL},
  {"absolute-form target", LIT("GET http://a/ HTTP/1.1\r\n" H END), 200, R(SERVED), KA, "", 0, NULL},
  {"absolute-form: the authority ends at '?'", LIT("GET http://a?x/live HTTP/1.1\r\n" H UPG CUP KEY V13 END), 200, R(UPGRADE_IGNORED), KA, "", 0, NULL},
  {"absolute-form without a path means /", LIT("GET http://a HTTP/1.1\r\n" H END), 200, R(SERVED), KA, "", 0, NULL},
  {"leading CRLF before the request line is ignored (RFC 9112 §2.2)", LIT("\r\n" GET END), 200, R(SERVED), KA, "", 0, NULL},
  {"HTTP/1.0 without keep-alive closes", LIT("GET / HTTP/1.0\r\n\r\n"), 200, R(SERVED), CL, CLOSE, 0, NULL},
  {"HTTP/1.0 with keep-alive stays open", LIT("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"), 200, R(SERVED), KA, "Connection: keep-alive", 0, NULL},
  {"Connection: close closes", LIT(GET "Connection: close\r\n" END), 200, R(SERVED), CL, CLOSE, 0, NULL},
  {"Connection: CLOSE in any case", LIT(GET "Connection: CLOSE\r\n" END), 200, R(SERVED), CL, CLOSE, 0, NULL},
  {"close anywhere in the Connection list", LIT(GET "Connection: keep-alive, ,close\r\n" END), 200, R(SERVED), CL, CLOSE, 0, NULL},
  {"close in a second Connection line", LIT(GET "Connection: keep-alive\r\nConnection: close\r\n" END), 200, R(SERVED), CL, CLOSE, 0, NULL},
  {"Expect: 100-continue is met", LIT(GET "Expect: 100-continue\r\n" END), 200, R(SERVED), KA, "", 0, NULL},
  {"Expect: 100-Continue in any case", LIT(GET "Expect: 100-Continue\r\n" END), 200, R(SERVED), KA, "", 0, NULL},
  {"GET with Content-Length content", LIT(GET "Content-Length: 3\r\n" END "abc"), 200, R(SERVED), KA, "", 0, NULL},
  {"GET with chunked content", LIT(GET "Transfer-Encoding: chunked\r\n" END "3\r\nabc\r\n0\r\n\r\n"), 200, R(SERVED), KA, "", 0, NULL},
  {"pipelined: the first message only", LIT(GET END GET END), 200, R(SERVED), KA, "", sizeof(GET END) - 1, NULL},
  {"obs-text in a field value", LIT(GET "X: caf\xc3\xa9\xff\r\n" END), 200, R(SERVED), KA, "", 0, NULL},
  {"empty field value", LIT(GET "X:\r\n" END), 200, R(SERVED), KA, "", 0, NULL},
  {"empty Host (RFC 9112 §3.2)", LIT("GET / HTTP/1.1\r\nHost:\r\n\r\n"), 200, R(SERVED), KA, "", 0, NULL},
  {"Host with a port", LIT("GET / HTTP/1.1\r\nHost: a.example:8080\r\n\r\n"), 200, R(SERVED), KA, "", 0, NULL},
  {"Host as an IPv6 literal", LIT("GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n"), 200, R(SERVED), KA, "", 0, NULL},
  {"HTTP/1.0 needs no Host", LIT("GET / HTTP/1.0\r\n\r\n"), 200, R(SERVED), CL, CLOSE, 0, NULL},
  {"header count at the limit", NULL, 0, 200, R(SERVED), KA, "", 0, gen_max_fields},
  {"head size at the limit", NULL, 0, 200, R(SERVED), KA, "", 0, gen_head_at_limit},
  {"target length at the limit", NULL, 0, 404, R(NOT_FOUND), KA, "", 0, gen_target_at_limit},

  /* 204: OPTIONS (RFC 9110 §9.3.7) */
  {"OPTIONS / lists the methods", LIT("OPTIONS / HTTP/1.1\r\n" H END), 204, R(OPTIONS_SERVED), KA, ALLOW, 0, NULL},

  /* 200: upgrade offers the plain resource ignores (RFC 9110 §7.8 MAY) */
  {"h2c offer ignored", LIT(GET "Upgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n" END), 200, R(UPGRADE_IGNORED), KA, "", 0, NULL},
  {"TLS/1.2 offer ignored", LIT(GET "Upgrade: TLS/1.2\r\n" CUP END), 200, R(UPGRADE_IGNORED), KA, "", 0, NULL},
  {"websocket offer on / ignored", LIT("GET / HTTP/1.1\r\n" H UPG CUP KEY V13 END), 200, R(UPGRADE_IGNORED), KA, "", 0, NULL},
  {"Upgrade without the connection option ignored", LIT(GET UPG END), 200, R(UPGRADE_IGNORED), KA, "", 0, NULL},
  {"HEAD with an upgrade offer ignored", LIT("HEAD / HTTP/1.1\r\n" H "Upgrade: h2c\r\n" CUP END), 200, R(UPGRADE_IGNORED), KA, "", 0, NULL},
  {"HTTP/1.0 upgrade offer ignored (MUST)", LIT("GET / HTTP/1.0\r\nUpgrade: h2c\r\n" CUP END), 200, R(UPGRADE_IGNORED_HTTP10), CL, CLOSE, 0, NULL},
  {"HTTP/1.0 websocket offer on / ignored", LIT("GET / HTTP/1.0\r\n" H UPG CUP KEY V13 END), 200, R(UPGRADE_IGNORED_HTTP10), CL, CLOSE, 0, NULL},

  /* 101: the RFC 6455 §4.2.1 handshake */
  {"valid handshake", LIT(WS END), 101, R(WS_SWITCH), SW, F101, 0, NULL},
  {"Upgrade and Connection tokens in any case", LIT(WS_NO("Upgrade: WebSocket\r\nConnection: keep-alive, UPGRADE\r\n" KEY V13) END), 101, R(WS_SWITCH), SW, F101, 0, NULL},
  {"websocket after another protocol", LIT(WS_NO("Upgrade: h2c, websocket\r\n" CUP KEY V13) END), 101, R(WS_SWITCH), SW, F101, 0, NULL},
  {"Upgrade over two field lines", LIT(WS_NO("Upgrade: h2c\r\n" UPG CUP KEY V13) END), 101, R(WS_SWITCH), SW, F101, 0, NULL},
  {"upgrade option in a second Connection line", LIT(WS_NO(UPG "Connection: keep-alive\r\n" CUP KEY V13) END), 101, R(WS_SWITCH), SW, F101, 0, NULL},
  {"Connection list with OWS and empty elements", LIT(WS_NO(UPG "Connection: ,, upgrade ,\r\n" KEY V13) END), 101, R(WS_SWITCH), SW, F101, 0, NULL},
  {"field names in any case, values with OWS", LIT(WS_NO("upgrade:websocket\r\nCONNECTION:Upgrade\r\nsec-websocket-key: \t dGhlIHNhbXBsZSBub25jZQ== \t\r\nsec-websocket-version:13 \r\n") END), 101, R(WS_SWITCH), SW, F101, 0, NULL},
  {"query on the WebSocket path", LIT("GET /live?x=1 HTTP/1.1\r\n" H UPG CUP KEY V13 END), 101, R(WS_SWITCH), SW, F101, 0, NULL},
  {"absolute-form WebSocket target", LIT("GET http://a/live HTTP/1.1\r\n" H UPG CUP KEY V13 END), 101, R(WS_SWITCH), SW, F101, 0, NULL},
  {"another key, another accept", LIT(WS_NO(UPG CUP "Sec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==\r\n" V13) END), 101, R(WS_SWITCH), SW, "Upgrade: websocket|Connection: Upgrade|Sec-WebSocket-Accept: HSmrc0sMlYUkAGmm5OPpG2HaGWk=", 0, NULL},
  {"frame bytes after the handshake are WebSocket's", LIT(WS END FRAME), 101, R(WS_SWITCH), SW, F101, sizeof(WS END) - 1, NULL},
  {"HTTP bytes after the handshake are WebSocket's", LIT(WS END GET END), 101, R(WS_SWITCH), SW, F101, sizeof(WS END) - 1, NULL},

  /* 426: WebSocket required (RFC 9110 §15.5.22; RFC 6455 §4.2.1, §4.4) */
  {"no upgrade at all", LIT(GL END), 426, R(WS_REQUIRED), KA, F426, 0, NULL},
  {"no Upgrade field, upgrade option present", LIT(WS_NO(CUP KEY V13) END), 426, R(WS_REQUIRED), KA, F426, 0, NULL},
  {"no upgrade, Connection: close", LIT(GL "Connection: close\r\n" END), 426, R(WS_REQUIRED), CL, F426_CLOSE, 0, NULL},
  {"handshake in HTTP/1.0", LIT("GET /live HTTP/1.0\r\n" H UPG CUP KEY V13 END), 426, R(WS_HTTP10), CL, F426_CLOSE, 0, NULL},
  {"HTTP/1.0 keep-alive to the WebSocket path", LIT("GET /live HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"), 426, R(WS_HTTP10), KA, "Upgrade: websocket|Connection: Upgrade, keep-alive", 0, NULL},
  {"Connection missing", LIT(WS_NO(UPG KEY V13) END), 426, R(WS_NO_CONNECTION_UPGRADE), KA, F426, 0, NULL},
  {"Connection: notupgrade is not upgrade", LIT(WS_NO(UPG "Connection: notupgrade\r\n" KEY V13) END), 426, R(WS_NO_CONNECTION_UPGRADE), KA, F426, 0, NULL},
  {"Connection: keep-alive only", LIT(WS_NO(UPG "Connection: keep-alive\r\n" KEY V13) END), 426, R(WS_NO_CONNECTION_UPGRADE), KA, F426, 0, NULL},
  {"Connection: upgrade-x is not upgrade", LIT(WS_NO(UPG "Connection: upgrade-x\r\n" KEY V13) END), 426, R(WS_NO_CONNECTION_UPGRADE), KA, F426, 0, NULL},
  {"Upgrade: h2c only", LIT(WS_NO("Upgrade: h2c\r\n" CUP KEY V13) END), 426, R(WS_NOT_OFFERED), KA, F426, 0, NULL},
  {"Upgrade: websocket/13 names no defined protocol", LIT(WS_NO("Upgrade: websocket/13\r\n" CUP KEY V13) END), 426, R(WS_NOT_OFFERED), KA, F426, 0, NULL},
  {"Upgrade: websockets", LIT(WS_NO("Upgrade: websockets\r\n" CUP KEY V13) END), 426, R(WS_NOT_OFFERED), KA, F426, 0, NULL},
  {"Sec-WebSocket-Version missing", LIT(WS_NO(UPG CUP KEY) END), 426, R(WS_VERSION_MISSING), KA, F426V, 0, NULL},
  {"Sec-WebSocket-Version missing, Connection: close too", LIT(WS_NO(UPG CUP KEY "Connection: close\r\n") END), 426, R(WS_VERSION_MISSING), CL, F426_CLOSE "|Sec-WebSocket-Version: 13", 0, NULL},
  {"Sec-WebSocket-Version: 8", LIT(WS_NO(UPG CUP KEY "Sec-WebSocket-Version: 8\r\n") END), 426, R(WS_VERSION_UNSUPPORTED), KA, F426V, 0, NULL},
  {"Sec-WebSocket-Version: 13, 8", LIT(WS_NO(UPG CUP KEY "Sec-WebSocket-Version: 13, 8\r\n") END), 426, R(WS_VERSION_UNSUPPORTED), KA, F426V, 0, NULL},
  {"Sec-WebSocket-Version: 013", LIT(WS_NO(UPG CUP KEY "Sec-WebSocket-Version: 013\r\n") END), 426, R(WS_VERSION_UNSUPPORTED), KA, F426V, 0, NULL},
  {"Sec-WebSocket-Version empty", LIT(WS_NO(UPG CUP KEY "Sec-WebSocket-Version:\r\n") END), 426, R(WS_VERSION_UNSUPPORTED), KA, F426V, 0, NULL},
  {"Sec-WebSocket-Version not a token list", LIT(WS_NO(UPG CUP KEY "Sec-WebSocket-Version: 1 3\r\n") END), 426, R(WS_VERSION_UNSUPPORTED), KA, F426V, 0, NULL},

  /* 400 / 405: WebSocket handshake errors (RFC 6455 §4.2.1, §11.3) */
  {"POST to the WebSocket path", LIT("POST /live HTTP/1.1\r\n" H UPG CUP KEY V13 "Content-Length: 0\r\n" END), 405, R(WS_METHOD), KA, "Allow: GET", 0, NULL},
  {"HEAD to the WebSocket path", LIT("HEAD /live HTTP/1.1\r\n" H END), 405, R(WS_METHOD), KA, "Allow: GET", 0, NULL},
  {"OPTIONS to the WebSocket path", LIT("OPTIONS /live HTTP/1.1\r\n" H END), 405, R(WS_METHOD), KA, "Allow: GET", 0, NULL},
  {"Sec-WebSocket-Version twice", LIT(WS V13 END), 400, R(WS_VERSION_REPEATED), KA, "", 0, NULL},
  {"Sec-WebSocket-Key missing", LIT(WS_NO(UPG CUP V13) END), 400, R(WS_KEY_MISSING), KA, "", 0, NULL},
  {"Sec-WebSocket-Key twice", LIT(WS KEY END), 400, R(WS_KEY_REPEATED), KA, "", 0, NULL},
  {"key without padding", LIT(WS_NO(UPG CUP "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ\r\n" V13) END), 400, R(WS_KEY_INVALID), KA, "", 0, NULL},
  {"key of 12 bytes", LIT(WS_NO(UPG CUP "Sec-WebSocket-Key: dGhlIHNhbXBsZQ==\r\n" V13) END), 400, R(WS_KEY_INVALID), KA, "", 0, NULL},
  {"key in the URL-safe alphabet", LIT(WS_NO(UPG CUP "Sec-WebSocket-Key: dGhlIHNhbXBsZ-Bub25jZQ==\r\n" V13) END), 400, R(WS_KEY_INVALID), KA, "", 0, NULL},
  {"key with non-zero pad bits (RFC 6455 §4.1 example style)", LIT(WS_NO(UPG CUP "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZR==\r\n" V13) END), 101, R(WS_SWITCH), SW,
   "Upgrade: websocket|Connection: Upgrade|Sec-WebSocket-Accept: Zgw8jYXtqX5qJr7MJ1Q/MqzeSRI=", 0, NULL},
  {"key empty", LIT(WS_NO(UPG CUP "Sec-WebSocket-Key:\r\n" V13) END), 400, R(WS_KEY_INVALID), KA, "", 0, NULL},
  {"Upgrade: web socket", LIT(WS_NO("Upgrade: web socket\r\n" CUP KEY V13) END), 400, R(UPGRADE_SYNTAX), KA, "", 0, NULL},
  {"Upgrade: websocket/ (no version)", LIT(WS_NO("Upgrade: websocket/\r\n" CUP KEY V13) END), 400, R(UPGRADE_SYNTAX), KA, "", 0, NULL},
  {"Connection: close;x", LIT(GET "Connection: close;x\r\n" END), 400, R(CONNECTION_SYNTAX), CL, CLOSE, 0, NULL},
  {"Connection: Upgrade=1 on the WebSocket path", LIT(WS_NO(UPG "Connection: Upgrade=1\r\n" KEY V13) END), 400, R(CONNECTION_SYNTAX), CL, CLOSE, 0, NULL},

  /* routing and methods */
  {"unknown path", LIT("GET /nope HTTP/1.1\r\n" H END), 404, R(NOT_FOUND), KA, "", 0, NULL},
  {"paths match exactly: /live/", LIT("GET /live/ HTTP/1.1\r\n" H UPG CUP KEY V13 END), 404, R(NOT_FOUND), KA, "", 0, NULL},
  {"paths are case-sensitive: /LIVE", LIT("GET /LIVE HTTP/1.1\r\n" H END), 404, R(NOT_FOUND), KA, "", 0, NULL},
  {"OPTIONS * is about the server", LIT("OPTIONS * HTTP/1.1\r\n" H "Upgrade: TLS/1.0\r\n" CUP END), 204, R(OPTIONS_SERVED), KA, "Allow: GET, HEAD, OPTIONS", 0, NULL},
  {"HEAD of an unknown path", LIT("HEAD /nope HTTP/1.1\r\n" H END), 404, R(NOT_FOUND), KA, "", 0, NULL},
  {"POST /", LIT("POST / HTTP/1.1\r\n" H "Content-Length: 3\r\n" END "abc"), 405, R(METHOD_NOT_ALLOWED), KA, ALLOW, 0, NULL},
  {"PUT /", LIT("PUT / HTTP/1.1\r\n" H "Content-Length: 0\r\n" END), 405, R(METHOD_NOT_ALLOWED), KA, ALLOW, 0, NULL},
  {"DELETE /", LIT("DELETE / HTTP/1.1\r\n" H END), 405, R(METHOD_NOT_ALLOWED), KA, ALLOW, 0, NULL},
  {"a method llhttp knows: PROPFIND", LIT("PROPFIND / HTTP/1.1\r\n" H END), 501, R(METHOD_NOT_IMPLEMENTED), KA, "", 0, NULL},
  {"CONNECT", LIT("CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n"), 501, R(METHOD_NOT_IMPLEMENTED), KA, "", 0, NULL},
  {"a method no one knows: BREW", LIT("BREW / HTTP/1.1\r\n" H END), 501, R(METHOD_NOT_IMPLEMENTED), CL, CLOSE, 0, NULL},
  {"methods are case-sensitive: get", LIT("get / HTTP/1.1\r\n" H END), 501, R(METHOD_NOT_IMPLEMENTED), CL, CLOSE, 0, NULL},
  {"Expect: something else", LIT(GET "Expect: something\r\n" END), 417, R(EXPECTATION_FAILED), KA, "", 0, NULL},
  {"Expect: 100-continue=1", LIT(GET "Expect: 100-continue=1\r\n" END), 417, R(EXPECTATION_FAILED), KA, "", 0, NULL},

  /* message syntax (RFC 9112): 400 and close */
  {"TLS ClientHello on the HTTP port", LIT("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"), 400, R(BAD_SYNTAX), CL, CLOSE, 0, NULL},
  {"NUL as the first byte", LIT("\0GET / HTTP/1.1\r\n" H END), 400, R(BAD_SYNTAX), CL, CLOSE, 0, NULL},
  {"two spaces after the method", LIT("GET  / HTTP/1.1\r\n" H END), 400, R(BAD_REQUEST_LINE), CL, CLOSE, 0, NULL},
  {"two spaces before the version", LIT("GET /  HTTP/1.1\r\n" H END), 400, R(BAD_REQUEST_LINE), CL, CLOSE, 0, NULL},
  {"space after the version", LIT("GET / HTTP/1.1 \r\n" H END), 400, R(BAD_REQUEST_LINE), CL, CLOSE, 0, NULL},
  {"HTAB as a separator", LIT("GET\t/ HTTP/1.1\r\n" H END), 400, R(BAD_REQUEST_LINE), CL, CLOSE, 0, NULL},
  {"space before the method", LIT(" GET / HTTP/1.1\r\n" H END), 400, R(BAD_REQUEST_LINE), CL, CLOSE, 0, NULL},
  {"version without a dot", LIT("GET / HTTP/11\r\n" H END), 400, R(BAD_REQUEST_LINE), CL, CLOSE, 0, NULL},
  {"version garbage", LIT("GET / HTTP/x.y\r\n" H END), 400, R(BAD_REQUEST_LINE), CL, CLOSE, 0, NULL},
  {"protocol name misspelt", LIT("GET / HTTX/1.1\r\n" H END), 400, R(BAD_REQUEST_LINE), CL, CLOSE, 0, NULL},
  {"a version-like token before the version", LIT("GET /a HTTP/1a HTTP/1.1\r\n" H END), 400, R(BAD_REQUEST_LINE), CL, CLOSE, 0, NULL},
  {"space inside the target", LIT("GET /a b HTTP/1.1\r\n" H END), 400, R(BAD_REQUEST_LINE), CL, CLOSE, 0, NULL},
  {"DEL in the target", LIT("GET /\x7f HTTP/1.1\r\n" H END), 400, R(BAD_TARGET), CL, CLOSE, 0, NULL},
  {"CTL in the target", LIT("GET /\x01 HTTP/1.1\r\n" H END), 400, R(BAD_TARGET), CL, CLOSE, 0, NULL},
  {"field line without a colon", LIT(GET "X\r\n" END), 400, R(BAD_FIELD), CL, CLOSE, 0, NULL},
  {"empty field name", LIT(GET ": b\r\n" END), 400, R(BAD_FIELD), CL, CLOSE, 0, NULL},
  {"'@' in a field name", LIT(GET "X@: b\r\n" END), 400, R(BAD_FIELD), CL, CLOSE, 0, NULL},
  {"space before the colon", LIT("GET / HTTP/1.1\r\nHost : a\r\n\r\n"), 400, R(SPACE_BEFORE_COLON), CL, CLOSE, 0, NULL},
  {"space before the colon of Upgrade", LIT(WS_NO("Upgrade : websocket\r\n" CUP KEY V13) END), 400, R(SPACE_BEFORE_COLON), CL, CLOSE, 0, NULL},
  {"HTAB before the colon of a later field", LIT(GET "X-Foo\t: b\r\n" END), 400, R(SPACE_BEFORE_COLON), CL, CLOSE, 0, NULL},
  {"whitespace-led first field line", LIT("GET / HTTP/1.1\r\n Host: a\r\n\r\n"), 400, R(SPACE_AFTER_START_LINE), CL, CLOSE, 0, NULL},
  {"obs-fold with SP", LIT(GET "X: a\r\n b\r\n" END), 400, R(OBS_FOLD), CL, CLOSE, 0, NULL},
  {"obs-fold with HTAB", LIT(GET "X: a\r\n\tb\r\n" END), 400, R(OBS_FOLD), CL, CLOSE, 0, NULL},
  {"obs-fold inside Upgrade", LIT(WS_NO("Upgrade: h2c,\r\n websocket\r\n" CUP KEY V13) END), 400, R(OBS_FOLD), CL, CLOSE, 0, NULL},
  {"bare LF everywhere", LIT("GET / HTTP/1.1\nHost: a\n\n"), 400, R(BARE_LF), CL, CLOSE, 0, NULL},
  {"bare LF after a field", LIT(GET "X: y\nZ: w\r\n" END), 400, R(BARE_LF), CL, CLOSE, 0, NULL},
  {"bare LF inside a value", LIT(GET "X: a\nb\r\n" END), 400, R(BARE_LF), CL, CLOSE, 0, NULL},
  {"bare CR inside a value", LIT(GET "X: a\rb\r\n" END), 400, R(BARE_CR), CL, CLOSE, 0, NULL},
  {"bare CR ending the request line", LIT("GET / HTTP/1.1\rHost: a\r\n\r\n"), 400, R(BARE_CR), CL, CLOSE, 0, NULL},
  {"SOH in a value", LIT(GET "X: a\x01" "b\r\n" END), 400, R(CTL_IN_FIELD), CL, CLOSE, 0, NULL},
  {"NUL in a value", LIT(GET "X: a\0b\r\n" END), 400, R(CTL_IN_FIELD), CL, CLOSE, 0, NULL},
  {"DEL in a value", LIT(GET "X: \x7f\r\n" END), 400, R(CTL_IN_FIELD), CL, CLOSE, 0, NULL},
  {"Host missing", LIT("GET / HTTP/1.1\r\n\r\n"), 400, R(HOST_MISSING), CL, CLOSE, 0, NULL},
  {"Host missing from a handshake", LIT("GET /live HTTP/1.1\r\n" UPG CUP KEY V13 END), 400, R(HOST_MISSING), CL, CLOSE, 0, NULL},
  {"Host twice", LIT(GET H END), 400, R(HOST_REPEATED), CL, CLOSE, 0, NULL},
  {"Host twice, different values", LIT(GET "host: b\r\n" END), 400, R(HOST_REPEATED), CL, CLOSE, 0, NULL},
  {"Host with a space", LIT("GET / HTTP/1.1\r\nHost: a b\r\n\r\n"), 400, R(HOST_INVALID), CL, CLOSE, 0, NULL},
  {"Host with userinfo", LIT("GET / HTTP/1.1\r\nHost: u@a\r\n\r\n"), 400, R(HOST_INVALID), CL, CLOSE, 0, NULL},
  {"Host with a path", LIT("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n"), 400, R(HOST_INVALID), CL, CLOSE, 0, NULL},
  {"Host with a non-numeric port", LIT("GET / HTTP/1.1\r\nHost: a:b\r\n\r\n"), 400, R(HOST_INVALID), CL, CLOSE, 0, NULL},
  {"Host with an unclosed IPv6 literal", LIT("GET / HTTP/1.1\r\nHost: [::1\r\n\r\n"), 400, R(HOST_INVALID), CL, CLOSE, 0, NULL},
  {"Content-Length not a number", LIT("POST / HTTP/1.1\r\n" H "Content-Length: 1x\r\n" END "x"), 400, R(CONTENT_LENGTH_INVALID), CL, CLOSE, 0, NULL},
  {"Content-Length negative", LIT("POST / HTTP/1.1\r\n" H "Content-Length: -1\r\n" END), 400, R(CONTENT_LENGTH_INVALID), CL, CLOSE, 0, NULL},
  {"Content-Length with a sign", LIT("POST / HTTP/1.1\r\n" H "Content-Length: +1\r\n" END "x"), 400, R(CONTENT_LENGTH_INVALID), CL, CLOSE, 0, NULL},
  {"Content-Length empty", LIT("POST / HTTP/1.1\r\n" H "Content-Length:\r\n" END), 400, R(CONTENT_LENGTH_INVALID), CL, CLOSE, 0, NULL},
  {"Content-Length twice", LIT("POST / HTTP/1.1\r\n" H "Content-Length: 1\r\nContent-Length: 2\r\n" END "xy"), 400, R(CONTENT_LENGTH_REPEATED), CL, CLOSE, 0, NULL},
  {"Content-Length then Transfer-Encoding", LIT("POST / HTTP/1.1\r\n" H "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n" END "0\r\n\r\n"), 400, R(CL_WITH_TE), CL, CLOSE, 0, NULL},
  {"Transfer-Encoding then Content-Length", LIT("POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n" END "0\r\n\r\n"), 400, R(CL_WITH_TE), CL, CLOSE, 0, NULL},
  {"Transfer-Encoding: gzip", LIT("POST / HTTP/1.1\r\n" H "Transfer-Encoding: gzip\r\n" END), 400, R(TE_UNSUPPORTED), CL, CLOSE, 0, NULL},
  {"chunked not the final coding", LIT("POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked, gzip\r\n" END), 400, R(TE_UNSUPPORTED), CL, CLOSE, 0, NULL},
  {"chunked twice", LIT("POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked, chunked\r\n" END "0\r\n\r\n"), 400, R(TE_UNSUPPORTED), CL, CLOSE, 0, NULL},
  {"gzip, chunked", LIT("POST / HTTP/1.1\r\n" H "Transfer-Encoding: gzip, chunked\r\n" END "0\r\n\r\n"), 501, R(TE_CODING_UNKNOWN), CL, CLOSE, 0, NULL},
  {"Transfer-Encoding in HTTP/1.0", LIT("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n" END "0\r\n\r\n"), 400, R(TE_HTTP10), CL, CLOSE, 0, NULL},
  {"chunk size not hex", LIT("POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n" END "zz\r\n"), 400, R(BAD_CHUNK), CL, CLOSE, 0, NULL},
  {"chunk data longer than its size", LIT("POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n" END "1\r\nab\r\n0\r\n\r\n"), 400, R(BAD_CHUNK), CL, CLOSE, 0, NULL},
  /* The trailer section is not merged into the header section (RFC 9110 §6.5.1), and its field
   * lines have the header fields' syntax (RFC 9112 §7.1.2; found by the handshake-accepted oracle:
   * a handshake carried in the trailer switched) */
  {"handshake fields in the trailer do not switch", LIT(GL "Transfer-Encoding: chunked\r\n" END "0\r\n" UPG CUP KEY V13 END), 426, R(WS_REQUIRED), KA, F426, 0, NULL},
  {"trailer field", LIT("POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n" END "0\r\nX-T: v\r\nY:\r\n" END), 405, R(METHOD_NOT_ALLOWED), KA, ALLOW, 0, NULL},
  {"trailer: space before colon", LIT("POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n" END "0\r\nX-T : v\r\n" END), 400, R(SPACE_BEFORE_COLON), CL, CLOSE, 0, NULL},
  {"trailer: obs-fold", LIT("POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n" END "0\r\nX-T: a\r\n b\r\n" END), 400, R(OBS_FOLD), CL, CLOSE, 0, NULL},
  {"trailer: CTL in value", LIT("POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n" END "0\r\nX-T: a\x01b\r\n" END), 400, R(CTL_IN_FIELD), CL, CLOSE, 0, NULL},
  {"HTTP/2.0", LIT("GET / HTTP/2.0\r\n" H END), 505, R(VERSION_UNSUPPORTED), CL, CLOSE, 0, NULL},
  {"HTTP/3.1", LIT("GET / HTTP/3.1\r\n" H END), 505, R(VERSION_UNSUPPORTED), CL, CLOSE, 0, NULL},
  /* RFC 9110 §2.5: a later HTTP/1 minor is processed as HTTP/1.1 (llhttp 8 refuses it) */
  {"HTTP/1.2 is processed as 1.1", LIT("GET / HTTP/1.2\r\n" H END), 200, R(SERVED), KA, "", 0, NULL},
  {"HTTP/1.9 handshake switches", LIT("GET /live HTTP/1.9\r\n" H UPG CUP KEY V13 END), 101, R(WS_SWITCH), SW, F101, 0, NULL},
  {"HTTP/1.2 needs Host like 1.1", LIT("GET / HTTP/1.2\r\n\r\n"), 400, R(HOST_MISSING), CL, CLOSE, 0, NULL},
  {"HTTP/1.2 still strict after the version", LIT("GET / HTTP/1.2\r\n" H "Bad : x\r\n" END), 400, R(SPACE_BEFORE_COLON), CL, CLOSE, 0, NULL},
  {"HTTP/1.2 with content", LIT("POST / HTTP/1.2\r\n" H "Content-Length: 3\r\n" END "abc"), 405, R(METHOD_NOT_ALLOWED), KA, ALLOW, 0, NULL},
  {"HTTP/1.10 is not a version", LIT("GET / HTTP/1.10\r\n" H END), 400, R(BAD_REQUEST_LINE), CL, CLOSE, 0, NULL},
  {"HTTP/0.9", LIT("GET / HTTP/0.9\r\n" H END), 505, R(VERSION_UNSUPPORTED), CL, CLOSE, 0, NULL},
  {"HTTP/2 connection preface", LIT("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), 505, R(VERSION_UNSUPPORTED), CL, CLOSE, 0, NULL},
  /* RFC 9112 §2.2: empty lines (CRLF) before the request line are ignored; a bare LF is a bare LF,
   * and comes before what the request line says (found by fuzz_stream: 400 or 505 by the reads) */
  {"empty line, then a request", LIT("\r\nGET / HTTP/1.1\r\n" H END), 200, R(SERVED), KA, "", 0, NULL},
  {"empty lines, then HTTP/3.1", LIT("\r\n\r\nGET / HTTP/3.1\r\n" H END), 505, R(VERSION_UNSUPPORTED), CL, CLOSE, 0, NULL},
  {"empty line, then HTTP/1.2", LIT("\r\nGET / HTTP/1.2\r\n" H END), 200, R(SERVED), KA, "", 0, NULL},
  {"empty line, then a handshake", LIT("\r\nGET /live HTTP/1.1\r\n" H UPG CUP KEY V13 END), 101, R(WS_SWITCH), SW, F101, 0, NULL},
  {"bare LF, then a request", LIT("\nGET / HTTP/1.1\r\n" H END), 400, R(BARE_LF), CL, CLOSE, 0, NULL},
  {"bare LF, then HTTP/3.0 (llhttp stops at the version)", LIT("\nPRI * HTTP/3.0\r\n"), 400, R(BARE_LF), CL, CLOSE, 0, NULL},
  {"bare LF, then HTTP/2.0 (llhttp reads the head)", LIT("\nGET / HTTP/2.0\r\n" H END), 400, R(BARE_LF), CL, CLOSE, 0, NULL},
  {"empty line, bare LF, then a request", LIT("\r\n\nGET / HTTP/1.1\r\n" H END), 400, R(BARE_LF), CL, CLOSE, 0, NULL},
  {"one field too many", NULL, 0, 431, R(HEAD_TOO_LARGE), CL, CLOSE, 0, gen_too_many_fields},
  {"upgrade as the 41st Connection option", NULL, 0, 101, R(WS_SWITCH), SW, F101, 0, gen_upgrade_option_41st},
  {"websocket as the 41st Upgrade protocol", NULL, 0, 101, R(WS_SWITCH), SW, F101, 0, gen_websocket_41st},
  {"close as the 41st Connection option", NULL, 0, 426, R(WS_NO_CONNECTION_UPGRADE), CL, F426_CLOSE, 0, gen_close_41st},
  {"head one byte too large", NULL, 0, 431, R(HEAD_TOO_LARGE), CL, CLOSE, 0, gen_head_over_limit},
  {"target one byte too long", NULL, 0, 414, R(TARGET_TOO_LONG), CL, CLOSE, 0, gen_target_over_limit},
  {"Content-Length over the limit", LIT("POST / HTTP/1.1\r\n" H "Content-Length: 65537\r\n" END), 413, R(BODY_TOO_LARGE), CL, CLOSE, 0, NULL},
  {"Content-Length of 16 digits", LIT("POST / HTTP/1.1\r\n" H "Content-Length: 1000000000000000\r\n" END), 413, R(BODY_TOO_LARGE), CL, CLOSE, 0, NULL},
  {"chunked content at the limit", NULL, 0, 405, R(METHOD_NOT_ALLOWED), KA, ALLOW, 0, gen_chunked_at_limit},
  {"chunked content over the limit", NULL, 0, 413, R(BODY_TOO_LARGE), CL, CLOSE, 0, gen_chunked_over_limit},
  {"content and trailer fields at the limit", NULL, 0, 405, R(METHOD_NOT_ALLOWED), KA, ALLOW, 0, gen_trailer_at_limit},
  {"content and trailer fields over the limit", NULL, 0, 413, R(BODY_TOO_LARGE), CL, CLOSE, 0, gen_trailer_over_limit},
  /* h2c (RFC 7540 §3.2, §3.2.1): /h2c opts in, /h2c-required answers 426 without a valid offer */
  {"h2c: a valid offer switches", LIT("GET /h2c HTTP/1.1\r\n" H H2UP H2CONN H2S END), 101, R(H2C_SWITCH), SW, F101H2C, 0, NULL},
  {"h2c: an empty HTTP2-Settings is not token68 (§3.2.1)", LIT("GET /h2c HTTP/1.1\r\n" H H2UP H2CONN "HTTP2-Settings: \r\n" END), 200, R(H2C_OFFER_INVALID), KA, "", 0, NULL},
  {"h2c: an unknown setting is ignored (§6.5.2)", LIT("GET /h2c HTTP/1.1\r\n" H H2UP H2CONN "HTTP2-Settings: AP8AAAAF\r\n" END), 101, R(H2C_SWITCH), SW, F101H2C, 0, NULL},
  {"h2c: POST content is read in full before the switch", LIT("POST /h2c HTTP/1.1\r\n" H H2UP H2CONN H2S "Content-Length: 5\r\n" END "hello"), 101, R(H2C_SWITCH), SW, F101H2C, 0, NULL},
  {"h2c: a HEAD offer switches", LIT("HEAD /h2c HTTP/1.1\r\n" H H2UP H2CONN H2S END), 101, R(H2C_SWITCH), SW, F101H2C, 0, NULL},
  {"h2c: h2c listed after websocket", LIT("GET /h2c HTTP/1.1\r\n" H "Upgrade: websocket, h2c\r\n" H2CONN H2S END), 101, R(H2C_SWITCH), SW, F101H2C, 0, NULL},
  {"h2c: no offer, plain answer", LIT("GET /h2c HTTP/1.1\r\n" H END), 200, R(SERVED), KA, "", 0, NULL},
  {"h2c: a websocket offer is ignored", LIT("GET /h2c HTTP/1.1\r\n" H UPG CUP END), 200, R(UPGRADE_IGNORED), KA, "", 0, NULL},
  {"h2c: HTTP/1.0 offer ignored", LIT("GET /h2c HTTP/1.0\r\n" H H2UP H2CONN H2S END), 200, R(UPGRADE_IGNORED_HTTP10), CL, CLOSE, 0, NULL},
  {"h2c: offer without HTTP2-Settings not upgraded", LIT("GET /h2c HTTP/1.1\r\n" H H2UP H2CONN END), 200, R(H2C_OFFER_INVALID), KA, "", 0, NULL},
  {"h2c: HTTP2-Settings not a connection option", LIT("GET /h2c HTTP/1.1\r\n" H H2UP CUP H2S END), 200, R(H2C_OFFER_INVALID), KA, "", 0, NULL},
  {"h2c: Upgrade not a list", LIT("GET /h2c HTTP/1.1\r\n" H "Upgrade: h2c, /x\r\n" H2CONN H2S END), 400, R(UPGRADE_SYNTAX), KA, "", 0, NULL},
  {"h2c: OPTIONS without an offer", LIT("OPTIONS /h2c HTTP/1.1\r\n" H END), 204, R(OPTIONS_SERVED), KA, ALLOW_POST, 0, NULL},
  {"h2c: PUT is not allowed", LIT("PUT /h2c HTTP/1.1\r\n" H "Content-Length: 0\r\n" END), 405, R(METHOD_NOT_ALLOWED), KA, ALLOW_POST, 0, NULL},
  {"h2c-required: a valid offer switches", LIT("GET /h2c-required HTTP/1.1\r\n" H H2UP H2CONN H2S END), 101, R(H2C_SWITCH), SW, F101H2C, 0, NULL},
  {"h2c-required: no offer", LIT("GET /h2c-required HTTP/1.1\r\n" H END), 426, R(H2C_REQUIRED), KA, F426H2C, 0, NULL},
  {"h2c-required: HTTP/1.0", LIT("GET /h2c-required HTTP/1.0\r\n" H H2UP H2CONN H2S END), 426, R(H2C_HTTP10), CL, F426H2C ", close", 0, NULL},
  {"h2c-required: Connection lacks HTTP2-Settings", LIT("GET /h2c-required HTTP/1.1\r\n" H H2UP CUP H2S END), 426, R(H2C_CONNECTION_OPTIONS), KA, F426H2C, 0, NULL},
  {"h2c-required: Connection lacks Upgrade", LIT("GET /h2c-required HTTP/1.1\r\n" H H2UP "Connection: HTTP2-Settings\r\n" H2S END), 426, R(H2C_CONNECTION_OPTIONS), KA, F426H2C, 0, NULL},
  {"h2c-required: HTTP2-Settings missing", LIT("GET /h2c-required HTTP/1.1\r\n" H H2UP H2CONN END), 426, R(H2C_SETTINGS_MISSING), KA, F426H2C, 0, NULL},
  {"h2c-required: HTTP2-Settings twice", LIT("GET /h2c-required HTTP/1.1\r\n" H H2UP H2CONN H2S H2S END), 426, R(H2C_SETTINGS_REPEATED), KA, F426H2C, 0, NULL},
  {"h2c-required: HTTP2-Settings with '=' padding", LIT("GET /h2c-required HTTP/1.1\r\n" H H2UP H2CONN "HTTP2-Settings: AAMAAABkAA==\r\n" END), 426, R(H2C_SETTINGS_INVALID), KA, F426H2C, 0, NULL},
  {"h2c-required: HTTP2-Settings in the standard alphabet", LIT("GET /h2c-required HTTP/1.1\r\n" H H2UP H2CONN "HTTP2-Settings: AAMAAABkAAQAAP//\r\n" END), 426, R(H2C_SETTINGS_INVALID), KA, F426H2C, 0, NULL},
  {"h2c-required: payload of 4 bytes (not a multiple of 6)", LIT("GET /h2c-required HTTP/1.1\r\n" H H2UP H2CONN "HTTP2-Settings: AAMAAA\r\n" END), 426, R(H2C_SETTINGS_INVALID), KA, F426H2C, 0, NULL},
  {"h2c-required: ENABLE_PUSH 2", LIT("GET /h2c-required HTTP/1.1\r\n" H H2UP H2CONN "HTTP2-Settings: AAIAAAAC\r\n" END), 426, R(H2C_SETTINGS_INVALID), KA, F426H2C, 0, NULL},
  {"h2c-required: MAX_FRAME_SIZE 1", LIT("GET /h2c-required HTTP/1.1\r\n" H H2UP H2CONN "HTTP2-Settings: AAUAAAAB\r\n" END), 426, R(H2C_SETTINGS_INVALID), KA, F426H2C, 0, NULL},
  {"h2c-required: INITIAL_WINDOW_SIZE 2^31", LIT("GET /h2c-required HTTP/1.1\r\n" H H2UP H2CONN "HTTP2-Settings: AASAAAAA\r\n" END), 426, R(H2C_SETTINGS_INVALID), KA, F426H2C, 0, NULL},
  /* TLS upgrade (RFC 2817): /tls opts in, /tls-required answers 426 without a valid offer */
  {"tls: a TLS/1.2 offer switches", LIT("GET /tls HTTP/1.1\r\n" H "Upgrade: TLS/1.2\r\n" CUP END), 101, R(TLS_SWITCH), SW, F101TLS("1.2"), 0, NULL},
  {"tls: a TLS/1.3 offer switches to 1.3; HTTP/1.1 named as offered", LIT("GET /tls HTTP/1.1\r\n" H "Upgrade: TLS/1.3, HTTP/1.1\r\n" CUP END), 101, R(TLS_SWITCH), SW, F101TLS11("1.3"), 0, NULL},
  {"tls: the first version this server speaks wins", LIT("GET /tls HTTP/1.1\r\n" H "Upgrade: TLS/1.0, TLS/1.2, TLS/1.3\r\n" CUP END), 101, R(TLS_SWITCH), SW, F101TLS("1.2"), 0, NULL},
  {"tls: TLS/1.0 alone is ignored (RFC 8996)", LIT("GET /tls HTTP/1.1\r\n" H "Upgrade: TLS/1.0\r\n" CUP END), 200, R(UPGRADE_IGNORED), KA, "", 0, NULL},
  {"tls: an offer without Connection: Upgrade is ignored", LIT("GET /tls HTTP/1.1\r\n" H "Upgrade: TLS/1.2\r\n" END), 200, R(UPGRADE_IGNORED), KA, "", 0, NULL},
  {"tls: HTTP/1.0 offer ignored", LIT("GET /tls HTTP/1.0\r\n" H "Upgrade: TLS/1.2\r\n" CUP END), 200, R(UPGRADE_IGNORED_HTTP10), CL, CLOSE, 0, NULL},
  {"tls: no offer, plain answer", LIT("GET /tls HTTP/1.1\r\n" H END), 200, R(SERVED), KA, "", 0, NULL},
  {"tls-required: a valid offer switches", LIT("POST /tls-required HTTP/1.1\r\n" H "Upgrade: TLS/1.2\r\n" CUP "Content-Length: 2\r\n" END "hi"), 101, R(TLS_SWITCH), SW, F101TLS("1.2"), 0, NULL},
  {"tls-required: no offer", LIT("GET /tls-required HTTP/1.1\r\n" H END), 426, R(TLS_REQUIRED), KA, F426TLS, 0, NULL},
  {"tls-required: HTTP/1.0", LIT("GET /tls-required HTTP/1.0\r\n" H "Upgrade: TLS/1.2\r\n" CUP END), 426, R(TLS_HTTP10), CL, F426TLS ", close", 0, NULL},
  {"tls-required: no Connection: Upgrade", LIT("GET /tls-required HTTP/1.1\r\n" H "Upgrade: TLS/1.2\r\n" END), 426, R(TLS_NO_CONNECTION_UPGRADE), KA, F426TLS, 0, NULL},
  {"tls: OPTIONS * is RFC 2817's mandatory upgrade", LIT("OPTIONS * HTTP/1.1\r\n" H "Upgrade: TLS/1.2\r\n" CUP END), 101, R(TLS_SWITCH), SW, F101TLS("1.2"), 0, NULL},
  /* secure-redirect (RFC 9110 §15.4.9) */
  {"secure-redirect: 308 to https", LIT("GET /secure-redirect HTTP/1.1\r\n" H END), 308, R(SECURE_REDIRECT), KA, "Location: https://a/secure-redirect", 0, NULL},
  {"secure-redirect: the port goes, the query stays", LIT("GET /secure-redirect?x=1 HTTP/1.1\r\nHost: a:8080\r\n" END), 308, R(SECURE_REDIRECT), KA, "Location: https://a/secure-redirect?x=1", 0, NULL},
  {"secure-redirect: an IP-literal keeps its brackets", LIT("GET /secure-redirect HTTP/1.1\r\nHost: [::1]:80\r\n" END), 308, R(SECURE_REDIRECT), KA, "Location: https://[::1]/secure-redirect", 0, NULL},
  {"secure-redirect: absolute-form", LIT("GET http://a/secure-redirect?q HTTP/1.1\r\n" H END), 308, R(SECURE_REDIRECT), KA, "Location: https://a/secure-redirect?q", 0, NULL},
  {"secure-redirect: a Location longer than the limit", NULL, 0, 414, R(TARGET_TOO_LONG), KA, "", 0, gen_long_redirect},
};
/* clang-format on */

/* Decisions the connection makes without a request (sy_decide_reject). */
static const struct reject_row {
  const char *name;
  enum sy_reason reason;
  int status;
} reject_rows[] = {
    {"reject: header timeout", R(REQUEST_TIMEOUT), 408},
    {"reject: chunked framing larger than the buffer", R(BODY_TOO_LARGE), 413},
};

/* Reasons only the connection makes: they need a reject row instead of a request row. */
static const enum sy_reason conn_only[] = {R(REQUEST_TIMEOUT)};

#define BIG (SY_MAX_HEAD_BYTES + SY_MAX_BODY_BYTES + 4096)

/* Whether the Connection fields of a decision carry a token. */
static int connection_has(const struct sy_decision *d, const char *token)
{
  for (size_t i = 0; i < d->n_fields; i++)
    if (strcasecmp(d->fields[i].name, "Connection") == 0 && d->fields[i].value &&
        sy_list_contains(d->fields[i].value, strlen(d->fields[i].value), SY_LIST_TOKENS, token, 0) > 0)
      return 1;
  return 0;
}

static const char *field_value(const struct sy_decision *d, const char *name)
{
  for (size_t i = 0; i < d->n_fields; i++)
    if (strcasecmp(d->fields[i].name, name) == 0)
      return d->fields[i].value ? d->fields[i].value : d->accept;
  return NULL;
}

static void test_row(void **state)
{
  const struct row *row = *state;
  static char big[BIG];
  struct sy_policy pol;
  struct sy_request req, req2;
  struct sy_decision d, d2;
  char fields[512], out[SY_MAX_RESPONSE_BYTES];
  const char *buf = row->req;
  size_t len = row->len;
  int rc;

  if (row->gen) {
    len = row->gen(big, sizeof big);
    buf = big;
  }
  sy_policy_default(&pol);
  rc = sy_handle(&pol, buf, len, &req, &d);
  CHECK(rc > 0);
  CHECK_INT(d.status, row->status);
  CHECK_REASON(d.reason, row->reason);
  CHECK_STR(tu_fate_name(d.fate), tu_fate_name(row->fate));
  CHECK_STR(tu_fields(&d, fields, sizeof fields), row->fields);
  CHECK_INT(d.consumed, row->consumed ? row->consumed : len);
  CHECK_INT(rc, req.error ? len : d.consumed);

  /* Invariants every decision keeps. */
  CHECK_INT(d.status, sy_reason_status(d.reason)); /* the default policy keeps table statuses */
  CHECK_INT(d.head_only, req.method_id == SY_M_HEAD);
  const char *reason = sy_reason_name(d.reason);
  int h2c = strncmp(reason, "H2C_", 4) == 0, tls = strncmp(reason, "TLS_", 4) == 0;
  if (d.fate == SY_FATE_SWITCH) {
    CHECK_INT(d.status, 101);
    CHECK_INT(d.proto, h2c ? SY_PROTO_H2C : tls ? SY_PROTO_TLS
                                                : SY_PROTO_WEBSOCKET);
    CHECK_INT(d.switch_offset, d.consumed);
  } else {
    CHECK_INT(d.proto, SY_PROTO_NONE);
    CHECK_INT(d.accept[0], 0);
  }
  if (d.status == 101 || d.status == 426) {
    /* RFC 9110 §15.2.2, §15.5.22: Upgrade, and the option in Connection (§7.8); RFC 2817 §3.3:
     * a TLS 101 names the stack bottom-up. */
    const char *up = field_value(&d, "Upgrade");
    if (h2c)
      CHECK_STR(up, "h2c");
    else if (tls)
      CHECK(strncmp(up, "TLS/1.", 6) == 0 && (up[7] == '\0' || strcmp(up + 7, ", HTTP/1.1") == 0));
    else
      CHECK_STR(up, "websocket");
    CHECK(connection_has(&d, "upgrade"));
  } else {
    CHECK(field_value(&d, "Upgrade") == NULL);
  }
  /* Closing is announced (RFC 9112 §9.6); a request error always closes (§6.3). */
  CHECK_INT(d.fate == SY_FATE_CLOSE, connection_has(&d, "close"));
  if (req.error != SY_R_NONE)
    CHECK_INT(d.fate, SY_FATE_CLOSE);
  CHECK(sy_render(&d, out, sizeof out) > 0);

  /* Split delivery: every prefix is SY_INCOMPLETE or already this decision (large generated
   * inputs: the first and last 300 prefixes and every 97th between). */
  for (size_t n = 1; n < len; n++) {
    if (len > 4096 && n > 300 && n + 300 < len && n % 97)
      continue;
    rc = sy_handle(&pol, buf, n, &req2, &d2);
    if (rc == SY_INCOMPLETE)
      continue;
    tu_fields(&d2, out, sizeof out);
    if (rc < 0 || d2.status != d.status || d2.reason != d.reason || d2.fate != d.fate ||
        strcmp(out, fields) != 0)
      fail_msg("prefix %zu of %zu: %d %s %s [%s]", n, len, d2.status, sy_reason_name(d2.reason),
               tu_fate_name(d2.fate), out);
  }

  /* Deterministic: the same bytes again give the same decision. */
  rc = sy_handle(&pol, buf, len, &req, &d);
  CHECK_INT(sy_handle(&pol, buf, len, &req2, &d2), rc);
  CHECK_INT(d2.consumed, d.consumed);
  CHECK_INT(d2.status, d.status);
  CHECK_REASON(d2.reason, d.reason);
  CHECK_STR(tu_fields(&d2, out, sizeof out), fields);
}

static void test_reject_row(void **state)
{
  const struct reject_row *row = *state;
  struct sy_decision d;
  char fields[128];
  sy_decide_reject(&d, row->reason);
  CHECK_INT(d.status, row->status);
  CHECK_REASON(d.reason, row->reason);
  CHECK_STR(tu_fate_name(d.fate), "CLOSE");
  CHECK_STR(tu_fields(&d, fields, sizeof fields), CLOSE);
}

/* Every reason: named, with a status, an RFC citation, a level and a text; and tested by at
 * least one row above (a request row, or a reject row for the connection's own reasons). */
static void test_every_reason_has_a_row(void **state)
{
  int missing = 0;
  (void)state;
  CHECK_STR(sy_reason_name(SY_R_NONE), "NONE");
  CHECK_INT(sy_reason_status(SY_R_NONE), 0);
  for (int i = SY_R_NONE + 1; i < SY_R__COUNT; i++) {
    enum sy_reason r = (enum sy_reason)i;
    int st = sy_reason_status(r), in_rows = 0, in_rejects = 0, only_conn = 0;
    enum sy_level lv = sy_reason_level(r);
    CHECK(strlen(sy_reason_name(r)) > 0);
    CHECK(strlen(sy_reason_text(r)) > 0);
    if (st < 100 || st > 599 || strcmp(sy_status_phrase(st), "Unknown") == 0)
      fail_msg("%s: status %d", sy_reason_name(r), st);
    if (strncmp(sy_reason_rfc(r), "RFC ", 4) != 0 || strstr(sy_reason_rfc(r), "§") == NULL)
      fail_msg("%s: RFC citation \"%s\" is not \"RFC N §S\"", sy_reason_name(r), sy_reason_rfc(r));
    CHECK(lv == SY_LEVEL_MUST || lv == SY_LEVEL_SHOULD || lv == SY_LEVEL_MAY);
    CHECK(tu_reason_by_name(sy_reason_name(r)) == r); /* names are unique */
    for (size_t k = 0; k < COUNT(rows); k++)
      in_rows += rows[k].reason == r;
    for (size_t k = 0; k < COUNT(reject_rows); k++)
      in_rejects += reject_rows[k].reason == r;
    for (size_t k = 0; k < COUNT(conn_only); k++)
      only_conn += conn_only[k] == r;
    if (only_conn ? in_rejects == 0 : in_rows == 0) {
      print_error("reason %s (%d, %s) has no %s row in test_decide.c\n", sy_reason_name(r), st,
                  sy_reason_rfc(r), only_conn ? "reject" : "request");
      missing++;
    }
  }
  CHECK_INT(missing, 0);
}

/* ---- incomplete requests: SY_INCOMPLETE, head_len once the head is in ---- */
static const struct incomplete_row {
  const char *name;
  const char *req;
  size_t len;
  int head_done;
  int expect_continue;
} incomplete_rows[] = {
    {"incomplete: empty", LIT(""), 0, 0},
    {"incomplete: method only", LIT("GET"), 0, 0},
    {"incomplete: a method no one knows, so far", LIT("BREW"), 0, 0},
    {"incomplete: request line without CRLF", LIT("GET / HTTP/1.1"), 0, 0},
    {"incomplete: another version, line not ended", LIT("GET / HTTP/3.1"), 0, 0},
    {"incomplete: request line ended by CR only so far", LIT("GET / HTTP/1.1\r"), 0, 0},
    {"incomplete: fields without the empty line", LIT(GET), 0, 0},
    {"incomplete: empty line half there", LIT(GET "\r"), 0, 0},
    {"incomplete: a field name and space, colon to come", LIT(GET "Host "), 0, 0},
    {"incomplete: leading CRLF only", LIT("\r\n"), 0, 0},
    {"incomplete: empty line, another version, line not ended", LIT("\r\nPRI * HTTP/3.0"), 0, 0},
    {"incomplete: content to come", LIT("POST / HTTP/1.1\r\n" H "Content-Length: 5\r\n\r\nab"), 1, 0},
    {"incomplete: 100-continue, content to come",
     LIT("POST / HTTP/1.1\r\n" H "Expect: 100-continue\r\nContent-Length: 5\r\n\r\n"), 1, 1},
    {"incomplete: chunk to come",
     LIT("POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n5\r\nhel"), 1, 0},
    {"incomplete: last chunk, trailer to come",
     LIT("POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n0\r\n"), 1, 0},
};

static void test_incomplete_row(void **state)
{
  const struct incomplete_row *row = *state;
  struct sy_request req;
  CHECK_INT(sy_request_parse(&req, row->req, row->len), SY_INCOMPLETE);
  CHECK_REASON(req.error, SY_R_NONE);
  CHECK_INT(req.head_len > 0, row->head_done);
  CHECK_INT(req.expect_continue, row->expect_continue);
  if (row->head_done)
    CHECK(memcmp(row->req + req.head_len - 4, "\r\n\r\n", 4) == 0);
}

static void test_parse_misuse(void **state)
{
  struct sy_request req;
  (void)state;
  CHECK_INT(sy_request_parse(NULL, LIT("GET")), SY_EINVAL);
  CHECK_INT(sy_request_parse(&req, NULL, 3), SY_EINVAL);
  CHECK_INT(sy_request_parse(&req, NULL, 0), SY_INCOMPLETE);
}

/* What the parser extracts: spans into the caller's buffer, trimmed values, the path. */
static void test_parse_fields(void **state)
{
  static const char r[] = "GET http://a.example:80/live/x?y=1 HTTP/1.1\r\n"
                          "Host:  a.example:80 \t\r\n"
                          "X-Empty:\r\n"
                          "x-dup: 1\r\n"
                          "X-Dup: 2\r\n"
                          "Content-Length: 4\r\n"
                          "\r\n"
                          "bodyNEXT";
  struct sy_request req;
  const struct sy_header *h;
  size_t n = 99;
  (void)state;
  CHECK_INT(sy_request_parse(&req, r, sizeof r - 1), sizeof r - 1 - 4);
  CHECK_REASON(req.error, SY_R_NONE);
  CHECK(req.method.ptr == r && req.method.len == 3);
  CHECK_INT(req.method_id, SY_M_GET);
  CHECK(sy_span_ieq(req.target, "http://a.example:80/live/x?y=1"));
  CHECK(sy_span_ieq(req.path, "/live/x"));
  CHECK(req.path.ptr > r && req.path.ptr < r + sizeof r);
  CHECK_INT(req.version_major, 1);
  CHECK_INT(req.version_minor, 1);
  CHECK_INT(req.n_headers, 5);
  CHECK(sy_span_ieq(req.headers[0].name, "Host"));
  CHECK(sy_span_ieq(req.headers[0].value, "a.example:80")); /* OWS trimmed both sides */
  CHECK_INT(req.headers[1].value.len, 0);
  h = sy_request_field(&req, "X-DUP", &n);
  CHECK(h == &req.headers[2]);
  CHECK_INT(n, 2);
  CHECK(sy_request_field(&req, "nope", &n) == NULL);
  CHECK_INT(n, 0);
  CHECK(sy_request_field(&req, "host", NULL) == &req.headers[0]);
  CHECK_INT(req.head_len, strstr(r, "body") - r);
  CHECK_INT(req.message_len, req.head_len + 4);
  CHECK_INT(req.content_len, 4);
  CHECK_INT(req.keep_alive, 1);
  CHECK_INT(req.expect_continue, 0);
}

/* llhttp's own upgrade flag is kept for oracles, also where the decision ignores it. */
static void test_parser_upgrade_flag(void **state)
{
  struct sy_request req;
  (void)state;
  CHECK(sy_request_parse(&req, LIT(WS END)) > 0);
  CHECK_INT(req.parser_upgrade, 1);
  CHECK(sy_request_parse(&req, LIT("GET / HTTP/1.0\r\nUpgrade: h2c\r\n" CUP END)) > 0);
  CHECK_INT(req.parser_upgrade, 1); /* llhttp flags it; the decision ignores it (RFC 9110 §7.8) */
  CHECK(sy_request_parse(&req, LIT(GET UPG END)) > 0);
  CHECK_INT(req.parser_upgrade, 0);
}

/* ---- the policy file ---- */
struct policy_row {
  const char *name;
  const char *text;
  int rc;
  const char *err; /* exact "line N: why" on error */
  const char *req; /* then this request ... */
  int status;      /* ... gets this */
  enum sy_reason reason;
  const char *fields;
};

static const struct policy_row policy_rows[] = {
    {"policy: empty file keeps the defaults", "", 0, "", WS END, 101, R(WS_SWITCH), F101},
    {"policy: comments and blank lines", "# a comment\n\n   \t\n# route / websocket\n", 0, "",
     GET END, 200, R(SERVED), ""},
    {"policy: a new WebSocket route", "route /chat websocket\n", 0, "",
     "GET /chat HTTP/1.1\r\n" H UPG CUP KEY V13 END, 101, R(WS_SWITCH), F101},
    {"policy: defaults stay next to a new route", "route /chat websocket\n", 0, "", GL END, 426,
     R(WS_REQUIRED), F426},
    {"policy: a later line overrides a route", "route /live plain\n", 0, "", WS END, 200,
     R(UPGRADE_IGNORED), ""},
    {"policy: / made WebSocket-only", "route / websocket\n", 0, "", GET END, 426, R(WS_REQUIRED),
     F426},
    {"policy: override within the file", "route /x plain\nroute /x websocket\n", 0, "",
     "GET /x HTTP/1.1\r\n" H END, 426, R(WS_REQUIRED), F426},
    {"policy: clear-routes", "clear-routes\n", 0, "", GET END, 404, R(NOT_FOUND), ""},
    {"policy: clear-routes, then a route", "clear-routes\nroute /ws websocket\n", 0, "",
     "GET /ws HTTP/1.1\r\n" H UPG CUP KEY V13 END, 101, R(WS_SWITCH), F101},
    {"policy: clear-routes removes /live", "clear-routes\nroute /ws websocket\n", 0, "", WS END, 404,
     R(NOT_FOUND), ""},
    {"policy: ws-method-status 400", "ws-method-status 400\n", 0, "",
     "POST /live HTTP/1.1\r\n" H "Content-Length: 0\r\n" END, 400, R(WS_METHOD), ""},
    {"policy: ws-method-status 405", "ws-method-status 400\nws-method-status 405\n", 0, "",
     "POST /live HTTP/1.1\r\n" H "Content-Length: 0\r\n" END, 405, R(WS_METHOD), "Allow: GET"},
    {"policy: CRLF line ends and tabs", "route\t/t\twebsocket\r\n\r\n", 0, "",
     "GET /t HTTP/1.1\r\n" H END, 426, R(WS_REQUIRED), F426},
    {"policy: no newline at the end", "route /t websocket", 0, "", "GET /t HTTP/1.1\r\n" H END, 426,
     R(WS_REQUIRED), F426},
    {"policy: trailing comment", "route /t websocket # the chat\n", 0, "",
     "GET /t HTTP/1.1\r\n" H END, 426, R(WS_REQUIRED), F426},
    {"policy: unknown kind", "route /chat ws\n", SY_ESYNTAX,
     "line 1: route kind must be plain, websocket, h2c, h2c-required, tls, tls-required or "
     "secure-redirect",
     NULL, 0, 0, NULL},
    {"policy: path without '/'", "# x\n\nroute chat plain\n", SY_ESYNTAX,
     "line 3: route path must start with '/'", NULL, 0, 0, NULL},
    {"policy: unknown directive", "\nbogus\n", SY_ESYNTAX,
     "line 2: expected 'route PATH KIND', 'clear-routes' or 'ws-method-status N'", NULL,
     0, 0, NULL},
    {"policy: route without a kind", "route /x\n", SY_ESYNTAX,
     "line 1: expected 'route PATH KIND', 'clear-routes' or 'ws-method-status N'", NULL,
     0, 0, NULL},
    {"policy: too many words", "route /a plain extra\n", SY_ESYNTAX, "line 1: too many words",
     NULL, 0, 0, NULL},
    {"policy: clear-routes takes no argument", "clear-routes now\n", SY_ESYNTAX,
     "line 1: expected 'route PATH KIND', 'clear-routes' or 'ws-method-status N'", NULL,
     0, 0, NULL},
    {"policy: ws-method-status 404", "ws-method-status 404\n", SY_ESYNTAX,
     "line 1: ws-method-status must be 405 or 400", NULL, 0, 0, NULL},
    {"policy: directives are case-sensitive", "Route /x plain\n", SY_ESYNTAX,
     "line 1: expected 'route PATH KIND', 'clear-routes' or 'ws-method-status N'", NULL,
     0, 0, NULL},
};

static void test_policy_row(void **state)
{
  const struct policy_row *row = *state;
  struct sy_policy pol;
  struct sy_request req;
  struct sy_decision d;
  char err[256] = "", fields[256];
  sy_policy_default(&pol);
  CHECK_INT(sy_policy_parse(&pol, row->text, strlen(row->text), err, sizeof err), row->rc);
  CHECK_STR(err, row->err);
  if (row->req == NULL)
    return;
  CHECK(sy_handle(&pol, row->req, strlen(row->req), &req, &d) > 0);
  CHECK_INT(d.status, row->status);
  CHECK_REASON(d.reason, row->reason);
  CHECK_STR(tu_fields(&d, fields, sizeof fields), row->fields);
}

static void test_policy_limits(void **state)
{
  struct sy_policy pol;
  char text[4096], err[128], path[SY_MAX_ROUTE_PATH + 8];
  size_t o = 0;
  (void)state;

  /* Routes: the defaults hold n, so line SY_MAX_ROUTES - n + 1 is the first that does not fit. */
  for (int i = 0; i < SY_MAX_ROUTES; i++)
    o += (size_t)snprintf(text + o, sizeof text - o, "route /r%d plain\n", i);
  sy_policy_default(&pol);
  CHECK_INT(pol.n_routes, 7);
  CHECK_INT(sy_policy_parse(&pol, text, o, err, sizeof err), SY_ELIMIT);
  snprintf(path, sizeof path, "line %d: too many routes", SY_MAX_ROUTES - 7 + 1);
  CHECK_STR(err, path);
  /* An existing path never needs room: it is overridden in place. */
  CHECK_INT(pol.n_routes, SY_MAX_ROUTES);
  CHECK_INT(sy_policy_add_route(&pol, "/live", SY_ROUTE_PLAIN), 0);
  CHECK_INT(sy_policy_add_route(&pol, "/new", SY_ROUTE_PLAIN), SY_ELIMIT);

  /* A word of SY_MAX_ROUTE_PATH bytes is too long; one less fits. */
  memset(path, 'p', sizeof path);
  path[0] = '/';
  sy_policy_default(&pol);
  o = (size_t)snprintf(text, sizeof text, "route %.*s plain\n", SY_MAX_ROUTE_PATH - 1, path);
  CHECK_INT(sy_policy_parse(&pol, text, o, err, sizeof err), 0);
  o = (size_t)snprintf(text, sizeof text, "\n\nroute %.*s plain\n", SY_MAX_ROUTE_PATH, path);
  CHECK_INT(sy_policy_parse(&pol, text, o, err, sizeof err), SY_ELIMIT);
  CHECK_STR(err, "line 3: word too long");

  /* No error buffer is fine. */
  CHECK_INT(sy_policy_parse(&pol, LIT("bogus"), NULL, 0), SY_ESYNTAX);

  /* sy_policy_add_route's own checks. */
  sy_policy_default(&pol);
  CHECK_INT(sy_policy_add_route(&pol, "", SY_ROUTE_PLAIN), SY_EINVAL);
  CHECK_INT(sy_policy_add_route(&pol, "x", SY_ROUTE_PLAIN), SY_EINVAL);
  path[SY_MAX_ROUTE_PATH] = '\0';
  CHECK_INT(sy_policy_add_route(&pol, path, SY_ROUTE_PLAIN), SY_EINVAL);
  path[SY_MAX_ROUTE_PATH - 1] = '\0';
  CHECK_INT(sy_policy_add_route(&pol, path, SY_ROUTE_PLAIN), 0);
}

static void test_default_policy(void **state)
{
  struct sy_policy pol;
  (void)state;
  sy_policy_default(&pol);
  CHECK_INT(pol.n_routes, 7);
  CHECK_STR(pol.routes[0].path, "/live");
  CHECK_INT(pol.routes[0].kind, SY_ROUTE_WEBSOCKET);
  CHECK_STR(pol.routes[1].path, "/");
  CHECK_INT(pol.routes[1].kind, SY_ROUTE_PLAIN);
  CHECK_STR(pol.routes[2].path, "/h2c");
  CHECK_INT(pol.routes[2].kind, SY_ROUTE_H2C);
  CHECK_STR(pol.routes[3].path, "/h2c-required");
  CHECK_STR(pol.routes[4].path, "/tls");
  CHECK_STR(pol.routes[5].path, "/tls-required");
  CHECK_STR(pol.routes[6].path, "/secure-redirect");
  CHECK_INT(pol.routes[6].kind, SY_ROUTE_SECURE_REDIRECT);
  CHECK_INT(pol.ws_method_status, 405);
  /* The kind names are one table: every name parses back to its kind. */
  for (int k = 0; k < SY_ROUTE__COUNT; k++)
    CHECK_INT(sy_route_kind_parse(sy_route_kind_name((enum sy_route_kind)k),
                                  strlen(sy_route_kind_name((enum sy_route_kind)k))),
              k);
  CHECK(sy_route_kind_name(SY_ROUTE__COUNT) == NULL);
  CHECK_INT(sy_route_kind_parse("h2", 2), -1);
}

static void test_strerror(void **state)
{
  (void)state;
  CHECK_STR(sy_strerror(SY_EINVAL), "invalid argument");
  CHECK_STR(sy_strerror(SY_ENOSPC), "output buffer too small");
  CHECK_STR(sy_strerror(SY_ESYNTAX), "syntax error");
  CHECK_STR(sy_strerror(SY_ELIMIT), "a named limit was exceeded");
  CHECK_STR(sy_strerror(-99), "unknown error");
  CHECK_STR(sy_level_name(SY_LEVEL_SHOULD), "SHOULD");
  CHECK_STR(sy_reason_name((enum sy_reason)SY_R__COUNT), "NONE");
  CHECK_STR(sy_reason_name((enum sy_reason) - 1), "NONE");
}

int main(void)
{
  struct tu_tests l = {0};
  TU_ADD_ROWS(&l, rows, test_row);
  TU_ADD_ROWS(&l, reject_rows, test_reject_row);
  tu_add(&l, "every reason has an RFC citation and a row", test_every_reason_has_a_row, NULL);
  TU_ADD_ROWS(&l, incomplete_rows, test_incomplete_row);
  tu_add(&l, "parse: misuse", test_parse_misuse, NULL);
  tu_add(&l, "parse: what the request holds", test_parse_fields, NULL);
  tu_add(&l, "parse: llhttp's upgrade flag", test_parser_upgrade_flag, NULL);
  tu_add(&l, "policy: the default", test_default_policy, NULL);
  TU_ADD_ROWS(&l, policy_rows, test_policy_row);
  tu_add(&l, "policy: limits", test_policy_limits, NULL);
  tu_add(&l, "errors and names", test_strerror, NULL);
  return tu_run("decide", &l);
}
