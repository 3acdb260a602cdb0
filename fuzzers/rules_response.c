/* SPDX-License-Identifier: MIT */
/* rules_response.c: the oracles about the bytes the core sends: a rendered response re-parsed
 * by llhttp, and the WebSocket frames after a 101. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "oracles.h"

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

/* Smaller buffers are refused and never written past (exact-size heap copies): no room at all,
 * room for part of the head, and one byte short (the cut lands in the body or the last CRLF). */
static void check_render_bounded(const struct sy_decision *d, int n)
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

/* llhttp parses the bytes back to the decided status, with our exact status line. */
static void check_wellformed(const struct sy_decision *d, const uint8_t *out, int n,
                             struct oc_resp *r)
{
  const char *why = "";
  char line[64];
  int ln;
  OC_CHECK(oc_parse_response(r, out, (size_t)n, d->head_only, &why) == 1, "response-wellformed",
           "RFC 9112 §4", "llhttp (response mode) refused our %d response: %s", d->status, why);
  OC_CHECK(r->len == (size_t)n, "response-wellformed", "RFC 9112 §6.3",
           "the %d response is %d bytes but its framing ends at %zu", d->status, n, r->len);
  OC_CHECK(r->status == d->status && r->major == 1 && r->minor == 1, "response-wellformed",
           "RFC 9112 §4", "re-parsed status %d HTTP/%d.%d, decided %d", r->status, r->major,
           r->minor, d->status);
  ln = snprintf(line, sizeof line, "HTTP/1.1 %03d %s\r\n", d->status, sy_status_phrase(d->status));
  OC_CHECK(ln > 0 && (size_t)ln <= (size_t)n && memcmp(out, line, (size_t)ln) == 0 &&
               strcmp(sy_status_phrase(d->status), "Unknown") != 0,
           "response-wellformed", "RFC 9112 §4", "status line is not \"%.*s\"", ln - 2, line);
}

/* The decision's fields, in order, then only Content-Type / Content-Length; no name twice. */
static void check_fields(const struct sy_decision *d, const struct oc_resp *r)
{
  size_t k;
  OC_CHECK(r->n_fields >= d->n_fields, "response-fields-match", "RFC 9112 §5",
           "%zu fields re-parsed, %zu decided", r->n_fields, d->n_fields);
  for (k = 0; k < d->n_fields; k++) {
    const char *want = d->fields[k].value ? d->fields[k].value : d->accept;
    const struct oc_field *f = &r->fields[k];
    OC_CHECK(f->nlen == strlen(d->fields[k].name) &&
                 memcmp(f->name, d->fields[k].name, f->nlen) == 0 && f->vlen == strlen(want) &&
                 (f->vlen == 0 || memcmp(f->value, want, f->vlen) == 0),
             "response-fields-match", "RFC 9112 §5", "field %zu is %.*s: %.*s, decided %s: %s", k,
             (int)f->nlen, f->name, (int)f->vlen, f->value ? f->value : "", d->fields[k].name,
             want);
  }
  for (; k < r->n_fields; k++)
    OC_CHECK(oc_ieq(r->fields[k].name, r->fields[k].nlen, "content-type") ||
                 oc_ieq(r->fields[k].name, r->fields[k].nlen, "content-length"),
             "response-fields-match", "RFC 9112 §5", "unexpected field %.*s",
             (int)r->fields[k].nlen, r->fields[k].name);
  for (size_t i = 0; i < r->n_fields; i++)
    for (size_t j = i + 1; j < r->n_fields; j++)
      OC_CHECK(!(r->fields[i].nlen == r->fields[j].nlen &&
                 strncasecmp(r->fields[i].name, r->fields[j].name, r->fields[i].nlen) == 0),
               "no-repeated-field", "RFC 9110 §5.3", "field %.*s sent twice",
               (int)r->fields[i].nlen, r->fields[i].name);
}

