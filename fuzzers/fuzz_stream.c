/* SPDX-License-Identifier: MIT */
/* fuzz_stream.c: the input is what a client sends on one connection, driven through the
 * server's own connection machine (conn.c: sy_conn_feed/_output/_sent/_tick/_eof).
 * Metamorphic oracles: delivering the same bytes in one read, in random pieces (the cut points
 * come from a hash of the input, so seed files stay plain HTTP) or one byte at a time gives the
 * same decisions and the same response bytes, 100 Continue aside (RFC 9110 §10.1.1 lets a server
 * skip it once the content is there); the input sent twice back to back is answered twice; a
 * client that reads the answers a few bytes at a time gets the same bytes (back-pressure).
 * Every decision also goes through the decision oracles, nothing after a 101 is parsed as
 * HTTP, the bytes after a 101 are valid server frames, and the timeouts answer 408 / close 1001.
 * After an h2c 101 the server's SETTINGS come first and stream 1 answers the upgraded request
 * (RFC 7540 §3.5, §3.2); after a TLS 101, bytes that do not open a TLS handshake record are never
 * taken into TLS: nothing at all follows the 101 (RFC 2817 §3.3; CVE-2025-49812). The bytes after
 * those two switches are the libraries' (HTTP/2 frame scheduling, TLS randoms): the metamorphic
 * comparisons stop at the 101 there. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oracles.h"

const int sy_fuzz_request_shaped = 1; /* mutator.c: mutate as HTTP requests */

#define MAX_DEC 256

struct dec {
  int status, head_only, http10, expect_continue;
  enum sy_reason reason;
  enum sy_fate fate;
  enum sy_proto proto;
  size_t consumed, switch_offset, n_fields;
};

struct trace {
  struct dec dec[MAX_DEC];
  size_t n_dec;
  int switched, after_switch;
  uint8_t *out;
  size_t out_len, out_cap;
  enum sy_conn_state state;
  size_t in_len;
  const struct sy_conn *conn;
};

static struct sy_conn conn; /* ~200 KB: static, re-initialised for every delivery */

static void append(struct trace *t, const uint8_t *p, size_t n)
{
  if (t->out_len + n > t->out_cap) {
    t->out_cap = (t->out_len + n) * 2;
    t->out = realloc(t->out, t->out_cap);
  }
  memcpy(t->out + t->out_len, p, n);
  t->out_len += n;
}

static void on_decision(void *arg, const struct sy_request *req, const struct sy_decision *d)
{
  static uint8_t resp[SY_MAX_RESPONSE_BYTES];
  struct trace *t = arg;
  /* RFC 9110 §7.8: after the 101 the connection speaks the new protocol: no byte after the
   * switching request may be read as HTTP. */
  OC_CHECK(!t->switched, "no-http-after-switch", "RFC 9110 §7.8",
           "decision %d %s made after a 101 on the same connection", d->status,
           sy_reason_name(d->reason));
  oc_check_decision(conn.pol, req, d, conn.in, conn.in_len);
  (void)oc_render_checked(d, resp);
  if (t->n_dec < MAX_DEC)
    t->dec[t->n_dec] = (struct dec){d->status, d->head_only, req->head_len && req->version_minor == 0,
                                    req->expect_continue, d->reason, d->fate, d->proto,
                                    d->consumed, d->switch_offset, d->n_fields};
  t->n_dec++;
  if (d->fate == SY_FATE_SWITCH)
    t->switched = 1;
}

static int drain(struct trace *t, uint64_t now)
{
  int any = 0;
  for (int guard = 0; guard < 1000; guard++) {
    size_t n;
    const uint8_t *p = sy_conn_output(&conn, &n);
    if (n == 0)
      return any;
    append(t, p, n);
    sy_conn_sent(&conn, n, now); /* may process buffered input and produce more */
    any = 1;
  }
  oc_fail("output-drains", "switchyard.h sy_conn_sent", "output never drains");
}

/* A slow reader: takes at most `max` bytes of output. Returns 1 if it took any. */
static int drain_some(struct trace *t, size_t max)
{
  size_t n;
  const uint8_t *p = sy_conn_output(&conn, &n);
  if (n == 0)
    return 0;
  if (n > max)
    n = max;
  append(t, p, n);
  sy_conn_sent(&conn, n, 0);
  return 1;
}

/* Feeds data[0..len) cut at cuts[0..ncuts) (increasing), draining after every read; with
 * slow != 0 the client reads at most `slow` response bytes after each read, so the machine's
 * buffers fill and it must stop and resume (back-pressure). */
