/* SPDX-License-Identifier: MIT */
/* rfc_lists.c: #element lists (RFC 9110 §5.6.1) in request heads and responses, split on commas
 * (the core scans left to right instead). */
#include <string.h>

#include "oracles.h"

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
    while (a < b && oc_is_ows(v[a]))
      a++;
    while (b > a && oc_is_ows(v[b - 1]))
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

/* Matches the whole element (name and version) case-insensitively: a token without "/" never
 * equals an element with a version. */
struct element_arg {
  const char *el;
  int found;
};

static int element_each(void *arg, const char *el, size_t n, size_t name_len)
{
  struct element_arg *a = arg;
  (void)name_len;
  if (oc_ieq(el, n, a->el))
    a->found = 1;
  return 0;
}

/* Whether the lines named `name` among f[0..n) are valid lists and one element is `el`. */
static int fields_list_has(const struct oc_field *f, size_t n, const char *name, const char *el,
                           int protocols)
{
  struct element_arg a = {el, 0};
  for (size_t i = 0; i < n; i++)
    if (oc_ieq(f[i].name, f[i].nlen, name) &&
        !list_walk(f[i].value, f[i].vlen, protocols, element_each, &a))
      return 0;
  return a.found;
}

int oc_list_valid(const struct oc_head *h, const char *name, int protocols)
{
  for (size_t i = 0; i < h->n_fields; i++)
    if (oc_ieq(h->fields[i].name, h->fields[i].nlen, name) &&
        !list_walk(h->fields[i].value, h->fields[i].vlen, protocols, NULL, NULL))
      return 0;
  return 1;
}

int oc_list_contains(const struct oc_head *h, const char *name, const char *tok)
{
  return fields_list_has(h->fields, h->n_fields, name, tok, oc_ieq(name, strlen(name), "upgrade"));
}

int oc_resp_list_has(const struct oc_resp *r, const char *name, const char *tok)
{
  return fields_list_has(r->fields, r->n_fields, name, tok, 1);
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
size_t oc_list_len(const struct oc_head *h, const char *name, int protocols)
{
  size_t n = 0;
  for (size_t i = 0; i < h->n_fields; i++)
    if (oc_ieq(h->fields[i].name, h->fields[i].nlen, name))
      list_walk(h->fields[i].value, h->fields[i].vlen, protocols, count_each, &n);
  return n;
}
