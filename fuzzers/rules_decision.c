/* SPDX-License-Identifier: MIT */
/* rules_decision.c: the oracles about one decision (sy_decide, sy_decide_reject): its citation,
 * status and fate, the 101 rules for WebSocket, h2c and TLS, and their converses. */
#include <string.h>

#include "oracles.h"

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

/* The kind of the route at this path, or -1. */
static int route_kind(const struct sy_policy *pol, const char *path, size_t plen)
{
  for (size_t i = 0; i < pol->n_routes; i++)
    if (strlen(pol->routes[i].path) == plen && memcmp(pol->routes[i].path, path, plen) == 0)
      return (int)pol->routes[i].kind;
  return -1;
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
  if (!textbook_get(h, &path, &plen) || route_kind(pol, path, plen) != SY_ROUTE_WEBSOCKET)
    return 0;
  if (!oc_list_contains(h, "connection", "upgrade") || !oc_list_contains(h, "upgrade", "websocket"))
    return 0;
  if (oc_head_count(h, "sec-websocket-version", &ver) != 1 || !oc_ieq(ver->value, ver->vlen, "13"))
    return 0;
  if (oc_head_count(h, "sec-websocket-key", &key) != 1 ||
      !oc_ws_key_valid((const uint8_t *)key->value, key->vlen))
    return 0;
  return 1;
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
    OC_CHECK(offered[0] && oc_list_contains(h, "upgrade", offered) &&
                 (up[7] == '\0' || (strcmp(up + 7, ", HTTP/1.1") == 0 &&
                                    oc_list_contains(h, "upgrade", "HTTP/1.1"))),
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

/* A 101 to WebSocket (RFC 6455 §4.2.1, §4.2.2), judged from our strict reading. */
static void check_ws_switch(const struct sy_policy *pol, const struct sy_request *req,
                            const struct sy_decision *d, const struct oc_head *h, int strict)
{
  const struct oc_field *key = NULL, *ver = NULL;
  const char *path;
  size_t plen;
  char accept[SY_WS_ACCEPT_LEN + 1];
  OC_CHECK(d->proto == SY_PROTO_WEBSOCKET && d->switch_offset == req->message_len &&
               d->consumed == req->message_len,
           "switch-offset", "RFC 9110 §7.8", "101 with proto %d, switch at %zu, message %zu",
           (int)d->proto, d->switch_offset, req->message_len);
  OC_CHECK(strict && h->head_len == req->head_len, "switch-needs-strict-head", "RFC 9112 §2.2",
           "101 to a head our strict reader refuses (strict=%d, head %zu vs %zu)", strict,
           h->head_len, req->head_len);
  OC_CHECK(h->mlen == 3 && memcmp(h->method, "GET", 3) == 0, "switch-needs-get", "RFC 6455 §4.2.1",
           "101 to method %.*s", (int)h->mlen, h->method);
  OC_CHECK(http11_or_later(h->version), "switch-needs-http11", "RFC 9110 §7.8, §2.5",
           "101 to %.8s", h->version);
  oc_target_path(h->target, h->tlen, &path, &plen);
  OC_CHECK(route_kind(pol, path, plen) == SY_ROUTE_WEBSOCKET, "switch-needs-websocket-route",
           "RFC 9110 §7.8",
           "101 for target %.*s (path %.*s) which is not a WebSocket route", (int)h->tlen,
           h->target, (int)plen, path);
  OC_CHECK(oc_head_count(h, "host", NULL) == 1, "switch-needs-one-host", "RFC 9112 §3.2",
           "101 with %zu Host lines", oc_head_count(h, "host", NULL));
  OC_CHECK(oc_list_contains(h, "connection", "upgrade"), "switch-needs-connection-upgrade",
           "RFC 9110 §7.8", "101 but Connection does not carry the upgrade option");
  OC_CHECK(oc_list_contains(h, "upgrade", "websocket"), "switch-needs-upgrade-websocket",
           "RFC 9110 §7.8", "101 to websocket but Upgrade does not list websocket");
  OC_CHECK(oc_head_count(h, "sec-websocket-version", &ver) == 1 &&
               oc_list_len(h, "sec-websocket-version", 0) == 1 &&
               oc_list_contains(h, "sec-websocket-version", "13"),
           "switch-needs-version-13", "RFC 6455 §4.2.1", "101 without Sec-WebSocket-Version: 13");
  OC_CHECK(oc_head_count(h, "sec-websocket-key", &key) == 1 &&
               oc_ws_key_valid((const uint8_t *)key->value, key->vlen),
           "switch-needs-valid-key", "RFC 6455 §4.2.1", "101 with an invalid Sec-WebSocket-Key");
  oc_ws_accept((const uint8_t *)key->value, key->vlen, accept);
  OC_CHECK(strcmp(accept, d->accept) == 0, "accept-value", "RFC 6455 §4.2.2",
           "Sec-WebSocket-Accept %s, expected %s", d->accept, accept);
}

void oc_check_decision(const struct sy_policy *pol, const struct sy_request *req,
                       const struct sy_decision *d, const uint8_t *buf, size_t len)
{
  struct oc_head h;
  int strict;
  int want_status = sy_reason_status(d->reason);

  OC_CHECK(d->reason > SY_R_NONE && d->reason < SY_R__COUNT &&
               rfc_citation_ok(sy_reason_rfc(d->reason)),
           "reason-cites-rfc", "reasons.h SY_REASON_MAP", "reason %d (%s) has citation \"%s\"",
           (int)d->reason, sy_reason_name(d->reason), sy_reason_rfc(d->reason));
  if (d->reason == SY_R_WS_METHOD && pol->ws_method_status == 400)
    want_status = 400;
  OC_CHECK(d->status == want_status, "status-is-reason-status", "reasons.h SY_REASON_MAP",
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
    check_ws_switch(pol, req, d, &h, strict);
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
