/* SPDX-License-Identifier: MIT */
/* facts.c: one request's facts from the reference core, for harness/core.py (ctypes). */
#include "facts.h"

#include <string.h>

/* An offset span for a core span that lies in buf[0..len) (else an empty span at 0). */
static struct sy_facts_span sy__span(const char *buf, size_t len, struct sy_span s)
{
  struct sy_facts_span o = {0, 0};
  if (s.ptr != NULL && s.ptr >= buf && s.ptr + s.len <= buf + len) {
    o.off = (uint32_t)(s.ptr - buf);
    o.len = (uint32_t)s.len;
  }
  return o;
}

/* A span the core read to its end: what follows it in the input is the SP of the request line
 * (RFC 9112 §3). llhttp hands over a span cut by the end of the input or by an error too. */
static int sy__ends_at_sp(const char *buf, size_t len, struct sy_span s)
{
  return s.ptr != NULL && s.ptr >= buf && (size_t)(s.ptr - buf) + s.len < len &&
         s.ptr[s.len] == ' ';
}

/* Nothing but empty lines (CRLF) before buf[n]: the lines RFC 9112 §2.2 lets a server skip
 * before the request line, which the core skips (a bare LF there is no empty line). */
static int sy__empty_lines_only(const char *buf, size_t n)
{
  if (n % 2 != 0)
    return 0;
  for (size_t i = 0; i < n; i += 2)
    if (buf[i] != '\r' || buf[i + 1] != '\n')
      return 0;
  return 1;
}

static int sy__is_ows(char c)
{
  return c == ' ' || c == '\t';
}

/* Whether the field line h, the last one the core received before it stopped at `stop`,
 * certainly ended: its CRLF arrived before `stop`, and the next line has begun without SP or
 * HTAB (which would make it an obs-fold continuing this value, RFC 9112 §5.2). */
static int sy__line_ended(const char *buf, size_t len, size_t stop, const struct sy_header *h)
{
  const char *from = h->value.ptr != NULL ? h->value.ptr + h->value.len : h->name.ptr + h->name.len;
  const char *lf;
  size_t next;
  if (h->name.ptr == NULL || from < buf || (size_t)(from - buf) >= stop)
    return 0;
  lf = memchr(from, '\n', stop - (size_t)(from - buf));
  if (lf == NULL || lf == buf || lf[-1] != '\r')
    return 0;
  next = (size_t)(lf - buf) + 1;
  return next < len && !sy__is_ows(buf[next]);
}

static struct sy_span sy__trim(struct sy_span s)
{
  while (s.len && sy__is_ows(s.ptr[s.len - 1]))
    s.len--;
  while (s.len && sy__is_ows(s.ptr[0])) {
    s.ptr++;
    s.len--;
  }
  return s;
}

/* The value as a recipient that does not reject an obs-fold reads it (RFC 9112 §5.2: each
 * obs-fold replaced by SP): a copy in scratch where the CR and LF of each fold are SP (so that
 * offsets in the copy are offsets in the value), without the OWS around it. */
static struct sy_span sy__unfolded(struct sy_span v, char *scratch, size_t cap)
{
  size_t n = v.len < cap ? v.len : cap;
  if (n == 0)
    return (struct sy_span){scratch, 0};
  memcpy(scratch, v.ptr, n);
  for (size_t i = 0; i + 2 < n; i++)
    if (scratch[i] == '\r' && scratch[i + 1] == '\n' && sy__is_ows(scratch[i + 2]))
      scratch[i] = scratch[i + 1] = ' ';
  return sy__trim((struct sy_span){scratch, n});
}

/* All field lines named `name` as one list (RFC 9110 §5.3), parsed by the core's sy_list_parse
 * until the first malformed element, as the core's decision reads them. Element spans are
 * turned into offsets into buf. Returns 1 when every line is well-formed. */
static int sy__list(const char *buf, const struct sy_facts *o, const char *name,
                    enum sy_list_flags flags, uint32_t *lines, uint32_t *n, uint32_t *dropped,
                    struct sy_facts_span *names, struct sy_facts_span *versions)
{
  char scratch[SY_MAX_HEAD_BYTES];
  int ok = 1;
  *lines = *n = *dropped = 0;
  for (uint32_t i = 0; i < o->n_headers; i++) {
    struct sy_span hn = {buf + o->names[i].off, o->names[i].len};
    struct sy_span hv = {buf + o->values[i].off, o->values[i].len};
    struct sy_span u;
    struct sy_list l = {0};
    int rc;
    if (!sy_span_ieq(hn, name))
      continue;
    (*lines)++;
    if (!ok)
      continue;
    u = sy__unfolded(hv, scratch, sizeof scratch);
    rc = sy_list_parse(&l, u.ptr, u.len, flags);
    for (size_t k = 0; k < l.n; k++) {
      uint32_t base = o->values[i].off; /* scratch[j] is the value's byte j */
      if (*n >= SY_FACTS_MAX_ITEMS) {
        (*dropped)++;
        continue;
      }
      names[*n].off = base + (uint32_t)(l.items[k].name.ptr - scratch);
      names[*n].len = (uint32_t)l.items[k].name.len;
      if (versions != NULL) {
        versions[*n].off = l.items[k].version.len
                               ? base + (uint32_t)(l.items[k].version.ptr - scratch)
                               : 0;
        versions[*n].len = (uint32_t)l.items[k].version.len;
      }
      (*n)++;
    }
    *dropped += (uint32_t)l.dropped;
    if (rc < 0)
      ok = 0;
  }
  return ok;
}

size_t sy_facts_struct_size(void)
{
  return sizeof(struct sy_facts);
}

