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
  for (size_t i = 0; i < pol->n_routes; i++)
    if (strlen(pol->routes[i].path) == path.len &&
        memcmp(pol->routes[i].path, path.ptr, path.len) == 0)
      return &pol->routes[i];
  return NULL;
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

void sy_decide(const struct sy_request *req, const struct sy_policy *pol, struct sy_decision *d)
{
  struct sy_list conn;
  size_t conn_lines, n;
  const struct sy_route *route;
  const struct sy_header *expect;
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
  /* RFC 9112 §9.6: "close" means close, wherever it is in the list (fuzz_decide found one past
   * the kept SY_MAX_LIST_ITEMS elements ignored: oracle close-option-honoured). */
  keep_alive = req->keep_alive && !lists_token(req, "connection", SY_LIST_TOKENS, "close", 0);
  d->head_only = req->method_id == SY_M_HEAD;
  route = route_for(pol, req->path);
  expect = sy_request_field(req, "expect", &n);

  if (req->method_id == SY_M_OTHER || req->method_id == SY_M_CONNECT)
    set(d, SY_R_METHOD_NOT_IMPLEMENTED);
  else if (expect && !req->expect_continue)
    set(d, SY_R_EXPECTATION_FAILED);
  else if (req->method_id == SY_M_OPTIONS && req->target.len == 1 && req->target.ptr[0] == '*') {
    set(d, SY_R_OPTIONS_SERVED); /* RFC 9110 §9.3.7: OPTIONS * is about the server in general */
    add(d, "Allow", "GET, HEAD, OPTIONS");
  } else if (route == NULL)
    set(d, SY_R_NOT_FOUND);
  else if (route->kind == SY_ROUTE_PLAIN) {
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

  if (d->status == 101) {
    d->fate = SY_FATE_SWITCH;
    d->proto = SY_PROTO_WEBSOCKET;
    d->switch_offset = req->message_len;
    add(d, "Upgrade", "websocket");
    add(d, "Connection", "Upgrade");
    add(d, "Sec-WebSocket-Accept", NULL); /* value: d->accept */
    return;
  }
  d->accept[0] = '\0';
  /* A refused or ignored upgrade leaves the connection in HTTP/1.1 (RFC 9110 §7.8). */
  d->fate = keep_alive ? SY_FATE_KEEP_ALIVE : SY_FATE_CLOSE;
  if (d->status == 426) {
    /* RFC 9110 §15.5.22: a 426 MUST send Upgrade; the option goes in Connection (§7.8). */
    add(d, "Upgrade", "websocket");
    /* An HTTP/1.0 connection persists only if the response says keep-alive (RFC 9112 §9.3). */
    add(d, "Connection",
        !keep_alive ? "Upgrade, close" : req->version_minor == 0 ? "Upgrade, keep-alive" : "Upgrade");
    if (d->reason == SY_R_WS_VERSION_MISSING || d->reason == SY_R_WS_VERSION_UNSUPPORTED)
      add(d, "Sec-WebSocket-Version", "13"); /* RFC 6455 §4.4 */
  } else if (!keep_alive) {
    add(d, "Connection", "close");
  } else if (req->version_minor == 0) {
    add(d, "Connection", "keep-alive");
  }
}

void sy_decide_reject(struct sy_decision *d, enum sy_reason r)
{
  memset(d, 0, sizeof *d);
  set(d, r);
  d->fate = SY_FATE_CLOSE;
  add(d, "Connection", "close");
}

int sy_handle(const struct sy_policy *pol, const char *buf, size_t len, struct sy_request *req,
              struct sy_decision *d)
{
  int rc = sy_request_parse(req, buf, len);
  if (rc > 0)
    sy_decide(req, pol, d);
  return rc;
}
