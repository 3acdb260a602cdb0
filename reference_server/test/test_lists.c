/* SPDX-License-Identifier: MIT */
/* test_lists.c: the RFC 9110 §5.6.1 list parser (Connection, Upgrade, Sec-WebSocket-Version),
 * one named row per case: what it keeps, written canonically ("a, b/1", by fmt() here), which
 * parses back to the same elements. */
#include "testutil.h"

#define T SY_LIST_TOKENS
#define P SY_LIST_PROTOCOLS

/* Parse rows: the value, the grammar, the return, the canonical format of what was kept. */
static const struct list_row {
  const char *name;
  const char *value;
  size_t len;
  enum sy_list_flags flags;
  int rc;
  size_t n;
  const char *formatted;
} list_rows[] = {
    {"one token", LIT("close"), T, 0, 1, "close"},
    {"two tokens", LIT("keep-alive, Upgrade"), T, 0, 2, "keep-alive, Upgrade"},
    {"no OWS", LIT("a,b"), T, 0, 2, "a, b"},
    {"OWS around elements", LIT("  a  ,  b  "), T, 0, 2, "a, b"},
    {"HTAB is OWS", LIT("\ta\t,\tb\t"), T, 0, 2, "a, b"},
    {"leading comma", LIT(",a"), T, 0, 1, "a"},
    {"trailing comma", LIT("a,"), T, 0, 1, "a"},
    {"empty elements between", LIT("a,, ,\t,b"), T, 0, 2, "a, b"},
    {"empty elements and OWS only", LIT(" , ,, "), T, 0, 0, ""},
    {"empty value", LIT(""), T, 0, 0, ""},
    {"case preserved", LIT("UpGrAdE"), T, 0, 1, "UpGrAdE"},
    {"every tchar", LIT("!#$%&'*+-.^_`|~09azAZ"), T, 0, 1, "!#$%&'*+-.^_`|~09azAZ"},
    {"digits are a token", LIT("13"), T, 0, 1, "13"},
    {"version list", LIT("13, 8, 7"), T, 0, 3, "13, 8, 7"},
    {"protocol without version", LIT("websocket"), P, 0, 1, "websocket"},
    {"protocol/version", LIT("TLS/1.2"), P, 0, 1, "TLS/1.2"},
    {"protocols mixed", LIT("h2c, websocket, TLS/1.0"), P, 0, 3, "h2c, websocket, TLS/1.0"},
    {"protocol list with empties", LIT(",, h2c ,websocket/13,"), P, 0, 2, "h2c, websocket/13"},
    {"slash is not a tchar", LIT("TLS/1.2"), T, SY_ESYNTAX, 0, ""},
    {"version missing", LIT("h2c/"), P, SY_ESYNTAX, 0, ""},
    {"name missing", LIT("/1"), P, SY_ESYNTAX, 0, ""},
    {"two versions", LIT("a/b/c"), P, SY_ESYNTAX, 0, ""},
    {"space before slash", LIT("a /1"), P, SY_ESYNTAX, 0, ""},
    {"space after slash", LIT("a/ 1"), P, SY_ESYNTAX, 0, ""},
    {"space inside a token", LIT("web socket"), P, SY_ESYNTAX, 0, ""},
    {"semicolon", LIT("close;x"), T, SY_ESYNTAX, 0, ""},
    {"parameters are not tokens", LIT("a; q=1"), T, SY_ESYNTAX, 0, ""},
    {"quoted string", LIT("\"close\""), T, SY_ESYNTAX, 0, ""},
    {"equals sign", LIT("a=b"), T, SY_ESYNTAX, 0, ""},
    {"NUL", LIT("a\0b"), T, SY_ESYNTAX, 0, ""},
    {"CTL", LIT("a\x01"), T, SY_ESYNTAX, 0, ""},
    {"DEL", LIT("\x7f"), T, SY_ESYNTAX, 0, ""},
    {"CR LF", LIT("a\r\nb"), T, SY_ESYNTAX, 0, ""},
    {"non-ASCII", LIT("caf\xc3\xa9"), T, SY_ESYNTAX, 0, ""},
    {"obs-text alone", LIT("\x80"), T, SY_ESYNTAX, 0, ""},
    {"error keeps the elements before it", LIT("a, b, c d"), T, SY_ESYNTAX, 2, "a, b"},
    {"error in the first element", LIT("@, a"), T, SY_ESYNTAX, 0, ""},
    {"error after a protocol", LIT("h2c, websocket/"), P, SY_ESYNTAX, 1, "h2c"},
};

