/* SPDX-License-Identifier: MIT */
/* test_wsframe.c: RFC 6455 §5 frame headers (7/16/64-bit lengths, minimal encoding, MSB),
 * client-frame rules (§5.1-§5.5), close codes (§7.4) and the UTF-8 validator (RFC 3629 §4). */
#include "testutil.h"

#define M4 "\x37\xfa\x21\x3d" /* a mask */

static const struct hdr_row {
  const char *name;
  const char *bytes;
  size_t len;
  int rc; /* header length, SY_INCOMPLETE or SY_ESYNTAX */
  int fin, rsv, opcode, masked;
  uint64_t payload_len;
} hdr_rows[] = {
    {"masked text, 5 bytes", LIT("\x81\x85" M4), 6, 1, 0, 1, 1, 5},
    {"unmasked binary, 0 bytes", LIT("\x82\x00"), 2, 1, 0, 2, 0, 0},
    {"7-bit maximum 125", LIT("\x82\xfd" M4), 6, 1, 0, 2, 1, 125},
    {"16-bit minimum 126", LIT("\x82\xfe\x00\x7e" M4), 8, 1, 0, 2, 1, 126},
    {"16-bit maximum 65535", LIT("\x82\xfe\xff\xff" M4), 8, 1, 0, 2, 1, 65535},
    {"16-bit unmasked", LIT("\x81\x7e\x01\x00"), 4, 1, 0, 1, 0, 256},
    {"16-bit holding 125: not minimal", LIT("\x82\xfe\x00\x7d" M4), SY_ESYNTAX, 0, 0, 0, 0, 0},
    {"16-bit holding 0: not minimal", LIT("\x82\xfe\x00\x00" M4), SY_ESYNTAX, 0, 0, 0, 0, 0},
    {"64-bit minimum 65536", LIT("\x82\xff\x00\x00\x00\x00\x00\x01\x00\x00" M4), 14, 1, 0, 2, 1,
     65536},
    {"64-bit maximum 2^63-1", LIT("\x82\xff\x7f\xff\xff\xff\xff\xff\xff\xff" M4), 14, 1, 0, 2, 1,
     0x7fffffffffffffffull},
    {"64-bit unmasked", LIT("\x82\x7f\x00\x00\x00\x01\x00\x00\x00\x00"), 10, 1, 0, 2, 0,
     0x100000000ull},
    {"64-bit holding 65535: not minimal", LIT("\x82\xff\x00\x00\x00\x00\x00\x00\xff\xff" M4),
     SY_ESYNTAX, 0, 0, 0, 0, 0},
    {"64-bit holding 126: not minimal", LIT("\x82\xff\x00\x00\x00\x00\x00\x00\x00\x7e" M4),
     SY_ESYNTAX, 0, 0, 0, 0, 0},
    {"64-bit holding 0: not minimal", LIT("\x82\xff\x00\x00\x00\x00\x00\x00\x00\x00" M4),
     SY_ESYNTAX, 0, 0, 0, 0, 0},
    {"64-bit MSB set", LIT("\x82\xff\x80\x00\x00\x00\x00\x00\x00\x00" M4), SY_ESYNTAX, 0, 0, 0, 0,
     0},
    {"64-bit all ones", LIT("\x82\xff\xff\xff\xff\xff\xff\xff\xff\xff" M4), SY_ESYNTAX, 0, 0, 0, 0,
     0},
    {"not FIN, continuation", LIT("\x00\x83" M4), 6, 0, 0, 0, 1, 3},
    {"RSV1", LIT("\xc1\x80" M4), 6, 1, 4, 1, 1, 0},
    {"RSV2 and RSV3", LIT("\xb1\x80" M4), 6, 1, 3, 1, 1, 0},
    {"reserved opcode 0xB", LIT("\x8b\x80" M4), 6, 1, 0, 0xb, 1, 0},
    {"close with code", LIT("\x88\x82" M4), 6, 1, 0, 8, 1, 2},
    {"empty input", LIT(""), SY_INCOMPLETE, 0, 0, 0, 0, 0},
    {"one byte", LIT("\x81"), SY_INCOMPLETE, 0, 0, 0, 0, 0},
    {"mask incomplete", LIT("\x81\x85\x37\xfa\x21"), SY_INCOMPLETE, 0, 0, 0, 0, 0},
    {"16-bit length incomplete", LIT("\x81\xfe\x00"), SY_INCOMPLETE, 0, 0, 0, 0, 0},
    {"64-bit length incomplete", LIT("\x81\xff\x00\x00\x00\x00\x00\x00\x01"), SY_INCOMPLETE, 0, 0, 0,
     0, 0},
    /* Incomplete wins over a length that will turn out non-minimal: nothing is known yet. */
    {"non-minimal, mask not yet here", LIT("\x82\xfe\x00\x05\x37"), SY_INCOMPLETE, 0, 0, 0, 0, 0},
};