/* RFC 9110 §8.6: no Content-Length in 1xx and 204; otherwise it frames the body. */
static void check_content_length(const struct sy_decision *d, const struct oc_resp *r)
{
  const char *v;
  size_t vlen;
  if (d->status < 200 || d->status == 204) {
    OC_CHECK(!oc_resp_field(r, "content-length", NULL, NULL) && r->body_len == 0,
             "content-length-rules", "RFC 9110 §8.6", "%d response with Content-Length or a body",
             d->status);
    return;
  }
  OC_CHECK(oc_resp_field(r, "content-length", &v, &vlen), "content-length-rules", "RFC 9112 §6.3",
           "%d response without Content-Length (the connection may stay open)", d->status);
  if (d->head_only) {
    char want[24];
    int wl = snprintf(want, sizeof want, "%zu", expected_body_len(d));
    OC_CHECK(r->body_len == 0 && vlen == (size_t)wl && memcmp(v, want, vlen) == 0,
             "content-length-rules", "RFC 9110 §9.3.2",
             "HEAD response: body %zu, Content-Length %.*s, GET would send %s", r->body_len,
             (int)vlen, v, want);
  }
}

/* Upgrade-related fields: the protocol switched to or required (RFC 2817 §3.3 and §4.2 for
 * TLS: "TLS/1.x, HTTP/1.1", the stack bottom-up). */
static void check_upgrade_fields(const struct sy_decision *d, const struct oc_resp *r)
{
  const char *v;
  size_t vlen;
  if (d->status == 101 || d->status == 426) {
    const char *name = sy_reason_name(d->reason);
    int h2c = d->proto == SY_PROTO_H2C || strncmp(name, "H2C_", 4) == 0;
    int tls = d->proto == SY_PROTO_TLS || strncmp(name, "TLS_", 4) == 0;
    int offered = tls ? oc_resp_list_has(r, "upgrade", "TLS/1.2") ||
                            oc_resp_list_has(r, "upgrade", "TLS/1.3")
                      : oc_resp_list_has(r, "upgrade", h2c ? "h2c" : "websocket");
    OC_CHECK(offered && oc_resp_list_has(r, "connection", "upgrade"),
             d->status == 101 ? "101-carries-upgrade" : "426-carries-upgrade",
             d->status == 101 ? "RFC 9110 §15.2.2" : "RFC 9110 §15.5.22",
             "%d without Upgrade: %s and the upgrade connection option", d->status,
             tls ? "TLS/1.x" : h2c ? "h2c"
                                   : "websocket");
  }
  if (d->status == 101 && d->proto == SY_PROTO_WEBSOCKET) {
    OC_CHECK(r->upgrade && r->body_len == 0, "101-carries-upgrade", "RFC 9110 §15.2.2",
             "llhttp does not see the 101 as a protocol switch");
    OC_CHECK(oc_resp_field(r, "sec-websocket-accept", &v, &vlen) && vlen == SY_WS_ACCEPT_LEN &&
                 memcmp(v, d->accept, vlen) == 0,
             "accept-value", "RFC 6455 §4.2.2", "101 without the decided Sec-WebSocket-Accept");
  }
  if (d->reason == SY_R_WS_VERSION_MISSING || d->reason == SY_R_WS_VERSION_UNSUPPORTED)
    OC_CHECK(d->status == 426 && oc_resp_list_has(r, "sec-websocket-version", "13"),
             "version-426-names-13", "RFC 6455 §4.4",
             "version mismatch answered %d without Sec-WebSocket-Version: 13", d->status);
}

size_t oc_render_checked(const struct sy_decision *d, uint8_t *out)
{
  struct oc_resp r;
  int n = sy_render(d, (char *)out, SY_MAX_RESPONSE_BYTES);

  OC_CHECK(n > 0 && (size_t)n <= SY_MAX_RESPONSE_BYTES, "render-fits", "switchyard.h sy_render",
           "sy_render returned %d for %d %s", n, d->status, sy_reason_name(d->reason));
  check_render_bounded(d, n);
  check_wellformed(d, out, n, &r);
  check_fields(d, &r);
  check_content_length(d, &r);
  check_upgrade_fields(d, &r);
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
