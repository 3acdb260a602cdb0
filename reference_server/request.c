/* SPDX-License-Identifier: MIT */
/* request.c: bytes -> struct sy_request with llhttp in strict mode. The only file of the core
 * that includes llhttp.h. It runs llhttp over the head, then the content, and asks syntax.c for
 * the RFC 9112 checks llhttp 8 does not make (whitespace before the colon, obs-fold, HTTP/1.0 +
 * Transfer-Encoding, Host) and for the rule that names each llhttp error by its bytes. Trailer
 * fields get the same field-line checks but are never stored as header fields.
 *
 * Split invariance: every outcome depends only on a prefix of the input whose length the
 * outcome itself fixes (the head is parsed from at most SY_MAX_HEAD_BYTES bytes; a limit wins
 * over an llhttp error only if the limit was crossed before the error position), so delivering
 * the same bytes in any number of reads gives the same decision. */
#include <string.h>

#include "llhttp.h"
#include "syntax.h"

#if LLHTTP_VERSION_MAJOR < 8
#error "llhttp >= 8 is required (on_method, on_url_complete)"
#endif

struct ctx {
  struct sy_request *req;
  const char *buf;
  int in_value; /* the last header callback was a value */
  int overflow; /* a field line beyond SY_MAX_HEADERS has started */
  int url_done; /* on_url_complete fired */
  size_t target_start;
  int method_done;
  int head_done;                /* field callbacks from now on are the trailer section's */
  struct sy_span tname, tvalue; /* the trailer field line being read */
  size_t trailer_bytes;         /* counted with the content against SY_MAX_BODY_BYTES */
  enum sy_reason cb_reason;     /* why a callback stopped the parser */
};

static struct ctx *ctx_of(llhttp_t *p)
{
  return (struct ctx *)p->data;
}

static void extend(struct sy_span *s, const char *at, size_t n)
{
  if (s->ptr == NULL)
    s->ptr = at;
  s->len = (size_t)(at + n - s->ptr); /* spans are contiguous within the caller's buffer */
}

static int on_method(llhttp_t *p, const char *at, size_t n)
{
  extend(&ctx_of(p)->req->method, at, n);
  return 0;
}

static int on_method_complete(llhttp_t *p)
{
  struct ctx *c = ctx_of(p);
  c->method_done = 1;
  c->target_start = (size_t)(c->req->method.ptr + c->req->method.len - c->buf) + 1;
  return 0;
}

static int on_url(llhttp_t *p, const char *at, size_t n)
{
  struct ctx *c = ctx_of(p);
  extend(&c->req->target, at, n);
  if (c->req->target.len > SY_MAX_TARGET_BYTES) {
    c->cb_reason = SY_R_TARGET_TOO_LONG;
    return -1;
  }
  return 0;
}

static int on_url_complete(llhttp_t *p)
{
  ctx_of(p)->url_done = 1;
  return 0;
}

/* The content and the trailer section are buffered, within one limit (413). */
static int within_body_limit(struct ctx *c)
{
  if (c->req->content_len + c->trailer_bytes <= SY_MAX_BODY_BYTES)
    return 0;
  c->cb_reason = SY_R_BODY_TOO_LARGE;
  return -1;
}

static int trailer_bytes(struct ctx *c, size_t n)
{
  c->trailer_bytes += n;
  return within_body_limit(c);
}

static int on_header_field(llhttp_t *p, const char *at, size_t n)
{
  struct ctx *c = ctx_of(p);
  struct sy_request *r = c->req;
  if (c->head_done) {
    /* A trailer field is never one of the request's header fields (RFC 9110 §6.5.1: not
     * merged into the header section): an Upgrade or a key there must not switch. It is only
     * checked, in on_header_value_complete. */
    if (c->in_value)
      c->tname = c->tvalue = (struct sy_span){0};
    c->in_value = 0;
    extend(&c->tname, at, n);
    return trailer_bytes(c, n);
  }
  if (c->in_value || r->n_headers == 0) {
    c->in_value = 0;
    if (r->n_headers == SY_MAX_HEADERS) {
      c->overflow = 1; /* judged when the name is complete (on_header_field_complete) */
      return 0;
    }
    r->n_headers++;
  }
  if (!c->overflow)
    extend(&r->headers[r->n_headers - 1].name, at, n);
  return 0;
}

