/* SPDX-License-Identifier: MIT */
/* test_split.c: split delivery over the whole corpus. For every corpus/<topic>/<stem>.http:
 *   reason/  the reference decision is the `reason` of its cases.toml table;
 *   split/   parsing every prefix (a server re-parsing its growing buffer after each read) is
 *            SY_INCOMPLETE up to some length and from then on the one-shot decision;
 *   conn/    the connection state machine fed in chunks of every size 1..n writes the same bytes
 *            as when fed all at once (interim 100 Continue aside: it depends on timing).
 * And every cases.toml table has its file. */
#include "testutil.h"

static struct tu_corpus corpus;
static struct sy_policy policy;

/* ---- reason/: the manifest says what the reference decides ---- */

static void test_reason(void **state)
{
  const struct tu_corpus_file *f = *state;
  char want[128];
  struct sy_request req;
  struct sy_decision d;
  int found = tu_cases_reason(f->topic, f->stem, want, sizeof want);
  if (found != 1)
    fail_msg("corpus/%s/cases.toml has %d tables [%s]", f->topic, found, f->stem);
  if (tu_reason_by_name(want) == SY_R_NONE)
    fail_msg("[%s] reason \"%s\" is not a row of reasons.h", f->stem, want);
  if (sy_handle(&policy, f->data, f->len, &req, &d) <= 0)
    fail_msg("%s: the reference has no decision for the whole file", f->name);
  if (strcmp(sy_reason_name(d.reason), want) != 0)
    fail_msg("%s: the reference decides %d %s, cases.toml says %s", f->name, d.status,
             sy_reason_name(d.reason), want);
}

/* ---- split/: every prefix ---- */

static void test_split(void **state)
{
  const struct tu_corpus_file *f = *state;
  struct sy_request req, r;
  struct sy_decision d, dn;
  char fields[512], fields_n[512];
  int rc = sy_handle(&policy, f->data, f->len, &req, &d);
  size_t first = 0; /* the shortest prefix with a decision */

  CHECK(rc >= 0);
  if (rc > 0)
    tu_fields(&d, fields, sizeof fields);
  for (size_t n = 1; n <= f->len; n++) {
    int rn = sy_handle(&policy, f->data, n, &r, &dn);
    if (rn < 0)
      fail_msg("prefix %zu: %s", n, sy_strerror(rn));
    if (rn == SY_INCOMPLETE) {
      if (first)
        fail_msg("prefix %zu incomplete after a decision at %zu", n, first);
      continue;
    }
    if (rc == SY_INCOMPLETE)
      fail_msg("prefix %zu decided %s; the whole file is incomplete", n, sy_reason_name(dn.reason));
    if (!first)
      first = n;
    if (dn.status != d.status || dn.reason != d.reason || dn.fate != d.fate ||
        strcmp(tu_fields(&dn, fields_n, sizeof fields_n), fields) != 0)
      fail_msg("prefix %zu of %zu: %d %s %s [%s], whole: %d %s %s [%s]", n, f->len, dn.status,
               sy_reason_name(dn.reason), tu_fate_name(dn.fate), fields_n, d.status,
               sy_reason_name(d.reason), tu_fate_name(d.fate), fields);
    /* A sound message ends where it ends, however much follows; an error takes the buffer. */
    if (req.error == SY_R_NONE) {
      CHECK_INT(dn.consumed, d.consumed);
      CHECK_INT(dn.switch_offset, d.switch_offset);
      CHECK_INT(r.head_len, req.head_len);
    } else {
      CHECK_INT(dn.consumed, n);
    }
  }
  if (rc > 0)
    CHECK(first > 0);
}

/* ---- conn/: the state machine, chunk by chunk ---- */

static const char continue_100[] = "HTTP/1.1 100 Continue\r\n\r\n";

struct outbuf {
  uint8_t *p;
  size_t len, cap;
};

static void out_take(struct sy_conn *c, struct outbuf *o, uint64_t now)
{
  size_t n;
  const uint8_t *p = sy_conn_output(c, &n);
  if (o->len + n > o->cap) {
    o->cap = (o->len + n) * 2;
    o->p = realloc(o->p, o->cap);
    CHECK(o->p != NULL);
  }
  if (n) {
    memcpy(o->p + o->len, p, n);
    o->len += n;
  }
  sy_conn_sent(c, n, now);
}

/* Feeds data in chunks of `chunk` bytes (draining output after each read, as a server does),
 * then EOF. Time stands still: no timeout interferes. */
