/* SPDX-License-Identifier: MIT */
/* msan_openssl.c: linked into the MSan build only (-Wl,--wrap=SHA1,--wrap=EVP_EncodeBlock).
 * libcrypto is not built with MSan, so its writes do not mark memory initialised; these wrappers
 * check that what the core passes in is initialised and mark what comes back as initialised. */
#include <stddef.h>

#include <sanitizer/msan_interface.h>

unsigned char *__real_SHA1(const unsigned char *d, size_t n, unsigned char *md);
unsigned char *__wrap_SHA1(const unsigned char *d, size_t n, unsigned char *md);
int __real_EVP_EncodeBlock(unsigned char *t, const unsigned char *f, int n);
int __wrap_EVP_EncodeBlock(unsigned char *t, const unsigned char *f, int n);

unsigned char *__wrap_SHA1(const unsigned char *d, size_t n, unsigned char *md)
{
  unsigned char *r;
  __msan_check_mem_is_initialized(d, n);
  r = __real_SHA1(d, n, md);
  __msan_unpoison(md, 20);
  return r;
}

int __wrap_EVP_EncodeBlock(unsigned char *t, const unsigned char *f, int n)
{
  int r;
  __msan_check_mem_is_initialized(f, (size_t)n);
  r = __real_EVP_EncodeBlock(t, f, n);
  if (r >= 0)
    __msan_unpoison(t, (size_t)r + 1);
  return r;
}
