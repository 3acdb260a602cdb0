/* SPDX-License-Identifier: MIT */
/* decide.c: (request, policy) -> decision. Pure and total: every request gets a status, a reason
 * from reasons.h (hence an RFC citation), the fields to send and the connection's fate. */
#include <string.h>

#include "switchyard.h"

static void add(struct sy_decision *d, const char *name, const char *value)
{
  if (d->n_fields < SY_MAX_RESPONSE_FIELDS)
    d->fields[d->n_fields++] = (struct sy_field){name, value};
}

static void set(struct sy_decision *d, enum sy_reason r)
{
  d->reason = r;
  d->status = sy_reason_status(r);
}

static const struct sy_route *route_for(const struct sy_policy *pol, struct sy_span path)
{
  return sy_policy_route(pol, path.ptr, path.len);
}

/* Combine every field line named `name` into one list (RFC 9110 §5.3). */
static int list_of(const struct sy_request *req, const char *name, enum sy_list_flags flags,
                   struct sy_list *out, size_t *lines)
{
  memset(out, 0, sizeof *out);
  *lines = 0;
  for (size_t i = 0; i < req->n_headers; i++) {
    const struct sy_header *h = &req->headers[i];
    if (!sy_span_ieq(h->name, name))
      continue;
    (*lines)++;
    if (sy_list_parse(out, h->value.ptr, h->value.len, flags) < 0)
      return SY_ESYNTAX;
  }
  return 0;
}

/* Whether the `name` field lines list `token` (RFC 9110 §5.3: together they are one list),
 * looking at every element, not only the SY_MAX_LIST_ITEMS that list_of() keeps. Only asked
 * once list_of() found the list well-formed. */
static int lists_token(const struct sy_request *req, const char *name, enum sy_list_flags flags,
                       const char *token, int versionless)
{
  for (size_t i = 0; i < req->n_headers; i++) {
    const struct sy_header *h = &req->headers[i];
    if (sy_span_ieq(h->name, name) &&
        sy_list_contains(h->value.ptr, h->value.len, flags, token, versionless) > 0)
      return 1;
  }
  return 0;
}

/* The WebSocket opening handshake, RFC 6455 §4.2.1 items 1-6, in the order they are listed;
 * only reached for a GET in HTTP/1.1 with Host (checked by the parser). */
static enum sy_reason websocket(const struct sy_request *req, struct sy_decision *d)
{
  struct sy_list up, ver;
  size_t up_lines, ver_lines, nkey;
  const struct sy_header *key;

  if (list_of(req, "upgrade", SY_LIST_PROTOCOLS, &up, &up_lines) < 0)
    return SY_R_UPGRADE_SYNTAX;
  if (up_lines == 0)
    return SY_R_WS_REQUIRED;
  if (!lists_token(req, "connection", SY_LIST_TOKENS, "upgrade", 0))
    return SY_R_WS_NO_CONNECTION_UPGRADE; /* RFC 9110 §7.8: Upgrade needs the connection option */
  /* "websocket" with no protocol-version: "websocket/13" names a version of the protocol that
   * no specification defines, and a 101 may only name what the client offered (§7.8). */
  if (!lists_token(req, "upgrade", SY_LIST_PROTOCOLS, "websocket", 1))
    return SY_R_WS_NOT_OFFERED;
  if (list_of(req, "sec-websocket-version", SY_LIST_TOKENS, &ver, &ver_lines) < 0)
    return SY_R_WS_VERSION_UNSUPPORTED;
  if (ver_lines == 0)
    return SY_R_WS_VERSION_MISSING;
  if (ver_lines > 1)
    return SY_R_WS_VERSION_REPEATED;
  if (ver.n != 1 || ver.dropped || !sy_span_ieq(ver.items[0].name, "13"))
    return SY_R_WS_VERSION_UNSUPPORTED;
  key = sy_request_field(req, "sec-websocket-key", &nkey);
  if (nkey == 0)
    return SY_R_WS_KEY_MISSING;
  if (nkey > 1)
    return SY_R_WS_KEY_REPEATED;
  if (!sy_ws_key_valid(key->value.ptr, key->value.len))
    return SY_R_WS_KEY_INVALID;
  if (sy_ws_accept(key->value.ptr, key->value.len, d->accept) < 0)
    return SY_R_WS_KEY_INVALID;
  return SY_R_WS_SWITCH;
}

