/* SPDX-License-Identifier: MIT */
/* fuzz_ws_frames.c: the server's frame layer after a 101 (conn.c + wsframe.c).
 * Input: the bytes a client sends after its opening handshake (the handshake itself is fixed
 * here). The connection machine gets a textbook handshake, must answer 101, and then the input,
 * in one read and in random pieces. Oracles: both deliveries give the same bytes; the bytes after
 * the 101 are exactly what an independent model of RFC 6455 sends back (echo of whole messages,
 * pong for ping, Close echoing the code, Close 1002/1007/1009 on the failures of §5, §7.4, §8.1);
 * and every server frame is well formed (oc_check_server_frames). */
#include <stdlib.h>
#include <string.h>

#include "oracles.h"

static const char handshake[] = "GET /live HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n"
                                "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                "Sec-WebSocket-Version: 13\r\n\r\n";

struct buf {
  uint8_t *p;
  size_t n, cap;
};

static void put(struct buf *b, const uint8_t *p, size_t n)
{
  if (b->n + n > b->cap) {
    b->cap = (b->n + n) * 2 + 64;
    b->p = realloc(b->p, b->cap);
  }
  if (n)
    memcpy(b->p + b->n, p, n);
  b->n += n;
}

/* ---- the model: RFC 6455 read from the text, written without looking at wsframe.c ---- */

static void model_frame(struct buf *o, int op, const uint8_t *p, size_t n)
{
  uint8_t h[10];
  size_t hl;
  h[0] = (uint8_t)(0x80 | op); /* FIN, no RSV, never masked (§5.1) */
  if (n <= 125) {
    h[1] = (uint8_t)n;
    hl = 2;
  } else if (n <= 65535) {
    h[1] = 126;
    h[2] = (uint8_t)(n >> 8);
    h[3] = (uint8_t)n;
    hl = 4;
  } else {
    h[1] = 127;
    for (int i = 0; i < 8; i++)
      h[2 + i] = (uint8_t)((uint64_t)n >> (8 * (7 - i)));
    hl = 10;
  }
  put(o, h, hl);
  put(o, p, n);
}

static void model_close(struct buf *o, unsigned code)
{
  uint8_t p[2] = {(uint8_t)(code >> 8), (uint8_t)code};
  model_frame(o, 8, p, 2);
}

/* Close codes a peer may send (§7.4.1 and the IANA registry of §11.7): 1000-1003, 1007-1014;
 * 3000-4999 for libraries and applications. 1004-1006 and 1015 never appear on the wire. */
static int close_code_ok(unsigned c)
{
  static const unsigned listed[] = {1000, 1001, 1002, 1003, 1007, 1008,
                                    1009, 1010, 1011, 1012, 1013, 1014};
  for (size_t i = 0; i < sizeof listed / sizeof listed[0]; i++)
    if (c == listed[i])
      return 1;
  return c >= 3000 && c <= 4999;
}

/* The close code a client frame's header f (whole, with *len its 7-bit length) earns, checked in
 * this order, or 0 when it may be read; *len becomes the payload length. msg_op/msg_len: the open
 * fragmented message (0 when none). */
static unsigned refuse_header(const uint8_t *f, uint64_t *len, int msg_op, size_t msg_len)
{
  int fin = f[0] >> 7, rsv = (f[0] >> 4) & 7, op = f[0] & 15, masked = f[1] >> 7;
  if (*len == 126) {
    *len = (uint64_t)f[2] << 8 | f[3];
    if (*len < 126)
      return 1002; /* §5.2: minimal length encoding */
  } else if (*len == 127) {
    *len = 0;
    for (int i = 0; i < 8; i++)
      *len = *len << 8 | f[2 + i];
    if (*len >> 63 || *len < 65536)
      return 1002; /* §5.2: MSB 0; minimal encoding */
  }
  if (rsv)
    return 1002; /* §5.2: no extension negotiated */
  if (!masked)
    return 1002; /* §5.1: client frames are masked */
  if (op >= 8) {
    if (op > 10)
      return 1002; /* §5.2: reserved control opcode */
    if (!fin || *len > 125)
      return 1002; /* §5.5 */
  } else {
    if (op > 2)
      return 1002; /* §5.2: reserved data opcode */
    if (op == 0 && !msg_op)
      return 1002; /* §5.4: nothing to continue */
    if (op != 0 && msg_op)
      return 1002; /* §5.4: interleaved data message */
    if ((op == 0 ? msg_len : 0) + *len > SY_WS_MAX_MESSAGE)
      return 1009; /* §7.4.1: message too big to process */
  }
  return 0;
}
static void model(const uint8_t *in, size_t n, struct buf *o)
{
  static uint8_t msg[SY_WS_MAX_MESSAGE];
  size_t pos = 0, msg_len = 0;
  int msg_op = 0; /* the opcode of the open fragmented message, 0 when none */
  while (n - pos >= 2) {
    const uint8_t *f = in + pos;
    int fin = f[0] >> 7, op = f[0] & 15, masked = f[1] >> 7;
    uint64_t len = f[1] & 127;
    size_t hl = 2 + (len == 126 ? 2 : len == 127 ? 8
                                                 : 0) +
                (masked ? 4 : 0);
    uint8_t payload[SY_WS_MAX_CONTROL + 1], *data;
    unsigned refused;
    if (n - pos < hl)
      return; /* the header has not arrived */
    refused = refuse_header(f, &len, msg_op, msg_len);
    if (refused)
      return model_close(o, refused);
    if (n - pos - hl < len)
      return; /* the payload has not arrived */
    if (op >= 8) {
      data = payload;
    } else {
      if (op != 0) {
        msg_op = op;
        msg_len = 0;
      }
      data = msg + msg_len;
    }
    for (size_t i = 0; i < len; i++)
      data[i] = f[hl + i] ^ f[hl - 4 + (i & 3)]; /* §5.3 */
    pos += hl + (size_t)len;
    switch (op) {
    case 9:
      model_frame(o, 10, data, (size_t)len); /* §5.5.2: Pong with the same data */
      break;
    case 10:
      break; /* §5.5.3 */
    case 8:
      if (len == 0) {
        model_frame(o, 8, NULL, 0);
      } else {
        unsigned code = (unsigned)data[0] << 8 | data[1];
        if (len == 1 || !close_code_ok(code))
          model_close(o, 1002); /* §5.5.1, §7.4 */
        else if (!oc_utf8_valid(data + 2, (size_t)len - 2))
          model_close(o, 1007); /* §5.5.1: the reason is UTF-8 */
        else
          model_close(o, code); /* §5.5.1: echo the status code */
      }
      return; /* closed: nothing more is read */
    default:
      msg_len += (size_t)len;
      if (fin) {
        if (msg_op == 1 && !oc_utf8_valid(msg, msg_len))
          return model_close(o, 1007); /* §8.1 */
        model_frame(o, msg_op, msg, msg_len);
        msg_op = 0;
        msg_len = 0;
      }
    }
  }
}

