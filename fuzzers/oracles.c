/* SPDX-License-Identifier: MIT */
/* oracles.c: the RFC oracles shared by every fuzz target (rule ids: fuzzers/README.md). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "llhttp.h"
#include "oracles.h"

void oc_fail(const char *rule, const char *rfc, const char *fmt, ...)
{
  va_list ap;
  /* One line, always the same shape: campaign.py dedups findings by the rule id. */
  fprintf(stderr, "SY-ORACLE rule=%s rfc=\"%s\": ", rule, rfc);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  fflush(stderr);
  abort();
}

void oc_check_errno(int rc)
{
  const char *t = sy_strerror(rc);
  if (rc >= 0)
    return;
  OC_CHECK(t != NULL && t[0] != '\0' && strcmp(t, "unknown error") != 0, "errno-has-text",
           "house style §8.4", "error %d has no text (\"%s\")", rc, t ? t : "");
}

const struct sy_policy *oc_policy(void)
{
  static struct sy_policy pol;
  static int init;
  if (!init) {
    sy_policy_default(&pol);
    init = 1;
  }
  return &pol;
}

/* ---- character classes, written from the RFC ABNF (not shared with the core) ---- */

int oc_is_tchar(unsigned char c)
{
  static const char extra[] = "!#$%&'*+-.^_`|~"; /* RFC 9110 §5.6.2 */
  if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))
    return 1;
  for (const char *e = extra; *e; e++)
    if ((unsigned char)*e == c)
      return 1;
  return 0;
}

static int is_ows(char c) { return c == ' ' || c == '\t'; }

static int ieq(const char *a, size_t alen, const char *lit)
{
  size_t n = strlen(lit);
  if (alen != n)
    return 0;
  for (size_t i = 0; i < n; i++) {
    char x = a[i], y = lit[i];
    if (x >= 'A' && x <= 'Z')
      x = (char)(x + 32);
    if (y >= 'A' && y <= 'Z')
      y = (char)(y + 32);
    if (x != y)
      return 0;
  }
  return 1;
}

/* RFC 3629: decode each sequence to a code point, then reject overlongs, surrogates and values
 * above U+10FFFF (the core validates with byte-range tables instead). */