static void deliver_paced(struct trace *t, const uint8_t *data, size_t len, const size_t *cuts,
                          size_t ncuts, size_t slow)
{
  static struct sy_conn_opts opts;
  size_t start = 0;
  static struct sy_tls_ctx *tls;
  static int tls_made;
  memset(t, 0, sizeof *t);
  if (!tls_made) { /* once per process: a fresh key for the TLS switches (NULL without sessions) */
    tls = sy_tls_ctx_new_ephemeral("localhost", NULL, 0);
    tls_made = 1;
  }
  sy_conn_opts_default(&opts);
  opts.tls = tls;
  sy_conn_free(&conn); /* the previous delivery's session, if it switched */
  sy_conn_init(&conn, oc_policy(), &opts, 0);
  conn.on_decision = on_decision;
  conn.cb_arg = t;
  for (size_t k = 0; k <= ncuts; k++) {
    size_t end = k < ncuts ? cuts[k] : len;
    while (start < end) {
      size_t took = sy_conn_feed(&conn, data + start, end - start, 0);
      int drained = slow ? drain_some(t, slow) : drain(t, 0);
      start += took;
      if (!drained && took == 0)
        oc_fail("feed-progress", "switchyard.h sy_conn_feed",
                "no byte taken and no output at offset %zu", start);
    }
  }
  while (slow && drain_some(t, slow))
    ; /* the rest of the answers, still in small reads */
  t->state = conn.state;
  t->in_len = conn.in_len;
}

static void deliver(struct trace *t, const uint8_t *data, size_t len, const size_t *cuts,
                    size_t ncuts)
{
  deliver_paced(t, data, len, cuts, ncuts, 0);
}

/* RFC 7540 §3.5, §3.2: after an h2c 101 the server's first frame is SETTINGS (type 4, stream 0,
 * a multiple of 6 bytes, no ACK), and a HEADERS frame on stream 1 answers the upgraded request.
 * A build without sessions (SY_NO_SESSIONS) sends nothing after the 101. */
static void check_h2_after_switch(const uint8_t *p, size_t n)
{
  int stream1 = 0;
  if (!sy_sessions_available()) {
    OC_CHECK(n == 0, "no-session-nothing-after-101", "switchyard.h SY_NO_SESSIONS",
             "%zu bytes after an h2c 101 in a build without sessions", n);
    return;
  }
  OC_CHECK(n >= 9 && p[3] == 0x4 && !(p[4] & 1) && (p[5] & 0x7f) == 0 && !p[6] && !p[7] && !p[8] &&
               ((size_t)p[0] << 16 | (size_t)p[1] << 8 | p[2]) % 6 == 0,
           "h2c-server-preface", "RFC 7540 §3.5",
           "the first %zu bytes after the h2c 101 are not a SETTINGS frame", n < 9 ? n : 9);
  for (size_t i = 0; i + 9 <= n;) {
    size_t len = (size_t)p[i] << 16 | (size_t)p[i + 1] << 8 | p[i + 2];
    uint32_t sid = (uint32_t)(p[i + 5] & 0x7f) << 24 | (uint32_t)p[i + 6] << 16 |
                   (uint32_t)p[i + 7] << 8 | p[i + 8];
    stream1 |= p[i + 3] == 0x1 && sid == 1;
    i += 9 + len;
  }
  OC_CHECK(stream1, "h2c-stream-1-answered", "RFC 7540 §3.2",
           "no HEADERS frame on stream 1 in the %zu bytes after the h2c 101", n);
}

/* Response bytes without interim 100 responses; returns where the frames after a 101 start
 * (or the length). Checks that every 100 goes to an HTTP/1.1 request that asked for it. */
