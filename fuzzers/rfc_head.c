/* SPDX-License-Identifier: MIT */
/* rfc_head.c: an independent, strict reader of request heads (RFC 9112 §2.2, §3, §5) and of
 * request-targets (RFC 9112 §3.2, RFC 3986). */
#include <string.h>

#include "oracles.h"

static int vchar_or_obs(unsigned char c)
{
  return (c >= 0x21 && c != 0x7f);
}

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
        if (!vchar_or_obs((unsigned char)p[k]) && !oc_is_ows(p[k]))
          return 0; /* CTL in a value (RFC 9110 §5.5) */
      ve = e;
      while (vs < ve && oc_is_ows(p[vs]))
        vs++;
      while (ve > vs && oc_is_ows(p[ve - 1]))
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
    if (oc_ieq(h->fields[i].name, h->fields[i].nlen, name)) {
      if (n == 0 && first)
        *first = &h->fields[i];
      n++;
    }
  return n;
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
