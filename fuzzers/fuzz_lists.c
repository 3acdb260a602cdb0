/* SPDX-License-Identifier: MIT */
/* fuzz_lists.c: the RFC 9110 list parser (sy_list_parse / sy_list_format / sy_list_has).
 * Input: field-line values separated by LF (each line is one field line of the same name).
 * Oracles, for #token and #protocol lists: the result agrees with an independent splitter written
 * from RFC 9110 §5.6.1 (validity and elements); several field lines equal their comma-joined
 * combination (§5.3); parse(serialise(parse(x))) == parse(x); output is bounded; short buffers
 * give SY_ENOSPC without writing past them. */
#include <stdlib.h>
#include <string.h>

#include "oracles.h"

struct ref_list {
  struct sy_list_item items[SY_MAX_LIST_ITEMS];
  size_t n, total;
  int valid;
};

static int is_ows(char c) { return c == ' ' || c == '\t'; }

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

static void one_mode(const uint8_t *data, size_t size, const char *joined, enum sy_list_flags fl)
{
  static struct sy_list lines, j, again;
  static struct ref_list ref;
  const char *mode = fl == SY_LIST_PROTOCOLS ? "#protocol" : "#token";
  int rc_lines = 0, rc_j, rc;
  size_t s = 0, cap, total = 0;
  char *buf, *buf2;

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
  for (size_t i = 0; i < j.n; i++) {
    char tok[256];
    size_t n = j.items[i].name.len < sizeof tok - 1 ? j.items[i].name.len : sizeof tok - 1;
    memcpy(tok, j.items[i].name.ptr, n);
    tok[n] = '\0';
    if (n == j.items[i].name.len)
      OC_CHECK(sy_list_has(&j, tok), "list-has", "RFC 9110 §7.6.1", "%s not found in its list",
               tok);
  }

  /* Round trip: serialise, parse again, same elements; serialise again, same bytes. */
  for (size_t i = 0; i < j.n; i++)
    total += j.items[i].name.len + j.items[i].version.len + 3;
  cap = total + 1;
  buf = malloc(cap);
  rc = sy_list_format(&j, buf, cap);
  OC_CHECK(rc >= 0 && (size_t)rc < cap && buf[rc] == '\0', "list-roundtrip", "RFC 9110 §5.6.1",
           "format returned %d for a %zu-byte buffer", rc, cap);
  memset(&again, 0, sizeof again);
  OC_CHECK(sy_list_parse(&again, buf, (size_t)rc, fl) == 0 && again.n == j.n && again.dropped == 0 &&
               items_eq(again.items, j.items, j.n),
           "list-roundtrip", "RFC 9110 §5.6.1", "parse(serialise(parse(x))) != parse(x): \"%s\"",
           buf);
  buf2 = malloc(cap);
  OC_CHECK(sy_list_format(&again, buf2, cap) == rc && memcmp(buf, buf2, (size_t)rc) == 0,
           "list-roundtrip", "RFC 9110 §5.6.1", "serialise is not stable");
  free(buf2);
  /* Every shorter buffer: SY_ENOSPC, nothing written past it (exact-size heap copies). */
  for (size_t c = 0; c < (size_t)rc + 1; c += 1 + c / 2) {
    char *small = malloc(c ? c : 1);
    int r2 = sy_list_format(&j, small, c);
    oc_check_errno(r2);
    OC_CHECK(r2 == SY_ENOSPC || j.n == 0, "list-format-bounded",
             "switchyard.h sy_list_format", "cap %zu of %d returned %d", c, rc + 1, r2);
    free(small);
  }
  free(buf);
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
