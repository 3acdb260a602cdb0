/* SPDX-License-Identifier: MIT */
/* test_render.c: decision -> response bytes. Every status has its reason phrase, Content-Length
 * except on 101 and 204 (RFC 9110 §8.6), an error body that names the rule, no body for HEAD;
 * a short buffer is SY_ENOSPC with nothing written past it; and what is rendered re-parses as
 * exactly one HTTP/1.1 response (llhttp in response mode, strict). */
#include "llhttp.h"
#include "testutil.h"

/* ---- llhttp as the response oracle ---- */

struct parsed {
  int status;
  char names[SY_MAX_RESPONSE_FIELDS + 4][64];
  char values[SY_MAX_RESPONSE_FIELDS + 4][128];
  size_t n;
  int in_value;
  char body[SY_MAX_RESPONSE_BYTES];
  size_t body_len;
  int complete;
  int head;
};

static void append(char *dst, size_t cap, const char *at, size_t len)
{
  size_t o = strlen(dst);
  if (o + len < cap) {
    memcpy(dst + o, at, len);
    dst[o + len] = '\0';
  }
}

static int on_field(llhttp_t *p, const char *at, size_t len)
{
  struct parsed *r = p->data;
  if (r->in_value || r->n == 0) {
    if (r->n == COUNT(r->names))
      return -1;
    r->n++;
    r->in_value = 0;
  }
  append(r->names[r->n - 1], sizeof r->names[0], at, len);
  return 0;
}

static int on_value(llhttp_t *p, const char *at, size_t len)
{
  struct parsed *r = p->data;
  r->in_value = 1;
  append(r->values[r->n - 1], sizeof r->values[0], at, len);
  return 0;
}

static int on_headers_complete(llhttp_t *p)
{
  struct parsed *r = p->data;
  r->status = p->status_code;
  return r->head ? 1 : 0; /* 1: a response to HEAD has no body */
}

static int on_body(llhttp_t *p, const char *at, size_t len)
{
  struct parsed *r = p->data;
  if (r->body_len + len > sizeof r->body)
    return -1;
  memcpy(r->body + r->body_len, at, len);
  r->body_len += len;
  return 0;
}

static int on_message_complete(llhttp_t *p)
{
  ((struct parsed *)p->data)->complete = 1;
  return HPE_PAUSED; /* exactly one response */
}

/* Parses one response; fails the test unless it ends exactly at len. */
static void parse_response(const char *buf, size_t len, int head, struct parsed *r)
{
  llhttp_settings_t s;
  llhttp_t p;
  llhttp_errno_t e;
  memset(r, 0, sizeof *r);
  r->head = head;
  llhttp_settings_init(&s);
  s.on_header_field = on_field;
  s.on_header_value = on_value;
  s.on_headers_complete = on_headers_complete;
  s.on_body = on_body;
  s.on_message_complete = on_message_complete;
  llhttp_init(&p, HTTP_RESPONSE, &s);
  p.data = r;
  e = llhttp_execute(&p, buf, len);
  if (e == HPE_PAUSED_UPGRADE) {
    /* 101: the response ends with its head; what follows is the new protocol. */
    CHECK_INT(r->status, 101);
    CHECK_INT(llhttp_get_error_pos(&p) - buf, len);
    return;
  }
  if (e != HPE_PAUSED)
    fail_msg("llhttp: %s (%s) at byte %td", llhttp_errno_name(e), llhttp_get_error_reason(&p),
             llhttp_get_error_pos(&p) ? llhttp_get_error_pos(&p) - buf : -1);
  CHECK(r->complete);
  CHECK_INT(llhttp_get_error_pos(&p) - buf, len);
}

static const char *header(const struct parsed *r, const char *name)
{
  const char *v = NULL;
  for (size_t i = 0; i < r->n; i++)
    if (strcasecmp(r->names[i], name) == 0) {
      CHECK(v == NULL); /* at most once */
      v = r->values[i];
    }
  return v;
}

