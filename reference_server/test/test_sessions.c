/* SPDX-License-Identifier: MIT */
/* test_sessions.c: what follows an h2c or TLS 101, without sockets. HTTP2-Settings decoding
 * (one row per rule of RFC 7540 §3.2.1 / §6.5.2 and RFC 4648 §5); the connection driven through
 * an h2c switch by a libnghttp2 client session (preface first, stream 1 answers the upgraded
 * request, a later stream is served) and through a TLS switch by an OpenSSL client over memory
 * BIOs (handshake on the same bytes, the answer inside TLS, plaintext after the offer fails). */
#include <nghttp2/nghttp2.h>
#include <openssl/ssl.h>

#include "testutil.h"

#define H        "Host: a\r\n"
#define SETTINGS "AAMAAABkAAQAAP__" /* nghttp's: MAX_CONCURRENT_STREAMS 100, window 65535 */
#define H2C_OFFER(path)                                                                   \
  "GET " path " HTTP/1.1\r\n" H "Upgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\n" \
  "HTTP2-Settings: " SETTINGS "\r\n\r\n"
#define R101H2C      "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n"
#define TLS_OFFER(v) "GET /tls HTTP/1.1\r\n" H "Upgrade: TLS/" v "\r\nConnection: Upgrade\r\n\r\n"
#define R101TLS(v) \
  "HTTP/1.1 101 Switching Protocols\r\nUpgrade: TLS/" v "\r\nConnection: Upgrade\r\n\r\n"

static struct sy_policy policy;
static struct sy_tls_ctx *server_tls;

/* ---- HTTP2-Settings ---- */
static const struct settings_row {
  const char *name, *value;
  int rc; /* sy_h2_settings_value */
  size_t n;
} settings_rows[] = {
    {"settings: empty (not token68, §3.2.1)", "", SY_ESYNTAX, 0},
    {"settings: nghttp's two settings", SETTINGS, 0, 12},
    {"settings: curl's three", "AAMAAABkAAQCAAAAAAIAAAAA", 0, 18},
    {"settings: unknown identifier ignored", "AP8AAAAF", 0, 6},
    {"settings: ENABLE_PUSH 1", "AAIAAAAB", 0, 6},
    {"settings: MAX_FRAME_SIZE 2^24-1", "AAUA____", 0, 6},
    {"settings: INITIAL_WINDOW_SIZE 2^31-1", "AAR_____", 0, 6},
    {"settings: '=' padding", "AAMAAABkAA==", SY_ESYNTAX, 0},
    {"settings: '+' and '/' (standard alphabet)", "AAMAAABkAAQAAP//", SY_ESYNTAX, 0},
    {"settings: a space inside", "AAMA AABk", SY_ESYNTAX, 0},
    {"settings: one char left over", "AAMAAABkA", SY_ESYNTAX, 0},
    {"settings: non-zero pad bits", "AAMAAB", SY_ESYNTAX, 0},
    {"settings: 4 bytes, not a multiple of 6", "AAMAAA", SY_ESYNTAX, 0},
    {"settings: ENABLE_PUSH 2", "AAIAAAAC", SY_ESYNTAX, 0},
    {"settings: MAX_FRAME_SIZE 16383", "AAUAAD__", SY_ESYNTAX, 0},
    {"settings: MAX_FRAME_SIZE 2^24", "AAUBAAAA", SY_ESYNTAX, 0},
    {"settings: INITIAL_WINDOW_SIZE 2^31", "AASAAAAA", SY_ESYNTAX, 0},
    {"settings: ENABLE_CONNECT_PROTOCOL 2 (RFC 8441 §3)", "AAgAAAAC", SY_ESYNTAX, 0},
    {"settings: NO_RFC7540_PRIORITIES 1 (RFC 9218 §2.1)", "AAkAAAAB", 0, 6},
    {"settings: NO_RFC7540_PRIORITIES 2", "AAkAAAAC", SY_ESYNTAX, 0},
};