int oc_utf8_valid(const uint8_t *s, size_t n)
{
  size_t i = 0;
  while (i < n) {
    uint32_t cp;
    size_t k, need;
    uint8_t c = s[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    if ((c & 0xe0) == 0xc0) {
      need = 1;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      need = 2;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      need = 3;
      cp = c & 0x07;
    } else {
      return 0;
    }
    if (need >= n - i)
      return 0; /* truncated */
    for (k = 1; k <= need; k++) {
      if ((s[i + k] & 0xc0) != 0x80)
        return 0;
      cp = cp << 6 | (s[i + k] & 0x3f);
    }
    if ((need == 1 && cp < 0x80) || (need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000))
      return 0; /* overlong */
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      return 0;
    i += need + 1;
  }
  return 1;
}

/* ---- the strict head reader ---- */

static int vchar_or_obs(unsigned char c) { return (c >= 0x21 && c != 0x7f); }

int oc_head_strict(struct oc_head *h, const uint8_t *buf, size_t len)
{
  const char *p = (const char *)buf;
  size_t start = 0;
  int line = 0;
  memset(h, 0, sizeof *h);
  /* RFC 9112 §2.2: a server SHOULD ignore at least one empty line (CRLF) before the request-line
   * (llhttp ignores any number). */
  while (start + 1 < len && p[start] == '\r' && p[start + 1] == '\n')
    start += 2;
  for (;;) {
    size_t e = start, L;
    while (e < len && p[e] != '\r' && p[e] != '\n')
      e++;
    if (e + 1 >= len || p[e] != '\r' || p[e + 1] != '\n')
      return 0; /* incomplete, bare CR or bare LF (RFC 9112 §2.2) */
    L = e - start;
    if (line == 0) {
      /* request-line = method SP request-target SP HTTP-version (RFC 9112 §3) */
      size_t i = start, m, t;
      while (i < e && oc_is_tchar((unsigned char)p[i]))
        i++;
      if (i == start || i >= e || p[i] != ' ')
        return 0;
      m = i - start;
      t = ++i;
      while (i < e && (unsigned char)p[i] > 0x20 && (unsigned char)p[i] < 0x7f)
        i++; /* RFC 3986: the target is visible ASCII; 0x80-0xff must be percent-encoded */
      if (i == t || i >= e || p[i] != ' ')
        return 0;
      h->method = p + start;
      h->mlen = m;
      h->target = p + t;
      h->tlen = i - t;
      i++;
      if (e - i != 8 || memcmp(p + i, "HTTP/", 5) != 0 || p[i + 5] < '0' || p[i + 5] > '9' ||
          p[i + 6] != '.' || p[i + 7] < '0' || p[i + 7] > '9')
        return 0;
      h->version = p + i;
      h->vlen = 8;
    } else if (L == 0) {
      h->head_len = e + 2;
      return 1;
    } else {
      /* field-line = field-name ":" OWS field-value OWS (RFC 9112 §5) */
      size_t i = start, vs, ve;
      struct oc_field *f;
      if (h->n_fields == OC_MAX_LINES)
        return 0;
      while (i < e && oc_is_tchar((unsigned char)p[i]))
        i++;
      if (i == start || i >= e || p[i] != ':')
        return 0;
      f = &h->fields[h->n_fields++];
      f->name = p + start;
      f->nlen = i - start;
      vs = i + 1;
      for (size_t k = vs; k < e; k++)
        if (!vchar_or_obs((unsigned char)p[k]) && !is_ows(p[k]))
          return 0; /* CTL in a value (RFC 9110 §5.5) */
      ve = e;
      while (vs < ve && is_ows(p[vs]))
        vs++;
      while (ve > vs && is_ows(p[ve - 1]))
        ve--;
      f->value = p + vs;
      f->vlen = ve - vs;
    }
    start = e + 2;
    line++;
  }
}

size_t oc_head_count(const struct oc_head *h, const char *name, const struct oc_field **first)
{
  size_t n = 0;
  if (first)
    *first = NULL;
  for (size_t i = 0; i < h->n_fields; i++)
    if (ieq(h->fields[i].name, h->fields[i].nlen, name)) {
      if (n == 0 && first)
        *first = &h->fields[i];
      n++;
    }
  return n;
}

/* RFC 9110 §5.6.1 by splitting on commas (the core scans left to right instead): every non-empty
 * OWS-trimmed piece must be a token, or token "/" token for protocols (§7.8). Calls `each` for
 * every element; returns 0 on a syntax error. */
static int list_walk(const char *v, size_t n, int protocols,
                     int (*each)(void *, const char *, size_t, size_t), void *arg)
{
  size_t s = 0;
  while (s <= n) {
    size_t e = s, a, b, slash = (size_t)-1;
    while (e < n && v[e] != ',')
      e++;
    a = s;
    b = e;
    while (a < b && is_ows(v[a]))
      a++;
    while (b > a && is_ows(v[b - 1]))
      b--;
    if (b > a) {
      for (size_t k = a; k < b; k++) {
        if (v[k] == '/' && protocols && slash == (size_t)-1 && k > a && k + 1 < b) {
          slash = k;
          continue;
        }
        if (!oc_is_tchar((unsigned char)v[k]))
          return 0;
      }
      if (each && each(arg, v + a, b - a, slash == (size_t)-1 ? b - a : slash - a))
        return 1;
    }
    s = e + 1;
  }
  return 1;
}

struct contains_arg {
  const char *tok;
  int found;
};

static int contains_each(void *arg, const char *el, size_t n, size_t name_len)
{
  struct contains_arg *a = arg;
  if (name_len == n && ieq(el, n, a->tok))
    a->found = 1;
  return 0;
}

int oc_list_valid(const struct oc_head *h, const char *name, int protocols)
{
  for (size_t i = 0; i < h->n_fields; i++)
    if (ieq(h->fields[i].name, h->fields[i].nlen, name) &&
        !list_walk(h->fields[i].value, h->fields[i].vlen, protocols, NULL, NULL))
      return 0;
  return 1;
}

int oc_list_contains(const struct oc_head *h, const char *name, const char *tok)
{
  struct contains_arg a = {tok, 0};
  int protocols = ieq(name, strlen(name), "upgrade");
  for (size_t i = 0; i < h->n_fields; i++)
    if (ieq(h->fields[i].name, h->fields[i].nlen, name) &&
        !list_walk(h->fields[i].value, h->fields[i].vlen, protocols, contains_each, &a))
      return 0;
  return a.found;
}

/* RFC 9112 §3.2: origin-form -> its path; absolute-form -> the URI's path (RFC 3986 §3.2: the
 * authority ends at the first "/", "?" or "#"; an empty path is "/"); "*" -> "*";
 * authority-form -> "". The query is not part of the path. */
void oc_target_path(const char *t, size_t n, const char **path, size_t *plen)
{
  size_t s = 0, e;
  if (n && t[0] != '/' && !(n == 1 && t[0] == '*')) {
    const char *sep = memmem(t, n, "://", 3); /* scheme "://" authority (RFC 3986 §3) */
    if (sep == NULL) {
      *path = t;
      *plen = 0;
      return;
    }
    s = (size_t)(sep - t) + 3;
    while (s < n && t[s] != '/' && t[s] != '?' && t[s] != '#')
      s++;
    if (s == n || t[s] != '/') {
      *path = "/";
      *plen = 1;
      return;
    }
  }
  e = s;
  while (e < n && t[e] != '?' && t[e] != '#')
    e++;
  *path = t + s;
  *plen = e - s;
}

static int ws_route(const struct sy_policy *pol, const char *path, size_t plen)
{
  for (size_t i = 0; i < pol->n_routes; i++)
    if (strlen(pol->routes[i].path) == plen && memcmp(pol->routes[i].path, path, plen) == 0)
      return pol->routes[i].kind == SY_ROUTE_WEBSOCKET;
  return 0;
}

/* The kind of the route at this path, or -1. */
static int route_kind(const struct sy_policy *pol, const char *path, size_t plen)
{
  for (size_t i = 0; i < pol->n_routes; i++)
    if (strlen(pol->routes[i].path) == plen && memcmp(pol->routes[i].path, path, plen) == 0)
      return (int)pol->routes[i].kind;
  return -1;
}

/* ---- HTTP2-Settings through OpenSSL's base64 (RFC 7540 §3.2.1, §6.5.2) ---- */

int oc_h2_settings_valid(const uint8_t *v, size_t n, uint8_t *out, size_t *out_len)
{
  /* The value limit the core names: longer values are refused there (SY_ENOSPC). */
  unsigned char std[4 * SY_H2_MAX_SETTINGS_BYTES / 3 + 8], raw[SY_H2_MAX_SETTINGS_BYTES + 8];
  unsigned char again[sizeof std];
  size_t padded = n, m;
  int got;
  static const struct {
    unsigned id;
    uint32_t min, max;
  } rules[] = {{0x2, 0, 1},          {0x4, 0, 0x7fffffffu}, {0x5, 0x4000u, 0xffffffu},
               {0x8, 0, 1} /* RFC 8441 §3 */, {0x9, 0, 1} /* RFC 9218 §2.1 */};

  if (n == 0 || n % 4 == 1 || n + 3 >= sizeof std)
    return 0; /* §3.2.1: token68 has one character at least */
  /* base64url -> base64 (RFC 4648 §5 vs §4); '=' is not allowed at all (§3.2.1). */
  for (size_t i = 0; i < n; i++) {
    unsigned char c = v[i];
    if (c == '-')
      c = '+';
    else if (c == '_')
      c = '/';
    else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
      return 0;
    std[i] = c;
  }
  while (padded % 4)
    std[padded++] = '=';
  got = EVP_DecodeBlock(raw, std, (int)padded);
  if (got < 0)
    return 0;
  m = (size_t)got - (padded - n); /* EVP_DecodeBlock counts the pad as zero bytes */
  if (m > SY_H2_MAX_SETTINGS_BYTES)
    return 0;
  /* Canonical: the bytes encode back to the same characters (zero pad bits, RFC 4648 §3.5). */
  if (EVP_EncodeBlock(again, raw, (int)m) != (int)padded || memcmp(again, std, n) != 0)
    return 0;
  if (m % 6)
    return 0; /* §6.5: FRAME_SIZE_ERROR */
  for (size_t i = 0; i < m; i += 6) {
    unsigned id = (unsigned)raw[i] << 8 | raw[i + 1];
    uint32_t val = (uint32_t)raw[i + 2] << 24 | (uint32_t)raw[i + 3] << 16 |
                   (uint32_t)raw[i + 4] << 8 | raw[i + 5];
    for (size_t k = 0; k < sizeof rules / sizeof rules[0]; k++)
      if (rules[k].id == id && (val < rules[k].min || val > rules[k].max))
        return 0;
  }
  if (out)
    memcpy(out, raw, m);
  if (out_len)
    *out_len = m;
  return 1;
}

/* ---- WebSocket key and accept through OpenSSL ---- */

int oc_ws_key_valid(const uint8_t *key, size_t len)
{
  unsigned char raw[32], again[40];
  int n;
  if (len != SY_WS_KEY_LEN)
    return 0; /* the canonical base64 of 16 bytes is 24 characters (RFC 4648 §4) */
  n = EVP_DecodeBlock(raw, key, (int)len);
  if (n != 18)
    return 0;
  /* Decoding is lenient (whitespace, non-zero pad bits, data after "=" ...): a key is valid iff
   * the 16 decoded bytes encode back to the same 24 characters, except that the 22nd may differ
   * in its 4 pad bits (accepted, as in RFC 6455 §4.1's example key). Re-encoding the 16 bytes
   * with those bits forced to the key's own value must give the key back. */
  n = EVP_EncodeBlock(again, raw, 16);
  if (n != 24 || memcmp(again, key, 21) != 0 || memcmp(again + 22, key + 22, 2) != 0)
    return 0;
  {
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *k = memchr(b64, key[21], 64), *a = memchr(b64, again[21], 64);
    return key[21] != '\0' && k != NULL && a != NULL && ((k - b64) >> 4) == ((a - b64) >> 4);
  }
}

void oc_ws_accept(const uint8_t *key, size_t len, char out[SY_WS_ACCEPT_LEN + 1])
{
  static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"; /* RFC 6455 §1.3 */
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0;
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  if (ctx == NULL || !EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) ||
      !EVP_DigestUpdate(ctx, key, len) || !EVP_DigestUpdate(ctx, guid, sizeof guid - 1) ||
      !EVP_DigestFinal_ex(ctx, md, &mdlen))
    oc_fail("oracle-setup", "RFC 6455 §4.2.2", "OpenSSL SHA-1 failed");
  EVP_MD_CTX_free(ctx);
  EVP_EncodeBlock((unsigned char *)out, md, (int)mdlen);
  out[SY_WS_ACCEPT_LEN] = '\0';
}

