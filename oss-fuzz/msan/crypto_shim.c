/* SPDX-License-Identifier: MIT */
/* crypto_shim.c: the libcrypto functions the Switchyard core (wsaccept.c) and the fuzz oracles
 * (fuzzers/rfc_keys.c) call, compiled with the fuzz build's own $CC $CFLAGS. Every MemorySanitizer
 * fuzz build links it instead of libcrypto (mk/fuzz.mk): locally, on OSS-Fuzz and on
 * ClusterFuzzLite alike.
 *
 * Why: MSan needs every byte-writing function to be instrumented. Debian's libcrypto is not, and a
 * target linked with it reports use-of-uninitialized-value inside OpenSSL's own config loading on
 * the first SHA1() call. A static libcrypto cannot be "unpoisoned" at the boundary either, because
 * the false reports come from inside it.
 *
 * Scope: exactly what the core (wsaccept.c) and the fuzz oracles (fuzzers/rfc_keys.c) call:
 *   SHA1() one-shot; EVP_MD_CTX_new/free, EVP_sha1, EVP_DigestInit_ex/Update/Final_ex for SHA-1
 *   only (FIPS 180-4); EVP_EncodeBlock and EVP_DecodeBlock with OpenSSL's exact quirks (decode
 *   trims leading SP/HTAB, drops trailing SP/HTAB/LF/CR/'-', maps '=' to 0, returns 3 per quantum).
 * The OpenSSL headers are included, so a prototype drift fails to compile. Any other libcrypto
 * symbol a fuzz build starts using fails the MSan link loudly (no libcrypto is linked): extend this
 * file (and its test). crypto_shim_test.c compares every function with
 * the real libcrypto (vectors, all lengths 0..300, every byte value at every key position, random
 * strings); oss-fuzz/emulator/check.py runs it before it trusts an MSan build that uses this file.
 *
 * SHIM_PREFIX renames the definitions (shim_SHA1, ...) so the comparison can link both. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#ifdef SHIM_PREFIX
#include "crypto_shim.h"
#define SHIM(name) shim_##name
#else
#define SHIM(name) name
#endif

/* EVP_MD and EVP_MD_CTX are opaque in OpenSSL's headers; the shim gives them its own bodies. */
struct evp_md_st {
  int nid;
};
struct evp_md_ctx_st {
  const EVP_MD *md;
  uint32_t h[5];
  unsigned char buf[64];
  size_t buflen;
  uint64_t total;
};
static const EVP_MD shim_sha1_md = {64}; /* NID_sha1 */

static uint32_t rol32(uint32_t x, unsigned n)
{
  return (x << n) | (x >> (32 - n));
}

