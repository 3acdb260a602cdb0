/* SPDX-License-Identifier: MIT */
/* rfc_keys.c: HTTP2-Settings values and WebSocket keys and accepts, checked through OpenSSL's
 * base64 and SHA-1 (RFC 7540 §3.2.1, RFC 6455 §4.1, §4.2.2) rather than the core's code. */
#include <string.h>

#include <openssl/evp.h>

#include "oracles.h"

int oc_h2_settings_valid(const uint8_t *v, size_t n, uint8_t *out, size_t *out_len)
{
  /* The value limit the core names: longer values are refused there (SY_ENOSPC). */
  unsigned char std[4 * SY_H2_MAX_SETTINGS_BYTES / 3 + 8], raw[SY_H2_MAX_SETTINGS_BYTES + 8];
  unsigned char again[sizeof std];
  size_t padded = n, m;
  int got;
  static const struct {
    unsigned id;
    uint32_t min, max;
  } rules[] = {{0x2, 0, 1}, {0x4, 0, 0x7fffffffu}, {0x5, 0x4000u, 0xffffffu}, {0x8, 0, 1} /* RFC 8441 §3 */, {0x9, 0, 1} /* RFC 9218 §2.1 */};

  if (n == 0 || n % 4 == 1 || n + 3 >= sizeof std)
    return 0; /* §3.2.1: token68 has one character at least */
  /* base64url -> base64 (RFC 4648 §5 vs §4); '=' is not allowed at all (§3.2.1). */
  for (size_t i = 0; i < n; i++) {
    unsigned char c = v[i];
    if (c == '-')
      c = '+';
    else if (c == '_')
      c = '/';
    else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
      return 0;
    std[i] = c;
  }
  while (padded % 4)
    std[padded++] = '=';
  got = EVP_DecodeBlock(raw, std, (int)padded);
  if (got < 0)
    return 0;
  m = (size_t)got - (padded - n); /* EVP_DecodeBlock counts the pad as zero bytes */
  if (m > SY_H2_MAX_SETTINGS_BYTES)
    return 0;
  /* Canonical: the bytes encode back to the same characters (zero pad bits, RFC 4648 §3.5). */
  if (EVP_EncodeBlock(again, raw, (int)m) != (int)padded || memcmp(again, std, n) != 0)
    return 0;
  if (m % 6)
    return 0; /* §6.5: FRAME_SIZE_ERROR */
  for (size_t i = 0; i < m; i += 6) {
    unsigned id = (unsigned)raw[i] << 8 | raw[i + 1];
    uint32_t val = (uint32_t)raw[i + 2] << 24 | (uint32_t)raw[i + 3] << 16 |
                   (uint32_t)raw[i + 4] << 8 | raw[i + 5];
    for (size_t k = 0; k < sizeof rules / sizeof rules[0]; k++)
      if (rules[k].id == id && (val < rules[k].min || val > rules[k].max))
        return 0;
  }
  if (out)
    memcpy(out, raw, m);
  if (out_len)
    *out_len = m;
  return 1;
}

/* ---- WebSocket key and accept through OpenSSL ---- */

int oc_ws_key_valid(const uint8_t *key, size_t len)
{
  unsigned char raw[32], again[40];
  int n;
  if (len != SY_WS_KEY_LEN)
    return 0; /* the canonical base64 of 16 bytes is 24 characters (RFC 4648 §4) */
  n = EVP_DecodeBlock(raw, key, (int)len);
  if (n != 18)
    return 0;
  /* Decoding is lenient (whitespace, non-zero pad bits, data after "=" ...): a key is valid iff
   * the 16 decoded bytes encode back to the same 24 characters, except that the 22nd may differ
   * in its 4 pad bits (accepted, as in RFC 6455 §4.1's example key). Re-encoding the 16 bytes
   * with those bits forced to the key's own value must give the key back. */
  n = EVP_EncodeBlock(again, raw, 16);
  if (n != 24 || memcmp(again, key, 21) != 0 || memcmp(again + 22, key + 22, 2) != 0)
    return 0;
  {
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *k = memchr(b64, key[21], 64), *a = memchr(b64, again[21], 64);
    return key[21] != '\0' && k != NULL && a != NULL && ((k - b64) >> 4) == ((a - b64) >> 4);
  }
}

void oc_ws_accept(const uint8_t *key, size_t len, char out[SY_WS_ACCEPT_LEN + 1])
{
  static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"; /* RFC 6455 §1.3 */
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0;
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  if (ctx == NULL || !EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) ||
      !EVP_DigestUpdate(ctx, key, len) || !EVP_DigestUpdate(ctx, guid, sizeof guid - 1) ||
      !EVP_DigestFinal_ex(ctx, md, &mdlen))
    oc_fail("oracle-setup", "RFC 6455 §4.2.2", "OpenSSL SHA-1 failed");
  EVP_MD_CTX_free(ctx);
  EVP_EncodeBlock((unsigned char *)out, md, (int)mdlen);
  out[SY_WS_ACCEPT_LEN] = '\0';
}