/* ---- responses through llhttp ---- */

struct resp_ctx {
  struct oc_resp *r;
  int head_request;
  int in_value;
  int overflow;
};

static int r_field(llhttp_t *p, const char *at, size_t n)
{
  struct resp_ctx *c = p->data;
  struct oc_resp *r = c->r;
  if (c->in_value || r->n_fields == 0) {
    if (r->n_fields == OC_MAX_RESP_FIELDS) {
      c->overflow = 1;
      return -1;
    }
    r->fields[r->n_fields].name = at;
    r->fields[r->n_fields].nlen = 0;
    r->fields[r->n_fields].value = NULL;
    r->fields[r->n_fields].vlen = 0;
    r->n_fields++;
    c->in_value = 0;
  }
  r->fields[r->n_fields - 1].nlen = (size_t)(at + n - r->fields[r->n_fields - 1].name);
  return 0;
}

static int r_value(llhttp_t *p, const char *at, size_t n)
{
  struct resp_ctx *c = p->data;
  struct oc_field *f = &c->r->fields[c->r->n_fields - 1];
  if (f->value == NULL)
    f->value = at;
  f->vlen = (size_t)(at + n - f->value);
  c->in_value = 1;
  return 0;
}

static int r_headers_complete(llhttp_t *p)
{
  struct resp_ctx *c = p->data;
  c->r->status = p->status_code;
  c->r->major = p->http_major;
  c->r->minor = p->http_minor;
  return c->head_request ? 1 : 0; /* 1: no body follows (response to HEAD) */
}

static int r_body(llhttp_t *p, const char *at, size_t n)
{
  (void)at;
  ((struct resp_ctx *)p->data)->r->body_len += n;
  return 0;
}

static int r_complete(llhttp_t *p)
{
  (void)p;
  return HPE_PAUSED; /* stop at the end of this message */
}

int oc_parse_response(struct oc_resp *r, const uint8_t *buf, size_t n, int head_request,
                      const char **why)
{
  llhttp_settings_t s;
  llhttp_t p;
  struct resp_ctx c = {r, head_request, 0, 0};
  llhttp_errno_t e;
  memset(r, 0, sizeof *r);
  if (why)
    *why = "";
  llhttp_settings_init(&s);
  s.on_header_field = r_field;
  s.on_header_value = r_value;
  s.on_headers_complete = r_headers_complete;
  s.on_body = r_body;
  s.on_message_complete = r_complete;
  llhttp_init(&p, HTTP_RESPONSE, &s);
  p.data = &c;
  e = llhttp_execute(&p, (const char *)buf, n);
  if (e == HPE_PAUSED || e == HPE_PAUSED_UPGRADE) {
    r->len = (size_t)(llhttp_get_error_pos(&p) - (const char *)buf);
    r->upgrade = e == HPE_PAUSED_UPGRADE || llhttp_get_upgrade(&p);
    /* the head ends at the CRLF CRLF before the body */
    for (size_t i = 3; i < r->len; i++)
      if (buf[i - 3] == '\r' && buf[i - 2] == '\n' && buf[i - 1] == '\r' && buf[i] == '\n') {
        r->head_len = i + 1;
        break;
      }
    return 1;
  }
  if (e == HPE_OK)
    return 0;
  if (why)
    *why = c.overflow ? "too many fields" : llhttp_errno_name(e);
  return -1;
}