static void test_settings_row(void **state)
{
  const struct settings_row *row = *state;
  uint8_t out[SY_H2_MAX_SETTINGS_BYTES];
  size_t n = 99;
  CHECK_INT(sy_h2_settings_value(row->value, strlen(row->value), out, sizeof out, &n), row->rc);
  if (row->rc == 0)
    CHECK_INT(n, row->n);
}

static void test_settings_limits(void **state)
{
  uint8_t out[6];
  size_t n;
  (void)state;
  CHECK_INT(sy_base64url_decode(LIT("AAMAAABkAAQAAP__"), out, sizeof out), SY_ENOSPC);
  CHECK_INT(sy_base64url_decode(LIT("AAMAAABk"), out, sizeof out), 6);
  CHECK_INT(sy_base64url_decode(NULL, 3, out, sizeof out), SY_EINVAL);
  CHECK_INT(sy_h2_settings_value(LIT("AAMAAABkAAQAAP__"), out, sizeof out, &n), SY_ENOSPC);
}

/* ---- a connection and its output ---- */
struct tconn {
  struct sy_conn *c;
  uint8_t out[1 << 16];
  size_t out_len;
};

static void tc_open(struct tconn *t, const struct sy_tls_ctx *tls)
{
  struct sy_conn_opts o;
  sy_conn_opts_default(&o);
  o.tls = tls;
  t->c = malloc(sizeof *t->c);
  CHECK(t->c != NULL);
  sy_conn_init(t->c, &policy, &o, 0);
  t->out_len = 0;
}

static void tc_close(struct tconn *t)
{
  sy_conn_free(t->c);
  free(t->c);
}

static void tc_feed(struct tconn *t, const void *p, size_t n)
{
  size_t off = 0;
  while (off < n) {
    size_t took = sy_conn_feed(t->c, (const uint8_t *)p + off, n - off, 0), len;
    const uint8_t *o = sy_conn_output(t->c, &len);
    CHECK(t->out_len + len <= sizeof t->out);
    memcpy(t->out + t->out_len, o, len);
    t->out_len += len;
    sy_conn_sent(t->c, len, 0);
    CHECK(took > 0 || len > 0);
    off += took;
  }
  for (;;) { /* sy_conn_sent may have produced more */
    size_t len;
    const uint8_t *o = sy_conn_output(t->c, &len);
    if (len == 0)
      break;
    memcpy(t->out + t->out_len, o, len);
    t->out_len += len;
    sy_conn_sent(t->c, len, 0);
  }
}

/* Takes the first n output bytes (the 101) after checking them. */
static void tc_expect(struct tconn *t, const char *want)
{
  size_t n = strlen(want);
  CHECK(t->out_len >= n);
  CHECK_BYTES(t->out, n, want, n);
  memmove(t->out, t->out + n, t->out_len - n);
  t->out_len -= n;
}

/* ---- h2c: a libnghttp2 client on the other side ---- */
struct h2client {
  int status[8]; /* by (stream id - 1) / 2 */
  char body[8][64];
  size_t body_len[8];
};

static int cl_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name, size_t nlen,
                     const uint8_t *value, size_t vlen, uint8_t flags, void *user)
{
  struct h2client *cl = user;
  int i = (f->hd.stream_id - 1) / 2;
  (void)s, (void)flags;
  if (i < 8 && nlen == 7 && memcmp(name, ":status", 7) == 0)
    cl->status[i] = atoi((const char *)value) + 0 * (int)vlen;
  return 0;
}

static int cl_data(nghttp2_session *s, uint8_t flags, int32_t id, const uint8_t *data, size_t len,
                   void *user)
{
  struct h2client *cl = user;
  int i = (id - 1) / 2;
  (void)s, (void)flags;
  if (i < 8 && cl->body_len[i] + len < sizeof cl->body[i]) {
    memcpy(cl->body[i] + cl->body_len[i], data, len);
    cl->body_len[i] += len;
  }
  return 0;
}

