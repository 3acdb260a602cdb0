/* SPDX-License-Identifier: MIT */
/* request.c: bytes -> struct sy_request with llhttp in strict mode. The only file of the core
 * that includes llhttp.h. It adds the RFC 9112 checks llhttp 8 does not make (whitespace before
 * the colon, obs-fold, HTTP/1.0 + Transfer-Encoding, Host) and names each failure by its rule.
 * Trailer fields get the same field-line checks but are never stored as header fields.
 *
 * Split invariance: every outcome depends only on a prefix of the input whose length the
 * outcome itself fixes (the head is parsed from at most SY_MAX_HEAD_BYTES bytes; a limit wins
 * over an llhttp error only if the limit was crossed before the error position), so delivering
 * the same bytes in any number of reads gives the same decision. */
#include <string.h>

#include "chars.h"
#include "llhttp.h"
#include "switchyard.h"

#if LLHTTP_VERSION_MAJOR < 8
#error "llhttp >= 8 is required (on_method, on_url_complete)"
#endif

struct ctx {
  struct sy_request *req;
  const char *buf;
  int in_value;      /* the last header callback was a value */
  int overflow;      /* a field line beyond SY_MAX_HEADERS has started */
  int url_done;      /* on_url_complete fired */
  size_t target_start;
  int method_done;
  int head_done;     /* field callbacks from now on are the trailer section's */
  struct sy_span tname, tvalue; /* the trailer field line being read */
  size_t trailer_bytes;         /* counted with the content against SY_MAX_BODY_BYTES */
  enum sy_reason cb_reason; /* why a callback stopped the parser */
};

static struct ctx *ctx_of(llhttp_t *p) { return (struct ctx *)p->data; }

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
     * merged into the header section): an Upgrade or a key there must not switch (found by
     * the handshake-accepted oracle). It is only checked, in on_header_value_complete. */
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

static enum sy_reason field_line_reason(struct sy_span name, struct sy_span value);

/* A trailer field line has the syntax of a header field line (RFC 9112 §7.1.2, §5). */
static int on_header_value_complete(llhttp_t *p)
{
  struct ctx *c = ctx_of(p);
  enum sy_reason why;
  if (!c->head_done)
    return 0;
  c->in_value = 1; /* the next name starts a new line, even after an empty value */
  why = field_line_reason(c->tname, c->tvalue);
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

static void trim_ows(struct sy_span *s)
{
  while (s->len && (s->ptr[s->len - 1] == ' ' || s->ptr[s->len - 1] == '\t'))
    s->len--;
  while (s->len && (s->ptr[0] == ' ' || s->ptr[0] == '\t')) {
    s->ptr++;
    s->len--;
  }
}

static enum sy_method method_id(struct sy_span m)
{
  static const struct {
    const char *name;
    enum sy_method id;
  } known[] = {{"GET", SY_M_GET},         {"HEAD", SY_M_HEAD},       {"POST", SY_M_POST},
               {"PUT", SY_M_PUT},         {"DELETE", SY_M_DELETE},   {"OPTIONS", SY_M_OPTIONS},
               {"CONNECT", SY_M_CONNECT}};
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
    if (m.len == strlen(known[i].name) && memcmp(m.ptr, known[i].name, m.len) == 0)
      return known[i].id; /* methods are case-sensitive (RFC 9110 §9.1) */
  return SY_M_OTHER;
}

/* RFC 9110 §4.2.1 / RFC 3986 §3.2.2: Host = uri-host [ ":" port ] */
static int host_valid(struct sy_span h)
{
  size_t i = 0;
  if (h.len == 0)
    return 1; /* RFC 9112 §3.2: empty when the target has no authority */
  if (h.ptr[0] == '[') {
    while (i < h.len && h.ptr[i] != ']')
      i++;
    if (i == h.len || i < 3)
      return 0;
    for (size_t k = 1; k < i; k++) {
      char ch = h.ptr[k];
      if (!(sy_is_tchar((unsigned char)ch) || ch == ':'))
        return 0;
    }
    i++;
  } else {
    while (i < h.len && h.ptr[i] != ':') {
      unsigned char ch = (unsigned char)h.ptr[i];
      if (ch == '%') {
        if (i + 2 >= h.len || !strchr("0123456789abcdefABCDEF", h.ptr[i + 1]) ||
            !strchr("0123456789abcdefABCDEF", h.ptr[i + 2]) || h.ptr[i + 1] == 0 || h.ptr[i + 2] == 0)
          return 0;
        i += 3;
        continue;
      }
      if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
            (ch != 0 && strchr("-._~!$&'()*+,;=", ch))))
        return 0;
      i++;
    }
  }
  if (i < h.len) {
    if (h.ptr[i] != ':')
      return 0;
    for (i++; i < h.len; i++)
      if (h.ptr[i] < '0' || h.ptr[i] > '9')
        return 0;
  }
  return 1;
}

