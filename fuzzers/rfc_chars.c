/* SPDX-License-Identifier: MIT */
/* rfc_chars.c: character classes, case-insensitive names and UTF-8, written from the RFC ABNF
 * (not shared with the core). */
#include <string.h>

#include "oracles.h"

int oc_is_tchar(unsigned char c)
{
  static const char extra[] = "!#$%&'*+-.^_`|~"; /* RFC 9110 §5.6.2 */
  if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))
    return 1;
  for (const char *e = extra; *e; e++)
    if ((unsigned char)*e == c)
      return 1;
  return 0;
}

int oc_ieq(const char *a, size_t alen, const char *lit)
{
  size_t n = strlen(lit);
  if (alen != n)
    return 0;
  for (size_t i = 0; i < n; i++) {
    char x = a[i], y = lit[i];
    if (x >= 'A' && x <= 'Z')
      x = (char)(x + 32);
    if (y >= 'A' && y <= 'Z')
      y = (char)(y + 32);
    if (x != y)
      return 0;
  }
  return 1;
}

/* RFC 3629: decode each sequence to a code point, then reject overlongs, surrogates and values
 * above U+10FFFF (the core validates with byte-range tables instead). */
int oc_utf8_valid(const uint8_t *s, size_t n)
{
  size_t i = 0;
  while (i < n) {
    uint32_t cp;
    size_t k, need;
    uint8_t c = s[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    if ((c & 0xe0) == 0xc0) {
      need = 1;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      need = 2;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      need = 3;
      cp = c & 0x07;
    } else {
      return 0;
    }
    if (need >= n - i)
      return 0; /* truncated */
    for (k = 1; k <= need; k++) {
      if ((s[i + k] & 0xc0) != 0x80)
        return 0;
      cp = cp << 6 | (s[i + k] & 0x3f);
    }
    if ((need == 1 && cp < 0x80) || (need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000))
      return 0; /* overlong */
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      return 0;
    i += need + 1;
  }
  return 1;
}