/* Everything a rendered decision must satisfy; returns the response length. */
static int check_render(const struct sy_decision *d)
{
  static char buf[SY_MAX_RESPONSE_BYTES + 64];
  char line[128];
  struct parsed r;
  const char *cl;
  int n, st = d->status;

  n = sy_render(d, buf, SY_MAX_RESPONSE_BYTES);
  CHECK(n > 0);
  CHECK(n <= SY_MAX_RESPONSE_BYTES); /* the contract: SY_MAX_RESPONSE_BYTES is always enough */
  CHECK(strcmp(sy_status_phrase(st), "Unknown") != 0);
  snprintf(line, sizeof line, "HTTP/1.1 %d %s\r\n", st, sy_status_phrase(st));
  CHECK(strncmp(buf, line, strlen(line)) == 0);
  parse_response(buf, (size_t)n, d->head_only, &r);
  CHECK_INT(r.status, st);

  /* The decision's fields, in order and verbatim, come first. */
  CHECK(r.n >= d->n_fields);
  for (size_t i = 0; i < d->n_fields; i++) {
    CHECK_STR(r.names[i], d->fields[i].name);
    CHECK_STR(r.values[i], d->fields[i].value ? d->fields[i].value : d->accept);
  }
  CHECK(header(&r, "Transfer-Encoding") == NULL);
  cl = header(&r, "Content-Length");
  if (st == 101 || st == 204) {
    CHECK(cl == NULL); /* RFC 9110 §8.6 */
    CHECK(header(&r, "Content-Type") == NULL);
    CHECK_INT(r.body_len, 0);
    CHECK(memcmp(buf + n - 4, "\r\n\r\n", 4) == 0);
    return n;
  }
  CHECK(cl != NULL);
  if (d->head_only) {
    struct sy_decision get = *d;
    char gbuf[SY_MAX_RESPONSE_BYTES];
    int gn;
    get.head_only = 0;
    gn = sy_render(&get, gbuf, sizeof gbuf);
    CHECK_INT(r.body_len, 0);
    CHECK(memcmp(buf + n - 4, "\r\n\r\n", 4) == 0); /* the head and nothing more */
    CHECK_INT(atoi(cl), gn - n);                    /* the length GET would have had */
    return n;
  }
  CHECK_INT(atoi(cl), r.body_len);
  if (st >= 400) {
    char want[160];
    r.body[r.body_len < sizeof r.body ? r.body_len : sizeof r.body - 1] = '\0';
    CHECK_STR(header(&r, "Content-Type"), "text/plain; charset=utf-8");
    snprintf(want, sizeof want, "reason: %s\n", sy_reason_name(d->reason));
    CHECK(strstr(r.body, want) != NULL);
    CHECK(strstr(r.body, sy_reason_rfc(d->reason)) != NULL);
    CHECK(strstr(r.body, sy_reason_text(d->reason)) != NULL);
    CHECK(strstr(r.body, sy_level_name(sy_reason_level(d->reason))) != NULL);
  } else {
    CHECK(st == 308 ? r.body_len == 0 : r.body_len > 0); /* a redirect says it in Location */
  }
  return n;
}

/* A short buffer is SY_ENOSPC for every capacity below the response's length, and never
 * written past; the exact length is enough and gives the same bytes. */
static void check_short_buffers(const struct sy_decision *d)
{
  static char full[SY_MAX_RESPONSE_BYTES], buf[SY_MAX_RESPONSE_BYTES + 16];
  int n = sy_render(d, full, sizeof full);
  CHECK(n > 0);
  for (size_t cap = 0; cap < (size_t)n; cap++) {
    memset(buf, 'Z', sizeof buf);
    if (sy_render(d, buf, cap) != SY_ENOSPC)
      fail_msg("cap %zu of %d: not SY_ENOSPC", cap, n);
    for (size_t i = cap; i < sizeof buf; i++)
      if (buf[i] != 'Z')
        fail_msg("cap %zu: byte %zu written", cap, i);
  }
  memset(buf, 'Z', sizeof buf);
  CHECK_INT(sy_render(d, buf, (size_t)n), n);
  CHECK(memcmp(buf, full, (size_t)n) == 0);
}

/* ---- rows: decisions made by sy_handle from a request ---- */

#define WS_KEY "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
#define WS_HS \
  "GET /live HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" WS_KEY