/* The kept elements as "a, b/1" (the tests' way to write what a parse kept). */
static const char *fmt(const struct sy_list *l, char *buf, size_t cap)
{
  size_t o = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < l->n && o < cap; i++) {
    const struct sy_list_item *it = &l->items[i];
    int n = snprintf(buf + o, cap - o, "%s%.*s%s%.*s", i ? ", " : "", (int)it->name.len,
                     it->name.ptr, it->version.len ? "/" : "", (int)it->version.len,
                     it->version.ptr ? it->version.ptr : "");
    if (n < 0)
      break;
    o += (size_t)n;
  }
  return buf;
}

static void check_round_trip(const struct sy_list *l, const char *formatted)
{
  struct sy_list again;
  char buf[512], buf2[512];
  size_t n = strlen(fmt(l, buf, sizeof buf));
  CHECK_STR(buf, formatted);
  /* Parsing the canonical form gives the same elements, and writes the same bytes. */
  memset(&again, 0, sizeof again);
  CHECK_INT(sy_list_parse(&again, buf, n, SY_LIST_PROTOCOLS), 0);
  CHECK_INT(again.n, l->n);
  for (size_t i = 0; i < l->n; i++) {
    CHECK(again.items[i].name.len == l->items[i].name.len);
    CHECK(memcmp(again.items[i].name.ptr, l->items[i].name.ptr, l->items[i].name.len) == 0);
    CHECK(again.items[i].version.len == l->items[i].version.len);
    CHECK(again.items[i].version.len == 0 ||
          memcmp(again.items[i].version.ptr, l->items[i].version.ptr, l->items[i].version.len) == 0);
  }
  CHECK_STR(fmt(&again, buf2, sizeof buf2), buf);
}

static void test_list_row(void **state)
{
  const struct list_row *row = *state;
  struct sy_list l;
  memset(&l, 0, sizeof l);
  CHECK_INT(sy_list_parse(&l, row->value, row->len, row->flags), row->rc);
  CHECK_INT(l.n, row->n);
  CHECK_INT(l.dropped, 0);
  /* Every kept span points into the caller's value (no copies). */
  for (size_t i = 0; i < l.n; i++) {
    CHECK(l.items[i].name.ptr >= row->value && l.items[i].name.len > 0);
    CHECK(l.items[i].name.ptr + l.items[i].name.len <= row->value + row->len);
    if (l.items[i].version.len)
      CHECK(l.items[i].version.ptr + l.items[i].version.len <= row->value + row->len);
  }
  check_round_trip(&l, row->formatted);
}

/* sy_list_contains rows: a case-insensitive match of a whole element name, with or without a
 * version (versionless 0, as decide.c asks Connection). */
static const struct has_row {
  const char *name;
  const char *value;
  enum sy_list_flags flags;
  const char *token;
  int has;
} has_rows[] = {
    {"contains: exact", "upgrade", T, "upgrade", 1},
    {"contains: any case", "UpGrAdE", T, "upgrade", 1},
    {"contains: token any case", "upgrade", T, "UPGRADE", 1},
    {"contains: last of several", "keep-alive, te, Upgrade", T, "upgrade", 1},
    {"contains: first of several", "upgrade, close", T, "upgrade", 1},
    {"contains: notupgrade is not upgrade", "notupgrade", T, "upgrade", 0},
    {"contains: upgrades is not upgrade", "upgrades", T, "upgrade", 0},
    {"contains: prefix is not a match", "upgr", T, "upgrade", 0},
    {"contains: upgrade-x is not upgrade", "upgrade-x", T, "upgrade", 0},
    {"contains: empty list", "", T, "upgrade", 0},
    {"contains: name of a protocol/version", "websocket/13", P, "websocket", 1},
    {"contains: version is not a name", "h2c/websocket", P, "websocket", 0},
    {"contains: '@' is not '`'", "@", T, "`", 0},
    {"contains: '[' is not '{'", "[x", T, "{x", 0}, /* an ASCII-case fold must not fold punctuation */
    {"contains: 'Z' is 'z'", "Z", T, "z", 1},
};

static void test_has_row(void **state)
{
  const struct has_row *row = *state;
  struct sy_list l;
  memset(&l, 0, sizeof l);
  /* "@" and "[x" are not tokens: match them as spans directly. */
  if (sy_list_parse(&l, row->value, strlen(row->value), row->flags) < 0) {
    struct sy_span s = {row->value, strlen(row->value)};
    CHECK_INT(sy_span_ieq(s, row->token), row->has);
    return;
  }
  CHECK_INT(sy_list_contains(row->value, strlen(row->value), row->flags, row->token, 0), row->has);
}