int oc_resp_field(const struct oc_resp *r, const char *name, const char **v, size_t *vlen)
{
  for (size_t i = 0; i < r->n_fields; i++)
    if (ieq(r->fields[i].name, r->fields[i].nlen, name)) {
      if (v)
        *v = r->fields[i].value ? r->fields[i].value : "";
      if (vlen)
        *vlen = r->fields[i].vlen;
      return 1;
    }
  return 0;
}

int oc_resp_list_has(const struct oc_resp *r, const char *name, const char *tok)
{
  struct contains_arg a = {tok, 0};
  for (size_t i = 0; i < r->n_fields; i++)
    if (ieq(r->fields[i].name, r->fields[i].nlen, name) && r->fields[i].value)
      if (!list_walk(r->fields[i].value, r->fields[i].vlen, 1, contains_each, &a))
        return 0;
  return a.found;
}

struct element_arg {
  const char *el;
  int found;
};

static int element_each(void *arg, const char *el, size_t n, size_t name_len)
{
  struct element_arg *a = arg;
  (void)name_len;
  if (ieq(el, n, a->el))
    a->found = 1;
  return 0;
}

/* Whether the response's Upgrade lists the whole element `el` (name and version). */
static int resp_lists_element(const struct oc_resp *r, const char *el)
{
  struct element_arg a = {el, 0};
  for (size_t i = 0; i < r->n_fields; i++)
    if (ieq(r->fields[i].name, r->fields[i].nlen, "upgrade") && r->fields[i].value &&
        !list_walk(r->fields[i].value, r->fields[i].vlen, 1, element_each, &a))
      return 0;
  return a.found;
}

/* ---- decisions ---- */

static int streq0(const char *a, const char *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return strcmp(a, b) == 0;
}

int oc_decision_equal(const struct sy_decision *a, const struct sy_decision *b)
{
  if (a->status != b->status || a->reason != b->reason || a->fate != b->fate ||
      a->proto != b->proto || a->n_fields != b->n_fields || a->head_only != b->head_only ||
      a->consumed != b->consumed || a->switch_offset != b->switch_offset ||
      strcmp(a->accept, b->accept) != 0 || strcmp(a->location, b->location) != 0)
    return 0;
  for (size_t i = 0; i < a->n_fields; i++)
    if (!streq0(a->fields[i].name, b->fields[i].name) ||
        !streq0(a->fields[i].value, b->fields[i].value))
      return 0;
  return 1;
}

static int rfc_citation_ok(const char *s)
{
  /* "RFC <digits> §<digits>[.<digits>]*" */
  size_t i = 4;
  if (s == NULL || strncmp(s, "RFC ", 4) != 0)
    return 0;
  if (s[i] < '1' || s[i] > '9')
    return 0;
  while (s[i] >= '0' && s[i] <= '9')
    i++;
  if (strncmp(s + i, " \xc2\xa7", 3) != 0)
    return 0;
  i += 3;
  if (s[i] < '0' || s[i] > '9')
    return 0;
  while ((s[i] >= '0' && s[i] <= '9') || (s[i] == '.' && s[i + 1] >= '0' && s[i + 1] <= '9'))
    i++;
  return s[i] == '\0';
}

/* Field values the converse oracle accepts as unremarkable: VCHAR, SP, HTAB. */
static int plain_value(const struct oc_field *f)
{
  for (size_t k = 0; k < f->vlen; k++) {
    unsigned char c = (unsigned char)f->value[k];
    if (!(c == '\t' || (c >= 0x20 && c < 0x7f)))
      return 0;
  }
  return 1;
}

/* The same as the core's host rule for the simplest hosts: reg-name of ALPHA/DIGIT/"-"/"."
 * with an optional port (RFC 3986 §3.2.2, §3.2.3). */
static int plain_host(const struct oc_field *f)
{
  size_t i = 0;
  while (i < f->vlen && (oc_is_tchar((unsigned char)f->value[i]) &&
                         (f->value[i] == '-' || f->value[i] == '.' ||
                          (f->value[i] >= '0' && f->value[i] <= '9') ||
                          ((f->value[i] | 32) >= 'a' && (f->value[i] | 32) <= 'z'))))
    i++;
  if (i < f->vlen && f->value[i] == ':') {
    for (i++; i < f->vlen; i++)
      if (f->value[i] < '0' || f->value[i] > '9')
        return 0;
  }
  return i == f->vlen;
}

static int plain_target(const char *t, size_t n)
{
  if (n == 0 || t[0] != '/' || n > 256)
    return 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)t[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          strchr("/-._~!$&'()*+,;=:@?", c)))
      return 0;
  }
  return 1;
}

/* Number of elements (non-empty pieces) of the combined lines named `name`. */
static int count_each(void *arg, const char *el, size_t n, size_t name_len)
{
  (void)el;
  (void)n;
  (void)name_len;
  (*(size_t *)arg)++;
  return 0;
}
static size_t list_len(const struct oc_head *h, const char *name, int protocols)
{
  size_t n = 0;
  for (size_t i = 0; i < h->n_fields; i++)
    if (ieq(h->fields[i].name, h->fields[i].nlen, name))
      list_walk(h->fields[i].value, h->fields[i].vlen, protocols, count_each, &n);
  return n;
}

/* HTTP/1.1, or a later HTTP/1 minor, which RFC 9110 §2.5 says to process as 1.1. */
static int http11_or_later(const char *version)
{
  return memcmp(version, "HTTP/1.", 7) == 0 && version[7] >= '1' && version[7] <= '9';
}

/* What the textbook offers below share, with nothing else to judge: a GET within the limits,
 * HTTP/1.1 or a later minor, a plain origin-form target (its path in *path), plain field values,
 * one plain Host, no content, valid Connection and Upgrade lists. */
