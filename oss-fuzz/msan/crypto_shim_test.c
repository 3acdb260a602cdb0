/* SPDX-License-Identifier: MIT */
/* crypto_shim_test.c: compares crypto_shim.c (built with -DSHIM_PREFIX) with the real libcrypto.
 * Exits 0 and prints "crypto shim: N passed, 0 failed" when every comparison agrees. */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "crypto_shim.h"

static int passed, failed;

static void expect(int ok, const char *what, size_t n)
{
  if (ok)
    passed++;
  else if (failed++ < 20)
    fprintf(stderr, "crypto shim: MISMATCH %s (case %zu)\n", what, n);
}

static unsigned rnd(unsigned *x)
{
  *x ^= *x << 13, *x ^= *x >> 17, *x ^= *x << 5;
  return *x;
}

static void decode_same(const unsigned char *in, int n, size_t id)
{
  unsigned char a[512], b[512];
  memset(a, 0x55, sizeof a);
  memset(b, 0x55, sizeof b);
  int ra = shim_EVP_DecodeBlock(a, in, n), rb = EVP_DecodeBlock(b, in, n);
  expect(ra == rb && (ra < 0 || memcmp(a, b, (size_t)ra) == 0), "EVP_DecodeBlock", id);
}

/* Digest through the EVP API, fed in chunks of `step` bytes. */
static void evp_sha1(int shim, const unsigned char *d, size_t n, size_t step, unsigned char *md,
                     unsigned *mdlen)
{
  EVP_MD_CTX *c = shim ? shim_EVP_MD_CTX_new() : EVP_MD_CTX_new();
  int ok = shim ? shim_EVP_DigestInit_ex(c, shim_EVP_sha1(), NULL)
                : EVP_DigestInit_ex(c, EVP_sha1(), NULL);
  for (size_t off = 0; ok && off < n; off += step) {
    size_t k = n - off < step ? n - off : step;
    ok = shim ? shim_EVP_DigestUpdate(c, d + off, k) : EVP_DigestUpdate(c, d + off, k);
  }
  ok = ok && (shim ? shim_EVP_DigestFinal_ex(c, md, mdlen) : EVP_DigestFinal_ex(c, md, mdlen));
  if (!ok)
    *mdlen = 0;
  if (shim)
    shim_EVP_MD_CTX_free(c);
  else
    EVP_MD_CTX_free(c);
}

int main(void)
{
  unsigned char buf[301], a[EVP_MAX_MD_SIZE], b[EVP_MAX_MD_SIZE];
  unsigned char ea[512], eb[512];
  unsigned x = 2463534242u, la, lb;
  const char *key = "dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/= \t\r\n-";

  /* RFC 6455 §1.3: the sample key's accept value; FIPS 180 "abc". */
  shim_SHA1((const unsigned char *)key, strlen(key), a);
  shim_EVP_EncodeBlock(ea, a, SHA_DIGEST_LENGTH);
  expect(strcmp((char *)ea, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") == 0, "RFC 6455 sample", 0);
  shim_SHA1((const unsigned char *)"abc", 3, a);
  shim_EVP_EncodeBlock(ea, a, SHA_DIGEST_LENGTH);
  expect(strcmp((char *)ea, "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=") == 0, "FIPS 180 abc", 0);
  /* Only SHA-1 exists in the shim: another digest must fail, not hash with SHA-1. */
  {
    EVP_MD_CTX *c = shim_EVP_MD_CTX_new();
    expect(shim_EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 0, "non-SHA-1 refused", 0);
    shim_EVP_MD_CTX_free(c);
  }

  for (size_t i = 0; i < sizeof buf; i++)
    buf[i] = (unsigned char)rnd(&x);
  for (size_t n = 0; n < sizeof buf; n++) {
    shim_SHA1(buf, n, a);
    SHA1(buf, n, b);
    expect(memcmp(a, b, SHA_DIGEST_LENGTH) == 0, "SHA1", n);
    size_t step = 1 + n % 67;
    evp_sha1(1, buf, n, step, a, &la);
    evp_sha1(0, buf, n, step, b, &lb);
    expect(la == 20 && la == lb && memcmp(a, b, la) == 0, "EVP SHA-1", n);
    memset(ea, 0x55, sizeof ea);
    memset(eb, 0x55, sizeof eb);
    int ra = shim_EVP_EncodeBlock(ea, buf, (int)n), rb = EVP_EncodeBlock(eb, buf, (int)n);
    expect(ra == rb && memcmp(ea, eb, (size_t)ra + 1) == 0, "EVP_EncodeBlock", n);
    decode_same(ea, ra, n); /* round trip of valid base64 */
  }
  /* Every byte value at every position of a 24-character key, and around it. */
  for (int pos = 0; pos < 26; pos++)
    for (int c = 0; c < 256; c++) {
      unsigned char k[32];
      memcpy(k, " dGhlIHNhbXBsZSBub25jZQ== ", 26);
      k[pos] = (unsigned char)c;
      decode_same(k, 26, (size_t)(pos * 256 + c));
      decode_same(k + 1, 24, (size_t)(pos * 256 + c));
    }
  /* Random strings over the interesting alphabet, lengths 0..40. */
  for (size_t i = 0; i < 200000; i++) {
    unsigned char s[48];
    int n = (int)(rnd(&x) % 41);
    for (int j = 0; j < n; j++)
      s[j] = (unsigned char)(rnd(&x) % 8 == 0 ? rnd(&x) : (unsigned)alpha[rnd(&x) % (sizeof alpha - 1)]);
    decode_same(s, n, i);
  }
  printf("crypto shim: %d passed, %d failed\n", passed, failed);
  return failed != 0;
}