static void test_hdr_row(void **state)
{
  const struct hdr_row *row = *state;
  struct sy_ws_frame f;
  int rc = sy_ws_frame_parse(&f, (const uint8_t *)row->bytes, row->len);
  CHECK_INT(rc, row->rc);
  if (rc <= 0)
    return;
  CHECK_INT(f.header_len, rc);
  CHECK_INT(f.fin, row->fin);
  CHECK_INT(f.rsv, row->rsv);
  CHECK_INT(f.opcode, row->opcode);
  CHECK_INT(f.masked, row->masked);
  CHECK(f.payload_len == row->payload_len);
  if (f.masked)
    CHECK(memcmp(f.mask, M4, 4) == 0);
  /* Every proper prefix of a header is incomplete. */
  for (size_t n = 0; n < (size_t)rc; n++)
    CHECK_INT(sy_ws_frame_parse(&f, (const uint8_t *)row->bytes, n), SY_INCOMPLETE);
}

static void test_hdr_misuse(void **state)
{
  struct sy_ws_frame f;
  (void)state;
  CHECK_INT(sy_ws_frame_parse(NULL, (const uint8_t *)"\x81\x00", 2), SY_EINVAL);
  CHECK_INT(sy_ws_frame_parse(&f, NULL, 2), SY_EINVAL);
  CHECK_INT(sy_ws_frame_parse(&f, NULL, 0), SY_INCOMPLETE);
}

/* sy_ws_frame_check: what a server accepts from a client, else the close code. */
static const struct check_row {
  const char *name;
  int fin, rsv, opcode, masked;
  uint64_t len;
  int in_fragmented;
  int code;
} check_rows[] = {
    {"check: masked text", 1, 0, SY_WS_TEXT, 1, 5, 0, 0},
    {"check: masked binary, empty", 1, 0, SY_WS_BINARY, 1, 0, 0, 0},
    {"check: unmasked text -> 1002", 1, 0, SY_WS_TEXT, 0, 5, 0, 1002},
    {"check: unmasked ping -> 1002", 1, 0, SY_WS_PING, 0, 0, 0, 1002},
    {"check: RSV1 -> 1002", 1, 4, SY_WS_TEXT, 1, 5, 0, 1002},
    {"check: RSV3 -> 1002", 1, 1, SY_WS_TEXT, 1, 5, 0, 1002},
    {"check: opcode 3 -> 1002", 1, 0, 3, 1, 0, 0, 1002},
    {"check: opcode 7 -> 1002", 1, 0, 7, 1, 0, 0, 1002},
    {"check: opcode 0xB -> 1002", 1, 0, 0xb, 1, 0, 0, 1002},
    {"check: opcode 0xF -> 1002", 1, 0, 0xf, 1, 0, 0, 1002},
    {"check: first fragment", 0, 0, SY_WS_TEXT, 1, 5, 0, 0},
    {"check: continuation", 0, 0, SY_WS_CONT, 1, 5, 1, 0},
    {"check: last continuation", 1, 0, SY_WS_CONT, 1, 5, 1, 0},
    {"check: continuation with nothing open -> 1002", 1, 0, SY_WS_CONT, 1, 5, 0, 1002},
    {"check: text inside a fragmented message -> 1002", 1, 0, SY_WS_TEXT, 1, 5, 1, 1002},
    {"check: binary inside a fragmented message -> 1002", 0, 0, SY_WS_BINARY, 1, 5, 1, 1002},
    {"check: ping inside a fragmented message", 1, 0, SY_WS_PING, 1, 5, 1, 0},
    {"check: close inside a fragmented message", 1, 0, SY_WS_CLOSE, 1, 2, 1, 0},
    {"check: ping 125 bytes", 1, 0, SY_WS_PING, 1, 125, 0, 0},
    {"check: ping 126 bytes -> 1002", 1, 0, SY_WS_PING, 1, 126, 0, 1002},
    {"check: pong 126 bytes -> 1002", 1, 0, SY_WS_PONG, 1, 126, 0, 1002},
    {"check: close 126 bytes -> 1002", 1, 0, SY_WS_CLOSE, 1, 126, 0, 1002},
    {"check: fragmented ping -> 1002", 0, 0, SY_WS_PING, 1, 1, 0, 1002},
    {"check: fragmented close -> 1002", 0, 0, SY_WS_CLOSE, 1, 2, 0, 1002},
    {"check: message at the limit", 1, 0, SY_WS_BINARY, 1, SY_WS_MAX_MESSAGE, 0, 0},
    {"check: message over the limit -> 1009", 1, 0, SY_WS_BINARY, 1, SY_WS_MAX_MESSAGE + 1, 0,
     1009},
    {"check: continuation over the limit -> 1009", 0, 0, SY_WS_CONT, 1, SY_WS_MAX_MESSAGE + 1, 1,
     1009},
    {"check: 2^63-1 bytes -> 1009", 1, 0, SY_WS_TEXT, 1, 0x7fffffffffffffffull, 0, 1009},
};

