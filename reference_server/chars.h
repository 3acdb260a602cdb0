/* SPDX-License-Identifier: MIT */
/* chars.h: byte classes (RFC 9110 §5.6.2 tchar, RFC 5234 CTL) and the scans over a span that
 * the parser runs on every byte of a head. Internal to the core (sy__ names). */
#ifndef SY_CHARS_H
#define SY_CHARS_H

#include <stddef.h>

/* Scans that touch every byte carry no fuzzing instrumentation: in libFuzzer/AFL++ builds their
 * per-byte comparison tracing and edge counters cost more than llhttp's whole parse, and tell
 * the fuzzer nothing that the (instrumented) branches on their result do not. Sanitizers still
 * apply. noinline: inlined into an instrumented caller, the loop would be instrumented there.
 * Other compilers ignore it. */
#if defined(__clang__) && __clang_major__ >= 13
#define SY_HOT_SCAN __attribute__((no_sanitize("coverage"), noinline))
#else
#define SY_HOT_SCAN
#endif

enum {
  SY_CH_TCHAR = 1, /* RFC 9110 §5.6.2 */
  SY_CH_CTL = 2,   /* RFC 5234 CTL (%x00-1F / %x7F) except HTAB, which field values allow */
};
extern const unsigned char sy__char_class[256];

static inline int sy__is_ctl(unsigned char c)
{
  return (sy__char_class[c] & SY_CH_CTL) != 0;
}

/* The length of the run of tchar at the start of p[0..n). */
size_t sy__tchar_span(const char *p, size_t n);
/* The offset of the first CTL other than HTAB in p[0..n), or n. */
size_t sy__ctl_find(const char *p, size_t n);

/* The value of the base64 digit c (RFC 4648 §4), or -1 ('=' included: padding is not a digit).
 * The alphabet's last two digits are '+' and '/', or with url '-' and '_' (base64url, §5). */
int sy__base64_digit(unsigned char c, int url);

#endif