static struct sy_span path_of(struct sy_span t)
{
  struct sy_span p = t;
  if (t.len && t.ptr[0] != '/' && t.len >= 1 && !(t.len == 1 && t.ptr[0] == '*')) {
    const char *sep = memmem(t.ptr, t.len, "://", 3);
    if (sep == NULL)
      return (struct sy_span){t.ptr, 0}; /* authority-form */
    const char *auth = sep + 3, *end = t.ptr + t.len, *slash = auth;
    /* RFC 3986 §3.2: the authority ends at the first "/", "?" or "#" ("http://h?x/live" has
     * the path "/", not "/live": fuzz_decide found it routed to /live and switched). */
    while (slash < end && *slash != '/' && *slash != '?' && *slash != '#')
      slash++;
    if (slash == end || *slash != '/')
      return (struct sy_span){"/", 1}; /* RFC 9112 §3.2.2 "http://h" means "/" */
    p.ptr = slash;
    p.len = (size_t)(end - slash);
  }
  for (size_t i = 0; i < p.len; i++)
    if (p.ptr[i] == '?' || p.ptr[i] == '#') {
      p.len = i;
      break;
    }
  return p;
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

/* What byte i says on its own: a bare LF or CR, a CTL (RFC 9112 §2.2, RFC 9110 §5.5), or
 * SY_R__COUNT for a CR that ends what has arrived (bare or not? the next byte decides). */
static inline enum sy_reason byte_reason(const char *buf, size_t i, size_t len)
{
  unsigned char ch = (unsigned char)buf[i];
  if (ch == '\n' && (i == 0 || buf[i - 1] != '\r'))
    return SY_R_BARE_LF;
  if (ch == '\r' && i + 1 == len)
    return SY_R__COUNT;
  if (ch == '\r' && buf[i + 1] != '\n')
    return SY_R_BARE_CR;
  if (sy_is_ctl(ch) && ch != '\r' && ch != '\n')
    return SY_R_CTL_IN_FIELD;
  return SY_R_NONE;
}

/* Name an llhttp error by the bytes that decided it, buf[0..end). SY_R__COUNT means wait for
 * the byte after a final CR, so the reason never depends on how the bytes were split (found by
 * fuzz_stream). */
static SY_HOT_SCAN enum sy_reason classify_bytes(const char *buf, size_t end, size_t len)
{
  for (size_t i = 0; i < end; i++) {
    enum sy_reason b = byte_reason(buf, i, len);
    if (b != SY_R_NONE)
      return b;
  }
  return SY_R_NONE;
}

const struct sy_header *sy_request_field(const struct sy_request *req, const char *name,
                                         size_t *count)
{
  const struct sy_header *first = NULL;
  size_t n = 0;
  for (size_t i = 0; i < req->n_headers; i++)
    if (sy_span_ieq(req->headers[i].name, name)) {
      if (first == NULL)
        first = &req->headers[i];
      n++;
    }
  if (count)
    *count = n;
  return first;
}

/* The number of SP in buf[0..n): a request line has exactly two, one after the method and one
 * after the target (RFC 9112 §3), so the version is what follows the second. */
static SY_HOT_SCAN size_t count_sp(const char *buf, size_t n)
{
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    k += buf[i] == ' ';
  return k;
}

/* Where the request line starts: after the empty lines (CRLF) a server SHOULD ignore before it
 * (RFC 9112 §2.2), as llhttp does. A bare LF there is not an empty line but a bare LF. */
static size_t empty_lines(const char *buf, size_t len)
{
  size_t s = 0;
  while (s + 1 < len && buf[s] == '\r' && buf[s + 1] == '\n')
    s += 2;
  return s;
}

/* HTTP-version = "HTTP/" DIGIT "." DIGIT: where a complete (CRLF-ended) request line carries
 * a well-formed version, or NULL. The version is the token after the second SP, not whatever
 * ends the line ("GET /a HTTP/1a HTTP/1.1" is malformed; fuzz_stream found it answered 505 or
 * 400 depending on the reads). */
static const char *line_version(const char *buf, size_t len)
{
  const char *line = buf + empty_lines(buf, len), *eol;
  len -= (size_t)(line - buf);
  eol = memchr(line, '\r', len);
  if (eol == NULL || (size_t)(eol - line) + 1 >= len || eol[1] != '\n' ||
      memchr(line, '\n', (size_t)(eol - line)))
    return NULL;
  const char *v = eol - 8;
  if (v <= line || v[-1] != ' ' || memcmp(v, "HTTP/", 5) != 0 || v[5] < '0' || v[5] > '9' ||
      v[6] != '.' || v[7] < '0' || v[7] > '9')
    return NULL;
  return count_sp(line, (size_t)(eol - line)) == 2 ? v : NULL;
}


/* The request line has not ended and what follows its last SP could still become "HTTP/D.D"
 * CRLF: llhttp refuses e.g. "HTTP/3.1" at the minor digit, before the CRLF that makes it a
 * well-formed line of another version (line_version). */
static int other_version_prefix(const char *buf, size_t len)
{
  static const char shape[] = "HTTP/9.9\r"; /* '9' stands for any digit */
  const char *sp;
  size_t n, s = empty_lines(buf, len);
  buf += s;
  len -= s;
  if (memchr(buf, '\n', len))
    return 0;
  sp = memrchr(buf, ' ', len);
  if (sp == NULL || count_sp(buf, len) != 2)
    return 0; /* not the version's SP: see line_version */
  n = len - (size_t)(sp + 1 - buf);
  if (n > sizeof shape - 1)
    return 0;
  for (size_t i = 0; i < n; i++) {
    char ch = sp[1 + i];
    if (shape[i] == '9' ? !(ch >= '0' && ch <= '9') : ch != shape[i])
      return 0;
  }
  return 1;
}

/* buf[..pos) ends in a field line whose text so far is a token and optional whitespace: the
 * error at pos is in or right after a field name (whatever the previous line was). */
static int field_name_before(const char *buf, size_t pos)
{
  const char *nl = pos ? memrchr(buf, '\n', pos) : NULL;
  size_t start, end = pos;
  if (nl == NULL)
    return 0; /* still on the request line */
  start = (size_t)(nl + 1 - buf);
  while (end > start && (buf[end - 1] == ' ' || buf[end - 1] == '\t'))
    end--;
  if (end == start)
    return 0;
  for (size_t i = start; i < end; i++)
    if (!sy_is_tchar((unsigned char)buf[i]))
      return 0;
  return 1;
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
  /* The bytes before pos, then the byte at pos if it says something and llhttp needed it (the
   * second parse only runs then). */
  b = classify_bytes(buf, pos, len);
  if (b == SY_R_NONE && pos < len && byte_reason(buf, pos, len) != SY_R_NONE &&
      decided_by(c, buf, pos, len, e) > pos)
    b = byte_reason(buf, pos, len);
  if (b == SY_R__COUNT)
    return SY_R_NONE; /* a CR ends what we have: its meaning needs the next byte */
  switch (e) {
  case HPE_INVALID_METHOD: {
    /* A token followed by SP is a method we do not know: 501 (RFC 9110 §9.1). */
    size_t s = empty_lines(buf, len), i;
    i = s + sy_tchar_span(buf + s, len - s);
    if (i == len)
      return SY_R_NONE; /* still a token prefix: wait for more */
    if (i > s && buf[i] == ' ')
      return SY_R_METHOD_NOT_IMPLEMENTED;
    if (b == SY_R_BARE_LF || b == SY_R_BARE_CR)
      return b;
    if (i == s && buf[i] != ' ' && buf[i] != '\t')
      return SY_R_BAD_SYNTAX; /* §2.2: octets that cannot start a request line (TLS, binary) */
    return SY_R_BAD_REQUEST_LINE; /* a CTL here is in the request line, not in a field */
  }
  case HPE_INVALID_VERSION:
    if (b == SY_R_BARE_LF || b == SY_R_BARE_CR)
      return b; /* before the version, e.g. a bare LF in place of an empty line (found by
                   fuzz_stream: 400 or 505 depending on the reads) */
    if (line_version(buf, len)) /* well-formed, refused by llhttp (HTTP/3.0, HTTP/0.9) */
      return SY_R_VERSION_UNSUPPORTED;
    if (other_version_prefix(buf, len))
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
    if (b != SY_R_NONE)
      return b;
    if (pos <= len && field_name_before(buf, pos)) {
      size_t k = pos, name_end;
      while (k > 0 && (buf[k - 1] == ' ' || buf[k - 1] == '\t'))
        k--; /* back to the end of the name */
      name_end = k;
      while (k < len && (buf[k] == ' ' || buf[k] == '\t'))
        k++;
      if (k == len && k > name_end)
        return SY_R_NONE; /* "Name " so far: a colon may still follow (split invariance) */
      if (k < len && buf[k] == ':' && k > name_end)
        return SY_R_SPACE_BEFORE_COLON; /* llhttp stops there for the names it knows, and at
                                           an HTAB for any name */
    }
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
}

/* RFC 9112 §3: request-line = method SP request-target SP HTTP-version CRLF, one SP each
 * (llhttp 8 accepts runs of spaces; "MAY parse on whitespace" is a leniency we do not take). */
static int request_line_strict(const struct sy_request *r)
{
  const char *m_end = r->method.ptr + r->method.len;
  const char *t_end = r->target.ptr + r->target.len;
  return r->method.ptr && r->target.ptr && m_end[0] == ' ' && r->target.ptr == m_end + 1 &&
         t_end[0] == ' ' && memcmp(t_end + 1, "HTTP/", 5) == 0 && t_end[9] == '\r' &&
         t_end[10] == '\n';
}

/* RFC 9112 §3.2 / RFC 3986 §2: a request-target is ASCII (non-ASCII must be percent-encoded;
 * llhttp 8 lets 0x80-0xff through) and no form has a fragment. */
static SY_HOT_SCAN int target_clean(struct sy_span t)
{
  for (size_t i = 0; i < t.len; i++)
    if ((unsigned char)t.ptr[i] >= 0x80 || t.ptr[i] == '#')
      return 0;
  return 1;
}

/* The line breaks of a complete head (it ends with LF, so a CR is never its last byte):
 * obs-fold, a field line that starts with SP/HTAB (RFC 9112 §5.2; llhttp joins it into the
 * value), wherever it is; otherwise the first bare LF or bare CR (§2.2). */
static SY_HOT_SCAN enum sy_reason head_line_breaks(const char *buf, size_t n)
{
  enum sy_reason first = SY_R_NONE;
  for (size_t i = 0; i < n; i++) {
    if (buf[i] == '\n' && i > 0 && i + 1 < n && (buf[i + 1] == ' ' || buf[i + 1] == '\t'))
      return SY_R_OBS_FOLD;
    if (first == SY_R_NONE) {
      enum sy_reason b = byte_reason(buf, i, n); /* CTLs are judged per field, later */
      if (b == SY_R_BARE_LF || b == SY_R_BARE_CR)
        first = b;
    }
  }
  return first;
}

/* One field line's name and value, as llhttp passed them (head or trailer section). */
static enum sy_reason field_line_reason(struct sy_span name, struct sy_span value)
{
  if (name.len == 0)
    return SY_R_BAD_FIELD; /* RFC 9110 §5.1 field-name = token; llhttp 8 accepts ": v" */
  if (name.ptr[name.len - 1] == ' ' || name.ptr[name.len - 1] == '\t')
    return SY_R_SPACE_BEFORE_COLON;
  if (sy_tchar_span(name.ptr, name.len) != name.len)
    return SY_R_BAD_FIELD; /* RFC 9110 §5.1; llhttp 8 accepts "g p: v" (found by fuzz_render) */
  size_t k = sy_ctl_find(value.ptr, value.len);
  if (k == value.len)
    return SY_R_NONE;
  if (value.ptr[k] == '\r' && k + 2 < value.len && value.ptr[k + 1] == '\n' &&
      (value.ptr[k + 2] == ' ' || value.ptr[k + 2] == '\t'))
    return SY_R_OBS_FOLD; /* a trailer's fold: the head's are found first, by head_line_breaks */
  return SY_R_CTL_IN_FIELD;
}

/* Checks llhttp 8 does not make, on a complete head (RFC 9112 §2.2, §3.2, §5.1, §5.2, §6.1). */
static enum sy_reason check_head(struct sy_request *r, const char *buf)
{
  size_t n;
  const struct sy_header *h;
  if (r->method.ptr > buf) {
    /* What precedes the request line comes first, as when llhttp stops at the version */
    enum sy_reason why = head_line_breaks(buf, (size_t)(r->method.ptr - buf));
    if (why != SY_R_NONE)
      return why;
  }
  if (r->version_major != 1)
    return SY_R_VERSION_UNSUPPORTED; /* llhttp refused minors above 1: see parse_later_minor */
  if (!request_line_strict(r))
    return SY_R_BAD_REQUEST_LINE;
  if (!target_clean(r->target))
    return SY_R_BAD_TARGET;
  {
    enum sy_reason why = head_line_breaks(buf, r->head_len);
    if (why != SY_R_NONE)
      return why;
  }
  for (size_t i = 0; i < r->n_headers; i++) {
    enum sy_reason why = field_line_reason(r->headers[i].name, r->headers[i].value);
    if (why != SY_R_NONE)
      return why;
  }
  h = sy_request_field(r, "host", &n);
  if (n > 1)
    return SY_R_HOST_REPEATED;
  if (n == 0 && r->version_minor == 1)
    return SY_R_HOST_MISSING;
  if (h && !host_valid(h->value))
    return SY_R_HOST_INVALID;
  h = sy_request_field(r, "transfer-encoding", &n);
  if (n) {
    struct sy_list te = {0};
    int chunked = 0, other = 0;
    if (r->version_minor == 0)
      return SY_R_TE_HTTP10; /* the framing is faulty: 400 and close */
    if (sy_request_field(r, "content-length", NULL))
      return SY_R_CL_WITH_TE;
    for (size_t i = 0; i < r->n_headers; i++)
      if (sy_span_ieq(r->headers[i].name, "transfer-encoding") &&
          sy_list_parse(&te, r->headers[i].value.ptr, r->headers[i].value.len, SY_LIST_TOKENS) < 0)
        return SY_R_TE_UNSUPPORTED;
    for (size_t i = 0; i < te.n; i++) {
      if (sy_span_ieq(te.items[i].name, "chunked"))
        chunked++;
      else
        other++;
    }
    if (te.n == 0 || chunked != 1 || !sy_span_ieq(te.items[te.n - 1].name, "chunked"))
      return SY_R_TE_UNSUPPORTED; /* §6.3 item 4: chunked must be the final coding, once */
    if (other)
      return SY_R_TE_CODING_UNKNOWN;
  }
  h = sy_request_field(r, "content-length", &n);
  if (h) {
    unsigned long long v = 0;
    if (h->value.len > 15)
      return SY_R_BODY_TOO_LARGE; /* all digits (llhttp checked); certainly over the limit */
    for (size_t k = 0; k < h->value.len; k++)
      v = v * 10 + (unsigned)(h->value.ptr[k] - '0');
    if (v > SY_MAX_BODY_BYTES)
      return SY_R_BODY_TOO_LARGE;
  }
  return SY_R_NONE;
}

static int fail(struct sy_request *r, enum sy_reason why, size_t at, size_t len)
{
  r->error = why;
  r->error_offset = at;
  r->message_len = len;
  return len > 0 ? (int)len : 1;
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
  llhttp_settings_init(&s);
  s.on_method = on_method;
  s.on_method_complete = on_method_complete;
  s.on_url = on_url;
  s.on_url_complete = on_url_complete;
  s.on_header_field = on_header_field;
  s.on_header_field_complete = on_header_field_complete;
  s.on_header_value = on_header_value;
  s.on_header_value_complete = on_header_value_complete;
  s.on_headers_complete = on_headers_complete;
  s.on_body = on_body;
  s.on_message_complete = on_message_complete;
  llhttp_init(&p, HTTP_REQUEST, &s);
  p.data = &c;

  /* 1. The head, from at most SY_MAX_HEAD_BYTES bytes. */
  head_cap = len < SY_MAX_HEAD_BYTES ? len : SY_MAX_HEAD_BYTES;
  e = llhttp_execute(&p, hb, head_cap);
  if (e != HPE_PAUSED) {
    size_t limit_at = c.method_done ? c.target_start + SY_MAX_TARGET_BYTES : (size_t)-1;
    if (e == HPE_OK || e == HPE_PAUSED_UPGRADE) {
      /* head not complete within what we have */
      if (!c.url_done && c.method_done && head_cap > limit_at)
        return fail(req, SY_R_TARGET_TOO_LONG, limit_at, len);
      if (len > SY_MAX_HEAD_BYTES)
        return fail(req, SY_R_HEAD_TOO_LARGE, SY_MAX_HEAD_BYTES, len);
      return SY_INCOMPLETE;
    }
    pos = (size_t)(llhttp_get_error_pos(&p) - hb);
    if (c.cb_reason == SY_R_NONE && !c.url_done && c.method_done && pos > limit_at)
      return fail(req, SY_R_TARGET_TOO_LONG, limit_at, len); /* the limit came first */
    enum sy_reason why = classify_error(&c, e, hb, pos, head_cap);
    if (why == SY_R_NONE) {
      if (len > SY_MAX_HEAD_BYTES)
        return fail(req, SY_R_HEAD_TOO_LARGE, SY_MAX_HEAD_BYTES, len);
      return SY_INCOMPLETE;
    }
    return fail(req, why, pos, len);
  }
  req->head_len = (size_t)(llhttp_get_error_pos(&p) - hb);
  for (size_t i = 0; i < req->n_headers; i++)
    trim_ows(&req->headers[i].value);
  req->method_id = method_id(req->method);
  req->path = path_of(req->target);
  {
    enum sy_reason why = check_head(req, hb);
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
  v = line_version(buf, len < SY_MAX_HEAD_BYTES ? len : SY_MAX_HEAD_BYTES);
  if (v && v[5] == '1' && v[7] >= '2')
    return parse_later_minor(req, buf, len, (size_t)(v - buf));
  return parse(req, buf, buf, len);
}