static size_t normalise(const struct trace *t, uint8_t *out, size_t *out_len)
{
  size_t i = 0, k = 0, o = 0;
  while (i < t->out_len) {
    struct oc_resp r;
    const char *why;
    int head = k < t->n_dec && k < MAX_DEC ? t->dec[k].head_only : 0;
    int rc = oc_parse_response(&r, t->out + i, t->out_len - i, head, &why);
    OC_CHECK(rc == 1, "response-wellformed", "RFC 9112 §4",
             "response %zu on the connection does not parse (%s)", k, why);
    if (r.status == 100) {
      char line[64];
      int ln = snprintf(line, sizeof line, "HTTP/1.1 100 %s\r\n", sy_status_phrase(100));
      OC_CHECK(ln > 0 && t->out_len - i >= (size_t)ln && memcmp(t->out + i, line, (size_t)ln) == 0,
               "response-wellformed", "RFC 9110 §15.2.1", "interim response is not \"%.*s\"",
               ln - 2, line);
      if (k < t->n_dec && k < MAX_DEC) {
        OC_CHECK(!t->dec[k].http10, "no-1xx-to-http10", "RFC 9110 §15.2",
                 "100 Continue sent to an HTTP/1.0 request");
        OC_CHECK(t->dec[k].expect_continue, "continue-only-when-expected", "RFC 9110 §10.1.1",
                 "100 Continue before the response to a request without Expect: 100-continue");
      }
      i += r.len;
      continue;
    }
    memcpy(out + o, t->out + i, r.len);
    o += r.len;
    i += r.len;
    k++;
    if (r.status == 101) {
      size_t frames = o;
      enum sy_proto proto = k - 1 < MAX_DEC ? t->dec[k - 1].proto : SY_PROTO_WEBSOCKET;
      if (proto == SY_PROTO_WEBSOCKET)
        (void)oc_check_server_frames(t->out + i, t->out_len - i);
      else if (proto == SY_PROTO_H2C)
        check_h2_after_switch(t->out + i, t->out_len - i);
      memcpy(out + o, t->out + i, t->out_len - i);
      o += t->out_len - i;
      *out_len = o;
      return frames;
    }
  }
  OC_CHECK(k == (t->n_dec < MAX_DEC ? t->n_dec : k), "one-response-per-decision", "RFC 9112 §9.3",
           "%zu final responses for %zu decisions", k, t->n_dec);
  *out_len = o;
  return o;
}

static int dec_eq(const struct dec *x, const struct dec *y)
{
  /* `consumed` of a closing decision is "everything buffered" (switchyard.h), which depends on
   * how the bytes arrived; the connection ends there, so it is not compared. */
  return x->status == y->status && x->head_only == y->head_only && x->http10 == y->http10 &&
         x->expect_continue == y->expect_continue && x->reason == y->reason &&
         x->fate == y->fate && (x->fate == SY_FATE_CLOSE || x->consumed == y->consumed) &&
         x->switch_offset == y->switch_offset && x->n_fields == y->n_fields;
}

/* The protocol the connection switched to, or SY_PROTO_NONE. */
static enum sy_proto switched_to(const struct trace *t)
{
  for (size_t i = 0; i < t->n_dec && i < MAX_DEC; i++)
    if (t->dec[i].fate == SY_FATE_SWITCH)
      return t->dec[i].proto;
  return SY_PROTO_NONE;
}

static void same(const struct trace *a, const struct trace *b, const char *rule, const char *rfc,
                 const char *how)
{
  size_t na, nb, fa, fb;
  int session = switched_to(a) == SY_PROTO_H2C || switched_to(a) == SY_PROTO_TLS;
  uint8_t *oa = malloc(a->out_len + 1), *ob = malloc(b->out_len + 1);
  OC_CHECK(a->n_dec == b->n_dec, rule, rfc, "%s: %zu decisions vs %zu", how, a->n_dec, b->n_dec);
  for (size_t i = 0; i < a->n_dec && i < MAX_DEC; i++)
    OC_CHECK(dec_eq(&a->dec[i], &b->dec[i]), rule, rfc,
             "%s: decision %zu is %d %s vs %d %s", how, i, a->dec[i].status,
             sy_reason_name(a->dec[i].reason), b->dec[i].status, sy_reason_name(b->dec[i].reason));
  fa = normalise(a, oa, &na);
  fb = normalise(b, ob, &nb);
  if (session) /* up to the 101: what follows is the library's (file comment) */
    na = fa, nb = fb;
  OC_CHECK(na == nb && memcmp(oa, ob, na) == 0, rule, rfc, "%s: %zu vs %zu response bytes differ",
           how, na, nb);
  OC_CHECK(session || (a->state == b->state && a->in_len == b->in_len), rule, rfc,
           "%s: end state %d/%zu buffered vs %d/%zu", how, (int)a->state, a->in_len, (int)b->state,
           b->in_len);
  free(oa);
  free(ob);
}