/* One field too many is a 431 only once its name is complete: a name cut by the end of a read
 * must not be judged before an error later in the same name could be (split invariance). */
static int on_header_field_complete(llhttp_t *p)
{
  struct ctx *c = ctx_of(p);
  if (c->overflow) {
    c->cb_reason = SY_R_HEAD_TOO_LARGE;
    return -1;
  }
  return 0;
}

static int on_header_value(llhttp_t *p, const char *at, size_t n)
{
  struct ctx *c = ctx_of(p);
  c->in_value = 1;
  if (!c->head_done) {
    extend(&c->req->headers[c->req->n_headers - 1].value, at, n);
    return 0;
  }
  extend(&c->tvalue, at, n);
  return trailer_bytes(c, n);
}

/* A trailer field line has the syntax of a header field line (RFC 9112 §7.1.2, §5). */
static int on_header_value_complete(llhttp_t *p)
{
  struct ctx *c = ctx_of(p);
  enum sy_reason why;
  if (!c->head_done)
    return 0;
  c->in_value = 1; /* the next name starts a new line, even after an empty value */
  why = sy__field_line_reason(c->tname, c->tvalue);
  if (why != SY_R_NONE) {
    c->cb_reason = why;
    return -1;
  }
  return 0;
}

static int on_headers_complete(llhttp_t *p)
{
  struct sy_request *r = ctx_of(p)->req;
  r->version_major = p->http_major;
  r->version_minor = p->http_minor;
  r->keep_alive = llhttp_should_keep_alive(p);
  r->parser_upgrade = p->upgrade;
  ctx_of(p)->head_done = 1;
  ctx_of(p)->in_value = 1;
  return HPE_PAUSED; /* stop exactly at the end of the head: its length is the error pos */
}

static int on_body(llhttp_t *p, const char *at, size_t n)
{
  struct ctx *c = ctx_of(p);
  (void)at;
  c->req->content_len += n;
  return within_body_limit(c); /* trailer_bytes is still 0: the trailer comes after */
}

static int on_message_complete(llhttp_t *p)
{
  (void)p;
  return HPE_PAUSED; /* never run into the next pipelined message */
}

/* llhttp reports an error at pos either because of the byte at pos, or (at a span's end) having
 * decided on the bytes before it. Which one matters for naming the error by its bytes and for
 * split invariance: parse buf[0..pos) again, without callbacks; if the same error comes at the
 * same place, the byte at pos played no part. Only asked when that byte would name the error. */
static size_t decided_by(const struct ctx *c, const char *buf, size_t pos, size_t len,
                         llhttp_errno_t e)
{
  llhttp_settings_t s;
  llhttp_t p;
  size_t h = c->req->head_len < pos ? c->req->head_len : pos;
  llhttp_errno_t got = HPE_OK;
  if (pos >= len)
    return len;
  llhttp_settings_init(&s);
  llhttp_init(&p, HTTP_REQUEST, &s);
  if (h > 0)
    got = llhttp_execute(&p, c->buf, h); /* the head as parsed (parse_later_minor's copy) */
  if (got == HPE_OK)
    got = llhttp_execute(&p, buf + h, pos - h);
  if (got == e && llhttp_get_error_pos(&p) == buf + pos)
    return pos;
  return pos + 1;
}

/* The bytes before pos, then the byte at pos if it says something and llhttp needed it (the
 * second parse only runs then): SY_R__COUNT when a CR ends what we have. */
