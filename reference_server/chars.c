/* SPDX-License-Identifier: MIT */
/* chars.c: the byte class table, built by the compiler from the RFC definitions, the per-byte
 * scans (see chars.h for why they are not instrumented in fuzzing builds), and the base64
 * alphabet that the WebSocket key check and the HTTP2-Settings decoder share. */
#include "chars.h"
#include "switchyard.h"

/* tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" /
 * "~" / DIGIT / ALPHA */
#define TCHAR(c)                                                                             \
  (((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z') || ((c) >= '0' && (c) <= '9') || \
   (c) == '!' || (c) == '#' || (c) == '$' || (c) == '%' || (c) == '&' || (c) == '\'' ||      \
   (c) == '*' || (c) == '+' || (c) == '-' || (c) == '.' || (c) == '^' || (c) == '_' ||       \
   (c) == '`' || (c) == '|' || (c) == '~')
#define CTL(c)   (((c) < 0x20 && (c) != '\t') || (c) == 0x7f)
#define CLASS(c) (unsigned char)((TCHAR(c) ? SY_CH_TCHAR : 0) | (CTL(c) ? SY_CH_CTL : 0))
#define ROW(b)                                                                             \
  CLASS((b) + 0), CLASS((b) + 1), CLASS((b) + 2), CLASS((b) + 3), CLASS((b) + 4),          \
      CLASS((b) + 5), CLASS((b) + 6), CLASS((b) + 7), CLASS((b) + 8), CLASS((b) + 9),      \
      CLASS((b) + 10), CLASS((b) + 11), CLASS((b) + 12), CLASS((b) + 13), CLASS((b) + 14), \
      CLASS((b) + 15)

const unsigned char sy__char_class[256] = {
    ROW(0x00),
    ROW(0x10),
    ROW(0x20),
    ROW(0x30),
    ROW(0x40),
    ROW(0x50),
    ROW(0x60),
    ROW(0x70),
    ROW(0x80),
    ROW(0x90),
    ROW(0xa0),
    ROW(0xb0),
    ROW(0xc0),
    ROW(0xd0),
    ROW(0xe0),
    ROW(0xf0),
};

int sy_is_tchar(unsigned char c)
{
  return (sy__char_class[c] & SY_CH_TCHAR) != 0;
}

SY_HOT_SCAN size_t sy__tchar_span(const char *p, size_t n)
{
  size_t i = 0;
  while (i < n && (sy__char_class[(unsigned char)p[i]] & SY_CH_TCHAR))
    i++;
  return i;
}

SY_HOT_SCAN size_t sy__ctl_find(const char *p, size_t n)
{
  size_t i = 0;
  while (i < n && !(sy__char_class[(unsigned char)p[i]] & SY_CH_CTL))
    i++;
  return i;
}

int sy__base64_digit(unsigned char c, int url)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == (url ? '-' : '+'))
    return 62;
  if (c == (url ? '_' : '/'))
    return 63;
  return -1;
}
