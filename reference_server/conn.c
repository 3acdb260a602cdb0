/* SPDX-License-Identifier: MIT */
/* conn.c: one connection as a state machine, without sockets: bytes and events (time, EOF,
 * output drained) in; response bytes and a close flag out. The epoll loop, the fuzzers and the
 * tests all drive this same machine. Memory per connection is the struct itself (bounded). */
#include <string.h>

#include "session.h"

static const char continue_100[] = "HTTP/1.1 100 Continue\r\n\r\n";

void sy_conn_opts_default(struct sy_conn_opts *o)
{
  o->header_timeout_ms = SY_DEFAULT_HEADER_TIMEOUT_MS;
  o->idle_timeout_ms = SY_DEFAULT_IDLE_TIMEOUT_MS;
  o->tls = NULL; /* no certificate: a TLS switch closes after its 101 */
}

void sy_conn_init(struct sy_conn *c, const struct sy_policy *pol, const struct sy_conn_opts *o,
                  uint64_t now_ms)
{
  /* Only the bookkeeping is cleared: the buffers are written before they are read. */
  c->pol = pol;
  if (o)
    c->opts = *o;
  else
    sy_conn_opts_default(&c->opts);
  c->state = SY_CONN_HTTP;
  c->now_ms = c->last_input_ms = c->head_start_ms = now_ms;
  c->head_started = 1; /* the first request's clock runs from here (the accept), not its first byte */
  c->continue_sent = 0;
  c->in_len = c->out_len = 0;
  c->ws_msg_opcode = 0;
  c->ws_msg_len = 0;
  c->close_sent = 0;
  c->n_requests = c->n_ws_messages = 0;
  c->h2 = c->tls = NULL;
  c->tls_state = 0;
  c->n_h2_streams = 0;
  c->on_decision = NULL;
  c->cb_arg = NULL;
}

void sy_conn_free(struct sy_conn *c)
{
  if (c->h2)
    sy__h2_free(c);
  if (c->tls)
    sy__tls_free(c);
}

static size_t out_room(const struct sy_conn *c)
{
  return SY_CONN_OUT_CAP - c->out_len;
}
size_t sy__conn_out_room(const struct sy_conn *c)
{
  return out_room(c);
}

static void consume(struct sy_conn *c, size_t n)
{
  memmove(c->in, c->in + n, c->in_len - n);
  c->in_len -= n;
}
void sy__conn_consume(struct sy_conn *c, size_t n)
{
  consume(c, n);
}

/* After the 101: the new protocol's state, or close when its session cannot start (a build
 * without sessions, no TLS certificate). `req` still points into c->in. */
static int start_switch(struct sy_conn *c, const struct sy_request *req, const struct sy_decision *d)
{
  int rc = 0;
  if (d->proto == SY_PROTO_H2C)
    rc = sy__h2_start(c, req);
  else if (d->proto == SY_PROTO_TLS)
    rc = sy__tls_start(c, req, d);
  /* Bytes after the switching request belong to the new protocol, never to HTTP. */
  consume(c, d->switch_offset);
  if (rc < 0) {
    c->state = SY_CONN_CLOSING;
    c->in_len = 0;
    return 0;
  }
  c->state = d->proto == SY_PROTO_H2C   ? SY_CONN_H2
             : d->proto == SY_PROTO_TLS ? SY_CONN_TLS
                                        : SY_CONN_WEBSOCKET;
  return 1;
}

static void emit_decision(struct sy_conn *c, const struct sy_request *req,
                          const struct sy_decision *d)
{
  int n = sy_render(d, (char *)c->out + c->out_len, out_room(c));
  if (n > 0)
    c->out_len += (size_t)n;
  if (c->on_decision)
    c->on_decision(c->cb_arg, req, d);
  c->n_requests++;
}

static void reject(struct sy_conn *c, enum sy_reason why)
{
  struct sy_decision d;
  struct sy_request req;
  memset(&req, 0, sizeof req);
  req.error = why;
  sy_decide_reject(&d, why);
  emit_decision(c, &req, &d);
  c->state = SY_CONN_CLOSING;
  c->in_len = 0;
}

/* RFC 6455 §7.1.7 "Fail the WebSocket Connection": send a Close with the code, then close. */
static void ws_fail(struct sy_conn *c, unsigned code)
{
  uint8_t p[2] = {(uint8_t)(code >> 8), (uint8_t)code};
  int n = sy_ws_frame_write(c->out + c->out_len, out_room(c), SY_WS_CLOSE, p, 2);
  if (n > 0)
    c->out_len += (size_t)n;
  c->close_sent = 1;
  c->state = SY_CONN_CLOSING;
  c->in_len = 0;
}

