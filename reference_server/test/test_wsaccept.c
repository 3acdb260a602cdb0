/* SPDX-License-Identifier: MIT */
/* test_wsaccept.c: Sec-WebSocket-Key validation (RFC 6455 §4.1, §4.2.1 item 5; RFC 4648 §4,
 * §3.5) and Sec-WebSocket-Accept (§4.2.2). The accept vectors were computed outside this code:
 *   printf '%s' "KEY258EAFA5-E914-47DA-95CA-C5AB0DC85B11" | openssl sha1 -binary | base64 */
#include "testutil.h"

static const struct key_row {
  const char *name;
  const char *key;
  size_t len;
  int valid;
} key_rows[] = {
    {"RFC 6455 example", LIT("dGhlIHNhbXBsZSBub25jZQ=="), 1},
    {"16 zero bytes", LIT("AAAAAAAAAAAAAAAAAAAAAA=="), 1},
    {"16 0xff bytes", LIT("/////////////////////w=="), 1},
    {"bytes 1..16", LIT("AQIDBAUGBwgJCgsMDQ4PEA=="), 1},
    {"every '+' it can hold", LIT("+++++++++++++++++++++A=="), 1},
    {"RFC 6455 §1.3 client example", LIT("x3JJHMbDL1EzLkh9GBhXDw=="), 1},
    {"empty", LIT(""), 0},
    {"missing padding", LIT("dGhlIHNhbXBsZSBub25jZQ"), 0},
    {"one '=' only", LIT("dGhlIHNhbXBsZSBub25jZQ="), 0},
    {"12 bytes (too short)", LIT("dGhlIHNhbXBsZQ=="), 0},
    {"17 bytes (one '=')", LIT("AAAAAAAAAAAAAAAAAAAAAAA="), 0},
    {"18 bytes (no padding)", LIT("AAAAAAAAAAAAAAAAAAAAAAAA"), 0},
    {"24 chars + trailing '='", LIT("dGhlIHNhbXBsZSBub25jZQ==="), 0},
    {"leading space", LIT(" dGhlIHNhbXBsZSBub25jZQ=="), 0},
    {"trailing space", LIT("dGhlIHNhbXBsZSBub25jZQ== "), 0},
    {"space inside", LIT("dGhlIHNhbXBs ZSBub25jZQ=="), 0},
    {"URL-safe '-'", LIT("dGhlIHNhbXBsZ-Bub25jZQ=="), 0},
    {"URL-safe '_'", LIT("dGhlIHNhbXBsZ_Bub25jZQ=="), 0},
    {"padding in the middle", LIT("dGhlIHNh=XBsZSBub25jZQ=="), 0},
    {"'=' as the 22nd char", LIT("dGhlIHNhbXBsZSBub25jZ==="), 0},
    {"padding replaced by data", LIT("dGhlIHNhbXBsZSBub25jZQAA"), 0},
    {"RFC 6455 §4.1 example key: pad bits set", LIT("AQIDBAUGBwgJCgsMDQ4PEC=="), 1},
    {"non-canonical pad bits (R)", LIT("dGhlIHNhbXBsZSBub25jZR=="), 1},
    {"non-canonical pad bits (B)", LIT("AAAAAAAAAAAAAAAAAAAAAB=="), 1},
    {"non-canonical pad bits (/)", LIT("//////////////////////=="), 1},
    {"NUL inside", LIT("dGhlIHNhbXBsZSBub25j\0Q=="), 0},
    {"non-ASCII", LIT("dGhlIHNhbXBsZSBub25j\xc3\xa9=="), 0},
    {"'.' is not base64", LIT("dGhlIHNhbXBsZSBub25j.Q=="), 0},
};

static void test_key_row(void **state)
{
  const struct key_row *row = *state;
  CHECK_INT(sy_ws_key_valid(row->key, row->len), row->valid);
}

static const struct accept_row {
  const char *name;
  const char *key;
  size_t len;
  const char *accept;
} accept_rows[] = {
    {"accept: RFC 6455 §1.3 / §4.2.2 example", LIT("dGhlIHNhbXBsZSBub25jZQ=="),
     "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="},
    {"accept: 16 zero bytes", LIT("AAAAAAAAAAAAAAAAAAAAAA=="), "ICX+Yqv66kxgM0FcWaLWlFLwTAI="},
    {"accept: 16 0xff bytes", LIT("/////////////////////w=="), "XXpj4jYzLM2yUE0C7TIgMwTQh2g="},
    {"accept: bytes 1..16", LIT("AQIDBAUGBwgJCgsMDQ4PEA=="), "C/0nmHhBztSRGR1CwL6Tf4ZjwpY="},
    {"accept: RFC 6455 §4.1 example key (pad bits set)", LIT("AQIDBAUGBwgJCgsMDQ4PEC=="),
     "OfS0wDaT5NoxF2gqm7Zj2YtetzM="},
    {"accept: RFC 6455 §1.3 client key", LIT("x3JJHMbDL1EzLkh9GBhXDw=="),
     "HSmrc0sMlYUkAGmm5OPpG2HaGWk="},
    /* sy_ws_accept hashes the bytes it is given; validity is sy_ws_key_valid's job. */
    {"accept: empty key", LIT(""), "Kfh9QIsMVZcl6xEPYxPHzW8SZ8w="},
    {"accept: 'abc'", LIT("abc"), "zwKd5BnoWxQ6GxTxxSmBSHGHX9M="},
};

