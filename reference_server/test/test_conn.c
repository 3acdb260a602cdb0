/* SPDX-License-Identifier: MIT */
/* test_conn.c: the connection state machine without sockets. HTTP: pipelining, keep-alive and
 * close, 100 Continue, timeouts fed as time, EOF, output backpressure. WebSocket (RFC 6455):
 * one row per frame scenario, each run with the frames in the same read as the handshake and
 * again byte by byte: echo, reassembly, ping/pong, the close handshake and every way to fail. */
#include "testutil.h"

#define H   "Host: a\r\n"
#define GET "GET / HTTP/1.1\r\n" H "\r\n"
#define HANDSHAKE                                                            \
  "GET /live HTTP/1.1\r\n" H "Upgrade: websocket\r\nConnection: Upgrade\r\n" \
  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
#define R101                                                                          \
  "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" \
  "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
#define CONTINUE "HTTP/1.1 100 Continue\r\n\r\n"

static struct sy_policy policy;

/* ---- a connection with its output collected ---- */

struct tconn {
  struct sy_conn *c;
  uint8_t *out;
  size_t out_len, out_cap;
  uint64_t now;
  size_t decisions;
};

static void on_decision(void *arg, const struct sy_request *req, const struct sy_decision *d)
{
  struct tconn *t = arg;
  (void)req;
  (void)d;
  t->decisions++;
}

static void tc_open(struct tconn *t, const struct sy_conn_opts *o)
{
  memset(t, 0, sizeof *t);
  t->c = malloc(sizeof *t->c);
  t->out_cap = 1 << 20;
  t->out = malloc(t->out_cap);
  CHECK(t->c != NULL && t->out != NULL);
  sy_conn_init(t->c, &policy, o, 0);
  t->c->on_decision = on_decision;
  t->c->cb_arg = t;
}

static void tc_close(struct tconn *t)
{
  free(t->c);
  free(t->out);
}

/* Everything the connection wants to send, as a server that can always write. */
static void tc_drain(struct tconn *t)
{
  size_t n;
  const uint8_t *p = sy_conn_output(t->c, &n);
  CHECK(n <= SY_CONN_OUT_CAP);
  CHECK(t->out_len + n <= t->out_cap);
  memcpy(t->out + t->out_len, p, n);
  t->out_len += n;
  sy_conn_sent(t->c, n, t->now);
}

/* Feeds bytes in reads of `chunk` bytes, draining after each. */
static void tc_feed(struct tconn *t, const void *data, size_t len, size_t chunk)
{
  const uint8_t *p = data;
  size_t off = 0;
  int stalled = 0;
  while (off < len) {
    size_t n = len - off < chunk ? len - off : chunk;
    size_t took = sy_conn_feed(t->c, p + off, n, t->now);
    CHECK(took <= n);
    tc_drain(t);
    off += took;
    stalled = took ? 0 : stalled + 1;
    CHECK(stalled < 3);
  }
}

#define TC_FEED(t, lit) tc_feed((t), (lit), sizeof(lit) - 1, sizeof(lit) - 1)

#define CHECK_OUT(t, lit) CHECK_BYTES((t)->out, (t)->out_len, (lit), sizeof(lit) - 1)

/* ---- frames, built here ---- */

/* A masked client frame (mask 37 fa 21 3d, RFC 6455 §5.7). */
static size_t client_frame(uint8_t *buf, int b0, const void *payload, size_t len, int masked)
{
  static const uint8_t m[4] = {0x37, 0xfa, 0x21, 0x3d};
  const uint8_t *p = payload;
  size_t o = 0;
  buf[o++] = (uint8_t)b0;
  if (len < 126) {
    buf[o++] = (uint8_t)((masked ? 0x80 : 0) | len);
  } else if (len <= 0xffff) {
    buf[o++] = (uint8_t)((masked ? 0x80 : 0) | 126);
    buf[o++] = (uint8_t)(len >> 8);
    buf[o++] = (uint8_t)len;
  } else {
    buf[o++] = (uint8_t)((masked ? 0x80 : 0) | 127);
    for (int i = 7; i >= 0; i--)
      buf[o++] = (uint8_t)((uint64_t)len >> (8 * i));
  }
  if (masked) {
    memcpy(buf + o, m, 4);
    o += 4;
  }
  for (size_t i = 0; i < len; i++)
    buf[o + i] = masked ? (uint8_t)(p[i] ^ m[i & 3]) : p[i];
  return o + len;
}

/* An unmasked server frame with FIN, as the server must write it. */
static size_t server_frame(uint8_t *buf, int opcode, const void *payload, size_t len)
{
  return client_frame(buf, 0x80 | opcode, payload, len, 0);
}

/* ---- WebSocket rows ---- */

#define FIN  0x80
#define MAXF 4
struct frame {
  int b0; /* FIN | RSV | opcode as the first byte; 0 ends the list */
  const char *payload;
  size_t len;
  int unmasked;
};
struct ws_row {
  const char *name;
  struct frame in[MAXF]; /* client frames, sent in the same read as the handshake */
  const char *raw;       /* or raw bytes after the handshake */
  size_t raw_len;
  struct frame out[MAXF]; /* server frames expected after the 101 */
  int closing;            /* the server is closing the connection */
};

#define F(b0, s)                \
  {                             \
    (b0), (s), sizeof(s) - 1, 0 \
  }