static int textbook_get(const struct oc_head *h, const char **path, size_t *plen)
{
  const struct oc_field *host;
  if (h->head_len > SY_MAX_HEAD_BYTES || h->n_fields > SY_MAX_HEADERS)
    return 0;
  if (h->mlen != 3 || memcmp(h->method, "GET", 3) != 0 ||
      !http11_or_later(h->version) || !plain_target(h->target, h->tlen))
    return 0;
  oc_target_path(h->target, h->tlen, path, plen);
  for (size_t i = 0; i < h->n_fields; i++)
    if (!plain_value(&h->fields[i]))
      return 0;
  if (oc_head_count(h, "host", &host) != 1 || !plain_host(host))
    return 0;
  if (oc_head_count(h, "content-length", NULL) || oc_head_count(h, "transfer-encoding", NULL) ||
      oc_head_count(h, "expect", NULL))
    return 0;
  return oc_list_valid(h, "connection", 0) && oc_list_valid(h, "upgrade", 1);
}

/* A WebSocket handshake that every reading of RFC 6455 §4.2.1 accepts, on a WebSocket route:
 * the converse of the 101 rules, restricted to heads without anything else to judge. */
static int textbook_handshake(const struct sy_policy *pol, const struct oc_head *h)
{
  const struct oc_field *key, *ver;
  const char *path;
  size_t plen;
  if (!textbook_get(h, &path, &plen) || !ws_route(pol, path, plen))
    return 0;
  if (!oc_list_contains(h, "connection", "upgrade") || !oc_list_contains(h, "upgrade", "websocket"))
    return 0;
  if (oc_head_count(h, "sec-websocket-version", &ver) != 1 || !ieq(ver->value, ver->vlen, "13"))
    return 0;
  if (oc_head_count(h, "sec-websocket-key", &key) != 1 ||
      !oc_ws_key_valid((const uint8_t *)key->value, key->vlen))
    return 0;
  return 1;
}

/* Whether Upgrade lists the whole element `el` ("TLS/1.2": name and version); with el NULL,
 * TLS 1.2 or 1.3 (the versions the reference switches to). */
static int upgrade_lists(const struct oc_head *h, const char *el)
{
  struct element_arg a = {el, 0};
  if (el == NULL)
    return upgrade_lists(h, "TLS/1.2") || upgrade_lists(h, "TLS/1.3");
  for (size_t i = 0; i < h->n_fields; i++)
    if (ieq(h->fields[i].name, h->fields[i].nlen, "upgrade") &&
        !list_walk(h->fields[i].value, h->fields[i].vlen, 1, element_each, &a))
      return 0;
  return a.found;
}

static const char *decided_field(const struct sy_decision *d, const char *name)
{
  for (size_t i = 0; i < d->n_fields; i++)
    if (strcmp(d->fields[i].name, name) == 0)
      return d->fields[i].value;
  return NULL;
}

/* A 101 to h2c (RFC 7540 §3.2, §3.2.1) or TLS (RFC 2817 §3), judged from our strict reading. */
static void check_session_switch(const struct sy_policy *pol, const struct sy_request *req,
                                 const struct sy_decision *d, const struct oc_head *h, int strict)
{
  const char *path, *up = decided_field(d, "Upgrade");
  size_t plen;
  int kind, has_tls = 0;
  OC_CHECK(strict && h->head_len == req->head_len, "switch-needs-strict-head", "RFC 9112 §2.2",
           "101 to a head our strict reader refuses (strict=%d)", strict);
  OC_CHECK(http11_or_later(h->version), "switch-needs-http11", "RFC 9110 §7.8, §2.5",
           "101 to %.8s", h->version);
  OC_CHECK(oc_list_contains(h, "connection", "upgrade"), "switch-needs-connection-upgrade",
           "RFC 9110 §7.8", "101 but Connection does not carry the upgrade option");
  oc_target_path(h->target, h->tlen, &path, &plen);
  kind = route_kind(pol, path, plen);
  for (size_t i = 0; i < pol->n_routes; i++)
    has_tls |= pol->routes[i].kind == SY_ROUTE_TLS || pol->routes[i].kind == SY_ROUTE_TLS_REQUIRED;
  if (d->proto == SY_PROTO_H2C) {
    const struct oc_field *hs = NULL;
    OC_CHECK(kind == SY_ROUTE_H2C || kind == SY_ROUTE_H2C_REQUIRED, "h2c-only-where-opted-in",
             "RFC 9113 §3.1", "h2c 101 for path %.*s", (int)plen, path);
    OC_CHECK(oc_list_contains(h, "upgrade", "h2c") && up && strcmp(up, "h2c") == 0,
             "switch-needs-upgrade-h2c", "RFC 9110 §7.8", "h2c 101 without an h2c offer");
    OC_CHECK(oc_list_contains(h, "connection", "http2-settings"), "h2c-settings-connection-option",
             "RFC 7540 §3.2.1", "h2c 101 but Connection does not list HTTP2-Settings");
    OC_CHECK(oc_head_count(h, "http2-settings", &hs) == 1 &&
                 oc_h2_settings_valid((const uint8_t *)hs->value, hs->vlen, NULL, NULL),
             "h2c-needs-one-valid-settings", "RFC 7540 §3.2.1",
             "h2c 101 with %zu HTTP2-Settings lines (first valid: %d)",
             oc_head_count(h, "http2-settings", NULL),
             hs ? oc_h2_settings_valid((const uint8_t *)hs->value, hs->vlen, NULL, NULL) : 0);
  } else {
    int star = h->tlen == 1 && h->target[0] == '*' && h->mlen == 7 && memcmp(h->method, "OPTIONS", 7) == 0;
    OC_CHECK(kind == SY_ROUTE_TLS || kind == SY_ROUTE_TLS_REQUIRED || (star && has_tls),
             "tls-only-where-configured", "RFC 2817 §3.3", "TLS 101 for target %.*s", (int)h->tlen,
             h->target);
    /* RFC 9110 §7.8: a server MUST NOT switch to a protocol the client did not offer; RFC 2817
     * §3.3: the 101 lists the stack bottom-up: TLS, then HTTP/1.1 when the client named it. */
    char offered[8] = "";
    if (up && (strlen(up) == 7 || strlen(up) == 17))
      memcpy(offered, up, 7);
    OC_CHECK(offered[0] && upgrade_lists(h, offered) &&
                 (up[7] == '\0' || (strcmp(up + 7, ", HTTP/1.1") == 0 && upgrade_lists(h, "HTTP/1.1"))),
             "tls-101-names-offered-version", "RFC 9110 §7.8", "TLS 101 says Upgrade: %s",
             up ? up : "(none)");
  }
}