/* RFC 7540 §3.2, §3.2.1: the h2c offer, checked in the order the section states its rules.
 * H2C_REQUIRED when Upgrade does not list h2c (no offer at all). */
static enum sy_reason h2c_offer(const struct sy_request *req)
{
  struct sy_list up;
  size_t up_lines, n, len;
  const struct sy_header *hs;
  uint8_t payload[SY_H2_MAX_SETTINGS_BYTES];

  if (list_of(req, "upgrade", SY_LIST_PROTOCOLS, &up, &up_lines) < 0)
    return SY_R_UPGRADE_SYNTAX;
  if (up_lines == 0 || !lists_token(req, "upgrade", SY_LIST_PROTOCOLS, "h2c", 1))
    return SY_R_H2C_REQUIRED;
  if (req->version_minor == 0)
    return SY_R_H2C_HTTP10;
  /* §3.2.1: HTTP2-Settings is a connection option, as Upgrade is (RFC 9110 §7.8). */
  if (!lists_token(req, "connection", SY_LIST_TOKENS, "upgrade", 0) ||
      !lists_token(req, "connection", SY_LIST_TOKENS, "http2-settings", 0))
    return SY_R_H2C_CONNECTION_OPTIONS;
  hs = sy_request_field(req, "http2-settings", &n);
  if (n == 0)
    return SY_R_H2C_SETTINGS_MISSING;
  if (n > 1)
    return SY_R_H2C_SETTINGS_REPEATED;
  if (sy_h2_settings_value(hs->value.ptr, hs->value.len, payload, sizeof payload, &len) < 0)
    return SY_R_H2C_SETTINGS_INVALID;
  return SY_R_H2C_SWITCH;
}

/* RFC 2817 §3.3: the 101 names the stack it switches to, bottom-up. Only TLS 1.2 and 1.3 are
 * switched to (RFC 8996 deprecates 1.0 and 1.1); the first of them the client lists wins, and
 * tls.c holds the handshake to that version, so the 101 says what follows. HTTP/1.1 is named
 * above it only when the client listed it too: RFC 9110 §7.8 lets a 101 name nothing the client
 * did not offer. NULL: no such offer. */
static const char *tls_stack(const struct sy_request *req)
{
  struct sy_list up;
  size_t lines;
  const char *tls = NULL;
  int http11 = 0;
  if (list_of(req, "upgrade", SY_LIST_PROTOCOLS, &up, &lines) < 0)
    return NULL;
  for (size_t i = 0; i < up.n; i++) {
    if (sy_span_ieq(up.items[i].name, "HTTP") && sy_span_ieq(up.items[i].version, "1.1"))
      http11 = 1;
    if (tls == NULL && sy_span_ieq(up.items[i].name, "TLS")) {
      if (sy_span_ieq(up.items[i].version, "1.2"))
        tls = "TLS/1.2";
      else if (sy_span_ieq(up.items[i].version, "1.3"))
        tls = "TLS/1.3";
    }
  }
  if (tls == NULL || !http11)
    return tls;
  return tls[6] == '2' ? "TLS/1.2, HTTP/1.1" : "TLS/1.3, HTTP/1.1";
}

/* RFC 2817 §3.1-§3.3. TLS_REQUIRED when Upgrade lists no TLS version this server switches to. */
static enum sy_reason tls_offer(const struct sy_request *req)
{
  struct sy_list up;
  size_t lines;
  if (list_of(req, "upgrade", SY_LIST_PROTOCOLS, &up, &lines) < 0)
    return SY_R_UPGRADE_SYNTAX;
  if (lines == 0 || tls_stack(req) == NULL)
    return SY_R_TLS_REQUIRED;
  if (req->version_minor == 0)
    return SY_R_TLS_HTTP10;
  if (!lists_token(req, "connection", SY_LIST_TOKENS, "upgrade", 0))
    return SY_R_TLS_NO_CONNECTION_UPGRADE; /* §3.1 quotes RFC 2616's MUST */
  return SY_R_TLS_SWITCH;
}