#define UNMASKED(b0, s)         \
  {                             \
    (b0), (s), sizeof(s) - 1, 1 \
  }
#define P10 "0123456789"

/* clang-format off */
static const struct ws_row ws_rows[] = {
  {"ws: echo text", {F(FIN | SY_WS_TEXT, "Hello")}, NULL, 0, {F(SY_WS_TEXT, "Hello")}, 0},
  {"ws: echo binary", {F(FIN | SY_WS_BINARY, "\x00\xff\x80\x7f")}, NULL, 0, {F(SY_WS_BINARY, "\x00\xff\x80\x7f")}, 0},
  {"ws: echo empty text", {F(FIN | SY_WS_TEXT, "")}, NULL, 0, {F(SY_WS_TEXT, "")}, 0},
  {"ws: two messages, two echoes", {F(FIN | SY_WS_TEXT, "a"), F(FIN | SY_WS_BINARY, "b")}, NULL, 0, {F(SY_WS_TEXT, "a"), F(SY_WS_BINARY, "b")}, 0},
  {"ws: fragmented text reassembled", {F(SY_WS_TEXT, "Hel"), F(SY_WS_CONT, "lo "), F(FIN | SY_WS_CONT, "world")}, NULL, 0, {F(SY_WS_TEXT, "Hello world")}, 0},
  {"ws: fragmented binary reassembled", {F(SY_WS_BINARY, "\x01"), F(FIN | SY_WS_CONT, "\x02")}, NULL, 0, {F(SY_WS_BINARY, "\x01\x02")}, 0},
  {"ws: UTF-8 split across fragments", {F(SY_WS_TEXT, "caf\xc3"), F(FIN | SY_WS_CONT, "\xa9")}, NULL, 0, {F(SY_WS_TEXT, "caf\xc3\xa9")}, 0},
  {"ws: ping between fragments", {F(SY_WS_TEXT, "a"), F(FIN | SY_WS_PING, "p"), F(FIN | SY_WS_CONT, "b")}, NULL, 0, {F(SY_WS_PONG, "p"), F(SY_WS_TEXT, "ab")}, 0},
  {"ws: ping -> pong with its payload", {F(FIN | SY_WS_PING, "hi")}, NULL, 0, {F(SY_WS_PONG, "hi")}, 0},
  {"ws: empty ping -> empty pong", {F(FIN | SY_WS_PING, "")}, NULL, 0, {F(SY_WS_PONG, "")}, 0},
  {"ws: unsolicited pong ignored", {F(FIN | SY_WS_PONG, "x"), F(FIN | SY_WS_TEXT, "y")}, NULL, 0, {F(SY_WS_TEXT, "y")}, 0},
  {"ws: binary need not be UTF-8", {F(FIN | SY_WS_BINARY, "\xed\xa0\x80")}, NULL, 0, {F(SY_WS_BINARY, "\xed\xa0\x80")}, 0},
  {"ws: close 1000 echoed", {F(FIN | SY_WS_CLOSE, "\x03\xe8" "bye")}, NULL, 0, {F(SY_WS_CLOSE, "\x03\xe8")}, 1},
  {"ws: close 4000 echoed", {F(FIN | SY_WS_CLOSE, "\x0f\xa0")}, NULL, 0, {F(SY_WS_CLOSE, "\x0f\xa0")}, 1},
  {"ws: close without a code", {F(FIN | SY_WS_CLOSE, "")}, NULL, 0, {F(SY_WS_CLOSE, "")}, 1},
  {"ws: frames after close ignored", {F(FIN | SY_WS_CLOSE, "\x03\xe8"), F(FIN | SY_WS_TEXT, "late")}, NULL, 0, {F(SY_WS_CLOSE, "\x03\xe8")}, 1},
  {"ws: close inside a fragmented message", {F(SY_WS_TEXT, "a"), F(FIN | SY_WS_CLOSE, "\x03\xe9")}, NULL, 0, {F(SY_WS_CLOSE, "\x03\xe9")}, 1},
  {"ws: close with a 1-byte payload -> 1002", {F(FIN | SY_WS_CLOSE, "\x03")}, NULL, 0, {F(SY_WS_CLOSE, "\x03\xea")}, 1},
  {"ws: close code 1005 -> 1002", {F(FIN | SY_WS_CLOSE, "\x03\xed")}, NULL, 0, {F(SY_WS_CLOSE, "\x03\xea")}, 1},
  {"ws: close code 999 -> 1002", {F(FIN | SY_WS_CLOSE, "\x03\xe7")}, NULL, 0, {F(SY_WS_CLOSE, "\x03\xea")}, 1},
  {"ws: close code 5000 -> 1002", {F(FIN | SY_WS_CLOSE, "\x13\x88")}, NULL, 0, {F(SY_WS_CLOSE, "\x03\xea")}, 1},
  {"ws: close reason not UTF-8 -> 1007", {F(FIN | SY_WS_CLOSE, "\x03\xe8\xff")}, NULL, 0, {F(SY_WS_CLOSE, "\x03\xef")}, 1},
  {"ws: unmasked frame -> 1002", {UNMASKED(FIN | SY_WS_TEXT, "Hello")}, NULL, 0, {F(SY_WS_CLOSE, "\x03\xea")}, 1},
  {"ws: unmasked after a good frame", {F(FIN | SY_WS_TEXT, "ok"), UNMASKED(FIN | SY_WS_TEXT, "no")}, NULL, 0, {F(SY_WS_TEXT, "ok"), F(SY_WS_CLOSE, "\x03\xea")}, 1},
  {"ws: RSV1 -> 1002", {F(FIN | 0x40 | SY_WS_TEXT, "x")}, NULL, 0, {F(SY_WS_CLOSE, "\x03\xea")}, 1},
  {"ws: RSV3 -> 1002", {F(FIN | 0x10 | SY_WS_BINARY, "x")}, NULL, 0, {F(SY_WS_CLOSE, "\x03\xea")}, 1},
  {"ws: opcode 3 -> 1002", {F(FIN | 3, "x")}, NULL, 0, {F(SY_WS_CLOSE, "\x03\xea")}, 1},
  {"ws: opcode 0xB -> 1002", {F(FIN | 0xb, "")}, NULL, 0, {F(SY_WS_CLOSE, "\x03\xea")}, 1},
  {"ws: continuation with nothing open -> 1002", {F(FIN | SY_WS_CONT, "x")}, NULL, 0, {F(SY_WS_CLOSE, "\x03\xea")}, 1},
  {"ws: new message inside a fragmented one -> 1002", {F(SY_WS_TEXT, "a"), F(FIN | SY_WS_TEXT, "b")}, NULL, 0, {F(SY_WS_CLOSE, "\x03\xea")}, 1},
  {"ws: fragmented ping -> 1002", {F(SY_WS_PING, "p")}, NULL, 0, {F(SY_WS_CLOSE, "\x03\xea")}, 1},
  {"ws: ping of 126 bytes -> 1002", {F(FIN | SY_WS_PING, P10 P10 P10 P10 P10 P10 P10 P10 P10 P10 P10 P10 "012345")}, NULL, 0, {F(SY_WS_CLOSE, "\x03\xea")}, 1},
  {"ws: invalid UTF-8 text -> 1007", {F(FIN | SY_WS_TEXT, "\xff")}, NULL, 0, {F(SY_WS_CLOSE, "\x03\xef")}, 1},
  {"ws: surrogate in text -> 1007", {F(FIN | SY_WS_TEXT, "a\xed\xa0\x80")}, NULL, 0, {F(SY_WS_CLOSE, "\x03\xef")}, 1},
  {"ws: truncated UTF-8 at the end of a message -> 1007", {F(SY_WS_TEXT, "a"), F(FIN | SY_WS_CONT, "\xc3")}, NULL, 0, {F(SY_WS_CLOSE, "\x03\xef")}, 1},
  {"ws: declared length over the limit -> 1009", {{0}}, LIT("\x82\xff\x00\x00\x00\x00\x00\x01\x00\x01\x37\xfa\x21\x3d"), {F(SY_WS_CLOSE, "\x03\xf1")}, 1},
  {"ws: non-minimal length -> 1002", {{0}}, LIT("\x81\xfe\x00\x05\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58"), {F(SY_WS_CLOSE, "\x03\xea")}, 1},
  {"ws: 64-bit length with the MSB set -> 1002", {{0}}, LIT("\x82\xff\x80\x00\x00\x00\x00\x00\x00\x01\x37\xfa\x21\x3d"), {F(SY_WS_CLOSE, "\x03\xea")}, 1},
  {"ws: HTTP after the handshake is not HTTP -> 1002", {{0}}, LIT(GET), {F(SY_WS_CLOSE, "\x03\xea")}, 1},
  {"ws: RFC 6455 §5.7 masked Hello", {{0}}, LIT("\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58"), {F(SY_WS_TEXT, "Hello")}, 0},
  {"ws: nothing after the handshake", {{0}}, NULL, 0, {{0}}, 0},
};
/* clang-format on */