int sy_facts_abi(void)
{
  return SY_FACTS_ABI;
}

int sy_facts_reason_count(void)
{
  return SY_R__COUNT;
}

/* The request line as the core split it: method and target when a space ends each, and the line
 * when only empty lines precede it. */
static void read_line(const char *buf, size_t len, const struct sy_request *req,
                      struct sy_facts *out)
{
  if (sy__ends_at_sp(buf, len, req->method)) {
    out->has_method = 1;
    out->method = sy__span(buf, len, req->method);
    if (sy__ends_at_sp(buf, len, req->target)) {
      out->has_target = 1;
      out->target = sy__span(buf, len, req->target);
    }
    if (sy__empty_lines_only(buf, out->method.off)) {
      const char *lf = memchr(buf + out->method.off, '\n', len - out->method.off);
      out->has_line = 1;
      out->line_start = out->method.off;
      out->line_end = lf != NULL ? (uint32_t)(lf - buf) : (uint32_t)len;
    }
  }
}

/* What only a complete head has: the path, the version, keep-alive. */
static void read_head(const struct sy_request *req, struct sy_facts *out)
{
  out->version_major = out->version_minor = out->keep_alive = SY_FACTS_UNKNOWN;
  if (out->complete) {
    size_t n = req->path.len < SY_FACTS_PATH_CAP - 1 ? req->path.len : SY_FACTS_PATH_CAP - 1;
    out->has_path = req->path.ptr != NULL;
    out->path_len = (uint32_t)n;
    if (n > 0)
      memcpy(out->path, req->path.ptr, n);
    out->version_major = req->version_major;
    out->version_minor = req->version_minor;
    out->keep_alive = req->keep_alive != 0;
  }
}

/* The field lines: all of a complete head (the core trimmed their values); before the point
 * where the core stopped otherwise, without a last line that may have been cut there. */
static void read_fields(const char *buf, size_t len, const struct sy_request *req,
                        struct sy_facts *out)
{
  size_t stop;

  out->n_headers = (uint32_t)(req->n_headers < SY_FACTS_MAX_HEADERS ? req->n_headers
                                                                    : SY_FACTS_MAX_HEADERS);
  stop = req->error != SY_R_NONE && req->error_offset < len ? req->error_offset : len;
  if (!out->complete && out->n_headers > 0 &&
      !sy__line_ended(buf, len, stop, &req->headers[out->n_headers - 1]))
    out->n_headers--;
  for (uint32_t i = 0; i < out->n_headers; i++) {
    struct sy_span v = out->complete ? req->headers[i].value : sy__trim(req->headers[i].value);
    out->names[i] = sy__span(buf, len, req->headers[i].name);
    out->values[i] = sy__span(buf, len, v);
  }
}

/* The WebSocket key (the first one, unfolded) and how many version lines. */
static void read_ws(const char *buf, struct sy_facts *out)
{
  out->ws_key_valid = SY_FACTS_UNKNOWN;
  for (uint32_t i = 0; i < out->n_headers; i++) {
    struct sy_span hn = {buf + out->names[i].off, out->names[i].len};
    if (sy_span_ieq(hn, "sec-websocket-key")) {
      if (out->ws_keys++ == 0) {
        char scratch[SY_MAX_HEAD_BYTES];
        struct sy_span v = {buf + out->values[i].off, out->values[i].len};
        struct sy_span u = sy__unfolded(v, scratch, sizeof scratch);
        out->ws_key_valid = sy_ws_key_valid(u.ptr, u.len) == 1;
      }
    } else if (sy_span_ieq(hn, "sec-websocket-version")) {
      out->ws_version_lines++;
    }
  }
}

int sy_facts_read(const char *buf, size_t len, const char *policy, size_t policy_len,
                  struct sy_facts *out)
{
  struct sy_policy pol;
  struct sy_request req;
  struct sy_decision d;
  int rc;

  if (out == NULL || (buf == NULL && len > 0) || len > SY_FACTS_MAX_INPUT)
    return SY_EINVAL;
  memset(out, 0, sizeof *out);
  sy_policy_default(&pol);
  if (policy != NULL) {
    rc = sy_policy_parse(&pol, policy, policy_len, out->policy_error, sizeof out->policy_error);
    if (rc < 0)
      return rc;
  }
  if (buf == NULL)
    buf = "";

  rc = sy_handle(&pol, buf, len, &req, &d);
  if (rc < 0)
    return rc;
  out->fate = SY_FACTS_UNKNOWN;
  if (rc > 0) {
    out->decided = 1;
    out->status = d.status;
    out->reason = (int32_t)d.reason;
    out->fate = (int32_t)d.fate;
    out->proto = (int32_t)d.proto;
    out->consumed = (uint32_t)d.consumed;
    out->switch_offset = (uint32_t)d.switch_offset;
  }

  out->error = (int32_t)req.error;
  out->error_offset = (uint32_t)req.error_offset;
  out->complete = req.head_len > 0;
  out->head_len = (uint32_t)req.head_len;
  out->message_len = (uint32_t)req.message_len;
  read_line(buf, len, &req, out);
  read_head(&req, out);
  read_fields(buf, len, &req, out);
  out->upgrade_ok = sy__list(buf, out, "upgrade", SY_LIST_PROTOCOLS, &out->upgrade_lines,
                             &out->n_offered, &out->offered_dropped, out->offered_names,
                             out->offered_versions);
  out->connection_ok = sy__list(buf, out, "connection", SY_LIST_TOKENS, &out->connection_lines,
                                &out->n_options, &out->options_dropped, out->options, NULL);
  read_ws(buf, out);
  return 0;
}
