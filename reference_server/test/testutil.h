/* SPDX-License-Identifier: MIT */
/* testutil.h: what the cmocka unit tests share: row-named checks and a growable list of tests (one
 * cmocka test per table row, named after the row). Header-only; every helper is static inline so
 * each test uses only what it needs without -Wunused-function. The corpus is not read here:
 * test_split.c gets its rows from harness/cases.py (corpus_rows.py writes
 * $(BUILD)/test/corpus_rows.h). */
#ifndef SY_TESTUTIL_H
#define SY_TESTUTIL_H

#include <setjmp.h> /* cmocka.h needs these four first */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "switchyard.h"

/* A string literal as (pointer, length), NULs and all: rows carry raw bytes. */
#define LIT(s)   (s), (sizeof(s) - 1)
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- checks that say what differed, in decimal and by name ---- */

#define CHECK_INT(got, exp)                                        \
  do {                                                             \
    long long got_ = (long long)(got), exp_ = (long long)(exp);    \
    if (got_ != exp_) {                                            \
      print_error("%s = %lld, expected %lld\n", #got, got_, exp_); \
      _fail(__FILE__, __LINE__);                                   \
    }                                                              \
  } while (0)

#define CHECK_STR(got, exp)                                                       \
  do {                                                                            \
    const char *got_ = (got), *exp_ = (exp);                                      \
    if (got_ == NULL || exp_ == NULL || strcmp(got_, exp_) != 0) {                \
      print_error("%s = \"%s\", expected \"%s\"\n", #got, got_ ? got_ : "(null)", \
                  exp_ ? exp_ : "(null)");                                        \
      _fail(__FILE__, __LINE__);                                                  \
    }                                                                             \
  } while (0)

#define CHECK_REASON(got, exp)                                                                 \
  do {                                                                                         \
    enum sy_reason got_ = (got), exp_ = (exp);                                                 \
    if (got_ != exp_) {                                                                        \
      print_error("%s = %s, expected %s\n", #got, sy_reason_name(got_), sy_reason_name(exp_)); \
      _fail(__FILE__, __LINE__);                                                               \
    }                                                                                          \
  } while (0)

#define CHECK(cond)                             \
  do {                                          \
    if (!(cond)) {                              \
      print_error("check failed: %s\n", #cond); \
      _fail(__FILE__, __LINE__);                \
    }                                           \
  } while (0)

/* Bytes as a C-ish literal for failure messages ("GET / HTTP/1.1\r\n..."), truncated to fit. */
static inline const char *tu_escape(const void *p, size_t len, char *out, size_t cap)
{
  const unsigned char *s = p;
  size_t o = 0;
  for (size_t i = 0; i < len && o + 8 < cap; i++) {
    unsigned char c = s[i];
    if (c == '\r')
      o += (size_t)snprintf(out + o, cap - o, "\\r");
    else if (c == '\n')
      o += (size_t)snprintf(out + o, cap - o, "\\n");
    else if (c == '\\' || c == '"')
      o += (size_t)snprintf(out + o, cap - o, "\\%c", c);
    else if (c < 0x20 || c >= 0x7f)
      o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
    else
      out[o++] = (char)c;
  }
  if (cap)
    out[o < cap ? o : cap - 1] = '\0';
  return out;
}

/* Compares two byte strings; on a difference prints both around the first differing byte. */
#define CHECK_BYTES(got, got_len, exp, exp_len)                    \
  do {                                                             \
    if (!tu_bytes_equal((got), (got_len), (exp), (exp_len), #got)) \
      _fail(__FILE__, __LINE__);                                   \
  } while (0)

static inline int tu_bytes_equal(const void *got, size_t got_len, const void *exp, size_t exp_len,
                                 const char *what)
{
  const unsigned char *g = got, *e = exp;
  size_t i = 0, from;
  char a[256], b[256];
  if (got_len == exp_len && (got_len == 0 || memcmp(got, exp, got_len) == 0))
    return 1;
  while (i < got_len && i < exp_len && g[i] == e[i])
    i++;
  from = i > 40 ? i - 40 : 0;
  print_error("%s differs at byte %zu (lengths %zu, expected %zu)\n  got: \"%s\"\n  exp: \"%s\"\n",
              what, i, got_len, exp_len, tu_escape(g + from, got_len - from, a, sizeof a),
              tu_escape(e + from, exp_len - from, b, sizeof b));
  return 0;
}

/* ---- a growable list of cmocka tests: one per table row, named after it ---- */

struct tu_tests {
  struct CMUnitTest *t;
  size_t n, cap;
};

/* `state` is handed to fn as *state (cmocka's initial_state); rows are const, tests only read. */
static inline void tu_add(struct tu_tests *l, const char *name, CMUnitTestFunction fn,
                          const void *state)
{
  if (l->n == l->cap) {
    l->cap = l->cap ? 2 * l->cap : 64;
    l->t = realloc(l->t, l->cap * sizeof *l->t);
    if (l->t == NULL) {
      fprintf(stderr, "out of memory\n");
      exit(2);
    }
  }
  l->t[l->n++] = (struct CMUnitTest){name, fn, NULL, NULL, (void *)(uintptr_t)state};
}

/* Adds one test per row of a table whose rows start with `const char *name`. */
#define TU_ADD_ROWS(list, rows, fn)                       \
  do {                                                    \
    for (size_t i_ = 0; i_ < COUNT(rows); i_++)           \
      tu_add((list), (rows)[i_].name, (fn), &(rows)[i_]); \
  } while (0)

static inline int tu_run(const char *group, struct tu_tests *l)
{
  int rc = _cmocka_run_group_tests(group, l->t, l->n, NULL, NULL);
  free(l->t);
  l->t = NULL;
  l->n = l->cap = 0;
  return rc;
}

/* ---- reasons by name ---- */

static inline enum sy_reason tu_reason_by_name(const char *name)
{
  for (int r = SY_R_NONE + 1; r < SY_R__COUNT; r++)
    if (strcmp(sy_reason_name((enum sy_reason)r), name) == 0)
      return (enum sy_reason)r;
  return SY_R_NONE;
}

static inline const char *tu_fate_name(enum sy_fate f)
{
  switch (f) {
  case SY_FATE_KEEP_ALIVE:
    return "KEEP_ALIVE";
  case SY_FATE_CLOSE:
    return "CLOSE";
  case SY_FATE_SWITCH:
    return "SWITCH";
  }
  return "?";
}

/* The decision's fields as "Name: value|Name: value" (the 101's accept filled in). */
static inline const char *tu_fields(const struct sy_decision *d, char *out, size_t cap)
{
  size_t o = 0;
  out[0] = '\0';
  for (size_t i = 0; i < d->n_fields && o < cap; i++) {
    const char *v = d->fields[i].value ? d->fields[i].value : d->accept;
    int n = snprintf(out + o, cap - o, "%s%s: %s", i ? "|" : "", d->fields[i].name, v);
    if (n < 0)
      break;
    o += (size_t)n;
  }
  return out;
}

#endif