/* RFC 2817 §3.3 ("Any TLS handshake failure MUST lead to disconnection"), CVE-2025-49812: when
 * the first bytes after a TLS offer are not a TLS handshake record (22, then version 3.x), no
 * byte follows the 101 and the connection closes: plaintext is never taken into TLS. `t` is the
 * one-read delivery, so its decisions' offsets are offsets into data. */
static void check_tls_plaintext(const struct trace *t, const uint8_t *data, size_t size)
{
  size_t pos = 0, k;
  const uint8_t *r101 = NULL;
  static const char head[] = "HTTP/1.1 101 Switching Protocols\r\n";
  for (k = 0; k < t->n_dec && k < MAX_DEC && t->dec[k].fate != SY_FATE_SWITCH; k++)
    pos += t->dec[k].consumed;
  if (k == t->n_dec || k == MAX_DEC || t->dec[k].proto != SY_PROTO_TLS)
    return;
  pos += t->dec[k].switch_offset;
  if (pos >= size || (data[pos] == 0x16 && (pos + 1 == size || data[pos + 1] == 0x03)))
    return;
  for (size_t i = 0; i + sizeof head - 1 <= t->out_len; i++)
    if (memcmp(t->out + i, head, sizeof head - 1) == 0)
      r101 = t->out + i;
  OC_CHECK(r101 != NULL, "tls-plaintext-never-accepted", "RFC 2817 §3.3", "no 101 in the output");
  for (const uint8_t *e = r101; e + 4 <= t->out + t->out_len; e++)
    if (memcmp(e, "\r\n\r\n", 4) == 0) {
      OC_CHECK(e + 4 == t->out + t->out_len &&
                   (t->state == SY_CONN_CLOSING || t->state == SY_CONN_CLOSED),
               "tls-plaintext-never-accepted", "RFC 2817 §3.3",
               "byte 0x%02x after the TLS offer, then %zu bytes after the 101, state %d", data[pos],
               (size_t)(t->out + t->out_len - (e + 4)), (int)t->state);
      return;
    }
}

