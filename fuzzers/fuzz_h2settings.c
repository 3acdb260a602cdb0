/* SPDX-License-Identifier: MIT */
/* fuzz_h2settings.c: the HTTP2-Settings field of an h2c offer (settings.c).
 * Input: the field value. Oracles: sy_base64url_decode and sy_h2_settings_value agree with an
 * independent reading (OpenSSL's base64 decoder after mapping the URL alphabet, re-encoded to the
 * same characters, then the §6.5.2 value rules written from the RFC: oc_h2_settings_valid); the
 * input read as a raw payload is judged the same by sy_h2_settings_check and that model; a
 * payload the core accepts is one libnghttp2 accepts for an upgrade (nghttp2_session_upgrade2:
 * the core never says 101 to settings the HTTP/2 session then refuses; not in SY_NO_SESSIONS
 * builds); and in an h2c offer on /h2c-required the core switches iff the value is valid. */
#include <stdlib.h>
#include <string.h>

#ifndef SY_NO_SESSIONS
#include <nghttp2/nghttp2.h>
#endif

#include "oracles.h"

static const char pre[] = "GET /h2c-required HTTP/1.1\r\nHost: example.com\r\nUpgrade: h2c\r\n"
                          "Connection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: ";
static const char post[] = "\r\n\r\n";

/* base64url without padding (RFC 4648 §5): out gets 4 characters per 3 bytes, 2 or 3 for the
 * tail; returns how many. */
static size_t b64url_encode(const uint8_t *in, size_t n, char *out)
{
  static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  size_t o = 0;
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) |
                 (i + 2 < n ? in[i + 2] : 0);
    int chars = i + 2 < n ? 4 : i + 1 < n ? 3
                                          : 2;
    for (int c = 0; c < chars; c++)
      out[o++] = alpha[(v >> (18 - 6 * c)) & 63];
  }
  return o;
}

#ifndef SY_NO_SESSIONS
/* 1 iff a libnghttp2 server session takes the payload as the upgrade's SETTINGS. */
static int nghttp2_takes(const uint8_t *p, size_t n)
{
  nghttp2_session_callbacks *cb;
  nghttp2_session *s;
  nghttp2_option *opt;
  int rc;
  if (nghttp2_session_callbacks_new(&cb) != 0 || nghttp2_option_new(&opt) != 0)
    abort();
#if NGHTTP2_VERSION_NUM >= 0x012702
  nghttp2_option_set_max_settings(opt, SY_H2_MAX_SETTINGS_BYTES / 6); /* as h2c.c */
#endif
  if (nghttp2_session_server_new2(&s, cb, NULL, opt) != 0)
    abort();
  rc = nghttp2_session_upgrade2(s, p, n, 0, NULL);
  nghttp2_session_del(s);
  nghttp2_option_del(opt);
  nghttp2_session_callbacks_del(cb);
  return rc == 0;
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  uint8_t core[SY_H2_MAX_SETTINGS_BYTES], model[SY_H2_MAX_SETTINGS_BYTES];
  size_t n = 0, m = 0;
  int rc, ok;

  if (size > 4096)
    return 0;
  rc = sy_h2_settings_value((const char *)data, size, core, sizeof core, &n);
  oc_check_errno(rc);
  ok = oc_h2_settings_valid(data, size, model, &m);
  OC_CHECK((rc == 0) == ok, "h2-settings-valid", "RFC 7540 §3.2.1",
           "core says %d, the OpenSSL-decoded model says %d for a %zu-byte value", rc, ok, size);
  OC_CHECK(!ok || (n == m && memcmp(core, model, n) == 0), "h2-settings-decode", "RFC 4648 §5",
           "decoded %zu bytes, the model %zu", n, m);
  /* The decoder alone: whatever it accepts re-encodes to the input (canonical base64url). */
  {
    uint8_t raw[3 * 4096 / 4 + 3];
    int k = sy_base64url_decode((const char *)data, size, raw, sizeof raw);
    OC_CHECK(k >= -4 && k <= (int)(3 * size / 4), "base64url-length", "RFC 4648 §5",
             "%d bytes from %zu characters", k, size);
    if (k >= 0) {
      char *again = malloc(size + 4);
      size_t o = b64url_encode(raw, (size_t)k, again);
      OC_CHECK(o == size && memcmp(again, data, size) == 0, "base64url-canonical", "RFC 4648 §3.5",
               "%zu characters decode to %d bytes that encode to %zu other characters", size, k, o);
      free(again);
    }
  }
  /* The input as a SETTINGS payload. */
  ok = sy_h2_settings_check(data, size) == 0;
  {
    /* the model over the payload: through its own encoding (the model reads base64url) */
    if (size > 0 && size <= SY_H2_MAX_SETTINGS_BYTES) { /* (an empty payload has no token68) */
      char enc[4 * SY_H2_MAX_SETTINGS_BYTES / 3 + 4];
      size_t o = b64url_encode(data, size, enc);
      OC_CHECK(ok == oc_h2_settings_valid((const uint8_t *)enc, o, NULL, NULL),
               "h2-settings-rules", "RFC 7540 §6.5.2", "core says %d for a %zu-byte payload", ok,
               size);
    }
#ifndef SY_NO_SESSIONS
    /* The direction that matters: never a 101 for settings the HTTP/2 session refuses. */
    if (ok && size <= SY_H2_MAX_SETTINGS_BYTES)
      OC_CHECK(nghttp2_takes(data, size), "h2-settings-library-agrees", "RFC 7540 §3.2.1",
               "the core accepts a %zu-byte payload that nghttp2_session_upgrade2 refuses", size);
#endif
  }
  /* End to end: the value in an h2c offer, when it can be a field value at all. */
  for (size_t i = 0; i < size; i++)
    if (data[i] <= 0x20 || data[i] >= 0x7f)
      return 0;
  {
    size_t len = sizeof pre - 1 + size + sizeof post - 1;
    char *req = malloc(len);
    struct sy_request r;
    struct sy_decision d;
    memcpy(req, pre, sizeof pre - 1);
    memcpy(req + sizeof pre - 1, data, size);
    memcpy(req + sizeof pre - 1 + size, post, sizeof post - 1);
    rc = sy_handle(oc_policy(), req, len, &r, &d);
    if (rc > 0 && r.error == SY_R_NONE) {
      oc_check_decision(oc_policy(), &r, &d, (const uint8_t *)req, len);
      OC_CHECK((d.status == 101) == (sy_h2_settings_value((const char *)data, size, core,
                                                          sizeof core, &n) == 0),
               "h2c-switch-iff-valid-settings", "RFC 7540 §3.2.1",
               "h2c offer with a %zu-byte HTTP2-Settings got %d %s", size, d.status,
               sy_reason_name(d.reason));
    }
    free(req);
  }
  return 0;
}