static size_t ws_row_input(const struct ws_row *row, uint8_t *buf)
{
  size_t o = sizeof(HANDSHAKE) - 1;
  memcpy(buf, HANDSHAKE, o);
  for (size_t i = 0; i < MAXF && row->in[i].payload != NULL; i++)
    o += client_frame(buf + o, row->in[i].b0, row->in[i].payload, row->in[i].len,
                      !row->in[i].unmasked);
  if (row->raw) {
    memcpy(buf + o, row->raw, row->raw_len);
    o += row->raw_len;
  }
  return o;
}

static size_t ws_row_output(const struct ws_row *row, uint8_t *buf)
{
  size_t o = sizeof(R101) - 1;
  memcpy(buf, R101, o);
  for (size_t i = 0; i < MAXF && row->out[i].payload != NULL; i++)
    o += server_frame(buf + o, row->out[i].b0, row->out[i].payload, row->out[i].len);
  return o;
}

static void test_ws_row(void **state)
{
  const struct ws_row *row = *state;
  static uint8_t in[4096], want[4096];
  size_t in_len = ws_row_input(row, in), want_len = ws_row_output(row, want);
  size_t chunks[2] = {in_len, 1}; /* all in one read with the handshake; then byte by byte */
  for (size_t k = 0; k < 2; k++) {
    struct tconn t;
    tc_open(&t, NULL);
    tc_feed(&t, in, in_len, chunks[k]);
    if (!tu_bytes_equal(t.out, t.out_len, want, want_len, "output"))
      fail_msg("in reads of %zu bytes", chunks[k]);
    CHECK_INT(t.decisions, 1);
    if (row->closing) {
      CHECK_INT(t.c->state, SY_CONN_CLOSING);
      CHECK(sy_conn_should_close(t.c)); /* output drained: close now */
    } else {
      CHECK_INT(t.c->state, SY_CONN_WEBSOCKET);
      CHECK(!sy_conn_should_close(t.c));
    }
    tc_close(&t);
  }
}