/* Repeated field lines append to one list (RFC 9110 §5.3). */
static void test_repeated_fields_combine(void **state)
{
  struct sy_list l;
  char buf[64];
  (void)state;
  memset(&l, 0, sizeof l);
  CHECK_INT(sy_list_parse(&l, LIT("h2c"), SY_LIST_PROTOCOLS), 0);
  CHECK_INT(sy_list_parse(&l, LIT(""), SY_LIST_PROTOCOLS), 0);
  CHECK_INT(sy_list_parse(&l, LIT(" , websocket"), SY_LIST_PROTOCOLS), 0);
  CHECK_INT(l.n, 2);
  CHECK_STR(fmt(&l, buf, sizeof buf), "h2c, websocket");
  CHECK_INT(sy_list_parse(&l, LIT("x y"), SY_LIST_PROTOCOLS), SY_ESYNTAX);
  CHECK_INT(l.n, 2); /* what came before is kept */
}

/* Builds "t0, t1, ..., t{n-1}" (plus empty elements) into buf. */
static size_t many_tokens(char *buf, size_t cap, size_t n, const char *sep)
{
  size_t o = 0;
  for (size_t i = 0; i < n; i++)
    o += (size_t)snprintf(buf + o, cap - o, "%st%zu", i ? sep : "", i);
  return o;
}

static void test_overflow_counted_in_dropped(void **state)
{
  char value[4096], buf[4096], exp[4096];
  struct sy_list l;
  size_t len;
  (void)state;

  /* Exactly SY_MAX_LIST_ITEMS: all kept. */
  memset(&l, 0, sizeof l);
  len = many_tokens(value, sizeof value, SY_MAX_LIST_ITEMS, ", ");
  CHECK_INT(sy_list_parse(&l, value, len, SY_LIST_TOKENS), 0);
  CHECK_INT(l.n, SY_MAX_LIST_ITEMS);
  CHECK_INT(l.dropped, 0);

  /* Forty, with empty elements between: 32 kept, the 8 valid ones beyond counted. */
  memset(&l, 0, sizeof l);
  len = many_tokens(value, sizeof value, 40, " ,, ");
  CHECK_INT(sy_list_parse(&l, value, len, SY_LIST_TOKENS), 0);
  CHECK_INT(l.n, SY_MAX_LIST_ITEMS);
  CHECK_INT(l.dropped, 40 - SY_MAX_LIST_ITEMS);
  CHECK(sy_span_ieq(l.items[SY_MAX_LIST_ITEMS - 1].name, "t31"));
  many_tokens(exp, sizeof exp, SY_MAX_LIST_ITEMS, ", ");
  CHECK_STR(fmt(&l, buf, sizeof buf), exp); /* t32..t39 dropped, not stored */

  /* Overflow across two field lines; empty elements past the limit are not counted. */
  memset(&l, 0, sizeof l);
  len = many_tokens(value, sizeof value, 30, ",");
  CHECK_INT(sy_list_parse(&l, value, len, SY_LIST_TOKENS), 0);
  CHECK_INT(sy_list_parse(&l, LIT("a, b, , c,, d"), SY_LIST_TOKENS), 0);
  CHECK_INT(l.n, SY_MAX_LIST_ITEMS);
  CHECK_INT(l.dropped, 2);
  CHECK_INT(sy_list_parse(&l, LIT(",,, ,"), SY_LIST_TOKENS), 0);
  CHECK_INT(l.dropped, 2);

  /* A syntax error past the limit is still an error. */
  CHECK_INT(sy_list_parse(&l, LIT("e, f g"), SY_LIST_TOKENS), SY_ESYNTAX);
  CHECK_INT(l.n, SY_MAX_LIST_ITEMS);
}

/* sy_list_contains sees every element, kept or past SY_MAX_LIST_ITEMS; versionless asks for
 * the bare protocol-name (RFC 9110 §7.8). */