/* An h2c offer every reading of RFC 7540 §3.2.1 takes as valid, on a route that opts in to h2c
 * (docs/policy.md): the converse of check_session_switch, restricted like textbook_handshake. */
static int textbook_h2c(const struct sy_policy *pol, const struct oc_head *h)
{
  const struct oc_field *hs;
  const char *path;
  size_t plen;
  int kind;
  if (!textbook_get(h, &path, &plen))
    return 0;
  kind = route_kind(pol, path, plen);
  if (kind != SY_ROUTE_H2C && kind != SY_ROUTE_H2C_REQUIRED)
    return 0;
  return oc_list_contains(h, "connection", "upgrade") &&
         oc_list_contains(h, "connection", "http2-settings") && oc_list_contains(h, "upgrade", "h2c") &&
         oc_head_count(h, "http2-settings", &hs) == 1 &&
         oc_h2_settings_valid((const uint8_t *)hs->value, hs->vlen, NULL, NULL);
}

void oc_check_decision(const struct sy_policy *pol, const struct sy_request *req,
                       const struct sy_decision *d, const uint8_t *buf, size_t len)
{
  struct oc_head h;
  int strict;
  int want_status = sy_reason_status(d->reason);

  OC_CHECK(d->reason > SY_R_NONE && d->reason < SY_R__COUNT &&
               rfc_citation_ok(sy_reason_rfc(d->reason)),
           "reason-cites-rfc", "house style §8.4", "reason %d (%s) has citation \"%s\"",
           (int)d->reason, sy_reason_name(d->reason), sy_reason_rfc(d->reason));
  if (d->reason == SY_R_WS_METHOD && pol->ws_method_status == 400)
    want_status = 400;
  OC_CHECK(d->status == want_status, "status-is-reason-status", "house style §8.4",
           "status %d for reason %s (table: %d)", d->status, sy_reason_name(d->reason),
           want_status);
  OC_CHECK((d->status == 101) == (d->fate == SY_FATE_SWITCH), "switch-iff-101", "RFC 9110 §15.2.2",
           "status %d with fate %d", d->status, (int)d->fate);
  OC_CHECK(d->consumed <= len && d->switch_offset <= len, "consumed-within-input",
           "switchyard.h sy_decide", "consumed %zu, switch_offset %zu, input %zu", d->consumed,
           d->switch_offset, len);
  if (req->error != SY_R_NONE) {
    OC_CHECK(d->status >= 400 && d->fate == SY_FATE_CLOSE && d->reason == req->error,
             "malformed-closes", "RFC 9112 §6.3",
             "malformed request (%s) got status %d, fate %d, reason %s",
             sy_reason_name(req->error), d->status, (int)d->fate, sy_reason_name(d->reason));
  }
  if (req->head_len == 0 || buf == NULL)
    return; /* a decision without a request (timeout, limit) */

  strict = oc_head_strict(&h, buf, len);
  if (d->status == 101 && d->proto != SY_PROTO_WEBSOCKET) {
    OC_CHECK((d->proto == SY_PROTO_H2C || d->proto == SY_PROTO_TLS) &&
                 d->switch_offset == req->message_len && d->consumed == req->message_len,
             "switch-offset", "RFC 9110 §7.8", "101 with proto %d, switch at %zu, message %zu",
             (int)d->proto, d->switch_offset, req->message_len);
    check_session_switch(pol, req, d, &h, strict);
  } else if (d->status == 101) {
    const struct oc_field *key = NULL, *ver = NULL;
    const char *path;
    size_t plen;
    char accept[SY_WS_ACCEPT_LEN + 1];
    OC_CHECK(d->proto == SY_PROTO_WEBSOCKET && d->switch_offset == req->message_len &&
                 d->consumed == req->message_len,
             "switch-offset", "RFC 9110 §7.8", "101 with proto %d, switch at %zu, message %zu",
             (int)d->proto, d->switch_offset, req->message_len);
    OC_CHECK(strict && h.head_len == req->head_len, "switch-needs-strict-head", "RFC 9112 §2.2",
             "101 to a head our strict reader refuses (strict=%d, head %zu vs %zu)", strict,
             h.head_len, req->head_len);
    OC_CHECK(h.mlen == 3 && memcmp(h.method, "GET", 3) == 0, "switch-needs-get", "RFC 6455 §4.2.1",
             "101 to method %.*s", (int)h.mlen, h.method);
    OC_CHECK(http11_or_later(h.version), "switch-needs-http11", "RFC 9110 §7.8, §2.5",
             "101 to %.8s", h.version);
    oc_target_path(h.target, h.tlen, &path, &plen);
    OC_CHECK(ws_route(pol, path, plen), "switch-needs-websocket-route", "RFC 9110 §7.8",
             "101 for target %.*s (path %.*s) which is not a WebSocket route", (int)h.tlen,
             h.target, (int)plen, path);
    OC_CHECK(oc_head_count(&h, "host", NULL) == 1, "switch-needs-one-host", "RFC 9112 §3.2",
             "101 with %zu Host lines", oc_head_count(&h, "host", NULL));
    OC_CHECK(oc_list_contains(&h, "connection", "upgrade"), "switch-needs-connection-upgrade",
             "RFC 9110 §7.8", "101 but Connection does not carry the upgrade option");
    OC_CHECK(oc_list_contains(&h, "upgrade", "websocket"), "switch-needs-upgrade-websocket",
             "RFC 9110 §7.8", "101 to websocket but Upgrade does not list websocket");
    OC_CHECK(oc_head_count(&h, "sec-websocket-version", &ver) == 1 && list_len(&h, "sec-websocket-version", 0) == 1 &&
                 oc_list_contains(&h, "sec-websocket-version", "13"),
             "switch-needs-version-13", "RFC 6455 §4.2.1", "101 without Sec-WebSocket-Version: 13");
    OC_CHECK(oc_head_count(&h, "sec-websocket-key", &key) == 1 &&
                 oc_ws_key_valid((const uint8_t *)key->value, key->vlen),
             "switch-needs-valid-key", "RFC 6455 §4.2.1", "101 with an invalid Sec-WebSocket-Key");
    oc_ws_accept((const uint8_t *)key->value, key->vlen, accept);
    OC_CHECK(strcmp(accept, d->accept) == 0, "accept-value", "RFC 6455 §4.2.2",
             "Sec-WebSocket-Accept %s, expected %s", d->accept, accept);
  }
  if (strict && d->status != 101 && textbook_h2c(pol, &h) && req->head_len == h.head_len)
    oc_fail("h2c-offer-accepted", "RFC 7540 §3.2",
            "a textbook h2c offer on a route that opts in got %d %s", d->status,
            sy_reason_name(d->reason));
  if (strict && d->status != 101 && textbook_handshake(pol, &h) && req->head_len == h.head_len)
    oc_fail("handshake-accepted", "RFC 6455 §4.2.2",
            "a textbook handshake on a WebSocket route got %d %s", d->status,
            sy_reason_name(d->reason));
  if (strict && d->status != 101 && oc_list_valid(&h, "connection", 0) &&
      oc_list_contains(&h, "connection", "close"))
    OC_CHECK(d->fate == SY_FATE_CLOSE, "close-option-honoured", "RFC 9112 §9.6",
             "request carried Connection: close but fate is %d", (int)d->fate);
}

