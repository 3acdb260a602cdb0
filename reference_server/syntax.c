/* SPDX-License-Identifier: MIT */
/* syntax.c: the RFC 9112 byte checks llhttp 8 does not make, as pure functions of bytes and
 * spans (no llhttp here: request.c runs the parser and asks these). They name a malformed head
 * by its rule (whitespace before the colon, obs-fold, bare CR/LF, CTLs, the request line's
 * shape, Host, HTTP/1.0 + Transfer-Encoding), and say when a verdict needs bytes that have not
 * arrived, so that no outcome depends on how the bytes were split into reads. */
#include <string.h>

#include "chars.h"
#include "syntax.h"

void sy__trim_ows(struct sy_span *s)
{
  while (s->len && (s->ptr[s->len - 1] == ' ' || s->ptr[s->len - 1] == '\t'))
    s->len--;
  while (s->len && (s->ptr[0] == ' ' || s->ptr[0] == '\t')) {
    s->ptr++;
    s->len--;
  }
}

enum sy_method sy__method_id(struct sy_span m)
{
  static const struct {
    const char *name;
    enum sy_method id;
  } known[] = {{"GET", SY_M_GET}, {"HEAD", SY_M_HEAD}, {"POST", SY_M_POST}, {"PUT", SY_M_PUT}, {"DELETE", SY_M_DELETE}, {"OPTIONS", SY_M_OPTIONS}, {"CONNECT", SY_M_CONNECT}};
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
    if (m.len == strlen(known[i].name) && memcmp(m.ptr, known[i].name, m.len) == 0)
      return known[i].id; /* methods are case-sensitive (RFC 9110 §9.1) */
  return SY_M_OTHER;
}

/* RFC 9110 §4.2.1 / RFC 3986 §3.2.2: Host = uri-host [ ":" port ] */
int sy__host_valid(struct sy_span h)
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

