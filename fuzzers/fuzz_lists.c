/* SPDX-License-Identifier: MIT */
/* fuzz_lists.c: the RFC 9110 list parser and lookup (sy_list_parse, sy_list_contains).
 * Input: field-line values separated by LF (each line is one field line of the same name).
 * Oracles, for #token and #protocol lists: the result agrees with an independent splitter written
 * from RFC 9110 §5.6.1 (validity and elements); several field lines equal their comma-joined
 * combination (§5.3); every element kept is found by sy_list_contains; parse(serialise(parse(x)))
 * == parse(x), serialised here as "a, b/1"; output is bounded. */
#include <stdlib.h>
#include <string.h>

#include "oracles.h"

struct ref_list {
  struct sy_list_item items[SY_MAX_LIST_ITEMS];
  size_t n, total;
  int valid;
};

static int is_ows(char c)
{
  return c == ' ' || c == '\t';
}

/* Split at every comma, trim OWS, skip empty pieces; a piece is token or token "/" token. */
static void ref_parse(struct ref_list *r, const char *v, size_t len, int protocols)
{
  size_t s = 0;
  memset(r, 0, sizeof *r);
  r->valid = 1;
  while (s <= len) {
    size_t e = s, a, b, slash = 0;
    while (e < len && v[e] != ',')
      e++;
    for (a = s, b = e; a < b && is_ows(v[a]); a++)
      ;
    while (b > a && is_ows(v[b - 1]))
      b--;
    if (b > a) {
      for (size_t k = a; k < b; k++) {
        if (protocols && v[k] == '/' && !slash && k > a && k + 1 < b)
          slash = k;
        else if (!oc_is_tchar((unsigned char)v[k])) {
          r->valid = 0;
          return;
        }
      }
      if (r->n < SY_MAX_LIST_ITEMS) {
        struct sy_list_item *it = &r->items[r->n++];
        it->name.ptr = v + a;
        it->name.len = (slash ? slash : b) - a;
        it->version.ptr = slash ? v + slash + 1 : NULL;
        it->version.len = slash ? b - slash - 1 : 0;
      }
      r->total++;
    }
    s = e + 1;
  }
}