static const struct render_row {
  const char *name;
  const char *req;
  size_t len;
  int status;
} render_rows[] = {
    {"render 200: GET /", LIT("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), 200},
    {"render 200: HEAD / (no body)", LIT("HEAD / HTTP/1.1\r\nHost: a\r\n\r\n"), 200},
    {"render 200: HTTP/1.0 keep-alive", LIT("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"),
     200},
    {"render 204: OPTIONS /", LIT("OPTIONS / HTTP/1.1\r\nHost: a\r\n\r\n"), 204},
    {"render 101: WebSocket", LIT(WS_HS "Sec-WebSocket-Version: 13\r\n\r\n"), 101},
    {"render 426: version missing, Connection: close",
     LIT(WS_HS "Connection: close\r\n\r\n"), 426},
    {"render 426: no upgrade", LIT("GET /live HTTP/1.1\r\nHost: a\r\n\r\n"), 426},
    {"render 405: POST / with Allow", LIT("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"),
     405},
    {"render 404: HEAD of a missing path (no body)", LIT("HEAD /x HTTP/1.1\r\nHost: a\r\n\r\n"), 404},
    {"render 400: syntax", LIT("GET / HTTP/1.1\r\nHost : a\r\n\r\n"), 400},
};

static void test_render_row(void **state)
{
  const struct render_row *row = *state;
  struct sy_policy pol;
  struct sy_request req;
  struct sy_decision d;
  sy_policy_default(&pol);
  CHECK(sy_handle(&pol, row->req, row->len, &req, &d) > 0);
  CHECK_INT(d.status, row->status);
  check_render(&d);
  check_short_buffers(&d);
}

/* ---- every reason's status, through sy_decide_reject ---- */

static void test_render_reason(void **state)
{
  enum sy_reason r = (enum sy_reason)(uintptr_t)*state;
  struct sy_decision d;
  sy_decide_reject(&d, r);
  CHECK_INT(d.status, sy_reason_status(r));
  check_render(&d);
  check_short_buffers(&d);
}

/* The largest decision the core makes still fits: every reason with every field slot full. */
static void test_largest_fits(void **state)
{
  (void)state;
  for (int r = SY_R_NONE + 1; r < SY_R__COUNT; r++) {
    struct sy_decision d;
    static char buf[SY_MAX_RESPONSE_BYTES];
    sy_decide_reject(&d, (enum sy_reason)r);
    d.n_fields = 0;
    while (d.n_fields < SY_MAX_RESPONSE_FIELDS)
      d.fields[d.n_fields++] = (struct sy_field){"Sec-WebSocket-Version", "13"};
    if (sy_render(&d, buf, sizeof buf) <= 0)
      fail_msg("%s does not fit in SY_MAX_RESPONSE_BYTES", sy_reason_name((enum sy_reason)r));
  }
}

static void test_misuse(void **state)
{
  struct sy_decision d;
  char buf[SY_MAX_RESPONSE_BYTES];
  (void)state;
  sy_decide_reject(&d, SY_R_NOT_FOUND);
  CHECK_INT(sy_render(NULL, buf, sizeof buf), SY_EINVAL);
  CHECK_INT(sy_render(&d, NULL, sizeof buf), SY_EINVAL);
  d.status = 99;
  CHECK_INT(sy_render(&d, buf, sizeof buf), SY_EINVAL);
  d.status = 1000;
  CHECK_INT(sy_render(&d, buf, sizeof buf), SY_EINVAL);
}

/* The statuses the core sends: every reason's, the policy's other WebSocket method status
 * (ws_method_status 400) and conn.c's 100 Continue. */
static int core_sends(int status)
{
  if (status == 100 || status == 400)
    return 1;
  for (int r = SY_R_NONE + 1; r < SY_R__COUNT; r++)
    if (sy_reason_status((enum sy_reason)r) == status)
      return 1;
  return 0;
}

/* SY_STATUS_MAP both ways: every status the core sends has its phrase, and every row is a
 * status the core sends; phrases are distinct; any other status is "Unknown". */
static void test_phrases(void **state)
{
  static const struct {
    int status;
    const char *phrase;
  } map[] = {
#define XX(code, phrase) {code, phrase},
      SY_STATUS_MAP(XX)
#undef XX
  };
  (void)state;
  for (int r = SY_R_NONE + 1; r < SY_R__COUNT; r++) {
    int st = sy_reason_status((enum sy_reason)r);
    if (strcmp(sy_status_phrase(st), "Unknown") == 0)
      fail_msg("%s: status %d has no phrase", sy_reason_name((enum sy_reason)r), st);
  }
  CHECK_STR(sy_status_phrase(100), "Continue");
  CHECK_STR(sy_status_phrase(400), "Bad Request");
  for (size_t i = 0; i < COUNT(map); i++) {
    if (!core_sends(map[i].status))
      fail_msg("SY_STATUS_MAP row %d: the core never sends it", map[i].status);
    CHECK_STR(sy_status_phrase(map[i].status), map[i].phrase);
    for (size_t k = 0; k < i; k++)
      CHECK(strcmp(map[k].phrase, map[i].phrase) != 0);
  }
  CHECK_STR(sy_status_phrase(599), "Unknown");
  CHECK_STR(sy_status_phrase(0), "Unknown");
}

int main(void)
{
  static char names[SY_R__COUNT][64];
  struct tu_tests l = {0};
  TU_ADD_ROWS(&l, render_rows, test_render_row);
  for (int r = SY_R_NONE + 1; r < SY_R__COUNT; r++) {
    snprintf(names[r], sizeof names[r], "render %d: %s", sy_reason_status((enum sy_reason)r),
             sy_reason_name((enum sy_reason)r));
    tu_add(&l, names[r], test_render_reason, (const void *)(uintptr_t)r);
  }
  tu_add(&l, "largest decision fits", test_largest_fits, NULL);
  tu_add(&l, "misuse", test_misuse, NULL);
  tu_add(&l, "status phrases", test_phrases, NULL);
  return tu_run("render", &l);
}
