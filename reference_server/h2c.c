/* SPDX-License-Identifier: MIT */
/* h2c.c: the HTTP/2 session after an h2c 101 (RFC 7540 §3.2), libnghttp2 used sans-I/O
 * (nghttp2_session_mem_recv / mem_send): bytes come from c->in and go to c->out like every
 * other state of the connection. The server's preface (SETTINGS) is the first frame after the
 * 101 (§3.5), the upgraded request is answered on stream 1, and later requests on their streams
 * get the answer their path's route gives (404 where there is none, 405 for other methods).
 * Compiled out with SY_NO_SESSIONS (switchyard.h). */
#include <stdint.h>
#include <string.h>

#include "session.h"

#ifdef SY_NO_SESSIONS

int sy__h2_start(struct sy_conn *c, const struct sy_request *req)
{
  (void)c, (void)req;
  return SY_EINVAL;
}
int sy__h2_step(struct sy_conn *c)
{
  (void)c;
  return 0;
}
void sy__h2_free(struct sy_conn *c)
{
  (void)c;
}

#else

#include <nghttp2/nghttp2.h>

/* What a stream asked, gathered from its header block (stream user data, no allocation). */
enum {
  ASK_SEEN = 0x100,
  ASK_GET = 1,
  ASK_HEAD,
  ASK_POST,
  ASK_OPTIONS,
  ASK_OTHER,
  ASK_METHOD = 0x0f,
  ASK_ROUTE = 0x10, /* the path names a route served over HTTP/2 */
};

static ssize_t read_body(nghttp2_session *s, int32_t id, uint8_t *buf, size_t len, uint32_t *flags,
                         nghttp2_data_source *src, void *user)
{
  const char *rest = src->ptr; /* the rest of SY_PLAIN_BODY: libnghttp2 keeps `src` per stream */
  size_t n = strlen(rest);
  (void)s, (void)id, (void)user;
  if (n > len)
    n = len;
  memcpy(buf, rest, n);
  src->ptr = (void *)(rest + n);
  if (rest[n] == '\0')
    *flags |= NGHTTP2_DATA_FLAG_EOF;
  return (ssize_t)n;
}

#define NV(n, v)                                                                   \
  {                                                                                \
    (uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, strlen(v), NGHTTP2_NV_FLAG_NONE \
  }

static int respond(nghttp2_session *s, int32_t id, int status, int head_only, const char *allow)
{
  char st[4] = {(char)('0' + status / 100), (char)('0' + status / 10 % 10),
                (char)('0' + status % 10), '\0'};
  const char *length = status == 200 ? "28" : "0";
  nghttp2_nv nva[] = {NV(":status", st), NV("content-length", length),
                      NV("content-type", "text/plain; charset=utf-8"), NV("allow", allow ? allow : "")};
  nghttp2_data_provider body = {.source.ptr = (void *)SY_PLAIN_BODY, .read_callback = read_body};
  size_t n = allow ? 4 : 3;
  _Static_assert(sizeof SY_PLAIN_BODY - 1 == 28, "content-length above");
  if (status == 204)
    n = 1 + (allow != NULL), nva[1] = nva[3]; /* RFC 9110 §8.6: no Content-Length in a 204 */
  return nghttp2_submit_response(s, id, nva, n, status == 200 && !head_only ? &body : NULL);
}

static int on_begin_headers(nghttp2_session *s, const nghttp2_frame *f, void *user)
{
  (void)user;
  if (f->hd.type == NGHTTP2_HEADERS && f->headers.cat == NGHTTP2_HCAT_REQUEST)
    nghttp2_session_set_stream_user_data(s, f->hd.stream_id, (void *)(intptr_t)ASK_SEEN);
  return 0;
}

static int on_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name, size_t nlen,
                     const uint8_t *value, size_t vlen, uint8_t flags, void *user)
{
  struct sy_conn *c = user;
  intptr_t ask = (intptr_t)nghttp2_session_get_stream_user_data(s, f->hd.stream_id);
  (void)flags;
  if (!(ask & ASK_SEEN))
    return 0;
  if (nlen == 7 && memcmp(name, ":method", 7) == 0) {
    static const char *const m[] = {"GET", "HEAD", "POST", "OPTIONS"};
    ask = (ask & ~ASK_METHOD) | ASK_OTHER;
    for (int i = 0; i < 4; i++)
      if (strlen(m[i]) == vlen && memcmp(m[i], value, vlen) == 0)
        ask = (ask & ~ASK_METHOD) | (ASK_GET + i);
  } else if (nlen == 5 && memcmp(name, ":path", 5) == 0) {
    size_t plen = 0;
    while (plen < vlen && value[plen] != '?')
      plen++;
    const struct sy_route *r = sy_policy_route(c->pol, (const char *)value, plen);
    if (r && (r->kind == SY_ROUTE_PLAIN || r->kind == SY_ROUTE_H2C || r->kind == SY_ROUTE_H2C_REQUIRED))
      ask |= ASK_ROUTE;
  }
  nghttp2_session_set_stream_user_data(s, f->hd.stream_id, (void *)ask);
  return 0;
}