/* The answer of a resource as if plain: what a switching route gives a request it does not
 * switch, and the switched request's answer in the new protocol. */
static enum sy_reason served(const struct sy_request *req)
{
  return req->method_id == SY_M_OPTIONS ? SY_R_OPTIONS_SERVED : SY_R_SERVED;
}

/* h2c and tls routes. An optional route (h2c, tls) answers a request it does not switch as a
 * plain resource would; a required one (h2c-required, tls-required) with the 426. */
static enum sy_reason switching_route(const struct sy_request *req, enum sy_route_kind kind)
{
  int h2c = kind == SY_ROUTE_H2C || kind == SY_ROUTE_H2C_REQUIRED;
  int required = kind == SY_ROUTE_H2C_REQUIRED || kind == SY_ROUTE_TLS_REQUIRED;
  enum sy_reason r = h2c ? h2c_offer(req) : tls_offer(req);

  if (required || r == SY_R_H2C_SWITCH || r == SY_R_TLS_SWITCH || r == SY_R_UPGRADE_SYNTAX)
    return r;
  if (!sy_request_field(req, "upgrade", NULL))
    return served(req);
  if (r == SY_R_H2C_HTTP10 || r == SY_R_TLS_HTTP10)
    return SY_R_UPGRADE_IGNORED_HTTP10;
  if (r == SY_R_H2C_REQUIRED || r == SY_R_TLS_REQUIRED || r == SY_R_TLS_NO_CONNECTION_UPGRADE)
    return SY_R_UPGRADE_IGNORED; /* RFC 9110 §7.8: a server MAY ignore an offer */
  return SY_R_H2C_OFFER_INVALID; /* §3.2.1: an h2c offer this server MUST NOT switch */
}

/* 308 to the same target over https (RFC 9110 §15.4.9). The port is left out: the https one is
 * not the plaintext one. */
static enum sy_reason secure_redirect(const struct sy_request *req, struct sy_decision *d)
{
  const struct sy_header *host = sy_request_field(req, "host", NULL);
  const char *rest = req->path.ptr;
  size_t hlen = 0, rlen = (size_t)(req->target.ptr + req->target.len - rest);
  static const char scheme[] = "https://";

  if (host == NULL)
    return SY_R_HOST_MISSING; /* HTTP/1.0 without Host: no authority to redirect to */
  /* uri-host without ":port"; an IP-literal keeps its brackets (the parser checked Host). */
  char end = host->value.len && host->value.ptr[0] == '[' ? ']' : ':';
  while (hlen < host->value.len && host->value.ptr[hlen] != end)
    hlen++;
  if (end == ']' && hlen < host->value.len)
    hlen++;
  if (sizeof scheme - 1 + hlen + rlen >= sizeof d->location)
    return SY_R_TARGET_TOO_LONG; /* §3 of RFC 9112: longer than this server parses */
  memcpy(d->location, scheme, sizeof scheme - 1);
  memcpy(d->location + sizeof scheme - 1, host->value.ptr, hlen);
  memcpy(d->location + sizeof scheme - 1 + hlen, rest, rlen);
  d->location[sizeof scheme - 1 + hlen + rlen] = '\0';
  return SY_R_SECURE_REDIRECT;
}

static int policy_has_tls(const struct sy_policy *pol)
{
  for (size_t i = 0; i < pol->n_routes; i++)
    if (pol->routes[i].kind == SY_ROUTE_TLS || pol->routes[i].kind == SY_ROUTE_TLS_REQUIRED)
      return 1;
  return 0;
}