/* ---- WebSocket: sizes ---- */

static void test_ws_message_at_the_limit(void **state)
{
  static uint8_t payload[SY_WS_MAX_MESSAGE], frame[SY_WS_MAX_MESSAGE + 16],
      want[SY_WS_MAX_MESSAGE + 16];
  struct tconn t;
  size_t n, wn;
  (void)state;
  for (size_t i = 0; i < sizeof payload; i++)
    payload[i] = (uint8_t)(i * 31 + 7);
  tc_open(&t, NULL);
  TC_FEED(&t, HANDSHAKE);
  CHECK_OUT(&t, R101);
  t.out_len = 0;
  /* One 64-bit-length frame of exactly SY_WS_MAX_MESSAGE bytes, in 1000-byte reads. */
  n = client_frame(frame, FIN | SY_WS_BINARY, payload, sizeof payload, 1);
  tc_feed(&t, frame, n, 1000);
  wn = server_frame(want, SY_WS_BINARY, payload, sizeof payload);
  CHECK_BYTES(t.out, t.out_len, want, wn);
  t.out_len = 0;
  /* The same in 16-bit-length fragments. */
  for (size_t off = 0; off < sizeof payload; off += 8192) {
    int b0 = (off == 0 ? SY_WS_BINARY : SY_WS_CONT) | (off + 8192 == sizeof payload ? FIN : 0);
    n = client_frame(frame, b0, payload + off, 8192, 1);
    tc_feed(&t, frame, n, n);
  }
  CHECK_BYTES(t.out, t.out_len, want, wn);
  CHECK_INT(t.c->state, SY_CONN_WEBSOCKET);
  tc_close(&t);
}

static void test_ws_fragments_over_the_limit(void **state)
{
  static uint8_t payload[40000], frame[40016];
  static const uint8_t close_1009[] = {0x88, 0x02, 0x03, 0xf1};
  struct tconn t;
  size_t n;
  (void)state;
  memset(payload, 'x', sizeof payload);
  tc_open(&t, NULL);
  TC_FEED(&t, HANDSHAKE);
  t.out_len = 0;
  n = client_frame(frame, SY_WS_TEXT, payload, sizeof payload, 1);
  tc_feed(&t, frame, n, n);
  CHECK_INT(t.out_len, 0); /* first fragment kept */
  n = client_frame(frame, FIN | SY_WS_CONT, payload, sizeof payload, 1);
  tc_feed(&t, frame, n, n);
  CHECK_BYTES(t.out, t.out_len, close_1009, sizeof close_1009); /* 80000 > the limit */
  CHECK(sy_conn_should_close(t.c));
  tc_close(&t);
}

/* A ping inside a fragmented message near the size limit is answered at once, and the message
 * still completes (RFC 6455 §5.4: control frames may be injected between fragments). */
static void test_ws_ping_inside_a_large_message(void **state)
{
  static uint8_t payload[SY_WS_MAX_MESSAGE], frame[SY_WS_MAX_MESSAGE + 16],
      want[SY_WS_MAX_MESSAGE + 256];
  size_t first = SY_WS_MAX_MESSAGE - 10, n, wn;
  struct tconn t;
  (void)state;
  memset(payload, 'm', sizeof payload);
  tc_open(&t, NULL);
  TC_FEED(&t, HANDSHAKE);
  t.out_len = 0;
  n = client_frame(frame, SY_WS_BINARY, payload, first, 1);
  tc_feed(&t, frame, n, n);
  n = client_frame(frame, FIN | SY_WS_PING, payload, SY_WS_MAX_CONTROL, 1);
  tc_feed(&t, frame, n, n);
  wn = server_frame(want, SY_WS_PONG, payload, SY_WS_MAX_CONTROL);
  CHECK_BYTES(t.out, t.out_len, want, wn);
  n = client_frame(frame, FIN | SY_WS_CONT, payload, 10, 1);
  tc_feed(&t, frame, n, n);
  wn += server_frame(want + wn, SY_WS_BINARY, payload, SY_WS_MAX_MESSAGE);
  CHECK_BYTES(t.out, t.out_len, want, wn);
  tc_close(&t);
}

/* Echoes pile up while the peer does not read: output stays bounded, nothing is lost. */
static void test_ws_backpressure(void **state)
{
  static uint8_t payload[20000], frame[20016], all[200 * 20016];
  struct tconn t;
  size_t n, off = 0, len = 0, frames = 40, expect;
  (void)state;
  memset(payload, 'e', sizeof payload);
  tc_open(&t, NULL);
  TC_FEED(&t, HANDSHAKE);
  t.out_len = 0;
  n = client_frame(frame, FIN | SY_WS_BINARY, payload, sizeof payload, 1);
  for (size_t i = 0; i < frames; i++) {
    memcpy(all + len, frame, n);
    len += n;
  }
  /* Feed without draining until the connection takes nothing more. */
  for (;;) {
    size_t took = sy_conn_feed(t.c, all + off, len - off, 0);
    size_t out;
    sy_conn_output(t.c, &out);
    CHECK(out <= SY_CONN_OUT_CAP);
    off += took;
    if (took == 0 || off == len)
      break;
  }
  CHECK(off < len); /* it pushed back */
  /* Now read, and feed the rest. */
  while (off < len) {
    tc_drain(&t);
    off += sy_conn_feed(t.c, all + off, len - off, 0);
  }
  for (int i = 0; i < 100; i++)
    tc_drain(&t);
  expect = frames * server_frame(frame, SY_WS_BINARY, payload, sizeof payload);
  CHECK_INT(t.out_len, expect);
  CHECK_INT(t.c->n_ws_messages, frames);
  tc_close(&t);
}

