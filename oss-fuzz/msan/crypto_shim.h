/* SPDX-License-Identifier: MIT */
/* crypto_shim.h: the shim's functions under their SHIM_PREFIX names (crypto_shim_test.c links
 * them next to the real libcrypto). Without SHIM_PREFIX they carry OpenSSL's own names. */
#ifndef SY_CRYPTO_SHIM_H
#define SY_CRYPTO_SHIM_H
#include <stddef.h>

#include <openssl/evp.h>

unsigned char *shim_SHA1(const unsigned char *d, size_t n, unsigned char *md);
const EVP_MD *shim_EVP_sha1(void);
EVP_MD_CTX *shim_EVP_MD_CTX_new(void);
void shim_EVP_MD_CTX_free(EVP_MD_CTX *ctx);
int shim_EVP_DigestInit_ex(EVP_MD_CTX *ctx, const EVP_MD *type, ENGINE *impl);
int shim_EVP_DigestUpdate(EVP_MD_CTX *ctx, const void *d, size_t cnt);
int shim_EVP_DigestFinal_ex(EVP_MD_CTX *ctx, unsigned char *md, unsigned int *s);
int shim_EVP_EncodeBlock(unsigned char *t, const unsigned char *f, int n);
int shim_EVP_DecodeBlock(unsigned char *t, const unsigned char *f, int n);
#endif