static void sha1_block(uint32_t h[5], const unsigned char *p)
{
  uint32_t w[80];
  for (int i = 0; i < 16; i++)
    w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 |
           (uint32_t)p[4 * i + 3];
  for (int i = 16; i < 80; i++)
    w[i] = rol32(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
  for (int i = 0; i < 80; i++) {
    uint32_t f, k;
    if (i < 20) {
      f = (b & c) | (~b & d);
      k = 0x5a827999u;
    } else if (i < 40) {
      f = b ^ c ^ d;
      k = 0x6ed9eba1u;
    } else if (i < 60) {
      f = (b & c) | (b & d) | (c & d);
      k = 0x8f1bbcdcu;
    } else {
      f = b ^ c ^ d;
      k = 0xca62c1d6u;
    }
    uint32_t t = rol32(a, 5) + f + e + k + w[i];
    e = d;
    d = c;
    c = rol32(b, 30);
    b = a;
    a = t;
  }
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
  h[4] += e;
}

static void sha1_init(EVP_MD_CTX *c)
{
  static const uint32_t iv[5] = {0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u, 0xc3d2e1f0u};
  memcpy(c->h, iv, sizeof iv);
  c->buflen = 0;
  c->total = 0;
}

static void sha1_update(EVP_MD_CTX *c, const unsigned char *d, size_t n)
{
  c->total += n;
  if (c->buflen) {
    size_t take = 64 - c->buflen < n ? 64 - c->buflen : n;
    memcpy(c->buf + c->buflen, d, take);
    c->buflen += take;
    d += take;
    n -= take;
    if (c->buflen < 64)
      return;
    sha1_block(c->h, c->buf);
    c->buflen = 0;
  }
  for (; n >= 64; d += 64, n -= 64)
    sha1_block(c->h, d);
  memcpy(c->buf, d, n);
  c->buflen = n;
}

static void sha1_final(EVP_MD_CTX *c, unsigned char md[SHA_DIGEST_LENGTH])
{
  uint64_t bits = c->total * 8;
  unsigned char pad[72] = {0x80};
  size_t padlen = c->buflen < 56 ? 56 - c->buflen : 120 - c->buflen;
  for (int i = 0; i < 8; i++)
    pad[padlen + i] = (unsigned char)(bits >> (56 - 8 * i));
  sha1_update(c, pad, padlen + 8);
  for (int i = 0; i < 5; i++) {
    md[4 * i] = (unsigned char)(c->h[i] >> 24);
    md[4 * i + 1] = (unsigned char)(c->h[i] >> 16);
    md[4 * i + 2] = (unsigned char)(c->h[i] >> 8);
    md[4 * i + 3] = (unsigned char)c->h[i];
  }
}

unsigned char *SHIM(SHA1)(const unsigned char *d, size_t n, unsigned char *md)
{
  static unsigned char m[SHA_DIGEST_LENGTH]; /* OpenSSL's md == NULL convention */
  EVP_MD_CTX c;
  if (md == NULL)
    md = m;
  sha1_init(&c);
  sha1_update(&c, d, n);
  sha1_final(&c, md);
  return md;
}

const EVP_MD *SHIM(EVP_sha1)(void)
{
  return &shim_sha1_md;
}

EVP_MD_CTX *SHIM(EVP_MD_CTX_new)(void)
{
  return calloc(1, sizeof(EVP_MD_CTX));
}

void SHIM(EVP_MD_CTX_free)(EVP_MD_CTX *ctx)
{
  free(ctx);
}

int SHIM(EVP_DigestInit_ex)(EVP_MD_CTX *ctx, const EVP_MD *type, ENGINE *impl)
{
  if (ctx == NULL || type != &shim_sha1_md || impl != NULL)
    return 0; /* only SHA-1 exists here: anything else must fail, never pretend */
  ctx->md = type;
  sha1_init(ctx);
  return 1;
}

int SHIM(EVP_DigestUpdate)(EVP_MD_CTX *ctx, const void *d, size_t cnt)
{
  if (ctx == NULL || ctx->md != &shim_sha1_md)
    return 0;
  sha1_update(ctx, d, cnt);
  return 1;
}

int SHIM(EVP_DigestFinal_ex)(EVP_MD_CTX *ctx, unsigned char *md, unsigned int *s)
{
  if (ctx == NULL || ctx->md != &shim_sha1_md)
    return 0;
  sha1_final(ctx, md);
  if (s != NULL)
    *s = SHA_DIGEST_LENGTH;
  ctx->md = NULL;
  return 1;
}

/* Like OpenSSL: writes 4 * ceil(n / 3) characters plus a NUL, returns the character count. */
int SHIM(EVP_EncodeBlock)(unsigned char *t, const unsigned char *f, int n)
{
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  int out = 0;
  for (int i = 0; i < n; i += 3) {
    uint32_t v = (uint32_t)f[i] << 16;
    if (i + 1 < n)
      v |= (uint32_t)f[i + 1] << 8;
    if (i + 2 < n)
      v |= f[i + 2];
    t[out++] = (unsigned char)alphabet[(v >> 18) & 63];
    t[out++] = (unsigned char)alphabet[(v >> 12) & 63];
    t[out++] = (unsigned char)(i + 1 < n ? alphabet[(v >> 6) & 63] : '=');
    t[out++] = (unsigned char)(i + 2 < n ? alphabet[v & 63] : '=');
  }
  t[out] = '\0';
  return out;
}

/* OpenSSL's decode classes: 0..63 (and '=' as 0), leading-trimmable (SP, HTAB), trailing-only
 * droppable (LF, CR, '-'), and error (everything else, including every byte >= 0x80). */
enum { B64_WS = 0x100,
       B64_TRAIL = 0x101,
       B64_ERR = 0x102 };
static int b64_class(unsigned char c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == '/')
    return 63;
  if (c == '=')
    return 0;
  if (c == ' ' || c == '\t')
    return B64_WS;
  if (c == '\n' || c == '\r' || c == '-')
    return B64_TRAIL;
  return B64_ERR;
}

int SHIM(EVP_DecodeBlock)(unsigned char *t, const unsigned char *f, int n)
{
  int ret = 0;
  while (n > 0 && b64_class(*f) == B64_WS) {
    f++;
    n--;
  }
  while (n > 3 && (b64_class(f[n - 1]) == B64_WS || b64_class(f[n - 1]) == B64_TRAIL))
    n--;
  if (n % 4 != 0)
    return -1;
  for (int i = 0; i < n; i += 4) {
    int a = b64_class(f[i]), b = b64_class(f[i + 1]), c = b64_class(f[i + 2]),
        d = b64_class(f[i + 3]);
    if ((a | b | c | d) > 63)
      return -1;
    uint32_t l = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | (uint32_t)d;
    *t++ = (unsigned char)(l >> 16);
    *t++ = (unsigned char)(l >> 8);
    *t++ = (unsigned char)l;
    ret += 3;
  }
  return ret;
}