/* ---- HTTP: a walker over the responses in the output ---- */

struct resp {
  int status;
  int head; /* response to HEAD: no body */
};

/* Checks the output is exactly these responses, in order, each complete. */
static void check_responses(const struct tconn *t, const struct resp *want, size_t n)
{
  const char *p = (const char *)t->out, *end = p + t->out_len;
  for (size_t i = 0; i < n; i++) {
    char line[32];
    const char *eoh, *cl;
    size_t body = 0;
    snprintf(line, sizeof line, "HTTP/1.1 %d ", want[i].status);
    if ((size_t)(end - p) < strlen(line) || memcmp(p, line, strlen(line)) != 0)
      fail_msg("response %zu: not \"%s...\" at byte %td", i, line, p - (const char *)t->out);
    eoh = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
    CHECK(eoh != NULL);
    cl = memmem(p, (size_t)(eoh - p), "\r\nContent-Length: ", 18);
    if (cl && !want[i].head)
      body = (size_t)strtoul(cl + 18, NULL, 10);
    p = eoh + 4 + body;
    CHECK(p <= end);
  }
  if (p != end)
    fail_msg("%td bytes after the %zu expected responses", end - p, n);
}

static void test_pipelining(void **state)
{
  static const struct resp want[] = {{200, 0}, {200, 1}, {404, 0}, {204, 0}, {426, 0}, {405, 0}, {200, 0}};
  struct tconn t;
  (void)state;
  tc_open(&t, NULL);
  TC_FEED(&t, GET "HEAD / HTTP/1.1\r\n" H "\r\n"
                  "GET /nope HTTP/1.1\r\n" H "\r\n"
                  "OPTIONS / HTTP/1.1\r\n" H "\r\n"
                  "GET /live HTTP/1.1\r\n" H "\r\n" /* 426: stays HTTP/1.1 */
                  "POST / HTTP/1.1\r\n" H "Content-Length: 3\r\n\r\nabc" GET);
  check_responses(&t, want, COUNT(want));
  CHECK_INT(t.decisions, 7);
  CHECK_INT(t.c->state, SY_CONN_HTTP);
  CHECK(!sy_conn_should_close(t.c));
  tc_close(&t);
}

static void test_pipelining_byte_by_byte(void **state)
{
  static const char in[] = GET GET "GET /nope HTTP/1.1\r\n" H "\r\n";
  static const struct resp want[] = {{200, 0}, {200, 0}, {404, 0}};
  struct tconn t;
  (void)state;
  tc_open(&t, NULL);
  tc_feed(&t, in, sizeof in - 1, 1);
  check_responses(&t, want, COUNT(want));
  tc_close(&t);
}

static void test_connection_close(void **state)
{
  static const struct resp want[] = {{200, 0}};
  struct tconn t;
  (void)state;
  tc_open(&t, NULL);
  TC_FEED(&t, "GET / HTTP/1.1\r\n" H "Connection: close\r\n\r\n" GET);
  check_responses(&t, want, 1); /* the pipelined GET after close is not answered */
  CHECK(memmem(t.out, t.out_len, "\r\nConnection: close\r\n", 21) != NULL);
  CHECK(sy_conn_should_close(t.c));
  CHECK_INT(sy_conn_feed(t.c, (const uint8_t *)GET, sizeof GET - 1, 0), sizeof GET - 1);
  tc_drain(&t);
  check_responses(&t, want, 1); /* discarded */
  tc_close(&t);
}