static int span_eq(struct sy_span a, struct sy_span b)
{
  return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static int items_eq(const struct sy_list_item *a, const struct sy_list_item *b, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (!span_eq(a[i].name, b[i].name) || !span_eq(a[i].version, b[i].version))
      return 0;
  return 1;
}

/* The elements as "a, b/1" into buf (cap: enough for every name and version, 3 bytes between);
 * returns the length. */
static size_t serialise(const struct sy_list *l, char *buf)
{
  size_t o = 0;
  for (size_t i = 0; i < l->n; i++) {
    const struct sy_list_item *it = &l->items[i];
    if (i) {
      memcpy(buf + o, ", ", 2);
      o += 2;
    }
    memcpy(buf + o, it->name.ptr, it->name.len);
    o += it->name.len;
    if (it->version.len) {
      buf[o++] = '/';
      memcpy(buf + o, it->version.ptr, it->version.len);
      o += it->version.len;
    }
  }
  return o;
}

/* Each element kept is found in the value by the lookup decide.c uses, by name whatever its
 * version, and as a bare name when it has no version. */
static void check_contains(const struct sy_list *j, const char *joined, size_t size,
                           enum sy_list_flags fl)
{
  for (size_t i = 0; i < j->n; i++) {
    char tok[256];
    size_t n = j->items[i].name.len;
    if (n >= sizeof tok)
      continue;
    memcpy(tok, j->items[i].name.ptr, n);
    tok[n] = '\0';
    OC_CHECK(sy_list_contains(joined, size, fl, tok, 0) == 1 &&
                 (j->items[i].version.len || sy_list_contains(joined, size, fl, tok, 1) == 1),
             "list-has", "RFC 9110 §7.6.1", "%s not found in its list", tok);
  }
}

/* Round trip: serialise, parse again, the same elements; serialise again, the same bytes. */
static void check_round_trip(const struct sy_list *j, enum sy_list_flags fl)
{
  static struct sy_list again;
  size_t cap = 1, n;
  char *buf, *buf2;
  for (size_t i = 0; i < j->n; i++)
    cap += j->items[i].name.len + j->items[i].version.len + 3;
  buf = malloc(cap);
  buf2 = malloc(cap);
  n = serialise(j, buf);
  memset(&again, 0, sizeof again);
  OC_CHECK(sy_list_parse(&again, buf, n, fl) == 0 && again.n == j->n && again.dropped == 0 &&
               items_eq(again.items, j->items, j->n),
           "list-roundtrip", "RFC 9110 §5.6.1", "parse(serialise(parse(x))) != parse(x): \"%.*s\"",
           (int)n, buf);
  OC_CHECK(serialise(&again, buf2) == n && memcmp(buf, buf2, n) == 0, "list-roundtrip",
           "RFC 9110 §5.6.1", "serialise is not stable");
  free(buf2);
  free(buf);
}

static void one_mode(const uint8_t *data, size_t size, const char *joined, enum sy_list_flags fl)
{
  static struct sy_list lines, j;
  static struct ref_list ref;
  const char *mode = fl == SY_LIST_PROTOCOLS ? "#protocol" : "#token";
  int rc_lines = 0, rc_j, rc;
  size_t s = 0;

  memset(&lines, 0, sizeof lines);
  while (s <= size) {
    size_t e = s;
    while (e < size && data[e] != '\n')
      e++;
    rc = sy_list_parse(&lines, (const char *)data + s, e - s, fl);
    OC_CHECK(rc == 0 || rc == SY_ESYNTAX, "list-return", "switchyard.h sy_list_parse", "rc %d", rc);
    oc_check_errno(rc);
    if (rc < 0) {
      rc_lines = rc;
      break;
    }
    s = e + 1;
  }
  memset(&j, 0, sizeof j);
  rc_j = sy_list_parse(&j, joined, size, fl);
  ref_parse(&ref, joined, size, fl == SY_LIST_PROTOCOLS);

  OC_CHECK((rc_j == 0) == ref.valid, "list-syntax", "RFC 9110 §5.6.1",
           "%s list: core says %s, the RFC 9110 splitter says %s", mode, rc_j ? "invalid" : "valid",
           ref.valid ? "valid" : "invalid");
  OC_CHECK((rc_lines == 0) == (rc_j == 0), "list-combination", "RFC 9110 §5.3",
           "%s: field lines %s but their comma-joined value %s", mode, rc_lines ? "invalid" : "valid",
           rc_j ? "invalid" : "valid");
  OC_CHECK(j.n <= SY_MAX_LIST_ITEMS && lines.n <= SY_MAX_LIST_ITEMS, "list-bounded",
           "switchyard.h sy_list", "%zu elements stored", j.n);
  for (size_t i = 0; i < j.n; i++) {
    const struct sy_list_item *it = &j.items[i];
    OC_CHECK(it->name.len > 0 && it->name.ptr >= joined && it->name.ptr + it->name.len <= joined + size,
             "list-bounded", "switchyard.h sy_list", "element %zu outside the value", i);
    for (size_t k = 0; k < it->name.len; k++)
      OC_CHECK(oc_is_tchar((unsigned char)it->name.ptr[k]), "list-syntax", "RFC 9110 §5.6.2",
               "element %zu has a non-token byte 0x%02x", i, (unsigned char)it->name.ptr[k]);
  }
  /* Valid or not, the elements stored are the splitter's (on an error: those before the bad
   * element, as switchyard.h promises). */
  OC_CHECK(j.n == (ref.total < SY_MAX_LIST_ITEMS ? ref.total : SY_MAX_LIST_ITEMS) &&
               j.dropped == ref.total - j.n && items_eq(j.items, ref.items, j.n),
           "list-elements", "RFC 9110 §5.6.1",
           "%s: core kept %zu (+%zu dropped), the splitter found %zu", mode, j.n, j.dropped,
           ref.total);
  if (rc_j != 0)
    return;
  OC_CHECK(lines.n == j.n && lines.dropped == j.dropped && items_eq(lines.items, j.items, j.n),
           "list-combination", "RFC 9110 §5.3", "%s: field lines give %zu elements, joined %zu",
           mode, lines.n, j.n);
  check_contains(&j, joined, size, fl);
  check_round_trip(&j, fl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *joined;
  if (size > 1 << 16)
    return 0;
  joined = malloc(size ? size : 1);
  for (size_t i = 0; i < size; i++)
    joined[i] = data[i] == '\n' ? ',' : (char)data[i];
  one_mode(data, size, joined, SY_LIST_TOKENS);
  one_mode(data, size, joined, SY_LIST_PROTOCOLS);
  free(joined);
  return 0;
}