struct sy_span sy__path_of(struct sy_span t)
{
  struct sy_span p = t;
  if (t.len && t.ptr[0] != '/' && t.len >= 1 && !(t.len == 1 && t.ptr[0] == '*')) {
    const char *sep = memmem(t.ptr, t.len, "://", 3);
    if (sep == NULL)
      return (struct sy_span){t.ptr, 0}; /* authority-form */
    const char *auth = sep + 3, *end = t.ptr + t.len, *slash = auth;
    /* RFC 3986 §3.2: the authority ends at the first "/", "?" or "#" ("http://h?x/live" has
     * the path "/", not "/live"). */
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

/* What byte i says on its own: a bare LF or CR, a CTL (RFC 9112 §2.2, RFC 9110 §5.5), or
 * SY_R__COUNT for a CR that ends what has arrived (bare or not? the next byte decides). */
enum sy_reason sy__byte_reason(const char *buf, size_t i, size_t len)
{
  unsigned char ch = (unsigned char)buf[i];
  if (ch == '\n' && (i == 0 || buf[i - 1] != '\r'))
    return SY_R_BARE_LF;
  if (ch == '\r' && i + 1 == len)
    return SY_R__COUNT;
  if (ch == '\r' && buf[i + 1] != '\n')
    return SY_R_BARE_CR;
  if (sy__is_ctl(ch) && ch != '\r' && ch != '\n')
    return SY_R_CTL_IN_FIELD;
  return SY_R_NONE;
}

/* Name an llhttp error by the bytes that decided it, buf[0..end). SY_R__COUNT means wait for
 * the byte after a final CR, so the reason never depends on how the bytes were split. */
SY_HOT_SCAN enum sy_reason sy__classify_bytes(const char *buf, size_t end, size_t len)
{
  for (size_t i = 0; i < end; i++) {
    enum sy_reason b = sy__byte_reason(buf, i, len);
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
 * ends the line ("GET /a HTTP/1a HTTP/1.1" is malformed, whichever reads it came in). */
const char *sy__line_version(const char *buf, size_t len)
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
 * well-formed line of another version (sy__line_version). */
int sy__other_version_prefix(const char *buf, size_t len)
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
    return 0; /* not the version's SP: see sy__line_version */
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

enum sy_reason sy__method_error(const char *buf, size_t len, enum sy_reason b)
{
  /* A token followed by SP is a method we do not know: 501 (RFC 9110 §9.1). */
  size_t s = empty_lines(buf, len), i;
  i = s + sy__tchar_span(buf + s, len - s);
  if (i == len)
    return SY_R_NONE; /* still a token prefix: wait for more */
  if (i > s && buf[i] == ' ')
    return SY_R_METHOD_NOT_IMPLEMENTED;
  if (b == SY_R_BARE_LF || b == SY_R_BARE_CR)
    return b;
  if (i == s && buf[i] != ' ' && buf[i] != '\t')
    return SY_R_BAD_SYNTAX;     /* §2.2: octets that cannot start a request line (TLS, binary) */
  return SY_R_BAD_REQUEST_LINE; /* a CTL here is in the request line, not in a field */
}

enum sy_reason sy__space_before_colon(const char *buf, size_t pos, size_t len)
{
  size_t k = pos, name_end;
  if (pos > len || !field_name_before(buf, pos))
    return SY_R_NONE;
  while (k > 0 && (buf[k - 1] == ' ' || buf[k - 1] == '\t'))
    k--; /* back to the end of the name */
  name_end = k;
  while (k < len && (buf[k] == ' ' || buf[k] == '\t'))
    k++;
  if (k == len && k > name_end)
    return SY_R__COUNT; /* "Name " so far: a colon may still follow (split invariance) */
  if (k < len && buf[k] == ':' && k > name_end)
    return SY_R_SPACE_BEFORE_COLON; /* llhttp stops there for the names it knows, and at an
                                       HTAB for any name */
  return SY_R_NONE;
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
      enum sy_reason b = sy__byte_reason(buf, i, n); /* CTLs are judged per field, later */
      if (b == SY_R_BARE_LF || b == SY_R_BARE_CR)
        first = b;
    }
  }
  return first;
}

/* One field line's name and value, as llhttp passed them (head or trailer section). */
enum sy_reason sy__field_line_reason(struct sy_span name, struct sy_span value)
{
  if (name.len == 0)
    return SY_R_BAD_FIELD; /* RFC 9110 §5.1 field-name = token; llhttp 8 accepts ": v" */
  if (name.ptr[name.len - 1] == ' ' || name.ptr[name.len - 1] == '\t')
    return SY_R_SPACE_BEFORE_COLON;
  if (sy__tchar_span(name.ptr, name.len) != name.len)
    return SY_R_BAD_FIELD; /* RFC 9110 §5.1; llhttp 8 accepts "g p: v" */
  size_t k = sy__ctl_find(value.ptr, value.len);
  if (k == value.len)
    return SY_R_NONE;
  if (value.ptr[k] == '\r' && k + 2 < value.len && value.ptr[k + 1] == '\n' &&
      (value.ptr[k + 2] == ' ' || value.ptr[k + 2] == '\t'))
    return SY_R_OBS_FOLD; /* a trailer's fold: the head's are found first, by head_line_breaks */
  return SY_R_CTL_IN_FIELD;
}

/* Checks llhttp 8 does not make, on a complete head (RFC 9112 §2.2, §3.2, §5.1, §5.2, §6.1). */
enum sy_reason sy__check_head(const struct sy_request *r, const char *buf)
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
    enum sy_reason why = sy__field_line_reason(r->headers[i].name, r->headers[i].value);
    if (why != SY_R_NONE)
      return why;
  }
  h = sy_request_field(r, "host", &n);
  if (n > 1)
    return SY_R_HOST_REPEATED;
  if (n == 0 && r->version_minor == 1)
    return SY_R_HOST_MISSING;
  if (h && !sy__host_valid(h->value))
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