static void test_check_row(void **state)
{
  const struct check_row *row = *state;
  struct sy_ws_frame f;
  memset(&f, 0, sizeof f);
  f.fin = row->fin;
  f.rsv = row->rsv;
  f.opcode = row->opcode;
  f.masked = row->masked;
  f.payload_len = row->len;
  CHECK_INT(sy_ws_frame_check(&f, row->in_fragmented), row->code);
}

/* Server frames: the header the RFC prescribes for each length class, and they parse back. */
static void test_write_lengths(void **state)
{
  static uint8_t payload[70000], buf[70016];
  static const struct {
    size_t len;
    size_t hlen;
    uint8_t b1;
  } cases[] = {{0, 2, 0}, {1, 2, 1}, {125, 2, 125}, {126, 4, 126}, {65535, 4, 126}, {65536, 10, 127}, {70000, 10, 127}};
  (void)state;
  for (size_t i = 0; i < sizeof payload; i++)
    payload[i] = (uint8_t)(i * 7);
  for (size_t i = 0; i < COUNT(cases); i++) {
    struct sy_ws_frame f;
    size_t len = cases[i].len;
    int n = sy_ws_frame_write(buf, sizeof buf, SY_WS_BINARY, payload, len);
    CHECK_INT(n, cases[i].hlen + len);
    CHECK_INT(buf[0], 0x82);
    CHECK_INT(buf[1], cases[i].b1); /* unmasked: servers do not mask (§5.1) */
    CHECK_INT(sy_ws_frame_parse(&f, buf, (size_t)n), cases[i].hlen);
    CHECK(f.payload_len == len && f.fin == 1 && f.opcode == SY_WS_BINARY && !f.masked);
    CHECK(memcmp(buf + cases[i].hlen, payload, len) == 0);
    /* One byte short is SY_ENOSPC. */
    CHECK_INT(sy_ws_frame_write(buf, (size_t)n - 1, SY_WS_BINARY, payload, len), SY_ENOSPC);
  }
  CHECK_INT(sy_ws_frame_write(buf, sizeof buf, SY_WS_CLOSE, (const uint8_t *)"\x03\xe8", 2), 4);
  CHECK(memcmp(buf, "\x88\x02\x03\xe8", 4) == 0);
  CHECK_INT(sy_ws_frame_write(NULL, 10, SY_WS_TEXT, NULL, 0), SY_ENOSPC);
  CHECK_INT(sy_ws_frame_write(buf, 10, SY_WS_TEXT, NULL, 1), SY_ENOSPC);
}