static nghttp2_session *h2client_new(struct h2client *cl)
{
  nghttp2_session_callbacks *cb;
  nghttp2_session *s;
  uint8_t payload[SY_H2_MAX_SETTINGS_BYTES];
  size_t n;
  memset(cl, 0, sizeof *cl);
  CHECK(nghttp2_session_callbacks_new(&cb) == 0);
  nghttp2_session_callbacks_set_on_header_callback(cb, cl_header);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, cl_data);
  CHECK(nghttp2_session_client_new(&s, cb, cl) == 0);
  nghttp2_session_callbacks_del(cb);
  CHECK_INT(sy_h2_settings_value(LIT(SETTINGS), payload, sizeof payload, &n), 0);
  CHECK(nghttp2_submit_settings(s, NGHTTP2_FLAG_NONE, NULL, 0) == 0);
  CHECK(nghttp2_session_upgrade2(s, payload, n, 0, NULL) == 0);
  return s;
}

/* Client bytes (preface, frames) into the connection; the connection's bytes into the client. */
static void h2_exchange(struct tconn *t, nghttp2_session *s)
{
  for (int round = 0; round < 8; round++) {
    const uint8_t *p;
    ssize_t n;
    while ((n = nghttp2_session_mem_send(s, &p)) > 0)
      tc_feed(t, p, (size_t)n);
    if (t->out_len) {
      CHECK_INT(nghttp2_session_mem_recv(s, t->out, t->out_len), (ssize_t)t->out_len);
      t->out_len = 0;
    }
  }
}

static void test_h2c_switch(void **state)
{
  struct tconn t;
  struct h2client cl;
  nghttp2_session *s = h2client_new(&cl);
  nghttp2_nv nva[] = {{(uint8_t *)":method", (uint8_t *)"GET", 7, 3, 0},
                      {(uint8_t *)":scheme", (uint8_t *)"http", 7, 4, 0},
                      {(uint8_t *)":authority", (uint8_t *)"a", 10, 1, 0},
                      {(uint8_t *)":path", (uint8_t *)"/", 5, 1, 0}};
  (void)state;
  tc_open(&t, NULL);
  tc_feed(&t, LIT(H2C_OFFER("/h2c")));
  tc_expect(&t, R101H2C);
  /* RFC 7540 §3.5: the server's first frame is SETTINGS (type 4) on stream 0. */
  CHECK(t.out_len >= 9 && t.out[3] == 0x4 && t.out[5] == 0 && t.out[8] == 0);
  CHECK_INT(t.c->state, SY_CONN_H2);
  CHECK(nghttp2_submit_request(s, NULL, nva, 4, NULL, NULL) == 3);
  h2_exchange(&t, s);
  CHECK_INT(cl.status[0], 200); /* stream 1: the upgraded request */
  CHECK_BYTES(cl.body[0], cl.body_len[0], SY_PLAIN_BODY, sizeof SY_PLAIN_BODY - 1);
  CHECK_INT(cl.status[1], 200); /* stream 3: a request made in HTTP/2 */
  CHECK_INT(t.c->n_h2_streams, 2);
  CHECK_INT(t.c->n_requests, 1); /* one HTTP/1.1 decision: nothing after it was read as HTTP/1.1 */
  nghttp2_session_del(s);
  tc_close(&t);
}

/* The preface sent in the same read as the offer: still HTTP/2, never a second HTTP/1.1 request. */
static void test_h2c_pipelined_preface(void **state)
{
  struct tconn t;
  struct h2client cl;
  nghttp2_session *s = h2client_new(&cl);
  const uint8_t *p;
  ssize_t n;
  uint8_t both[512];
  size_t len = sizeof H2C_OFFER("/h2c-required") - 1;
  (void)state;
  memcpy(both, H2C_OFFER("/h2c-required"), len);
  while ((n = nghttp2_session_mem_send(s, &p)) > 0) { /* the preface and SETTINGS */
    CHECK(len + (size_t)n <= sizeof both);
    memcpy(both + len, p, (size_t)n);
    len += (size_t)n;
  }
  CHECK(len > sizeof H2C_OFFER("/h2c-required") - 1 + 24);
  tc_open(&t, NULL);
  tc_feed(&t, both, len);
  tc_expect(&t, R101H2C);
  h2_exchange(&t, s);
  CHECK_INT(cl.status[0], 200);
  CHECK_INT(t.c->n_requests, 1);
  nghttp2_session_del(s);
  tc_close(&t);
}