static void check_timeouts(const struct trace *a)
{
  struct trace t;
  uint64_t deadline;
  size_t before;
  memset(&t, 0, sizeof t);
  conn.cb_arg = &t;
  deadline = sy_conn_deadline(&conn);
  if (a->state == SY_CONN_HTTP && a->in_len > 0) {
    /* A request that never completes: 408 at the header timeout (RFC 9110 §15.5.9), not before. */
    OC_CHECK(deadline == conn.opts.header_timeout_ms, "request-timeout", "RFC 9110 §15.5.9",
             "deadline %llu with a partial request", (unsigned long long)deadline);
    sy_conn_tick(&conn, deadline - 1);
    before = t.out_len;
    drain(&t, deadline - 1);
    OC_CHECK(t.n_dec == 0 && t.out_len == before, "request-timeout", "RFC 9110 §15.5.9",
             "something happened before the deadline");
    sy_conn_tick(&conn, deadline);
    drain(&t, deadline);
    OC_CHECK(t.n_dec == 1 && t.dec[0].status == 408 && sy_conn_should_close(&conn),
             "request-timeout", "RFC 9110 §15.5.9",
             "header timeout gave %zu decisions (first %d), should_close %d", t.n_dec,
             t.n_dec ? t.dec[0].status : 0, sy_conn_should_close(&conn));
  } else if (a->state == SY_CONN_HTTP) {
    /* An idle keep-alive connection: closed at the idle timeout, silently (RFC 9112 §9.8); one
     * that never sent a byte, at the header deadline counted from sy_conn_init (switchyard.h). */
    OC_CHECK(deadline == (a->n_dec ? conn.opts.idle_timeout_ms : conn.opts.header_timeout_ms),
             "idle-timeout", "RFC 9112 §9.8",
             "deadline %llu on an idle keep-alive connection", (unsigned long long)deadline);
    sy_conn_tick(&conn, deadline);
    drain(&t, deadline);
    OC_CHECK(t.n_dec == 0 && t.out_len == 0 && conn.state == SY_CONN_CLOSED &&
                 sy_conn_deadline(&conn) == UINT64_MAX,
             "idle-timeout", "RFC 9112 §9.8", "idle keep-alive: %zu bytes, state %d", t.out_len,
             (int)conn.state);
  } else if (a->state == SY_CONN_WEBSOCKET && !conn.close_sent) {
    /* An idle WebSocket gets a Close 1001 "going away" (RFC 6455 §7.4.1). */
    OC_CHECK(deadline == conn.opts.idle_timeout_ms, "idle-timeout", "RFC 6455 §7.4.1",
             "deadline %llu on an idle WebSocket", (unsigned long long)deadline);
    sy_conn_tick(&conn, deadline);
    drain(&t, deadline);
    OC_CHECK(t.n_dec == 0 && t.out_len == 4 && memcmp(t.out, "\x88\x02\x03\xe9", 4) == 0,
             "idle-timeout", "RFC 6455 §7.4.1", "idle WebSocket got %zu bytes, not Close 1001",
             t.out_len);
  }
  sy_conn_eof(&conn, deadline);
  drain(&t, deadline);
  OC_CHECK(t.n_dec <= 1 && sy_conn_should_close(&conn), "eof-closes", "RFC 9112 §9.6",
           "after EOF the connection does not close");
  /* A peer that stops reading our last bytes is dropped after one more idle period; a closed
   * connection has no deadline and ignores time, input and claims of sent bytes. */
  before = t.out_len;
  sy_conn_tick(&conn, deadline + conn.opts.idle_timeout_ms);
  sy_conn_sent(&conn, (size_t)-1, deadline + conn.opts.idle_timeout_ms); /* clamped */
  OC_CHECK(conn.state == SY_CONN_CLOSED && sy_conn_deadline(&conn) == UINT64_MAX &&
               sy_conn_feed(&conn, (const uint8_t *)"x", 1, deadline + 1) == 1 &&
               sy_conn_output(&conn, &before) != NULL && before == 0,
           "eof-closes", "switchyard.h sy_conn_tick", "state %d after the last idle period",
           (int)conn.state);
  sy_conn_tick(&conn, UINT64_MAX);
  free(t.out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static struct trace a, b, c;
  size_t cuts[64], ncuts;
  uint8_t *twice;

  if (size > 65536)
    return 0;
  /* B: random pieces */
  ncuts = oc_random_cuts(oc_hash(data, size), size, cuts, sizeof cuts / sizeof cuts[0], 8, 512, 24);
  deliver(&b, data, size, cuts, ncuts);
  /* C: byte by byte (bounded: every read re-parses the buffered head) */
  if (size <= 512) {
    size_t *all = malloc(size * sizeof *all + 1);
    for (size_t i = 1; i < size; i++)
      all[i - 1] = i;
    deliver(&c, data, size, all, size ? size - 1 : 0);
    free(all);
  }
  /* A: one read */
  deliver(&a, data, size, NULL, 0);
  same(&a, &b, "split-invariance", "RFC 9112 §2.2", "random pieces");
  /* E: a client that reads its answers a few bytes at a time (the hash picks how many) */
  free(b.out);
  b.out = NULL;
  deliver_paced(&b, data, size, cuts, ncuts, 1 + (size_t)(oc_hash(data, size) >> 40) % 4096);
  same(&a, &b, "read-pace-invariance", "RFC 9112 §9.3", "slow reader");
  if (size <= 512)
    same(&a, &c, "split-invariance", "RFC 9112 §2.2", "byte by byte");
  free(b.out);
  free(c.out);
  b.out = c.out = NULL;

  check_tls_plaintext(&a, data, size);
  check_timeouts(&a);

  /* D: the input twice on one connection, when it ended between messages. */
  if (a.n_dec > 0 && a.in_len == 0 && a.n_dec < MAX_DEC / 2 &&
      (a.state == SY_CONN_HTTP || a.state == SY_CONN_CLOSING)) {
    struct trace once = a;
    twice = malloc(2 * size);
    memcpy(twice, data, size);
    memcpy(twice + size, data, size);
    once.out = malloc(2 * a.out_len + 1);
    memcpy(once.out, a.out, a.out_len);
    if (a.state == SY_CONN_HTTP) {
      /* keep-alive: the same answers again, in order (RFC 9112 §9.3.2) */
      memcpy(once.dec + a.n_dec, a.dec, a.n_dec * sizeof a.dec[0]);
      once.n_dec = 2 * a.n_dec;
      memcpy(once.out + a.out_len, a.out, a.out_len);
      once.out_len = 2 * a.out_len;
    } /* else closing: the second copy is never read */
    deliver(&b, twice, 2 * size, NULL, 0);
    same(&once, &b, "pipeline-invariance", "RFC 9112 §9.3.2", "input sent twice");
    free(once.out);
    free(b.out);
    b.out = NULL;
    free(twice);
  }
  free(a.out);
  a.out = NULL;
  return 0;
}