static void test_contains_past_the_limit(void **state)
{
  char value[4096];
  size_t len;
  (void)state;
  len = many_tokens(value, sizeof value, 40, ", ");
  CHECK_INT(sy_list_contains(value, len, SY_LIST_TOKENS, "T39", 0), 1);
  CHECK_INT(sy_list_contains(value, len, SY_LIST_TOKENS, "t4", 0), 1);
  CHECK_INT(sy_list_contains(value, len, SY_LIST_TOKENS, "t40", 0), 0);
  CHECK_INT(sy_list_contains(value, len, SY_LIST_TOKENS, "t", 0), 0); /* whole tokens only */
  CHECK_INT(sy_list_contains(LIT("h2c, websocket/13"), SY_LIST_PROTOCOLS, "websocket", 1), 0);
  CHECK_INT(sy_list_contains(LIT("h2c, websocket/13"), SY_LIST_PROTOCOLS, "websocket", 0), 1);
  CHECK_INT(sy_list_contains(LIT(",, WebSocket ,"), SY_LIST_PROTOCOLS, "websocket", 1), 1);
  CHECK_INT(sy_list_contains(LIT("notupgrade, upgrades"), SY_LIST_TOKENS, "upgrade", 0), 0);
  CHECK_INT(sy_list_contains(LIT(""), SY_LIST_TOKENS, "upgrade", 0), 0);
  /* a malformed element before the token is an error, after it the match stands */
  CHECK_INT(sy_list_contains(LIT("a b, upgrade"), SY_LIST_TOKENS, "upgrade", 0), SY_ESYNTAX);
  CHECK_INT(sy_list_contains(LIT("upgrade, a b"), SY_LIST_TOKENS, "upgrade", 0), 1);
  CHECK_INT(sy_list_contains(NULL, 1, SY_LIST_TOKENS, "upgrade", 0), SY_EINVAL);
  CHECK_INT(sy_list_contains(LIT("a"), SY_LIST_TOKENS, NULL, 0), SY_EINVAL);
}

static void test_misuse(void **state)
{
  struct sy_list l;
  (void)state;
  memset(&l, 0, sizeof l);
  CHECK_INT(sy_list_parse(NULL, LIT("a"), SY_LIST_TOKENS), SY_EINVAL);
  CHECK_INT(sy_list_parse(&l, NULL, 3, SY_LIST_TOKENS), SY_EINVAL);
  CHECK_INT(sy_list_parse(&l, NULL, 0, SY_LIST_TOKENS), 0);
  CHECK_INT(l.n, 0);
}

/* RFC 9110 §5.6.2 tchar, all 256 bytes, against the grammar written out here. */
static void test_tchar_all_bytes(void **state)
{
  (void)state;
  for (int c = 0; c < 256; c++) {
    int exp = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c != 0 && memchr("!#$%&'*+-.^_`|~", c, 15) != NULL);
    if (sy_is_tchar((unsigned char)c) != exp)
      fail_msg("sy_is_tchar(0x%02x) = %d, expected %d", c, !exp, exp);
  }
}

/* sy_span_ieq folds ASCII letters only, over all pairs of bytes. */
static void test_span_ieq_all_pairs(void **state)
{
  (void)state;
  for (int a = 0; a < 256; a++)
    for (int b = 1; b < 256; b++) {
      char s = (char)a, lit[2] = {(char)b, 0};
      int la = (a >= 'A' && a <= 'Z') ? a + 32 : a, lb = (b >= 'A' && b <= 'Z') ? b + 32 : b;
      struct sy_span sp = {&s, 1};
      if (sy_span_ieq(sp, lit) != (la == lb))
        fail_msg("sy_span_ieq(0x%02x, 0x%02x) = %d", a, b, la != lb);
    }
  CHECK(!sy_span_ieq((struct sy_span){"ab", 2}, "abc"));
  CHECK(!sy_span_ieq((struct sy_span){"abc", 3}, "ab"));
  CHECK(sy_span_ieq((struct sy_span){"", 0}, ""));
}

int main(void)
{
  struct tu_tests l = {0};
  TU_ADD_ROWS(&l, list_rows, test_list_row);
  TU_ADD_ROWS(&l, has_rows, test_has_row);
  tu_add(&l, "repeated fields combine", test_repeated_fields_combine, NULL);
  tu_add(&l, "overflow counted in dropped", test_overflow_counted_in_dropped, NULL);
  tu_add(&l, "contains: every element, past the limit too", test_contains_past_the_limit, NULL);
  tu_add(&l, "misuse", test_misuse, NULL);
  tu_add(&l, "tchar: all bytes", test_tchar_all_bytes, NULL);
  tu_add(&l, "span_ieq: all pairs", test_span_ieq_all_pairs, NULL);
  return tu_run("lists", &l);
}