/* CVE-2022-41721's class: no 101 before the content is read in full (RFC 7540 §3.2). */
static void test_h2c_body_first(void **state)
{
  static const char req[] = "POST /h2c HTTP/1.1\r\n" H "Upgrade: h2c\r\n"
                            "Connection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: " SETTINGS
                            "\r\nContent-Length: 10\r\n\r\n01234";
  struct tconn t;
  (void)state;
  tc_open(&t, NULL);
  tc_feed(&t, LIT(req));
  CHECK_INT(t.out_len, 0);
  CHECK_INT(t.c->state, SY_CONN_HTTP);
  tc_feed(&t, LIT("56789"));
  tc_expect(&t, R101H2C);
  CHECK_INT(t.c->state, SY_CONN_H2);
  tc_close(&t);
}

/* A client that is not HTTP/2 after the 101: the session ends, the connection closes. */
static void test_h2c_bad_preface(void **state)
{
  struct tconn t;
  (void)state;
  tc_open(&t, NULL);
  tc_feed(&t, LIT(H2C_OFFER("/h2c") "GET / HTTP/1.1\r\n" H "\r\n"));
  tc_expect(&t, R101H2C);
  CHECK_INT(t.c->n_requests, 1);
  CHECK(sy_conn_should_close(t.c));
  tc_close(&t);
}