/* The value of Upgrade in a 426 (RFC 9110 §15.5.22: MUST send one). */
static const char *required_upgrade(enum sy_reason r)
{
  switch (r) {
  case SY_R_H2C_REQUIRED:
  case SY_R_H2C_HTTP10:
  case SY_R_H2C_CONNECTION_OPTIONS:
  case SY_R_H2C_SETTINGS_MISSING:
  case SY_R_H2C_SETTINGS_REPEATED:
  case SY_R_H2C_SETTINGS_INVALID:
    return "h2c";
  case SY_R_TLS_REQUIRED:
  case SY_R_TLS_HTTP10:
  case SY_R_TLS_NO_CONNECTION_UPGRADE:
    return "TLS/1.2, HTTP/1.1"; /* RFC 2817 §4.2's advertisement */
  default:
    return "websocket";
  }
}

static void switch_fields(const struct sy_request *req, struct sy_decision *d)
{
  d->fate = SY_FATE_SWITCH;
  d->switch_offset = req->message_len;
  if (d->reason == SY_R_H2C_SWITCH) {
    d->proto = SY_PROTO_H2C;
    add(d, "Connection", "Upgrade");
    add(d, "Upgrade", "h2c");
  } else if (d->reason == SY_R_TLS_SWITCH) {
    d->proto = SY_PROTO_TLS;
    add(d, "Upgrade", tls_stack(req));
    add(d, "Connection", "Upgrade");
  } else {
    d->proto = SY_PROTO_WEBSOCKET;
    add(d, "Upgrade", "websocket");
    add(d, "Connection", "Upgrade");
    add(d, "Sec-WebSocket-Accept", NULL); /* value: d->accept */
  }
}

void sy_decide_switched(const struct sy_request *req, struct sy_decision *d)
{
  memset(d, 0, sizeof *d);
  set(d, served(req));
  d->head_only = req->method_id == SY_M_HEAD;
  d->consumed = req->message_len;
  if (d->reason == SY_R_OPTIONS_SERVED)
    add(d, "Allow", "GET, HEAD, OPTIONS, POST");
}

/* A plain route (RFC 9110 §9.3): GET and HEAD served, OPTIONS answered, an offer ignored. */
static void plain_route(const struct sy_request *req, struct sy_decision *d)
{
  if (req->method_id == SY_M_OPTIONS) {
    set(d, SY_R_OPTIONS_SERVED);
    add(d, "Allow", "GET, HEAD, OPTIONS");
  } else if (req->method_id != SY_M_GET && req->method_id != SY_M_HEAD) {
    set(d, SY_R_METHOD_NOT_ALLOWED);
    add(d, "Allow", "GET, HEAD, OPTIONS");
  } else if (sy_request_field(req, "upgrade", NULL)) {
    set(d, req->version_minor == 0 ? SY_R_UPGRADE_IGNORED_HTTP10 : SY_R_UPGRADE_IGNORED);
  } else {
    set(d, SY_R_SERVED);
  }
}

/* The rule that answers a well-formed request, with the fields its status carries (Allow,
 * Location); the connection's fields are added after (sy_decide). */