static void test_accept_row(void **state)
{
  const struct accept_row *row = *state;
  char out[SY_WS_ACCEPT_LEN + 1 + 8];
  memset(out, 'Z', sizeof out);
  CHECK_INT(sy_ws_accept(row->key, row->len, out), 0);
  CHECK_INT(strlen(out), SY_WS_ACCEPT_LEN);
  CHECK_STR(out, row->accept);
  CHECK(out[SY_WS_ACCEPT_LEN + 1] == 'Z'); /* nothing written past the NUL */
}

static void test_accept_misuse(void **state)
{
  char out[SY_WS_ACCEPT_LEN + 1], big[300];
  (void)state;
  memset(big, 'A', sizeof big);
  CHECK_INT(sy_ws_accept(NULL, 0, out), SY_EINVAL);
  CHECK_INT(sy_ws_accept(LIT("dGhlIHNhbXBsZSBub25jZQ=="), NULL), SY_EINVAL);
  CHECK_INT(sy_ws_accept(big, 256, out), 0);
  CHECK_INT(sy_ws_accept(big, 257, out), SY_EINVAL);
  CHECK_INT(sy_ws_key_valid(NULL, 24), 0);
}

/* An encoder written here (RFC 4648 §4), to make keys of every shape. */
static void b64_16(const uint8_t in[16], char out[25])
{
  static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t o = 0;
  for (size_t i = 0; i < 15; i += 3) {
    uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
    out[o++] = a[v >> 18 & 63];
    out[o++] = a[v >> 12 & 63];
    out[o++] = a[v >> 6 & 63];
    out[o++] = a[v & 63];
  }
  out[o++] = a[in[15] >> 2];
  out[o++] = a[(in[15] & 3) << 4];
  out[o++] = '=';
  out[o++] = '=';
  out[o] = '\0';
}

/* Every 16-byte value of these shapes encodes to a valid key: each byte position through all
 * 256 values (others 0x00, then 0xff), and a deterministic stream of mixed keys. */
static void test_every_16_byte_shape_is_valid(void **state)
{
  uint8_t k[16];
  char s[25];
  uint32_t x = 2463534242u; /* xorshift32 */
  (void)state;
  for (int fill = 0; fill <= 0xff; fill += 0xff)
    for (size_t pos = 0; pos < 16; pos++)
      for (int v = 0; v < 256; v++) {
        memset(k, fill, sizeof k);
        k[pos] = (uint8_t)v;
        b64_16(k, s);
        if (!sy_ws_key_valid(s, 24))
          fail_msg("key %s (byte %zu = 0x%02x) rejected", s, pos, v);
      }
  for (int n = 0; n < 20000; n++) {
    for (size_t i = 0; i < 16; i++) {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      k[i] = (uint8_t)x;
    }
    b64_16(k, s);
    if (!sy_ws_key_valid(s, 24))
      fail_msg("key %s rejected", s);
  }
}

static int b64_value(int c)
{
  const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const char *p = c ? strchr(a, c) : NULL;
  return p ? (int)(p - a) : -1;
}

/* Every byte at every position of a valid key: valid exactly when the result is still the
 * canonical encoding of 16 bytes. */
static void test_every_byte_at_every_position(void **state)
{
  const char base[] = "dGhlIHNhbXBsZSBub25jZQ==";
  (void)state;
  for (size_t pos = 0; pos < 24; pos++)
    for (int c = 0; c < 256; c++) {
      char k[24];
      int exp;
      memcpy(k, base, 24);
      k[pos] = (char)c;
      if (pos <= 21)
        exp = b64_value(c) >= 0; /* pad bits of the 22nd char may be set (RFC 6455 §4.1) */
      else
        exp = c == '=';
      if (sy_ws_key_valid(k, 24) != exp)
        fail_msg("byte 0x%02x at position %zu: valid = %d, expected %d", c, pos, !exp, exp);
    }
}

/* Length is exactly 24: every length 0..40 of well-formed-looking text other than 24 fails. */
static void test_every_other_length(void **state)
{
  char k[64];
  (void)state;
  for (size_t len = 0; len <= 40; len++) {
    if (len == 24)
      continue;
    memset(k, 'A', sizeof k);
    if (len >= 2)
      k[len - 1] = k[len - 2] = '=';
    CHECK_INT(sy_ws_key_valid(k, len), 0);
  }
}

int main(void)
{
  struct tu_tests l = {0};
  TU_ADD_ROWS(&l, key_rows, test_key_row);
  TU_ADD_ROWS(&l, accept_rows, test_accept_row);
  tu_add(&l, "accept: misuse", test_accept_misuse, NULL);
  tu_add(&l, "every 16-byte shape is valid", test_every_16_byte_shape_is_valid, NULL);
  tu_add(&l, "every byte at every position", test_every_byte_at_every_position, NULL);
  tu_add(&l, "every other length", test_every_other_length, NULL);
  return tu_run("wsaccept", &l);
}