static void test_http10(void **state)
{
  static const struct resp want[] = {{200, 0}, {200, 0}};
  struct tconn t;
  (void)state;
  tc_open(&t, NULL);
  TC_FEED(&t, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.0\r\n\r\n" GET);
  check_responses(&t, want, 2); /* keep-alive, then close */
  CHECK(sy_conn_should_close(t.c));
  tc_close(&t);
}

static void test_error_closes(void **state)
{
  static const struct resp want[] = {{400, 0}};
  struct tconn t;
  (void)state;
  tc_open(&t, NULL);
  TC_FEED(&t, "GET / HTTP/1.1\r\nHost : a\r\n\r\n" GET);
  check_responses(&t, want, 1);
  CHECK(sy_conn_should_close(t.c));
  tc_close(&t);
}

/* RFC 9110 §10.1.1, §7.8: 100 Continue once the head is in, before the 101. */
static void test_continue_before_101(void **state)
{
  static const char head[] = "GET /live HTTP/1.1\r\n" H "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                             "Sec-WebSocket-Version: 13\r\nExpect: 100-continue\r\n"
                             "Content-Length: 5\r\n\r\n";
  struct tconn t;
  (void)state;
  tc_open(&t, NULL);
  tc_feed(&t, head, sizeof head - 1, 7);
  CHECK_OUT(&t, CONTINUE);
  TC_FEED(&t, "he");
  CHECK_OUT(&t, CONTINUE); /* once */
  TC_FEED(&t, "llo\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58");
  CHECK_OUT(&t, CONTINUE R101 "\x81\x05Hello");
  CHECK_INT(t.c->state, SY_CONN_WEBSOCKET);
  tc_close(&t);
}

static void test_no_continue_when_the_body_came_along(void **state)
{
  static const struct resp want[] = {{405, 0}, {200, 0}};
  struct tconn t;
  (void)state;
  tc_open(&t, NULL);
  TC_FEED(&t, "POST / HTTP/1.1\r\n" H "Expect: 100-continue\r\nContent-Length: 2\r\n\r\nab" GET);
  check_responses(&t, want, 2);
  tc_close(&t);
}

static void test_continue_per_request(void **state)
{
  static const char req[] = "POST / HTTP/1.1\r\n" H "Expect: 100-continue\r\nContent-Length: 2\r\n\r\n";
  struct tconn t;
  (void)state;
  tc_open(&t, NULL);
  for (int i = 0; i < 2; i++) {
    size_t before = t.out_len;
    TC_FEED(&t, req);
    CHECK_INT(t.out_len - before, sizeof CONTINUE - 1);
    CHECK(memcmp(t.out + before, CONTINUE, sizeof CONTINUE - 1) == 0);
    TC_FEED(&t, "ab");
    CHECK(memcmp(t.out + before + sizeof CONTINUE - 1, "HTTP/1.1 405 ", 13) == 0);
  }
  tc_close(&t);
}

/* RFC 9110 §15.2: no 1xx to an HTTP/1.0 client; §10.1.1: ignore its 100-continue. */
static void test_no_continue_for_http10(void **state)
{
  static const struct resp want[] = {{405, 0}};
  struct tconn t;
  (void)state;
  tc_open(&t, NULL);
  TC_FEED(&t, "POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
  CHECK_INT(t.out_len, 0);
  TC_FEED(&t, "ab");
  check_responses(&t, want, 1);
  tc_close(&t);
}

static void test_switch_with_frames_in_the_same_read(void **state)
{
  struct tconn t;
  (void)state;
  tc_open(&t, NULL);
  /* Handshake, a frame, then a pipelined-looking GET that is not HTTP any more. */
  TC_FEED(&t, HANDSHAKE "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58");
  CHECK_OUT(&t, R101 "\x81\x05Hello");
  CHECK_INT(t.decisions, 1);
  CHECK_INT(t.c->n_ws_messages, 1);
  tc_close(&t);
}

/* ---- timeouts: time is an input ---- */

static void test_header_timeout(void **state)
{
  static const struct sy_conn_opts o = {1000, 60000, NULL};
  struct tconn t;
  (void)state;
  tc_open(&t, &o);
  CHECK_INT(sy_conn_deadline(t.c), 1000); /* the first request's clock runs from init (accept) */
  t.now = 100;
  TC_FEED(&t, "GET / HTTP/1.1\r\nHo");
  CHECK_INT(sy_conn_deadline(t.c), 1000); /* not from the first byte */
  sy_conn_tick(t.c, 999);
  tc_drain(&t);
  CHECK_INT(t.out_len, 0);
  /* A slow sender keeps the idle timer alive, not the header one. */
  t.now = 900;
  TC_FEED(&t, "s");
  sy_conn_tick(t.c, 1000);
  tc_drain(&t);
  {
    static const struct resp want[] = {{408, 0}};
    check_responses(&t, want, 1);
  }
  CHECK(memmem(t.out, t.out_len, "\r\nConnection: close\r\n", 21) != NULL);
  CHECK(memmem(t.out, t.out_len, "REQUEST_TIMEOUT", 15) != NULL);
  CHECK(sy_conn_should_close(t.c));
  CHECK_INT(t.decisions, 1);
  tc_close(&t);
}

/* No 408 to a connection that sent nothing: it made no request. It is closed at the header
 * deadline (from init), silently, long before the idle timeout. */
static void test_silent_connection_closes_at_the_header_deadline(void **state)
{
  static const struct sy_conn_opts o = {1000, 60000, NULL}, idle_only = {0, 5000, NULL};
  struct tconn t;
  (void)state;
  tc_open(&t, &o);
  sy_conn_tick(t.c, 999);
  CHECK(!sy_conn_should_close(t.c));
  sy_conn_tick(t.c, 1000);
  tc_drain(&t);
  CHECK(sy_conn_should_close(t.c));
  CHECK_INT(t.out_len, 0);
  CHECK_INT(t.decisions, 0);
  CHECK_INT(sy_conn_deadline(t.c), UINT64_MAX);
  tc_close(&t);
  /* Header timeout off: the idle timeout closes it. */
  tc_open(&t, &idle_only);
  CHECK_INT(sy_conn_deadline(t.c), 5000);
  sy_conn_tick(t.c, 5000);
  tc_drain(&t);
  CHECK(sy_conn_should_close(t.c));
  CHECK_INT(t.out_len, 0);
  tc_close(&t);
}

static void test_header_timer_restarts_per_request(void **state)
{
  static const struct sy_conn_opts o = {1000, 60000, NULL};
  static const struct resp want[] = {{200, 0}};
  struct tconn t;
  (void)state;
  tc_open(&t, &o);
  t.now = 900;
  TC_FEED(&t, GET);
  check_responses(&t, want, 1);
  t.now = 1500;
  TC_FEED(&t, "GET /");
  sy_conn_tick(t.c, 2000); /* 2000 - 1500 < 1000 */
  tc_drain(&t);
  check_responses(&t, want, 1);
  CHECK_INT(t.c->state, SY_CONN_HTTP);
  sy_conn_tick(t.c, 2500);
  tc_drain(&t);
  {
    static const struct resp want2[] = {{200, 0}, {408, 0}};
    check_responses(&t, want2, 2);
  }
  tc_close(&t);
}

/* README/--help: "a request must complete within MS of its first byte": the body too. */
static void test_request_timer_covers_the_body(void **state)
{
  static const struct sy_conn_opts o = {1000, 60000, NULL};
  static const struct resp want[] = {{408, 0}};
  struct tconn t;
  (void)state;
  tc_open(&t, &o);
  TC_FEED(&t, "POST / HTTP/1.1\r\n" H "Content-Length: 5\r\n\r\nab");
  CHECK_INT(t.out_len, 0);
  t.now = 999;
  TC_FEED(&t, "c");
  sy_conn_tick(t.c, 1000);
  tc_drain(&t);
  check_responses(&t, want, 1);
  CHECK(sy_conn_should_close(t.c));
  tc_close(&t);
}

static void test_idle_timeout(void **state)
{
  static const struct sy_conn_opts o = {1000, 5000, NULL};
  struct tconn t;
  (void)state;
  tc_open(&t, &o);
  t.now = 10;
  TC_FEED(&t, GET);
  CHECK_INT(sy_conn_deadline(t.c), 5010);
  sy_conn_tick(t.c, 5009);
  CHECK(!sy_conn_should_close(t.c));
  sy_conn_tick(t.c, 5010);
  CHECK(sy_conn_should_close(t.c)); /* idle between requests: just close */
  CHECK_INT(sy_conn_deadline(t.c), UINT64_MAX);
  tc_drain(&t);
  {
    static const struct resp want[] = {{200, 0}};
    check_responses(&t, want, 1); /* no 408 for a connection that sent nothing */
  }
  tc_close(&t);
}

static void test_idle_timeout_websocket(void **state)
{
  static const struct sy_conn_opts o = {1000, 5000, NULL};
  struct tconn t;
  (void)state;
  tc_open(&t, &o);
  TC_FEED(&t, HANDSHAKE);
  t.out_len = 0;
  sy_conn_tick(t.c, 5000);
  CHECK(!sy_conn_should_close(t.c)); /* a Close frame to send first */
  tc_drain(&t);
  CHECK_OUT(&t, "\x88\x02\x03\xe9"); /* 1001 going away (RFC 6455 §7.4.1) */
  CHECK(sy_conn_should_close(t.c));
  tc_close(&t);
}

static void test_no_timeouts(void **state)
{
  static const struct sy_conn_opts o = {0, 0, NULL};
  struct tconn t;
  (void)state;
  tc_open(&t, &o);
  TC_FEED(&t, "GET / HT");
  CHECK_INT(sy_conn_deadline(t.c), UINT64_MAX);
  sy_conn_tick(t.c, UINT64_MAX / 2);
  CHECK_INT(t.c->state, SY_CONN_HTTP);
  tc_close(&t);
}

static void test_default_opts(void **state)
{
  struct sy_conn_opts o;
  (void)state;
  sy_conn_opts_default(&o);
  CHECK_INT(o.header_timeout_ms, SY_DEFAULT_HEADER_TIMEOUT_MS);
  CHECK_INT(o.idle_timeout_ms, SY_DEFAULT_IDLE_TIMEOUT_MS);
  CHECK(o.tls == NULL);
}

/* ---- EOF ---- */

static void test_eof_mid_request(void **state)
{
  struct tconn t;
  (void)state;
  tc_open(&t, NULL);
  TC_FEED(&t, "GET / HTTP/1.1\r\nHost: a\r\n");
  sy_conn_eof(t.c, 0);
  tc_drain(&t);
  CHECK_INT(t.out_len, 0); /* a half request gets no answer */
  CHECK(sy_conn_should_close(t.c));
  tc_close(&t);
}

static void test_eof_with_output_queued(void **state)
{
  static const struct resp want[] = {{200, 0}};
  struct tconn t;
  size_t n;
  (void)state;
  tc_open(&t, NULL);
  sy_conn_feed(t.c, (const uint8_t *)GET, sizeof GET - 1, 0);
  sy_conn_eof(t.c, 0);
  sy_conn_output(t.c, &n);
  CHECK(n > 0);
  CHECK(!sy_conn_should_close(t.c)); /* the response is still sent */
  tc_drain(&t);
  check_responses(&t, want, 1);
  CHECK(sy_conn_should_close(t.c));
  tc_close(&t);
}

/* Chunk framing that fills the input buffer before the message ends: 413 and close, though
 * the content itself would be under SY_MAX_BODY_BYTES. */
static void test_chunk_framing_larger_than_the_buffer(void **state)
{
  static char in[SY_CONN_IN_CAP + 4096];
  static const struct resp want[] = {{413, 0}};
  struct tconn t;
  size_t len = (size_t)snprintf(in, sizeof in, "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n");
  (void)state;
  while (len + 6 <= sizeof in) {
    memcpy(in + len, "1\r\nx\r\n", 6);
    len += 6;
  }
  tc_open(&t, NULL);
  tc_feed(&t, in, len, 4096);
  check_responses(&t, want, 1);
  CHECK(memmem(t.out, t.out_len, "BODY_TOO_LARGE", 14) != NULL);
  CHECK(sy_conn_should_close(t.c));
  tc_close(&t);
}

/* ---- backpressure: the peer does not read ---- */

static void test_http_backpressure(void **state)
{
  enum { N = 8000 };
  static char in[N * (sizeof GET - 1)];
  static struct resp want[N];
  struct tconn t;
  size_t off = 0, len = 0, out;
  (void)state;
  for (size_t i = 0; i < N; i++) {
    memcpy(in + len, GET, sizeof GET - 1);
    len += sizeof GET - 1;
    want[i] = (struct resp){200, 0};
  }
  CHECK(len > SY_CONN_IN_CAP); /* more than the input buffer holds */
  tc_open(&t, NULL);
  /* Never call sy_conn_sent: the first read fills the input buffer, and reads go on taking
   * what the requests answered so far free, until the output buffer is full. */
  CHECK_INT(sy_conn_feed(t.c, (const uint8_t *)in, len, 0), SY_CONN_IN_CAP);
  off = SY_CONN_IN_CAP;
  for (;;) {
    size_t took = sy_conn_feed(t.c, (const uint8_t *)in + off, len - off, 0);
    off += took;
    if (took == 0 || off == len)
      break;
  }
  sy_conn_output(t.c, &out);
  CHECK(out <= SY_CONN_OUT_CAP);
  CHECK(t.decisions > 0);
  CHECK(t.decisions < N); /* stopped, waiting for the peer */
  {
    size_t d = t.decisions;
    CHECK_INT(sy_conn_feed(t.c, (const uint8_t *)in + off, len - off, 0), 0);
    CHECK_INT(t.decisions, d);
  }
  /* The responses so far are whole: as many as were decided. */
  tc_drain(&t);
  /* Reading resumes processing; the rest is fed as room appears. */
  while (t.decisions < N) {
    size_t before = off, d = t.decisions;
    if (off < len)
      off += sy_conn_feed(t.c, (const uint8_t *)in + off, len - off, 0);
    tc_drain(&t);
    if (off == before && t.decisions == d)
      fail_msg("stuck: %zu of %zu bytes taken, %zu responses", off, len, t.decisions);
  }
  tc_drain(&t); /* what the last sy_conn_sent produced */
  check_responses(&t, want, N);
  CHECK_INT(t.c->n_requests, N);
  tc_close(&t);
}

int main(void)
{
  struct tu_tests l = {0};
  sy_policy_default(&policy);
  tu_add(&l, "http: pipelining, responses in order", test_pipelining, NULL);
  tu_add(&l, "http: pipelining byte by byte", test_pipelining_byte_by_byte, NULL);
  tu_add(&l, "http: Connection: close", test_connection_close, NULL);
  tu_add(&l, "http: HTTP/1.0 keep-alive then close", test_http10, NULL);
  tu_add(&l, "http: a malformed request closes", test_error_closes, NULL);
  tu_add(&l, "http: 100 Continue before 101", test_continue_before_101, NULL);
  tu_add(&l, "http: no 100 Continue when the body came along",
         test_no_continue_when_the_body_came_along, NULL);
  tu_add(&l, "http: 100 Continue per request", test_continue_per_request, NULL);
  tu_add(&l, "http: no 100 Continue to HTTP/1.0", test_no_continue_for_http10, NULL);
  tu_add(&l, "http: switch with frames in the same read", test_switch_with_frames_in_the_same_read,
         NULL);
  tu_add(&l, "time: header timeout -> 408 and close", test_header_timeout, NULL);
  tu_add(&l, "time: a silent connection closes at the header deadline, no 408",
         test_silent_connection_closes_at_the_header_deadline, NULL);
  tu_add(&l, "time: header timer restarts per request", test_header_timer_restarts_per_request,
         NULL);
  tu_add(&l, "time: the request timer covers the body", test_request_timer_covers_the_body, NULL);
  tu_add(&l, "time: idle timeout", test_idle_timeout, NULL);
  tu_add(&l, "time: idle timeout in WebSocket -> close 1001", test_idle_timeout_websocket, NULL);
  tu_add(&l, "time: no timeouts", test_no_timeouts, NULL);
  tu_add(&l, "time: default options", test_default_opts, NULL);
  tu_add(&l, "eof: mid-request", test_eof_mid_request, NULL);
  tu_add(&l, "eof: output still queued", test_eof_with_output_queued, NULL);
  tu_add(&l, "http: chunk framing larger than the buffer -> 413",
         test_chunk_framing_larger_than_the_buffer, NULL);
  tu_add(&l, "backpressure: HTTP", test_http_backpressure, NULL);
  TU_ADD_ROWS(&l, ws_rows, test_ws_row);
  tu_add(&l, "ws: message at the limit", test_ws_message_at_the_limit, NULL);
  tu_add(&l, "ws: fragments over the limit -> 1009", test_ws_fragments_over_the_limit, NULL);
  tu_add(&l, "ws: ping inside a message near the limit", test_ws_ping_inside_a_large_message,
         NULL);
  tu_add(&l, "backpressure: WebSocket", test_ws_backpressure, NULL);
  return tu_run("conn", &l);
}