static enum sy_reason bytes_reason(const struct ctx *c, llhttp_errno_t e, const char *buf,
                                   size_t pos, size_t len)
{
  enum sy_reason b = sy__classify_bytes(buf, pos, len);
  if (b == SY_R_NONE && pos < len && sy__byte_reason(buf, pos, len) != SY_R_NONE &&
      decided_by(c, buf, pos, len, e) > pos)
    b = sy__byte_reason(buf, pos, len);
  return b;
}

/* An error llhttp names by no rule of its own, in the head (no bare CR/LF or CTL before it):
 * whitespace before a colon, else the request line or a field line, by where pos is. */
static enum sy_reason head_error(const struct ctx *c, const char *buf, size_t pos, size_t len)
{
  const struct sy_request *r = c->req;
  enum sy_reason why = sy__space_before_colon(buf, pos, len);
  if (why == SY_R__COUNT)
    return SY_R_NONE; /* "Name " so far: a colon may still follow (split invariance) */
  if (why != SY_R_NONE)
    return why;
  if (r->n_headers) {
    struct sy_span nm = r->headers[r->n_headers - 1].name;
    if (nm.len && (nm.ptr[nm.len - 1] == ' ' || nm.ptr[nm.len - 1] == '\t'))
      return SY_R_SPACE_BEFORE_COLON; /* llhttp may stop on the value of such a field */
  }
  if (!c->method_done || !c->url_done ||
      memchr(r->method.ptr, '\n', (size_t)(buf + pos - r->method.ptr)) == NULL)
    return SY_R_BAD_REQUEST_LINE; /* the error is on the request line ("HTTX/1.1", "/a b") */
  return SY_R_BAD_FIELD;
}

static enum sy_reason classify_error(struct ctx *c, llhttp_errno_t e, const char *buf, size_t pos,
                                     size_t len)
{
  struct sy_request *r = c->req;
  enum sy_reason b;
  size_t n;
  if (c->cb_reason != SY_R_NONE)
    return c->cb_reason; /* a callback stopped the parser (HPE_USER or HPE_CB_*_COMPLETE) */
  /* Framing conflicts are named by the fields, never by the bytes at pos: llhttp reports them
   * where the head ends, which may be the first byte of whatever follows. */
  switch (e) {
  case HPE_UNEXPECTED_CONTENT_LENGTH:
    sy_request_field(r, "transfer-encoding", &n);
    return n ? SY_R_CL_WITH_TE : SY_R_CONTENT_LENGTH_REPEATED;
  case HPE_INVALID_CONTENT_LENGTH:
    return SY_R_CONTENT_LENGTH_INVALID;
  case HPE_INVALID_TRANSFER_ENCODING:
    return SY_R_TE_UNSUPPORTED;
  default:
    break;
  }
  b = bytes_reason(c, e, buf, pos, len);
  if (b == SY_R__COUNT)
    return SY_R_NONE; /* a CR ends what we have: its meaning needs the next byte */
  switch (e) {
  case HPE_INVALID_METHOD:
    return sy__method_error(buf, len, b);
  case HPE_INVALID_VERSION:
    if (b == SY_R_BARE_LF || b == SY_R_BARE_CR)
      return b;                     /* before the version, e.g. a bare LF in place of an empty line */
    if (sy__line_version(buf, len)) /* well-formed, refused by llhttp (HTTP/3.0, HTTP/0.9) */
      return SY_R_VERSION_UNSUPPORTED;
    if (sy__other_version_prefix(buf, len))
      return SY_R_NONE; /* split invariance: wait for the end of the line */
    return b != SY_R_NONE ? b : SY_R_BAD_REQUEST_LINE;
  case HPE_PAUSED_H2_UPGRADE:
    return SY_R_VERSION_UNSUPPORTED; /* "PRI * HTTP/2.0": prior-knowledge HTTP/2 */
  case HPE_INVALID_URL:
    return (b == SY_R_BARE_LF || b == SY_R_BARE_CR) ? b : SY_R_BAD_TARGET;
  case HPE_INVALID_CHUNK_SIZE:
  case HPE_STRICT:
    return r->head_len ? SY_R_BAD_CHUNK : (b != SY_R_NONE ? b : SY_R_BAD_FIELD);
  case HPE_UNEXPECTED_SPACE:
    if (r->n_headers == 0)
      return SY_R_SPACE_AFTER_START_LINE;
    return b != SY_R_NONE ? b : SY_R_BAD_FIELD;
  default:
    if (r->head_len)
      return b != SY_R_NONE ? b : SY_R_BAD_CHUNK;
    return b != SY_R_NONE ? b : head_error(c, buf, pos, len);
  }
}

