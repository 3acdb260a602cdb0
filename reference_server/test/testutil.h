/* SPDX-License-Identifier: MIT */
/* testutil.h: what the cmocka unit tests share: row-named checks, a growable list of tests (one
 * cmocka test per table row, named after the row), files, the corpus walk and the `reason` of a
 * scenario from its cases.toml. Header-only; every helper is static inline so each test uses
 * only what it needs without -Wunused-function. */
#ifndef SY_TESTUTIL_H
#define SY_TESTUTIL_H

#include <setjmp.h> /* cmocka.h needs these four first */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "switchyard.h"

#ifndef SY_SOURCE_DIR
#error "build with -DSY_SOURCE_DIR='\"<repo root>\"' (the Makefile does)"
#endif

/* A string literal as (pointer, length), NULs and all: rows carry raw bytes. */
#define LIT(s) (s), (sizeof(s) - 1)
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- checks that say what differed, in decimal and by name ---- */

#define CHECK_INT(got, exp)                                                                        \
  do {                                                                                             \
    long long got_ = (long long)(got), exp_ = (long long)(exp);                                    \
    if (got_ != exp_) {                                                                            \
      print_error("%s = %lld, expected %lld\n", #got, got_, exp_);                                 \
      _fail(__FILE__, __LINE__);                                                                   \
    }                                                                                              \
  } while (0)

#define CHECK_STR(got, exp)                                                                        \
  do {                                                                                             \
    const char *got_ = (got), *exp_ = (exp);                                                       \
    if (got_ == NULL || exp_ == NULL || strcmp(got_, exp_) != 0) {                                 \
      print_error("%s = \"%s\", expected \"%s\"\n", #got, got_ ? got_ : "(null)",                 \
                  exp_ ? exp_ : "(null)");                                                         \
      _fail(__FILE__, __LINE__);                                                                   \
    }                                                                                              \
  } while (0)

#define CHECK_REASON(got, exp)                                                                     \
  do {                                                                                             \
    enum sy_reason got_ = (got), exp_ = (exp);                                                     \
    if (got_ != exp_) {                                                                            \
      print_error("%s = %s, expected %s\n", #got, sy_reason_name(got_), sy_reason_name(exp_));    \
      _fail(__FILE__, __LINE__);                                                                   \
    }                                                                                              \
  } while (0)

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      print_error("check failed: %s\n", #cond);                                                    \
      _fail(__FILE__, __LINE__);                                                                   \
    }                                                                                              \
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
#define CHECK_BYTES(got, got_len, exp, exp_len)                                                    \
  do {                                                                                             \
    if (!tu_bytes_equal((got), (got_len), (exp), (exp_len), #got))                                 \
      _fail(__FILE__, __LINE__);                                                                   \
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
#define TU_ADD_ROWS(list, rows, fn)                                                                \
  do {                                                                                             \
    for (size_t i_ = 0; i_ < COUNT(rows); i_++)                                                    \
      tu_add((list), (rows)[i_].name, (fn), &(rows)[i_]);                                          \
  } while (0)

static inline int tu_run(const char *group, struct tu_tests *l)
{
  int rc = _cmocka_run_group_tests(group, l->t, l->n, NULL, NULL);
  free(l->t);
  l->t = NULL;
  l->n = l->cap = 0;
  return rc;
}

/* ---- files and the corpus ---- */

/* The whole file, NUL-terminated (not counted in *len); NULL if it cannot be read. */
static inline char *tu_read_file(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  char *buf = NULL;
  size_t n = 0, cap = 0, r;
  if (f == NULL)
    return NULL;
  do {
    if (cap - n < 4096) {
      char *nb;
      cap = cap ? 2 * cap : 8192;
      nb = realloc(buf, cap + 1);
      if (nb == NULL) {
        free(buf);
        fclose(f);
        return NULL;
      }
      buf = nb;
    }
    r = fread(buf + n, 1, cap - n, f);
    n += r;
  } while (r > 0);
  fclose(f);
  buf[n] = '\0';
  *len = n;
  return buf;
}

struct tu_corpus_file {
  char name[160];  /* "websocket/valid_handshake" */
  char topic[64];  /* "websocket" */
  char stem[96];   /* "valid_handshake" */
  char path[1024]; /* absolute */
  char *data;      /* the bytes (tu_corpus_load) */
  size_t len;
};

struct tu_corpus {
  struct tu_corpus_file *f;
  size_t n;
};

static inline int tu_cmp_corpus_file(const void *a, const void *b)
{
  return strcmp(((const struct tu_corpus_file *)a)->name, ((const struct tu_corpus_file *)b)->name);
}

static inline int tu_has_suffix(const char *s, const char *suffix)
{
  size_t n = strlen(s), k = strlen(suffix);
  return n > k && strcmp(s + n - k, suffix) == 0;
}

/* Every SY_SOURCE_DIR/corpus/<topic>/<stem>.http, sorted by name, with its bytes loaded.
 * Exits (status 2) if the corpus cannot be read: a test that finds no files proves nothing. */
static inline void tu_corpus_load(struct tu_corpus *c)
{
  const char *root = SY_SOURCE_DIR "/corpus";
  DIR *top = opendir(root);
  struct dirent *t;
  size_t cap = 0;
  c->f = NULL;
  c->n = 0;
  if (top == NULL) {
    fprintf(stderr, "cannot open %s\n", root);
    exit(2);
  }
  while ((t = readdir(top)) != NULL) {
    char dpath[512];
    DIR *d;
    struct dirent *e;
    if (t->d_name[0] == '.')
      continue;
    snprintf(dpath, sizeof dpath, "%s/%s", root, t->d_name);
    if ((d = opendir(dpath)) == NULL)
      continue; /* a file at the top level */
    while ((e = readdir(d)) != NULL) {
      struct tu_corpus_file *f;
      size_t stem_len;
      if (!tu_has_suffix(e->d_name, ".http"))
        continue;
      if (c->n == cap) {
        cap = cap ? 2 * cap : 128;
        c->f = realloc(c->f, cap * sizeof *c->f);
        if (c->f == NULL) {
          fprintf(stderr, "out of memory\n");
          exit(2);
        }
      }
      f = &c->f[c->n++];
      memset(f, 0, sizeof *f);
      stem_len = strlen(e->d_name) - strlen(".http");
      if (strlen(t->d_name) >= sizeof f->topic || stem_len >= sizeof f->stem) {
        fprintf(stderr, "corpus name too long: %s/%s\n", t->d_name, e->d_name);
        exit(2);
      }
      memcpy(f->topic, t->d_name, strlen(t->d_name) + 1);
      memcpy(f->stem, e->d_name, stem_len);
      f->stem[stem_len] = '\0';
      snprintf(f->name, sizeof f->name, "%s/%s", f->topic, f->stem);
      snprintf(f->path, sizeof f->path, "%s/%s", dpath, e->d_name);
      f->data = tu_read_file(f->path, &f->len);
      if (f->data == NULL) {
        fprintf(stderr, "cannot read %s\n", f->path);
        exit(2);
      }
    }
    closedir(d);
  }
  closedir(top);
  if (c->n == 0) {
    fprintf(stderr, "no corpus files under %s\n", root);
    exit(2);
  }
  qsort(c->f, c->n, sizeof *c->f, tu_cmp_corpus_file);
}

static inline void tu_corpus_free(struct tu_corpus *c)
{
  for (size_t i = 0; i < c->n; i++)
    free(c->f[i].data);
  free(c->f);
  c->f = NULL;
  c->n = 0;
}

/* ---- corpus/<topic>/cases.toml, just enough of it ----
 * A line-oriented reader of the two things the unit tests need: `[stem]` section headers and
 * `reason = "NAME"` lines (docs/corpus.md). The full format is Python's (tomllib) business. */

static inline const char *tu_skip_space(const char *p, const char *end)
{
  while (p < end && (*p == ' ' || *p == '\t'))
    p++;
  return p;
}

/* Calls fn(arg, stem, reason) for every section of corpus/<topic>/cases.toml; reason is "" when
 * the section has no reason line. Returns the number of sections, or -1 if there is no file. */
static inline int tu_cases_each(const char *topic,
                                void (*fn)(void *arg, const char *stem, const char *reason),
                                void *arg)
{
  char path[512], stem[128] = "", reason[128] = "";
  size_t len;
  char *text;
  const char *p, *end;
  int sections = 0;
  snprintf(path, sizeof path, "%s/corpus/%s/cases.toml", SY_SOURCE_DIR, topic);
  if ((text = tu_read_file(path, &len)) == NULL)
    return -1;
  end = text + len;
  for (p = text; p < end;) {
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    const char *q = tu_skip_space(p, end);
    if (eol == NULL)
      eol = end;
    if (q < eol && *q == '[') {
      const char *close = memchr(q, ']', (size_t)(eol - q));
      if (sections > 0)
        fn(arg, stem, reason);
      sections++;
      reason[0] = '\0';
      stem[0] = '\0';
      if (close && (size_t)(close - q - 1) < sizeof stem) {
        memcpy(stem, q + 1, (size_t)(close - q - 1));
        stem[close - q - 1] = '\0';
      }
    } else if ((size_t)(eol - q) > 6 && memcmp(q, "reason", 6) == 0) {
      const char *v = tu_skip_space(q + 6, eol);
      if (v < eol && *v == '=') {
        v = tu_skip_space(v + 1, eol);
        if (v < eol && *v == '"') {
          const char *e = memchr(v + 1, '"', (size_t)(eol - v - 1));
          if (e && (size_t)(e - v - 1) < sizeof reason) {
            memcpy(reason, v + 1, (size_t)(e - v - 1));
            reason[e - v - 1] = '\0';
          }
        }
      }
    }
    p = eol + (eol < end);
  }
  if (sections > 0)
    fn(arg, stem, reason);
  free(text);
  return sections;
}

struct tu_reason_lookup {
  const char *stem;
  char *out;
  size_t cap;
  int found;
};

static inline void tu_reason_lookup_cb(void *arg, const char *stem, const char *reason)
{
  struct tu_reason_lookup *l = arg;
  if (strcmp(stem, l->stem) == 0) {
    snprintf(l->out, l->cap, "%s", reason);
    l->found++;
  }
}

/* The `reason` of [stem] in corpus/<topic>/cases.toml; returns how many sections have that stem
 * (1 is the only right answer), out gets "" when there is none. */
static inline int tu_cases_reason(const char *topic, const char *stem, char *out, size_t cap)
{
  struct tu_reason_lookup l = {stem, out, cap, 0};
  out[0] = '\0';
  if (tu_cases_each(topic, tu_reason_lookup_cb, &l) < 0)
    return 0;
  return l.found;
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