/* One step in HTTP state. Returns 1 to keep going, 0 to wait for bytes or output room. */
static int http_step(struct sy_conn *c)
{
  struct sy_request req;
  struct sy_decision d;
  int rc;

  if (c->in_len == 0)
    return 0;
  if (!c->head_started) {
    c->head_started = 1;
    c->head_start_ms = c->now_ms;
  }
  if (out_room(c) < SY_MAX_RESPONSE_BYTES + sizeof continue_100)
    return 0; /* the peer is not reading: stop until output drains */
  rc = sy_handle(c->pol, (const char *)c->in, c->in_len, &req, &d);
  if (rc == SY_INCOMPLETE) {
    if (req.head_len && req.expect_continue && req.version_minor >= 1 && !c->continue_sent) {
      /* RFC 9110 §10.1.1: answer 100-continue before reading the content; §7.8 also needs it
       * before a 101. Not to HTTP/1.0: its 100-continue is ignored and it gets no 1xx (§15.2). */
      memcpy(c->out + c->out_len, continue_100, sizeof continue_100 - 1);
      c->out_len += sizeof continue_100 - 1;
      c->continue_sent = 1;
    }
    if (c->in_len == SY_CONN_IN_CAP)
      reject(c, SY_R_BODY_TOO_LARGE); /* chunk framing larger than the buffer */
    return 0;
  }
  if (rc < 0) {
    c->state = SY_CONN_CLOSING;
    return 0;
  }
  emit_decision(c, &req, &d);
  c->head_started = 0;
  c->continue_sent = 0;
  switch (d.fate) {
  case SY_FATE_SWITCH:
    return start_switch(c, &req, &d);
  case SY_FATE_KEEP_ALIVE:
    consume(c, d.consumed);
    return 1;
  case SY_FATE_CLOSE:
    c->state = SY_CONN_CLOSING;
    c->in_len = 0;
    return 0;
  }
  return 0;
}

/* A Close frame from the peer (RFC 6455 §5.5.1): check its code and reason, answer, close. */
static void ws_close(struct sy_conn *c, const uint8_t *payload, size_t len)
{
  unsigned cc = 1000;
  if (len == 1) {
    ws_fail(c, 1002);
    return;
  }
  if (len >= 2) {
    cc = (unsigned)payload[0] << 8 | payload[1];
    if (!sy_ws_close_code_valid(cc)) {
      ws_fail(c, 1002);
      return;
    }
    if (!sy_utf8_valid(payload + 2, len - 2)) {
      ws_fail(c, 1007);
      return;
    }
  }
  /* §5.5.1: echo the status code in the reply Close, then close the TCP connection. */
  uint8_t p[2] = {(uint8_t)(cc >> 8), (uint8_t)cc};
  c->out_len += (size_t)sy_ws_frame_write(c->out + c->out_len, out_room(c), SY_WS_CLOSE, p,
                                          len ? 2 : 0);
  c->close_sent = 1;
  c->state = SY_CONN_CLOSING;
  c->in_len = 0;
}

/* A data frame: appended to the message it opens or continues; a complete message is echoed.
 * Returns 0 when the connection failed (invalid UTF-8 in a text message). */
static int ws_data(struct sy_conn *c, const struct sy_ws_frame *f, const uint8_t *payload)
{
  if (f->opcode != SY_WS_CONT) {
    c->ws_msg_opcode = f->opcode;
    c->ws_msg_len = 0;
  }
  memcpy(c->ws_msg + c->ws_msg_len, payload, (size_t)f->payload_len);
  c->ws_msg_len += (size_t)f->payload_len;
  if (f->fin) {
    if (c->ws_msg_opcode == SY_WS_TEXT && !sy_utf8_valid(c->ws_msg, c->ws_msg_len)) {
      ws_fail(c, 1007); /* §8.1: invalid UTF-8 in a text message */
      return 0;
    }
    c->out_len += (size_t)sy_ws_frame_write(c->out + c->out_len, out_room(c), c->ws_msg_opcode,
                                            c->ws_msg, c->ws_msg_len);
    c->ws_msg_opcode = 0;
    c->ws_msg_len = 0;
    c->n_ws_messages++;
  }
  return 1;
}

static int ws_step(struct sy_conn *c)
{
  struct sy_ws_frame f;
  int rc = sy_ws_frame_parse(&f, c->in, c->in_len);
  int code;
  size_t total;
  uint8_t *payload;

  if (rc == SY_INCOMPLETE)
    return 0;
  if (rc < 0) {
    ws_fail(c, 1002);
    return 0;
  }
  code = sy_ws_frame_check(&f, c->ws_msg_opcode != 0);
  if (code) {
    ws_fail(c, (unsigned)code);
    return 0;
  }
  if ((f.opcode == SY_WS_TEXT || f.opcode == SY_WS_BINARY || f.opcode == SY_WS_CONT) &&
      c->ws_msg_len + f.payload_len > SY_WS_MAX_MESSAGE) {
    ws_fail(c, 1009);
    return 0;
  }
  total = f.header_len + (size_t)f.payload_len;
  if (c->in_len < total)
    return 0;
  /* Room for the largest reply this frame can cause: the echo of the message it completes, or
   * a pong or close. A control frame inside a fragmented message answers only for itself (asking
   * for the message too could exceed SY_CONN_OUT_CAP and stall the connection for good). */
  if (out_room(c) < 14 + (f.fin && f.opcode < SY_WS_CLOSE ? c->ws_msg_len + (size_t)f.payload_len
                                                          : SY_WS_MAX_CONTROL))
    return 0;
  payload = c->in + f.header_len;
  for (size_t i = 0; i < f.payload_len; i++)
    payload[i] ^= f.mask[i & 3];

  switch (f.opcode) {
  case SY_WS_PING:
    c->out_len += (size_t)sy_ws_frame_write(c->out + c->out_len, out_room(c), SY_WS_PONG, payload,
                                            (size_t)f.payload_len);
    break;
  case SY_WS_PONG:
    break; /* §5.5.3: an unsolicited pong needs no answer */
  case SY_WS_CLOSE:
    ws_close(c, payload, (size_t)f.payload_len);
    return 0;
  default:
    if (!ws_data(c, &f, payload))
      return 0;
  }
  consume(c, total);
  return 1;
}