static int fail(struct sy_request *r, enum sy_reason why, size_t at, size_t len)
{
  r->error = why;
  r->error_offset = at;
  r->message_len = len;
  return len > 0 ? (int)len : 1;
}

/* The head did not end within head_cap bytes (e is llhttp's return, not HPE_PAUSED): a limit,
 * an error named by its rule, or SY_INCOMPLETE. */
static int head_unfinished(struct ctx *c, const llhttp_t *p, llhttp_errno_t e, size_t head_cap,
                           size_t len)
{
  struct sy_request *req = c->req;
  size_t limit_at = c->method_done ? c->target_start + SY_MAX_TARGET_BYTES : (size_t)-1, pos;
  enum sy_reason why;
  if (e == HPE_OK || e == HPE_PAUSED_UPGRADE) {
    /* head not complete within what we have */
    if (!c->url_done && c->method_done && head_cap > limit_at)
      return fail(req, SY_R_TARGET_TOO_LONG, limit_at, len);
    if (len > SY_MAX_HEAD_BYTES)
      return fail(req, SY_R_HEAD_TOO_LARGE, SY_MAX_HEAD_BYTES, len);
    return SY_INCOMPLETE;
  }
  pos = (size_t)(llhttp_get_error_pos(p) - c->buf);
  if (c->cb_reason == SY_R_NONE && !c->url_done && c->method_done && pos > limit_at)
    return fail(req, SY_R_TARGET_TOO_LONG, limit_at, len); /* the limit came first */
  why = classify_error(c, e, c->buf, pos, head_cap);
  if (why == SY_R_NONE) {
    if (len > SY_MAX_HEAD_BYTES)
      return fail(req, SY_R_HEAD_TOO_LARGE, SY_MAX_HEAD_BYTES, len);
    return SY_INCOMPLETE;
  }
  return fail(req, why, pos, len);
}

static void init_parser(llhttp_t *p, llhttp_settings_t *s, struct ctx *c)
{
  llhttp_settings_init(s);
  s->on_method = on_method;
  s->on_method_complete = on_method_complete;
  s->on_url = on_url;
  s->on_url_complete = on_url_complete;
  s->on_header_field = on_header_field;
  s->on_header_field_complete = on_header_field_complete;
  s->on_header_value = on_header_value;
  s->on_header_value_complete = on_header_value_complete;
  s->on_headers_complete = on_headers_complete;
  s->on_body = on_body;
  s->on_message_complete = on_message_complete;
  llhttp_init(p, HTTP_REQUEST, s);
  p->data = c;
}

/* The head is read from hb (buf itself, or a copy of its first bytes: see parse_later_minor),
 * the content from buf. */
