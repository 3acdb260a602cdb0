/* SPDX-License-Identifier: MIT */
/* wsaccept.c: Sec-WebSocket-Key validation (our own, strict) and Sec-WebSocket-Accept through
 * OpenSSL's libcrypto (RFC 6455 §4.2.2: base64(SHA-1(key + GUID))). */
#include <string.h>

#include <openssl/evp.h> /* EVP_EncodeBlock: base64 */
#include <openssl/sha.h>

#include "chars.h"
#include "switchyard.h"

static const char ws_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"; /* RFC 6455 §1.3 */

/* 16 bytes = 5 full quantums + 1 byte: 22 data chars from the standard alphabet + "==".
 * The 22nd char carries 2 data bits; its 4 pad bits may be non-zero: RFC 4648 §3.5 only says
 * decoders MAY reject that, and RFC 6455 §4.1's own example key (AQIDBAUGBwgJCgsMDQ4PEC==) has
 * them set. */
int sy_ws_key_valid(const char *key, size_t len)
{
  if (key == NULL || len != SY_WS_KEY_LEN || key[22] != '=' || key[23] != '=')
    return 0;
  for (size_t i = 0; i < 22; i++)
    if (sy__base64_digit((unsigned char)key[i], 0) < 0)
      return 0;
  return 1;
}

int sy_ws_accept(const char *key, size_t len, char out[SY_WS_ACCEPT_LEN + 1])
{
  unsigned char digest[SHA_DIGEST_LENGTH];
  unsigned char msg[256 + sizeof ws_guid];
  if (key == NULL || out == NULL || len > 256)
    return SY_EINVAL;
  memcpy(msg, key, len);
  memcpy(msg + len, ws_guid, sizeof ws_guid - 1);
  SHA1(msg, len + sizeof ws_guid - 1, digest); /* one-shot SHA1() is not deprecated in 3.0 */
  if (EVP_EncodeBlock((unsigned char *)out, digest, SHA_DIGEST_LENGTH) != SY_WS_ACCEPT_LEN)
    return SY_EINVAL;
  out[SY_WS_ACCEPT_LEN] = '\0';
  return 0;
}