/* A request is answered once its stream ends (content read in full, as for stream 1). */
static int on_frame_recv(nghttp2_session *s, const nghttp2_frame *f, void *user)
{
  struct sy_conn *c = user;
  intptr_t ask;
  int method;
  if ((f->hd.type != NGHTTP2_HEADERS && f->hd.type != NGHTTP2_DATA) ||
      !(f->hd.flags & NGHTTP2_FLAG_END_STREAM))
    return 0;
  ask = (intptr_t)nghttp2_session_get_stream_user_data(s, f->hd.stream_id);
  if (!(ask & ASK_SEEN))
    return 0;
  nghttp2_session_set_stream_user_data(s, f->hd.stream_id, NULL);
  method = (int)(ask & ASK_METHOD);
  c->n_h2_streams++;
  if (!(ask & ASK_ROUTE))
    return respond(s, f->hd.stream_id, 404, method == ASK_HEAD, NULL);
  if (method == ASK_OTHER)
    return respond(s, f->hd.stream_id, 405, 0, "GET, HEAD, OPTIONS, POST");
  if (method == ASK_OPTIONS)
    return respond(s, f->hd.stream_id, 204, 0, "GET, HEAD, OPTIONS, POST");
  return respond(s, f->hd.stream_id, 200, method == ASK_HEAD, NULL);
}

int sy__h2_start(struct sy_conn *c, const struct sy_request *req)
{
  nghttp2_session_callbacks *cb;
  nghttp2_option *opt;
  nghttp2_session *s = NULL;
  const struct sy_header *hs = sy_request_field(req, "http2-settings", NULL);
  uint8_t payload[SY_H2_MAX_SETTINGS_BYTES];
  size_t plen;
  nghttp2_settings_entry iv[] = {{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, SY_H2_MAX_STREAMS}};
  int rc;

  /* sy_decide switched only on a valid value: decoding again cannot fail. */
  if (hs == NULL || sy_h2_settings_value(hs->value.ptr, hs->value.len, payload, sizeof payload, &plen) < 0)
    return SY_EINVAL;
  if (nghttp2_session_callbacks_new(&cb) != 0)
    return SY_ELIMIT;
  nghttp2_session_callbacks_set_on_begin_headers_callback(cb, on_begin_headers);
  nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
  if (nghttp2_option_new(&opt) != 0) {
    nghttp2_session_callbacks_del(cb);
    return SY_ELIMIT;
  }
#if NGHTTP2_VERSION_NUM >= 0x012702 /* 1.39.2 added the limit (default 32 settings) */
  /* Every payload sy_decide accepts is one libnghttp2 takes. */
  nghttp2_option_set_max_settings(opt, SY_H2_MAX_SETTINGS_BYTES / 6);
#endif
  rc = nghttp2_session_server_new2(&s, cb, c, opt);
  nghttp2_session_callbacks_del(cb);
  nghttp2_option_del(opt);
  if (rc != 0)
    return SY_ELIMIT;
  sy_decide_switched(req, &c->inner);
  /* §3.5: our SETTINGS first; §3.2: stream 1 is the upgraded request, half-closed (remote). */
  rc = nghttp2_submit_settings(s, NGHTTP2_FLAG_NONE, iv, 1);
  if (rc == 0)
    rc = nghttp2_session_upgrade2(s, payload, plen, req->method_id == SY_M_HEAD, NULL);
  if (rc == 0)
    rc = respond(s, 1, c->inner.status, c->inner.head_only,
                 c->inner.reason == SY_R_OPTIONS_SERVED ? "GET, HEAD, OPTIONS, POST" : NULL);
  if (rc != 0) {
    nghttp2_session_del(s);
    return SY_EINVAL;
  }
  c->n_h2_streams = 1;
  c->h2 = s;
  return 0;
}

/* Moves what libnghttp2 has to send into c->out; the state is CLOSING once the session is over. */
static void pump(struct sy_conn *c, nghttp2_session *s)
{
  while (sy__conn_out_room(c) >= SY_H2_OUT_RESERVE) {
    const uint8_t *p;
    ssize_t n = nghttp2_session_mem_send(s, &p);
    if (n <= 0) {
      if (n < 0 || (!nghttp2_session_want_read(s) && !nghttp2_session_want_write(s))) {
        c->state = SY_CONN_CLOSING; /* GOAWAY sent and done, or a fatal error */
        c->in_len = 0;
      }
      return;
    }
    if ((size_t)n > sy__conn_out_room(c)) { /* not a frame of ours: never seen, never written */
      c->state = SY_CONN_CLOSING;
      c->in_len = 0;
      return;
    }
    memcpy(c->out + c->out_len, p, (size_t)n);
    c->out_len += (size_t)n;
  }
}

int sy__h2_step(struct sy_conn *c)
{
  nghttp2_session *s = c->h2;
  /* What is queued goes first: our preface and stream 1's answer leave whatever the client
   * sends, however its bytes are cut into reads. */
  pump(c, s);
  if (c->state != SY_CONN_H2 || sy__conn_out_room(c) < SY_H2_OUT_RESERVE)
    return 0; /* over, or the peer is not reading: leave input where it is */
  if (c->in_len) {
    ssize_t n = nghttp2_session_mem_recv(s, c->in, c->in_len);
    if (n < 0) { /* fatal (not an HTTP/2 client, out of memory): nothing more is said */
      c->state = SY_CONN_CLOSING;
      c->in_len = 0;
      return 0;
    }
    sy__conn_consume(c, (size_t)n);
  }
  pump(c, s);
  return 0;
}

void sy__h2_free(struct sy_conn *c)
{
  nghttp2_session_del(c->h2);
  c->h2 = NULL;
}

#endif