/* ---- rendering ---- */

static size_t expected_body_len(const struct sy_decision *d)
{
  struct sy_decision g = *d;
  char tmp[SY_MAX_RESPONSE_BYTES];
  struct oc_resp r;
  int n;
  g.head_only = 0;
  n = sy_render(&g, tmp, sizeof tmp);
  if (n <= 0 || oc_parse_response(&r, (const uint8_t *)tmp, (size_t)n, 0, NULL) != 1)
    return (size_t)-1;
  return r.body_len;
}

size_t oc_render_checked(const struct sy_decision *d, uint8_t *out)
{
  struct oc_resp r;
  const char *why = "", *v;
  size_t vlen, k;
  char line[64];
  int n = sy_render(d, (char *)out, SY_MAX_RESPONSE_BYTES), ln;

  OC_CHECK(n > 0 && (size_t)n <= SY_MAX_RESPONSE_BYTES, "render-fits", "switchyard.h sy_render",
           "sy_render returned %d for %d %s", n, d->status, sy_reason_name(d->reason));
  /* Smaller buffers are refused and never written past (exact-size heap copies): no room at
   * all, room for part of the head, and one byte short (the cut lands in the body or the last
   * CRLF). */
  {
    size_t caps[3] = {0, (size_t)n / 2, (size_t)n - 1};
    for (int i = 0; i < 3; i++) {
      char *small = malloc(caps[i] ? caps[i] : 1);
      int rc = sy_render(d, small, caps[i]);
      free(small);
      OC_CHECK(rc == SY_ENOSPC, "render-bounded", "switchyard.h sy_render",
               "cap %zu < %d returned %d", caps[i], n, rc);
    }
  }
  OC_CHECK(oc_parse_response(&r, out, (size_t)n, d->head_only, &why) == 1, "response-wellformed",
           "RFC 9112 §4", "llhttp (response mode) refused our %d response: %s", d->status, why);
  OC_CHECK(r.len == (size_t)n, "response-wellformed", "RFC 9112 §6.3",
           "the %d response is %d bytes but its framing ends at %zu", d->status, n, r.len);
  OC_CHECK(r.status == d->status && r.major == 1 && r.minor == 1, "response-wellformed",
           "RFC 9112 §4", "re-parsed status %d HTTP/%d.%d, decided %d", r.status, r.major, r.minor,
           d->status);
  ln = snprintf(line, sizeof line, "HTTP/1.1 %03d %s\r\n", d->status, sy_status_phrase(d->status));
  OC_CHECK(ln > 0 && (size_t)ln <= (size_t)n && memcmp(out, line, (size_t)ln) == 0 &&
               strcmp(sy_status_phrase(d->status), "Unknown") != 0,
           "response-wellformed", "RFC 9112 §4", "status line is not \"%.*s\"", ln - 2, line);
  /* The decision's fields, in order, then only Content-Type / Content-Length. */
  OC_CHECK(r.n_fields >= d->n_fields, "response-fields-match", "RFC 9112 §5",
           "%zu fields re-parsed, %zu decided", r.n_fields, d->n_fields);
  for (k = 0; k < d->n_fields; k++) {
    const char *want = d->fields[k].value ? d->fields[k].value : d->accept;
    OC_CHECK(r.fields[k].nlen == strlen(d->fields[k].name) &&
                 memcmp(r.fields[k].name, d->fields[k].name, r.fields[k].nlen) == 0 &&
                 r.fields[k].vlen == strlen(want) &&
                 (r.fields[k].vlen == 0 || memcmp(r.fields[k].value, want, r.fields[k].vlen) == 0),
             "response-fields-match", "RFC 9112 §5", "field %zu is %.*s: %.*s, decided %s: %s", k,
             (int)r.fields[k].nlen, r.fields[k].name, (int)r.fields[k].vlen,
             r.fields[k].value ? r.fields[k].value : "", d->fields[k].name, want);
  }
  for (; k < r.n_fields; k++)
    OC_CHECK(ieq(r.fields[k].name, r.fields[k].nlen, "content-type") ||
                 ieq(r.fields[k].name, r.fields[k].nlen, "content-length"),
             "response-fields-match", "RFC 9112 §5", "unexpected field %.*s",
             (int)r.fields[k].nlen, r.fields[k].name);
  for (size_t i = 0; i < r.n_fields; i++)
    for (size_t j = i + 1; j < r.n_fields; j++)
      OC_CHECK(!(r.fields[i].nlen == r.fields[j].nlen &&
                 strncasecmp(r.fields[i].name, r.fields[j].name, r.fields[i].nlen) == 0),
               "no-repeated-field", "RFC 9110 §5.3", "field %.*s sent twice",
               (int)r.fields[i].nlen, r.fields[i].name);
  /* RFC 9110 §8.6: no Content-Length in 1xx and 204; otherwise it frames the body. */
  if (d->status < 200 || d->status == 204) {
    OC_CHECK(!oc_resp_field(&r, "content-length", NULL, NULL) && r.body_len == 0,
             "content-length-rules", "RFC 9110 §8.6", "%d response with Content-Length or a body",
             d->status);
  } else {
    OC_CHECK(oc_resp_field(&r, "content-length", &v, &vlen), "content-length-rules",
             "RFC 9112 §6.3", "%d response without Content-Length (the connection may stay open)",
             d->status);
    if (d->head_only) {
      char want[24];
      int wl = snprintf(want, sizeof want, "%zu", expected_body_len(d));
      OC_CHECK(r.body_len == 0 && vlen == (size_t)wl && memcmp(v, want, vlen) == 0,
               "content-length-rules", "RFC 9110 §9.3.2",
               "HEAD response: body %zu, Content-Length %.*s, GET would send %s", r.body_len,
               (int)vlen, v, want);
    }
  }
  /* Upgrade-related fields: the protocol switched to or required (RFC 2817 §3.3 and §4.2 for
   * TLS: "TLS/1.x, HTTP/1.1", the stack bottom-up). */
  if (d->status == 101 || d->status == 426) {
    const char *name = sy_reason_name(d->reason);
    int h2c = d->proto == SY_PROTO_H2C || strncmp(name, "H2C_", 4) == 0;
    int tls = d->proto == SY_PROTO_TLS || strncmp(name, "TLS_", 4) == 0;
    int offered = tls ? resp_lists_element(&r, "TLS/1.2") || resp_lists_element(&r, "TLS/1.3")
                      : oc_resp_list_has(&r, "upgrade", h2c ? "h2c" : "websocket");
    OC_CHECK(offered && oc_resp_list_has(&r, "connection", "upgrade"),
             d->status == 101 ? "101-carries-upgrade" : "426-carries-upgrade",
             d->status == 101 ? "RFC 9110 §15.2.2" : "RFC 9110 §15.5.22",
             "%d without Upgrade: %s and the upgrade connection option", d->status,
             tls ? "TLS/1.x" : h2c ? "h2c" : "websocket");
  }
  if (d->status == 101 && d->proto == SY_PROTO_WEBSOCKET) {
    OC_CHECK(r.upgrade && r.body_len == 0, "101-carries-upgrade", "RFC 9110 §15.2.2",
             "llhttp does not see the 101 as a protocol switch");
    OC_CHECK(oc_resp_field(&r, "sec-websocket-accept", &v, &vlen) && vlen == SY_WS_ACCEPT_LEN &&
                 memcmp(v, d->accept, vlen) == 0,
             "accept-value", "RFC 6455 §4.2.2", "101 without the decided Sec-WebSocket-Accept");
  }
  if (d->reason == SY_R_WS_VERSION_MISSING || d->reason == SY_R_WS_VERSION_UNSUPPORTED) {
    OC_CHECK(d->status == 426 && oc_resp_list_has(&r, "sec-websocket-version", "13"),
             "version-426-names-13", "RFC 6455 §4.4",
             "version mismatch answered %d without Sec-WebSocket-Version: 13", d->status);
  }
  if (d->fate == SY_FATE_CLOSE)
    OC_CHECK(oc_resp_list_has(&r, "connection", "close"), "close-announced", "RFC 9112 §9.6",
             "the connection closes after a %d without Connection: close", d->status);
  else
    OC_CHECK(!oc_resp_list_has(&r, "connection", "close"), "close-announced", "RFC 9112 §9.6",
             "Connection: close sent but the connection stays open");
  return (size_t)n;
}