static void answer(const struct sy_request *req, const struct sy_policy *pol, struct sy_decision *d)
{
  const struct sy_route *route = route_for(pol, req->path);
  const struct sy_header *expect = sy_request_field(req, "expect", NULL);

  if (req->method_id == SY_M_OTHER || req->method_id == SY_M_CONNECT)
    set(d, SY_R_METHOD_NOT_IMPLEMENTED);
  else if (expect && !req->expect_continue)
    set(d, SY_R_EXPECTATION_FAILED);
  else if (req->method_id == SY_M_OPTIONS && req->target.len == 1 && req->target.ptr[0] == '*') {
    /* RFC 2817 §3.2: the mandatory upgrade is an OPTIONS * offer; it switches when a route
     * serves TLS. RFC 9110 §9.3.7: otherwise OPTIONS * is about the server in general. */
    if (policy_has_tls(pol) && sy_request_field(req, "upgrade", NULL) &&
        tls_offer(req) == SY_R_TLS_SWITCH)
      set(d, SY_R_TLS_SWITCH);
    else {
      set(d, SY_R_OPTIONS_SERVED);
      add(d, "Allow", "GET, HEAD, OPTIONS");
    }
  } else if (route == NULL)
    set(d, SY_R_NOT_FOUND);
  else if (route->kind == SY_ROUTE_PLAIN)
    plain_route(req, d);
  else if (route->kind == SY_ROUTE_SECURE_REDIRECT) {
    set(d, secure_redirect(req, d));
    if (d->reason == SY_R_SECURE_REDIRECT)
      add(d, "Location", d->location);
  } else if (route->kind != SY_ROUTE_WEBSOCKET) {
    if (req->method_id != SY_M_GET && req->method_id != SY_M_HEAD &&
        req->method_id != SY_M_OPTIONS && req->method_id != SY_M_POST) {
      set(d, SY_R_METHOD_NOT_ALLOWED);
      add(d, "Allow", "GET, HEAD, OPTIONS, POST");
    } else {
      set(d, switching_route(req, route->kind));
      if (d->reason == SY_R_OPTIONS_SERVED)
        add(d, "Allow", "GET, HEAD, OPTIONS, POST");
    }
  } else if (req->method_id != SY_M_GET) {
    set(d, SY_R_WS_METHOD);
    d->status = pol->ws_method_status == 400 ? 400 : 405;
    if (d->status == 405)
      add(d, "Allow", "GET");
  } else if (req->version_minor == 0) {
    set(d, SY_R_WS_HTTP10); /* RFC 9110 §7.8: a server MUST ignore Upgrade in HTTP/1.0 */
  } else {
    set(d, websocket(req, d));
  }
}

/* A response that does not switch: the connection stays HTTP/1.1 (RFC 9110 §7.8) or closes. */
static void http_fields(const struct sy_request *req, struct sy_decision *d, int keep_alive)
{
  d->accept[0] = '\0';
  d->fate = keep_alive ? SY_FATE_KEEP_ALIVE : SY_FATE_CLOSE;
  if (d->status == 426) {
    /* RFC 9110 §15.5.22: a 426 MUST send Upgrade; the option goes in Connection (§7.8). */
    add(d, "Upgrade", required_upgrade(d->reason));
    /* An HTTP/1.0 connection persists only if the response says keep-alive (RFC 9112 §9.3). */
    add(d, "Connection",
        !keep_alive ? "Upgrade, close" : req->version_minor == 0 ? "Upgrade, keep-alive"
                                                                 : "Upgrade");
    if (d->reason == SY_R_WS_VERSION_MISSING || d->reason == SY_R_WS_VERSION_UNSUPPORTED)
      add(d, "Sec-WebSocket-Version", "13"); /* RFC 6455 §4.4 */
  } else if (!keep_alive) {
    add(d, "Connection", "close");
  } else if (req->version_minor == 0) {
    add(d, "Connection", "keep-alive");
  }
}

void sy_decide(const struct sy_request *req, const struct sy_policy *pol, struct sy_decision *d)
{
  struct sy_list conn;
  size_t conn_lines;
  int keep_alive;

  memset(d, 0, sizeof *d);
  d->consumed = req->message_len;
  d->fate = SY_FATE_CLOSE;
  if (req->error != SY_R_NONE) {
    /* A malformed message: the framing cannot be trusted, so always close (RFC 9112 §6.3). */
    set(d, req->error);
    add(d, "Connection", "close");
    return;
  }
  if (list_of(req, "connection", SY_LIST_TOKENS, &conn, &conn_lines) < 0) {
    set(d, SY_R_CONNECTION_SYNTAX);
    add(d, "Connection", "close");
    return;
  }
  /* RFC 9112 §9.6: "close" means close, wherever it is in the list, also past the
   * SY_MAX_LIST_ITEMS elements list_of() keeps. */
  keep_alive = req->keep_alive && !lists_token(req, "connection", SY_LIST_TOKENS, "close", 0);
  d->head_only = req->method_id == SY_M_HEAD;
  answer(req, pol, d);
  if (d->status == 101)
    switch_fields(req, d);
  else
    http_fields(req, d, keep_alive);
}

void sy_decide_reject(struct sy_decision *d, enum sy_reason r)
{
  memset(d, 0, sizeof *d);
  set(d, r);
  d->fate = SY_FATE_CLOSE;
  add(d, "Connection", "close");
}