static void conn_run(struct sy_conn *c, const char *data, size_t len, size_t chunk,
                     struct outbuf *o)
{
  size_t off = 0;
  int stalled = 0;
  o->len = 0;
  sy_conn_init(c, &policy, NULL, 0);
  while (off < len) {
    size_t n = len - off < chunk ? len - off : chunk;
    size_t took = sy_conn_feed(c, (const uint8_t *)data + off, n, 0);
    CHECK(took <= n);
    out_take(c, o, 0);
    off += took;
    stalled = took ? 0 : stalled + 1;
    if (stalled > 2)
      fail_msg("chunk %zu: the connection takes nothing at %zu of %zu", chunk, off, len);
  }
  sy_conn_eof(c, 0);
  out_take(c, o, 0);
  CHECK(sy_conn_should_close(c));
}

/* The output without interim 100 Continue responses. */
static size_t strip_continue(struct outbuf *o)
{
  size_t w = 0, k = sizeof continue_100 - 1, found = 0;
  for (size_t i = 0; i < o->len;) {
    if (o->len - i >= k && memcmp(o->p + i, continue_100, k) == 0) {
      i += k;
      found++;
      continue;
    }
    o->p[w++] = o->p[i++];
  }
  o->len = w;
  return found;
}

static int mentions_100_continue(const struct tu_corpus_file *f)
{
  static const char s[] = "100-continue";
  for (size_t i = 0; i + sizeof s - 1 <= f->len; i++)
    if (strncasecmp(f->data + i, s, sizeof s - 1) == 0)
      return 1;
  return 0;
}

static void test_conn(void **state)
{
  const struct tu_corpus_file *f = *state;
  struct sy_conn *c = malloc(sizeof *c);
  struct outbuf whole = {0}, part = {0};
  CHECK(c != NULL);
  conn_run(c, f->data, f->len, f->len, &whole);
  if (strip_continue(&whole))
    CHECK(mentions_100_continue(f));
  CHECK(whole.len > 0 || f->len == 0);
  for (size_t chunk = 1; chunk < f->len; chunk++) {
    conn_run(c, f->data, f->len, chunk, &part);
    if (strip_continue(&part) > 1)
      fail_msg("chunk %zu: more than one 100 Continue", chunk);
    if (!tu_bytes_equal(part.p, part.len, whole.p, whole.len, "output"))
      fail_msg("%s in chunks of %zu differs from one read", f->name, chunk);
  }
  free(whole.p);
  free(part.p);
  free(c);
}

/* ---- every cases.toml table has its file ---- */

struct orphan_ctx {
  const char *topic;
  int orphans;
};

static void orphan_cb(void *arg, const char *stem, const char *reason)
{
  struct orphan_ctx *o = arg;
  (void)reason;
  for (size_t i = 0; i < corpus.n; i++)
    if (strcmp(corpus.f[i].topic, o->topic) == 0 && strcmp(corpus.f[i].stem, stem) == 0)
      return;
  print_error("corpus/%s/cases.toml: [%s] has no %s.http\n", o->topic, stem, stem);
  o->orphans++;
}

static void test_tables_have_files(void **state)
{
  (void)state;
  for (size_t i = 0; i < corpus.n; i++) {
    struct orphan_ctx o = {corpus.f[i].topic, 0};
    if (i > 0 && strcmp(corpus.f[i - 1].topic, o.topic) == 0)
      continue; /* once per topic */
    if (tu_cases_each(o.topic, orphan_cb, &o) < 0)
      fail_msg("corpus/%s has no cases.toml", o.topic);
    CHECK_INT(o.orphans, 0);
  }
}

int main(void)
{
  struct tu_tests l = {0};
  char (*names)[3][200];
  int rc;
  sy_policy_default(&policy);
  tu_corpus_load(&corpus);
  names = calloc(corpus.n, sizeof *names);
  if (names == NULL)
    return 2;
  tu_add(&l, "every cases.toml table has a file", test_tables_have_files, NULL);
  for (size_t i = 0; i < corpus.n; i++) {
    snprintf(names[i][0], sizeof names[i][0], "reason/%s", corpus.f[i].name);
    snprintf(names[i][1], sizeof names[i][1], "split/%s", corpus.f[i].name);
    snprintf(names[i][2], sizeof names[i][2], "conn/%s", corpus.f[i].name);
    tu_add(&l, names[i][0], test_reason, &corpus.f[i]);
    tu_add(&l, names[i][1], test_split, &corpus.f[i]);
    tu_add(&l, names[i][2], test_conn, &corpus.f[i]);
  }
  rc = tu_run("split", &l);
  free(names);
  tu_corpus_free(&corpus);
  return rc;
}