/* ---- server frames after a 101 ---- */

int oc_check_server_frames(const uint8_t *p, size_t n)
{
  size_t i = 0;
  int closed = 0;
  while (i < n) {
    uint64_t len;
    size_t h = 2;
    int op;
    if (n - i < 2)
      return 0;
    OC_CHECK(!closed, "nothing-after-close", "RFC 6455 §5.5.1", "a frame after our Close");
    op = p[i] & 0x0f;
    OC_CHECK((p[i] & 0x70) == 0, "server-frame", "RFC 6455 §5.2", "RSV bits set");
    OC_CHECK((p[i + 1] & 0x80) == 0, "server-frame-unmasked", "RFC 6455 §5.1",
             "server frame is masked");
    OC_CHECK(p[i] & 0x80, "server-frame", "RFC 6455 §5.4", "fragmented server frame");
    OC_CHECK(op == 1 || op == 2 || op == 8 || op == 9 || op == 10, "server-frame",
             "RFC 6455 §5.2", "opcode %d", op);
    len = p[i + 1] & 0x7f;
    if (len == 126) {
      if (n - i < 4)
        return 0;
      len = (uint64_t)p[i + 2] << 8 | p[i + 3];
      h = 4;
      OC_CHECK(len >= 126, "server-frame", "RFC 6455 §5.2", "non-minimal 16-bit length");
    } else if (len == 127) {
      if (n - i < 10)
        return 0;
      len = 0;
      for (int k = 0; k < 8; k++)
        len = len << 8 | p[i + 2 + k];
      h = 10;
      OC_CHECK(len > 0xffff && !(len >> 63), "server-frame", "RFC 6455 §5.2",
               "non-minimal 64-bit length");
    }
    if (op >= 8)
      OC_CHECK(len <= 125, "server-frame", "RFC 6455 §5.5", "control frame of %llu bytes",
               (unsigned long long)len);
    if (n - i - h < len)
      return 0;
    if (op == 8) {
      OC_CHECK(len != 1, "server-close", "RFC 6455 §5.5.1", "1-byte close payload");
      if (len >= 2) {
        unsigned code = (unsigned)p[i + h] << 8 | p[i + h + 1];
        OC_CHECK(code == 1000 || code == 1001 || code == 1002 || code == 1003 || code == 1007 ||
                     code == 1008 || code == 1009 || code == 1010 || code == 1011 ||
                     code == 1012 || code == 1013 || code == 1014 || (code >= 3000 && code <= 4999),
                 "server-close", "RFC 6455 §7.4.1", "close code %u may not be sent", code);
      }
      closed = 1;
    }
    if (op == 1)
      OC_CHECK(oc_utf8_valid(p + i + h, (size_t)len), "server-text-utf8", "RFC 6455 §8.1",
               "text frame with invalid UTF-8");
    i += h + (size_t)len;
  }
  return 1;
}
