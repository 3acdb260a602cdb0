/* SPDX-License-Identifier: MIT */
/* wsframe.c: RFC 6455 §5 frame headers, client-frame rules, close codes and UTF-8 (§8.1). */
#include <string.h>

#include "switchyard.h"

int sy_ws_frame_parse(struct sy_ws_frame *f, const uint8_t *buf, size_t len)
{
  size_t need = 2;
  uint64_t n;
  if (f == NULL || (buf == NULL && len > 0))
    return SY_EINVAL;
  memset(f, 0, sizeof *f);
  if (len < 2)
    return SY_INCOMPLETE;
  f->fin = buf[0] >> 7;
  f->rsv = (buf[0] >> 4) & 7;
  f->opcode = buf[0] & 0x0f;
  f->masked = buf[1] >> 7;
  n = buf[1] & 0x7f;
  if (n == 126)
    need += 2;
  else if (n == 127)
    need += 8;
  if (f->masked)
    need += 4;
  if (len < need)
    return SY_INCOMPLETE;
  if (n == 126) {
    n = (uint64_t)buf[2] << 8 | buf[3];
    if (n < 126)
      return SY_ESYNTAX; /* §5.2: the minimal number of bytes MUST be used */
  } else if (n == 127) {
    n = 0;
    for (int i = 0; i < 8; i++)
      n = n << 8 | buf[2 + i];
    if (n >> 63 || n <= 0xffff)
      return SY_ESYNTAX; /* §5.2: most significant bit MUST be 0; minimal encoding */
  }
  f->payload_len = n;
  if (f->masked)
    memcpy(f->mask, buf + need - 4, 4);
  f->header_len = need;
  return (int)need;
}

int sy_ws_frame_check(const struct sy_ws_frame *f, int in_fragmented_message)
{
  if (f->rsv)
    return 1002; /* §5.2: no extension negotiated, RSV bits MUST be 0 */
  if (!f->masked)
    return 1002; /* §5.1: a server MUST close on an unmasked client frame */
  switch (f->opcode) {
  case SY_WS_CONT:
    if (!in_fragmented_message)
      return 1002; /* §5.4: continuation without a started message */
    break;
  case SY_WS_TEXT:
  case SY_WS_BINARY:
    if (in_fragmented_message)
      return 1002; /* §5.4: a new message inside a fragmented one */
    break;
  case SY_WS_CLOSE:
  case SY_WS_PING:
  case SY_WS_PONG:
    if (!f->fin || f->payload_len > SY_WS_MAX_CONTROL)
      return 1002; /* §5.5: control frames are unfragmented, payload <= 125 */
    return 0;
  default:
    return 1002; /* §5.2: reserved opcode */
  }
  if (f->payload_len > SY_WS_MAX_MESSAGE)
    return 1009;
  return 0;
}

int sy_ws_frame_write(uint8_t *buf, size_t cap, int opcode, const uint8_t *payload, size_t len)
{
  size_t h = len < 126 ? 2 : (len <= 0xffff ? 4 : 10);
  if (buf == NULL || h + len > cap || (payload == NULL && len > 0))
    return SY_ENOSPC;
  buf[0] = (uint8_t)(0x80 | (opcode & 0x0f));
  if (len < 126) {
    buf[1] = (uint8_t)len;
  } else if (len <= 0xffff) {
    buf[1] = 126;
    buf[2] = (uint8_t)(len >> 8);
    buf[3] = (uint8_t)len;
  } else {
    buf[1] = 127;
    for (int i = 0; i < 8; i++)
      buf[2 + i] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
  }
  if (len)
    memmove(buf + h, payload, len);
  return (int)(h + len);
}

/* §7.4.1 defined codes minus 1004/1005/1006 (reserved or never sent), 1012-1014 (IANA
 * registry), and 3000-4999 (libraries and applications). */
int sy_ws_close_code_valid(unsigned code)
{
  if (code >= 3000 && code <= 4999)
    return 1;
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014);
}

/* RFC 3629 §4 well-formed UTF-8: no overlongs, no surrogates, nothing above U+10FFFF. */
int sy_utf8_valid(const uint8_t *s, size_t len)
{
  size_t i = 0;
  while (i < len) {
    uint8_t c = s[i];
    size_t n;
    uint8_t lo = 0x80, hi = 0xbf;
    if (c < 0x80) {
      i++;
      continue;
    }
    if (c >= 0xc2 && c <= 0xdf)
      n = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c == 0xe0)
        lo = 0xa0;
      if (c == 0xed)
        hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c == 0xf0)
        lo = 0x90;
      if (c == 0xf4)
        hi = 0x8f;
    } else
      return 0;
    if (n >= len - i)
      return 0; /* truncated sequence */
    if (s[i + 1] < lo || s[i + 1] > hi)
      return 0;
    for (size_t k = 2; k <= n; k++)
      if (s[i + k] < 0x80 || s[i + k] > 0xbf)
        return 0;
    i += n + 1;
  }
  return 1;
}