/* ---- TLS: an OpenSSL client over memory BIOs ---- */
static SSL *tls_client(SSL_CTX **ctx)
{
  SSL *ssl;
  *ctx = SSL_CTX_new(TLS_client_method());
  CHECK(*ctx != NULL);
  ssl = SSL_new(*ctx);
  SSL_set_bio(ssl, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
  SSL_set_connect_state(ssl);
  return ssl;
}

/* Runs the handshake through the connection; returns what the client read inside TLS. */
static size_t tls_talk(struct tconn *t, SSL *ssl, char *got, size_t cap)
{
  size_t n = 0;
  for (int round = 0; round < 16; round++) {
    char buf[16384];
    int r;
    (void)SSL_do_handshake(ssl);
    while ((r = BIO_read(SSL_get_wbio(ssl), buf, sizeof buf)) > 0)
      tc_feed(t, buf, (size_t)r);
    if (t->out_len) {
      CHECK_INT(BIO_write(SSL_get_rbio(ssl), t->out, (int)t->out_len), (int)t->out_len);
      t->out_len = 0;
    }
    while (SSL_is_init_finished(ssl) && n < cap && (r = SSL_read(ssl, got + n, (int)(cap - n))) > 0)
      n += (size_t)r;
  }
  return n;
}

static void test_tls_switch(void **state)
{
  static const char want[] = "HTTP/1.1 200 OK\r\nConnection: close\r\n"
                             "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 28\r\n\r\n" SY_PLAIN_BODY;
  const char *v = *state;
  struct tconn t;
  SSL_CTX *ctx;
  SSL *ssl = tls_client(&ctx);
  char req[256], r101[256], got[512];
  size_t n;
  snprintf(req, sizeof req,
           "GET /tls HTTP/1.1\r\n" H "Upgrade: TLS/%s, HTTP/1.1\r\nConnection: Upgrade\r\n\r\n", v);
  snprintf(r101, sizeof r101, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: TLS/%s, HTTP/1.1\r\n"
                              "Connection: Upgrade\r\n\r\n",
           v);
  tc_open(&t, server_tls);
  tc_feed(&t, req, strlen(req));
  tc_expect(&t, r101);
  CHECK_INT(t.out_len, 0);
  CHECK_INT(t.c->state, SY_CONN_TLS);
  n = tls_talk(&t, ssl, got, sizeof got);
  CHECK_INT(SSL_version(ssl), strcmp(v, "1.3") == 0 ? TLS1_3_VERSION : TLS1_2_VERSION);
  CHECK_BYTES(got, n, want, sizeof want - 1); /* RFC 2817 §3.3: the response inside TLS */
  CHECK(sy_conn_should_close(t.c));
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  tc_close(&t);
}

/* CVE-2025-49812's class: plaintext after the offer is never read inside TLS; the connection
 * fails however the bytes are cut. */
static void test_tls_plaintext_after_offer(void **state)
{
  static const char both[] = TLS_OFFER("1.2") "GET /admin HTTP/1.1\r\n" H "\r\n";
  for (int bytewise = 0; bytewise < 2; bytewise++) {
    struct tconn t;
    (void)state;
    tc_open(&t, server_tls);
    if (bytewise)
      for (size_t i = 0; i < sizeof both - 1; i++)
        tc_feed(&t, both + i, 1);
    else
      tc_feed(&t, LIT(both));
    tc_expect(&t, R101TLS("1.2"));
    CHECK_INT(t.out_len, 0); /* no answer, in TLS or out of it */
    CHECK_INT(t.c->n_requests, 1);
    CHECK(sy_conn_should_close(t.c));
    tc_close(&t);
  }
}

/* A server without a certificate says 101 (the decision is the policy's) and closes. */
static void test_tls_no_certificate(void **state)
{
  struct tconn t;
  (void)state;
  tc_open(&t, NULL);
  tc_feed(&t, LIT(TLS_OFFER("1.2")));
  tc_expect(&t, R101TLS("1.2"));
  CHECK(sy_conn_should_close(t.c));
  tc_close(&t);
}

static void test_tls_ctx_errors(void **state)
{
  char err[256] = "";
  (void)state;
  CHECK(sy_tls_ctx_new(LIT("not PEM"), LIT("nor this"), err, sizeof err) == NULL);
  CHECK(strstr(err, "no PEM certificate") != NULL);
  CHECK_INT(sy_sessions_available(), 1);
}

int main(void)
{
  struct tu_tests l = {0};
  char err[256];
  sy_policy_default(&policy);
  server_tls = sy_tls_ctx_new_ephemeral("localhost", err, sizeof err);
  if (server_tls == NULL) {
    fprintf(stderr, "test_sessions: %s\n", err);
    return 1;
  }
  TU_ADD_ROWS(&l, settings_rows, test_settings_row);
  tu_add(&l, "settings: limits and misuse", test_settings_limits, NULL);
  tu_add(&l, "h2c: preface, stream 1, then a new stream", test_h2c_switch, NULL);
  tu_add(&l, "h2c: preface in the offer's read", test_h2c_pipelined_preface, NULL);
  tu_add(&l, "h2c: content read in full before the 101", test_h2c_body_first, NULL);
  tu_add(&l, "h2c: HTTP/1.1 after the 101 ends the session", test_h2c_bad_preface, NULL);
  tu_add(&l, "tls: TLS/1.2 handshake, answer inside TLS", test_tls_switch, (void *)"1.2");
  tu_add(&l, "tls: TLS/1.3 handshake, answer inside TLS", test_tls_switch, (void *)"1.3");
  tu_add(&l, "tls: plaintext after the offer fails the connection", test_tls_plaintext_after_offer, NULL);
  tu_add(&l, "tls: no certificate, 101 then close", test_tls_no_certificate, NULL);
  tu_add(&l, "tls: certificate errors", test_tls_ctx_errors, NULL);
  int rc = tu_run("sessions", &l);
  sy_tls_ctx_free(server_tls);
  return rc;
}
