/* SPDX-License-Identifier: MIT */
/* policy.c: the default policy and the small policy-file format (docs/policy.md). */
#include <stdio.h>
#include <string.h>

#include "switchyard.h"

static const char *const kind_names[SY_ROUTE__COUNT] = {
#define XX(name, text) [SY_ROUTE_##name] = text,
    SY_ROUTE_KIND_MAP(XX)
#undef XX
};

const char *sy_route_kind_name(enum sy_route_kind k)
{
  return (unsigned)k < SY_ROUTE__COUNT ? kind_names[k] : NULL;
}

int sy_route_kind_parse(const char *name, size_t len)
{
  for (int k = 0; k < SY_ROUTE__COUNT; k++)
    if (strlen(kind_names[k]) == len && memcmp(kind_names[k], name, len) == 0)
      return k;
  return -1;
}

const struct sy_route *sy_policy_route(const struct sy_policy *pol, const char *path, size_t len)
{
  for (size_t i = 0; i < pol->n_routes; i++)
    if (strlen(pol->routes[i].path) == len && memcmp(pol->routes[i].path, path, len) == 0)
      return &pol->routes[i];
  return NULL;
}

int sy_policy_add_route(struct sy_policy *pol, const char *path, enum sy_route_kind kind)
{
  size_t n = strlen(path);
  if (n == 0 || n >= SY_MAX_ROUTE_PATH || path[0] != '/' || (unsigned)kind >= SY_ROUTE__COUNT)
    return SY_EINVAL;
  for (size_t i = 0; i < pol->n_routes; i++)
    if (strcmp(pol->routes[i].path, path) == 0) {
      pol->routes[i].kind = kind; /* a later line overrides an earlier route */
      return 0;
    }
  if (pol->n_routes == SY_MAX_ROUTES)
    return SY_ELIMIT;
  memcpy(pol->routes[pol->n_routes].path, path, n + 1);
  pol->routes[pol->n_routes].kind = kind;
  pol->n_routes++;
  return 0;
}

void sy_policy_default(struct sy_policy *pol)
{
  memset(pol, 0, sizeof *pol);
  pol->ws_method_status = 405;
  (void)sy_policy_add_route(pol, "/live", SY_ROUTE_WEBSOCKET);
  (void)sy_policy_add_route(pol, "/", SY_ROUTE_PLAIN);
  /* Each switching kind at its own path, named after it. "/" keeps ignoring h2c and TLS offers:
   * RFC 9113 §3.1 deprecates h2c, so a resource switches to it only where it opts in. */
  for (int k = SY_ROUTE_H2C; k < SY_ROUTE__COUNT; k++) {
    char path[32] = "/";
    strcat(path, sy_route_kind_name((enum sy_route_kind)k));
    (void)sy_policy_add_route(pol, path, (enum sy_route_kind)k);
  }
}

static int errf(char *err, size_t cap, unsigned line, const char *why, int rc)
{
  if (err && cap)
    snprintf(err, cap, "line %u: %s", line, why);
  return rc;
}

/* Lines: `route PATH KIND` (KIND: SY_ROUTE_KIND_MAP's names), `clear-routes`, `ws-method-status 405|400`,
 * `#` comments and blank lines. Whitespace separates words. */
int sy_policy_parse(struct sy_policy *pol, const char *text, size_t len, char *err, size_t errcap)
{
  unsigned line = 0;
  size_t i = 0;
  while (i < len) {
    char words[3][SY_MAX_ROUTE_PATH];
    size_t nw = 0, e = i;
    line++;
    while (e < len && text[e] != '\n')
      e++;
    for (size_t k = i; k < e;) {
      while (k < e && (text[k] == ' ' || text[k] == '\t' || text[k] == '\r'))
        k++;
      if (k >= e || text[k] == '#')
        break;
      size_t s = k;
      while (k < e && text[k] != ' ' && text[k] != '\t' && text[k] != '\r')
        k++;
      if (nw == 3)
        return errf(err, errcap, line, "too many words", SY_ESYNTAX);
      if (k - s >= SY_MAX_ROUTE_PATH)
        return errf(err, errcap, line, "word too long", SY_ELIMIT);
      memcpy(words[nw], text + s, k - s);
      words[nw][k - s] = '\0';
      nw++;
    }
    i = e + 1;
    if (nw == 0)
      continue;
    if (strcmp(words[0], "route") == 0 && nw == 3) {
      int kind = sy_route_kind_parse(words[2], strlen(words[2]));
      if (kind < 0)
        return errf(err, errcap, line,
                    "route kind must be plain, websocket, h2c, h2c-required, tls, tls-required or "
                    "secure-redirect",
                    SY_ESYNTAX);
      int rc = sy_policy_add_route(pol, words[1], (enum sy_route_kind)kind);
      if (rc == SY_ELIMIT)
        return errf(err, errcap, line, "too many routes", rc);
      if (rc < 0)
        return errf(err, errcap, line, "route path must start with '/'", SY_ESYNTAX);
    } else if (strcmp(words[0], "clear-routes") == 0 && nw == 1) {
      pol->n_routes = 0;
    } else if (strcmp(words[0], "ws-method-status") == 0 && nw == 2) {
      if (strcmp(words[1], "405") == 0)
        pol->ws_method_status = 405;
      else if (strcmp(words[1], "400") == 0)
        pol->ws_method_status = 400;
      else
        return errf(err, errcap, line, "ws-method-status must be 405 or 400", SY_ESYNTAX);
    } else {
      return errf(err, errcap, line,
                  "expected 'route PATH KIND', 'clear-routes' or 'ws-method-status N'",
                  SY_ESYNTAX);
    }
  }
  return 0;
}