static void process(struct sy_conn *c)
{
  for (;;) {
    int more = 0;
    if (c->state == SY_CONN_HTTP)
      more = http_step(c);
    else if (c->state == SY_CONN_WEBSOCKET)
      more = ws_step(c);
    else if (c->state == SY_CONN_H2)
      more = sy__h2_step(c);
    else if (c->state == SY_CONN_TLS)
      more = sy__tls_step(c);
    if (!more)
      return;
  }
}

size_t sy_conn_feed(struct sy_conn *c, const uint8_t *data, size_t len, uint64_t now_ms)
{
  size_t take;
  c->now_ms = now_ms;
  if (c->state == SY_CONN_CLOSING || c->state == SY_CONN_CLOSED)
    return len; /* discarded: the connection is going away */
  take = SY_CONN_IN_CAP - c->in_len;
  if (take > len)
    take = len;
  if (take == 0)
    return 0;
  memcpy(c->in + c->in_len, data, take);
  c->in_len += take;
  c->last_input_ms = now_ms;
  process(c);
  return take;
}

const uint8_t *sy_conn_output(const struct sy_conn *c, size_t *len)
{
  *len = c->out_len;
  return c->out;
}

void sy_conn_sent(struct sy_conn *c, size_t n, uint64_t now_ms)
{
  if (n > c->out_len)
    n = c->out_len;
  memmove(c->out, c->out + n, c->out_len - n);
  c->out_len -= n;
  c->now_ms = now_ms;
  if (n)
    c->last_input_ms = now_ms; /* the peer is reading: not idle */
  process(c);
}

void sy_conn_eof(struct sy_conn *c, uint64_t now_ms)
{
  c->now_ms = now_ms;
  /* A half-received request gets no answer; responses already queued are still sent. */
  if (c->state == SY_CONN_HTTP || c->state == SY_CONN_WEBSOCKET || c->state == SY_CONN_H2 ||
      c->state == SY_CONN_TLS) {
    c->state = SY_CONN_CLOSING;
    c->in_len = 0;
  }
}

uint64_t sy_conn_deadline(const struct sy_conn *c)
{
  uint64_t t = UINT64_MAX;
  if (c->state == SY_CONN_CLOSED)
    return t;
  if (c->opts.idle_timeout_ms)
    t = c->last_input_ms + c->opts.idle_timeout_ms;
  if (c->state == SY_CONN_HTTP && c->head_started && c->opts.header_timeout_ms) {
    uint64_t h = c->head_start_ms + c->opts.header_timeout_ms;
    if (h < t)
      t = h;
  }
  return t;
}

void sy_conn_tick(struct sy_conn *c, uint64_t now_ms)
{
  c->now_ms = now_ms;
  if (c->state == SY_CONN_CLOSED)
    return;
  if (c->state == SY_CONN_HTTP && c->head_started && c->opts.header_timeout_ms &&
      now_ms >= c->head_start_ms + c->opts.header_timeout_ms) {
    /* slowloris: the request did not complete in time (RFC 9110 §15.5.9 408, then close). A
     * connection that sent nothing made no request, so no 408 is owed: it is just closed. */
    if (c->in_len == 0)
      c->state = SY_CONN_CLOSED;
    else if (out_room(c) >= SY_MAX_RESPONSE_BYTES)
      reject(c, SY_R_REQUEST_TIMEOUT);
    else
      c->state = SY_CONN_CLOSED;
    return;
  }
  if (c->opts.idle_timeout_ms && now_ms >= c->last_input_ms + c->opts.idle_timeout_ms) {
    if (c->state == SY_CONN_CLOSING)
      c->state = SY_CONN_CLOSED; /* the peer stopped reading our last bytes */
    else if (c->state == SY_CONN_WEBSOCKET && !c->close_sent) {
      ws_fail(c, 1001);          /* §7.4.1 going away */
      c->last_input_ms = now_ms; /* one more idle period to flush the Close */
    } else
      c->state = SY_CONN_CLOSED;
  }
}

int sy_conn_should_close(const struct sy_conn *c)
{
  return c->state == SY_CONN_CLOSED || (c->state == SY_CONN_CLOSING && c->out_len == 0);
}