/* §7.4: codes that may be sent in a Close frame. */
static const struct code_row {
  const char *name;
  unsigned code;
  int valid;
} code_rows[] = {
    {"close code 0", 0, 0},
    {"close code 999", 999, 0},
    {"close code 1000", 1000, 1},
    {"close code 1001", 1001, 1},
    {"close code 1002", 1002, 1},
    {"close code 1003", 1003, 1},
    {"close code 1004 (reserved)", 1004, 0},
    {"close code 1005 (no status, never sent)", 1005, 0},
    {"close code 1006 (abnormal, never sent)", 1006, 0},
    {"close code 1007", 1007, 1},
    {"close code 1008", 1008, 1},
    {"close code 1009", 1009, 1},
    {"close code 1010", 1010, 1},
    {"close code 1011", 1011, 1},
    {"close code 1012 (IANA)", 1012, 1},
    {"close code 1013 (IANA)", 1013, 1},
    {"close code 1014 (IANA)", 1014, 1},
    {"close code 1015 (TLS, never sent)", 1015, 0},
    {"close code 1016", 1016, 0},
    {"close code 2000", 2000, 0},
    {"close code 2999", 2999, 0},
    {"close code 3000", 3000, 1},
    {"close code 3999", 3999, 1},
    {"close code 4000", 4000, 1},
    {"close code 4999", 4999, 1},
    {"close code 5000", 5000, 0},
    {"close code 65535", 65535, 0},
    {"close code 65536", 65536, 0},
};

static void test_code_row(void **state)
{
  const struct code_row *row = *state;
  CHECK_INT(sy_ws_close_code_valid(row->code), row->valid);
}

static const struct utf8_row {
  const char *name;
  const char *s;
  size_t len;
  int valid;
} utf8_rows[] = {
    {"utf8: empty", LIT(""), 1},
    {"utf8: ASCII", LIT("Hello-0123"), 1},
    {"utf8: NUL is a character", LIT("a\0b"), 1},
    {"utf8: kosme (Autobahn 6.2.1)", LIT("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"), 1},
    {"utf8: U+0080", LIT("\xc2\x80"), 1},
    {"utf8: U+07FF", LIT("\xdf\xbf"), 1},
    {"utf8: U+0800", LIT("\xe0\xa0\x80"), 1},
    {"utf8: U+D7FF", LIT("\xed\x9f\xbf"), 1},
    {"utf8: U+E000", LIT("\xee\x80\x80"), 1},
    {"utf8: U+FFFF (noncharacter, still valid)", LIT("\xef\xbf\xbf"), 1},
    {"utf8: U+10000", LIT("\xf0\x90\x80\x80"), 1},
    {"utf8: U+1D11E", LIT("\xf0\x9d\x84\x9e"), 1},
    {"utf8: U+10FFFF", LIT("\xf4\x8f\xbf\xbf"), 1},
    {"utf8: U+110000", LIT("\xf4\x90\x80\x80"), 0},
    {"utf8: F5 lead", LIT("\xf5\x80\x80\x80"), 0},
    {"utf8: FF", LIT("\xff"), 0},
    {"utf8: FE", LIT("\xfe"), 0},
    {"utf8: overlong NUL C0 80", LIT("\xc0\x80"), 0},
    {"utf8: overlong C1 BF", LIT("\xc1\xbf"), 0},
    {"utf8: overlong E0 80 80", LIT("\xe0\x80\x80"), 0},
    {"utf8: overlong E0 9F BF", LIT("\xe0\x9f\xbf"), 0},
    {"utf8: overlong F0 80 80 80", LIT("\xf0\x80\x80\x80"), 0},
    {"utf8: overlong F0 8F BF BF", LIT("\xf0\x8f\xbf\xbf"), 0},
    {"utf8: 5-byte form F8", LIT("\xf8\x88\x80\x80\x80"), 0},
    {"utf8: surrogate U+D800", LIT("\xed\xa0\x80"), 0},
    {"utf8: surrogate U+DBFF", LIT("\xed\xaf\xbf"), 0},
    {"utf8: surrogate U+DC00", LIT("\xed\xb0\x80"), 0},
    {"utf8: surrogate U+DFFF", LIT("\xed\xbf\xbf"), 0},
    {"utf8: surrogate pair (CESU-8)", LIT("\xed\xa0\xbd\xed\xb8\x80"), 0},
    {"utf8: lone continuation", LIT("\x80"), 0},
    {"utf8: continuation after ASCII", LIT("a\xbf"), 0},
    {"utf8: truncated 2-byte", LIT("\xc3"), 0},
    {"utf8: truncated 3-byte", LIT("\xe2\x82"), 0},
    {"utf8: truncated 4-byte", LIT("\xf0\x9f\x98"), 0},
    {"utf8: truncated at the end", LIT("ok \xce\xba\xe1\xbd"), 0},
    {"utf8: 2-byte, bad continuation", LIT("\xc3\x28"), 0},
    {"utf8: 3-byte, bad second", LIT("\xe2\x28\xa1"), 0},
    {"utf8: 3-byte, bad third", LIT("\xe2\x82\x28"), 0},
    {"utf8: 4-byte, bad second", LIT("\xf0\x28\x8c\xbc"), 0},
    {"utf8: 4-byte, bad third", LIT("\xf0\x90\x28\xbc"), 0},
    {"utf8: 4-byte, bad fourth", LIT("\xf0\x90\x8c\x28"), 0},
    {"utf8: valid then invalid", LIT("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80"), 0},
};