static int parse(struct sy_request *req, const char *hb, const char *buf, size_t len)
{
  llhttp_settings_t s;
  llhttp_t p;
  struct ctx c;
  llhttp_errno_t e;
  size_t head_cap, pos;

  memset(&c, 0, sizeof c);
  c.req = req;
  c.buf = hb;
  init_parser(&p, &s, &c);

  /* 1. The head, from at most SY_MAX_HEAD_BYTES bytes. */
  head_cap = len < SY_MAX_HEAD_BYTES ? len : SY_MAX_HEAD_BYTES;
  e = llhttp_execute(&p, hb, head_cap);
  if (e != HPE_PAUSED)
    return head_unfinished(&c, &p, e, head_cap, len);
  req->head_len = (size_t)(llhttp_get_error_pos(&p) - hb);
  for (size_t i = 0; i < req->n_headers; i++)
    sy__trim_ows(&req->headers[i].value);
  req->method_id = sy__method_id(req->method);
  req->path = sy__path_of(req->target);
  {
    enum sy_reason why = sy__check_head(req, hb);
    if (why != SY_R_NONE)
      return fail(req, why, req->head_len, len);
  }
  {
    const struct sy_header *x = sy_request_field(req, "expect", NULL);
    req->expect_continue = x && sy_span_ieq(x->value, "100-continue");
  }

  /* 2. The content, up to the end of this message only. */
  llhttp_resume(&p);
  e = llhttp_execute(&p, buf + req->head_len, len - req->head_len);
  if (e == HPE_PAUSED || e == HPE_PAUSED_UPGRADE) {
    req->message_len = (size_t)(llhttp_get_error_pos(&p) - buf);
    return (int)req->message_len;
  }
  if (e == HPE_OK)
    return SY_INCOMPLETE; /* head complete (head_len set), content still arriving */
  pos = (size_t)(llhttp_get_error_pos(&p) - buf);
  {
    enum sy_reason why = classify_error(&c, e, buf, pos, len);
    if (why == SY_R_NONE)
      return SY_INCOMPLETE; /* the error's reason needs bytes that have not arrived */
    return fail(req, why, pos, len);
  }
}

/* Spans that point into the copy `from` (n bytes) point into `to` afterwards. */
static void rebase(struct sy_span *sp, const char *from, size_t n, const char *to)
{
  if (sp->ptr >= from && sp->ptr < from + n)
    sp->ptr = to + (sp->ptr - from);
}

/* RFC 9110 §2.5: a request in a later minor version of HTTP/1 (1.2 to 1.9) SHOULD be processed
 * as HTTP/1.1. llhttp 8 refuses any minor above 1, so the head is parsed from a copy whose
 * version says HTTP/1.1; the spans are moved back into buf and the minor is the one sent. */
static int parse_later_minor(struct sy_request *req, const char *buf, size_t len, size_t vpos)
{
  char copy[SY_MAX_HEAD_BYTES];
  size_t n = len < sizeof copy ? len : sizeof copy;
  int minor = buf[vpos + 7] - '0', rc;
  memcpy(copy, buf, n);
  copy[vpos + 7] = '1';
  rc = parse(req, copy, buf, len);
  rebase(&req->method, copy, n, buf);
  rebase(&req->target, copy, n, buf);
  rebase(&req->path, copy, n, buf);
  for (size_t i = 0; i < req->n_headers && i < SY_MAX_HEADERS; i++) {
    rebase(&req->headers[i].name, copy, n, buf);
    rebase(&req->headers[i].value, copy, n, buf);
  }
  if (req->version_major == 1 && req->version_minor == 1)
    req->version_minor = minor;
  return rc;
}

int sy_request_parse(struct sy_request *req, const char *buf, size_t len)
{
  const char *v;
  if (req == NULL || (buf == NULL && len > 0) || len > (size_t)0x7fffffff)
    return SY_EINVAL;
  memset(req, 0, sizeof *req);
  if (len == 0)
    return SY_INCOMPLETE;
  v = sy__line_version(buf, len < SY_MAX_HEAD_BYTES ? len : SY_MAX_HEAD_BYTES);
  if (v && v[5] == '1' && v[7] >= '2')
    return parse_later_minor(req, buf, len, (size_t)(v - buf));
  return parse(req, buf, buf, len);
}