/* ---- the real machine ---- */

static struct sy_conn conn;

static void no_http_after_switch(void *arg, const struct sy_request *req, const struct sy_decision *d)
{
  int *decisions = arg;
  (void)req;
  OC_CHECK(*decisions == 0, "no-http-after-switch", "RFC 9110 §7.8",
           "a second HTTP decision (%d %s) on a WebSocket connection", d->status,
           sy_reason_name(d->reason));
  OC_CHECK(d->status == 101, "handshake-accepted", "RFC 6455 §4.2.2", "the fixed handshake got %d",
           d->status);
  (*decisions)++;
}

static void drain(struct buf *o)
{
  for (;;) {
    size_t n;
    const uint8_t *p = sy_conn_output(&conn, &n);
    if (n == 0)
      return;
    put(o, p, n);
    sy_conn_sent(&conn, n, 0);
  }
}

static size_t run(const uint8_t *data, size_t size, const size_t *cuts, size_t ncuts, struct buf *o)
{
  static int decisions;
  size_t start = 0, head;
  struct oc_resp r;
  decisions = 0;
  sy_conn_init(&conn, oc_policy(), NULL, 0);
  conn.on_decision = no_http_after_switch;
  conn.cb_arg = &decisions;
  sy_conn_feed(&conn, (const uint8_t *)handshake, sizeof handshake - 1, 0);
  drain(o);
  OC_CHECK(conn.state == SY_CONN_WEBSOCKET && oc_parse_response(&r, o->p, o->n, 0, NULL) == 1 &&
               r.status == 101 && r.len == o->n,
           "handshake-accepted", "RFC 6455 §4.2.2", "no clean 101 to the fixed handshake");
  head = o->n;
  for (size_t k = 0; k <= ncuts; k++) {
    size_t end = k < ncuts ? cuts[k] : size;
    while (start < end) {
      size_t took = sy_conn_feed(&conn, data + start, end - start, 0);
      size_t before = o->n;
      start += took;
      drain(o);
      if (took == 0 && o->n == before)
        oc_fail("feed-progress", "switchyard.h sy_conn_feed", "stuck at offset %zu", start);
    }
  }
  return head;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct buf one = {0}, pieces = {0}, want = {0};
  size_t cuts[48], ncuts, h1, h2;

  if (size > 1 << 18)
    return 0;
  ncuts = oc_random_cuts(oc_hash(data, size), size, cuts, sizeof cuts / sizeof cuts[0], 4, 300, 9);
  h1 = run(data, size, NULL, 0, &one);
  h2 = run(data, size, cuts, ncuts, &pieces);
  model(data, size, &want);

  (void)oc_check_server_frames(one.p + h1, one.n - h1);
  {
    size_t got = one.n - h1, i = 0;
    while (i < want.n && i < got && want.p[i] == one.p[h1 + i])
      i++;
    OC_CHECK(got == want.n && i == got, "ws-frame-model", "RFC 6455 §5",
             "the server sent %zu bytes after the 101, the RFC 6455 model %zu (first difference "
             "at byte %zu)",
             got, want.n, i);
  }
  OC_CHECK(pieces.n - h2 == one.n - h1 && memcmp(pieces.p + h2, one.p + h1, one.n - h1) == 0,
           "split-invariance", "RFC 6455 §5.4", "%zu bytes in one read, %zu in pieces", one.n - h1,
           pieces.n - h2);
  free(one.p);
  free(pieces.p);
  free(want.p);
  return 0;
}