static void test_utf8_row(void **state)
{
  const struct utf8_row *row = *state;
  CHECK_INT(sy_utf8_valid((const uint8_t *)row->s, row->len), row->valid);
}

/* A second, differently written definition (RFC 3629 §3: decode, then check the code point is
 * the shortest form, not a surrogate, at most U+10FFFF) to compare against exhaustively. */
static int ref_utf8(const uint8_t *s, size_t len)
{
  static const uint32_t min[4] = {0, 0x80, 0x800, 0x10000};
  size_t i = 0;
  while (i < len) {
    uint32_t cp;
    size_t n;
    if (s[i] < 0x80)
      n = 0, cp = s[i];
    else if ((s[i] & 0xe0) == 0xc0)
      n = 1, cp = s[i] & 0x1fu;
    else if ((s[i] & 0xf0) == 0xe0)
      n = 2, cp = s[i] & 0x0fu;
    else if ((s[i] & 0xf8) == 0xf0)
      n = 3, cp = s[i] & 0x07u;
    else
      return 0;
    if (n > 0 && i + n >= len)
      return 0;
    for (size_t k = 1; k <= n; k++) {
      if ((s[i + k] & 0xc0) != 0x80)
        return 0;
      cp = cp << 6 | (s[i + k] & 0x3fu);
    }
    if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      return 0;
    i += n + 1;
  }
  return 1;
}

static void test_utf8_exhaustive(void **state)
{
  uint8_t s[4];
  static const uint8_t tails[] = {0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xff};
  (void)state;
  /* All 1- and 2-byte strings, all 3-byte strings. */
  for (unsigned a = 0; a < 256; a++) {
    s[0] = (uint8_t)a;
    if (sy_utf8_valid(s, 1) != ref_utf8(s, 1))
      fail_msg("%02x", a);
    for (unsigned b = 0; b < 256; b++) {
      s[1] = (uint8_t)b;
      if (sy_utf8_valid(s, 2) != ref_utf8(s, 2))
        fail_msg("%02x %02x: %d", a, b, sy_utf8_valid(s, 2));
      for (unsigned c = 0; c < 256; c++) {
        s[2] = (uint8_t)c;
        if (sy_utf8_valid(s, 3) != ref_utf8(s, 3))
          fail_msg("%02x %02x %02x: %d", a, b, c, sy_utf8_valid(s, 3));
      }
    }
  }
  /* 4-byte strings: every lead and second byte, third and fourth from the boundary values. */
  for (unsigned a = 0; a < 256; a++)
    for (unsigned b = 0; b < 256; b++)
      for (size_t c = 0; c < COUNT(tails); c++)
        for (size_t d = 0; d < COUNT(tails); d++) {
          s[0] = (uint8_t)a, s[1] = (uint8_t)b, s[2] = tails[c], s[3] = tails[d];
          if (sy_utf8_valid(s, 4) != ref_utf8(s, 4))
            fail_msg("%02x %02x %02x %02x: %d", a, b, tails[c], tails[d], sy_utf8_valid(s, 4));
        }
}

int main(void)
{
  struct tu_tests l = {0};
  TU_ADD_ROWS(&l, hdr_rows, test_hdr_row);
  tu_add(&l, "header: misuse", test_hdr_misuse, NULL);
  TU_ADD_ROWS(&l, check_rows, test_check_row);
  tu_add(&l, "write: every length class", test_write_lengths, NULL);
  TU_ADD_ROWS(&l, code_rows, test_code_row);
  TU_ADD_ROWS(&l, utf8_rows, test_utf8_row);
  tu_add(&l, "utf8: exhaustive against a second definition", test_utf8_exhaustive, NULL);
  return tu_run("wsframe", &l);
}
