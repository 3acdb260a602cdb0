/* SPDX-License-Identifier: MIT */
/* settings.c: the HTTP2-Settings field of an h2c offer (RFC 7540 §3.2.1): base64url without
 * padding (RFC 4648 §5) of a SETTINGS frame payload (§6.5), judged as that frame would be. Pure;
 * sy_decide asks it before any switch, so an invalid value never reaches libnghttp2. */
#include "chars.h"
#include "switchyard.h"

/* Identifiers with constrained values: RFC 7540 §6.5.2, and two registered since whose values
 * are 0 or 1 (a PROTOCOL_ERROR otherwise): RFC 8441 §3 and RFC 9218 §2.1. The HTTP/2 library
 * after the switch judges the same payload by the same rules (fuzz_h2settings checks that). */
enum {
  SETTINGS_ENABLE_PUSH = 0x2,
  SETTINGS_INITIAL_WINDOW_SIZE = 0x4,
  SETTINGS_MAX_FRAME_SIZE = 0x5,
  SETTINGS_ENABLE_CONNECT_PROTOCOL = 0x8,
  SETTINGS_NO_RFC7540_PRIORITIES = 0x9,
};
#define SETTING_BYTES 6 /* 16-bit identifier, 32-bit value (§6.5.1) */

int sy_base64url_decode(const char *in, size_t len, uint8_t *out, size_t cap)
{
  uint32_t acc = 0;
  unsigned bits = 0;
  size_t n = 0;

  if (in == NULL && len)
    return SY_EINVAL;
  if (len % 4 == 1)
    return SY_ESYNTAX; /* one character carries only 6 bits: no whole byte */
  for (size_t i = 0; i < len; i++) {
    int v = sy__base64_digit((unsigned char)in[i], 1);
    if (v < 0)
      return SY_ESYNTAX; /* '=' included: §3.2.1 says "with any trailing '=' characters omitted" */
    acc = acc << 6 | (uint32_t)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (n == cap)
        return SY_ENOSPC;
      out[n++] = (uint8_t)(acc >> bits);
      acc &= (1u << bits) - 1;
    }
  }
  /* RFC 4648 §3.5: the pad bits of the last character are zero in a canonical encoding. */
  if (acc != 0)
    return SY_ESYNTAX;
  return (int)n;
}

int sy_h2_settings_check(const uint8_t *p, size_t n)
{
  if (n % SETTING_BYTES)
    return SY_ESYNTAX; /* §6.5: FRAME_SIZE_ERROR */
  for (size_t i = 0; i < n; i += SETTING_BYTES) {
    unsigned id = (unsigned)p[i] << 8 | p[i + 1];
    uint32_t v = (uint32_t)p[i + 2] << 24 | (uint32_t)p[i + 3] << 16 | (uint32_t)p[i + 4] << 8 |
                 p[i + 5];
    if ((id == SETTINGS_ENABLE_PUSH || id == SETTINGS_ENABLE_CONNECT_PROTOCOL ||
         id == SETTINGS_NO_RFC7540_PRIORITIES) &&
        v > 1)
      return SY_ESYNTAX; /* PROTOCOL_ERROR */
    if (id == SETTINGS_INITIAL_WINDOW_SIZE && v > 0x7fffffffu)
      return SY_ESYNTAX; /* FLOW_CONTROL_ERROR */
    if (id == SETTINGS_MAX_FRAME_SIZE && (v < 0x4000u || v > 0xffffffu))
      return SY_ESYNTAX; /* PROTOCOL_ERROR */
  }
  return 0;
}

int sy_h2_settings_value(const char *value, size_t len, uint8_t *out, size_t cap, size_t *n)
{
  int rc;
  if (len == 0)
    return SY_ESYNTAX; /* §3.2.1: HTTP2-Settings = token68, one character at least */
  rc = sy_base64url_decode(value, len, out, cap);
  if (rc < 0)
    return rc;
  if (sy_h2_settings_check(out, (size_t)rc) < 0)
    return SY_ESYNTAX;
  *n = (size_t)rc;
  return 0;
}
