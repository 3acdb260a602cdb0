/* SPDX-License-Identifier: MIT */
/* lists.c: the one parser for RFC 9110 §5.6.1 comma lists of tokens (Connection, Upgrade,
 * Sec-WebSocket-Version), with OWS, empty elements and protocol-name[/protocol-version]. */
#include <string.h>

#include "chars.h"
#include "switchyard.h"

static int is_ows(char c)
{
  return c == ' ' || c == '\t';
}

static char lower(char c)
{
  return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}

int sy_span_ieq(struct sy_span s, const char *lit)
{
  size_t n = strlen(lit);
  if (s.len != n)
    return 0;
  for (size_t i = 0; i < n; i++)
    if (lower(s.ptr[i]) != lower(lit[i]))
      return 0;
  return 1;
}

static size_t token_end(const char *p, size_t i, size_t len)
{
  return i + sy__tchar_span(p + i, len - i);
}

/* The element that starts at or after *i, if any: 1 (it, *i past it), 0 (no more), or
 * SY_ESYNTAX. */
static int next_item(const char *value, size_t len, size_t *pos, enum sy_list_flags flags,
                     struct sy_list_item *it)
{
  size_t i = *pos, e;
  while (i < len && (is_ows(value[i]) || value[i] == ','))
    i++; /* OWS and empty elements: "a, , b" and ",a" are allowed (§5.6.1) */
  if (i >= len)
    return 0;
  *it = (struct sy_list_item){{value + i, 0}, {NULL, 0}};
  e = token_end(value, i, len);
  if (e == i)
    return SY_ESYNTAX;
  it->name.len = e - i;
  i = e;
  if ((flags & SY_LIST_PROTOCOLS) && i < len && value[i] == '/') {
    /* RFC 9110 §7.8: protocol = protocol-name ["/" protocol-version] */
    size_t v = token_end(value, i + 1, len);
    if (v == i + 1)
      return SY_ESYNTAX;
    it->version.ptr = value + i + 1;
    it->version.len = v - (i + 1);
    i = v;
  }
  while (i < len && is_ows(value[i]))
    i++;
  if (i < len && value[i] != ',')
    return SY_ESYNTAX; /* "web socket", "a;b", "h2c/": not a list of tokens */
  *pos = i;
  return 1;
}

int sy_list_parse(struct sy_list *out, const char *value, size_t len, enum sy_list_flags flags)
{
  size_t i = 0;
  struct sy_list_item it;
  int rc;
  if (out == NULL || (value == NULL && len > 0))
    return SY_EINVAL;
  while ((rc = next_item(value, len, &i, flags, &it)) > 0) {
    if (out->n < SY_MAX_LIST_ITEMS)
      out->items[out->n++] = it;
    else
      out->dropped++;
  }
  return rc;
}

int sy_list_contains(const char *value, size_t len, enum sy_list_flags flags, const char *token,
                     int versionless)
{
  size_t i = 0;
  struct sy_list_item it;
  int rc;
  if (token == NULL || (value == NULL && len > 0))
    return SY_EINVAL;
  while ((rc = next_item(value, len, &i, flags, &it)) > 0)
    if (sy_span_ieq(it.name, token) && !(versionless && it.version.len))
      return 1;
  return rc;
}
