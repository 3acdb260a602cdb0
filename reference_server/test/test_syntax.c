/* SPDX-License-Identifier: MIT */
/* test_syntax.c: syntax.c's RFC 9112 byte checks, one named row per case. Each row names a
 * check, its input bytes, a position (what the check takes besides the bytes: how far the
 * bytes before an error go, where a field name ends) and the expected answer. The checks of a
 * whole head (sy__check_head) are exercised through sy_request_parse in test_decide.c and over
 * every corpus case in test_split.c. */
#include "testutil.h"

#include "syntax.h"

/* Every check as int f(bytes, len, pos); `reason`: the answer is an enum sy_reason. */
struct check {
  const char *what;
  int (*fn)(const char *in, size_t len, size_t pos);
  int reason;
};

static int host(const char *in, size_t len, size_t pos)
{
  (void)pos;
  return sy__host_valid((struct sy_span){in, len});
}

static int method(const char *in, size_t len, size_t pos)
{
  (void)pos;
  return (int)sy__method_id((struct sy_span){in, len});
}

/* The offset of the version in the line, or -1. */
static int version(const char *in, size_t len, size_t pos)
{
  const char *v = sy__line_version(in, len);
  (void)pos;
  return v ? (int)(v - in) : -1;
}

static int version_prefix(const char *in, size_t len, size_t pos)
{
  (void)pos;
  return sy__other_version_prefix(in, len);
}

static int byte_at(const char *in, size_t len, size_t pos)
{
  return (int)sy__byte_reason(in, pos, len);
}

static int bytes_before(const char *in, size_t len, size_t pos)
{
  return (int)sy__classify_bytes(in, pos, len);
}

/* As request.c asks it: with the verdict of the bytes before pos. */
static int method_error(const char *in, size_t len, size_t pos)
{
  return (int)sy__method_error(in, len, sy__classify_bytes(in, pos, len));
}

static int colon(const char *in, size_t len, size_t pos)
{
  return (int)sy__space_before_colon(in, pos, len);
}

/* The name is in[0..pos), the value in[pos..len). */
static int field_line(const char *in, size_t len, size_t pos)
{
  return (int)sy__field_line_reason((struct sy_span){in, pos}, (struct sy_span){in + pos, len - pos});
}

static const struct check HOST = {"sy__host_valid", host, 0};
static const struct check METHOD = {"sy__method_id", method, 0};
static const struct check VERSION = {"sy__line_version", version, 0};
static const struct check PREFIX = {"sy__other_version_prefix", version_prefix, 0};
static const struct check BYTE = {"sy__byte_reason", byte_at, 1};
static const struct check BYTES = {"sy__classify_bytes", bytes_before, 1};
static const struct check METHOD_ERR = {"sy__method_error", method_error, 1};
static const struct check COLON = {"sy__space_before_colon", colon, 1};
static const struct check FIELD = {"sy__field_line_reason", field_line, 1};

#define R(x) SY_R_##x
#define WAIT SY_R__COUNT /* no verdict yet: the deciding byte has not arrived */

static const struct row {
  const char *name;
  const struct check *check;
  const char *in;
  size_t len;
  size_t pos;
  int exp;
} rows[] = {
    /* Host = uri-host [ ":" port ] (RFC 9110 §7.2, RFC 3986 §3.2.2) */
    {"host: name", &HOST, LIT("example.com"), 0, 1},
    {"host: name and port", &HOST, LIT("example.com:8080"), 0, 1},
    {"host: empty (no authority)", &HOST, LIT(""), 0, 1},
    {"host: empty port", &HOST, LIT("h:"), 0, 1},
    {"host: IPv4", &HOST, LIT("127.0.0.1:80"), 0, 1},
    {"host: IPv6 literal", &HOST, LIT("[::1]:80"), 0, 1},
    {"host: IPv6 literal without port", &HOST, LIT("[::1]"), 0, 1},
    {"host: IPv6 literal too short", &HOST, LIT("[:]"), 0, 0},
    {"host: IPv6 literal unclosed", &HOST, LIT("[::1"), 0, 0},
    {"host: IPv6 literal then junk", &HOST, LIT("[::1]x"), 0, 0},
    {"host: percent-encoded", &HOST, LIT("a%20b"), 0, 1},
    {"host: percent cut short", &HOST, LIT("a%2"), 0, 0},
    {"host: percent not hex", &HOST, LIT("a%zz"), 0, 0},
    {"host: sub-delims", &HOST, LIT("a!$&'()*+,;=b"), 0, 1},
    {"host: space", &HOST, LIT("a b"), 0, 0},
    {"host: slash", &HOST, LIT("a/b"), 0, 0},
    {"host: userinfo", &HOST, LIT("u@h"), 0, 0},
    {"host: port not digits", &HOST, LIT("h:8o"), 0, 0},
    {"host: two colons", &HOST, LIT("h:1:2"), 0, 0},
    {"host: NUL", &HOST, LIT("h\0"), 0, 0},

    /* methods are case-sensitive (RFC 9110 §9.1) */
    {"method: GET", &METHOD, LIT("GET"), 0, SY_M_GET},
    {"method: CONNECT", &METHOD, LIT("CONNECT"), 0, SY_M_CONNECT},
    {"method: lower case get", &METHOD, LIT("get"), 0, SY_M_OTHER},
    {"method: GETS", &METHOD, LIT("GETS"), 0, SY_M_OTHER},
    {"method: PATCH is other", &METHOD, LIT("PATCH"), 0, SY_M_OTHER},

    /* HTTP-version = "HTTP/" DIGIT "." DIGIT after the second SP (RFC 9112 §2.3, §3) */
    {"version: HTTP/1.1", &VERSION, LIT("GET / HTTP/1.1\r\n"), 0, 6},
    {"version: HTTP/3.0", &VERSION, LIT("GET / HTTP/3.0\r\n"), 0, 6},
    {"version: after empty lines", &VERSION, LIT("\r\n\r\nGET / HTTP/1.2\r\n"), 0, 10},
    {"version: line not ended", &VERSION, LIT("GET / HTTP/1.1\r"), 0, -1},
    {"version: bare LF ends nothing", &VERSION, LIT("GET / HTTP/1.1\n"), 0, -1},
    {"version: bare LF before the line", &VERSION, LIT("\nGET / HTTP/1.1\r\n"), 0, -1},
    {"version: not the token after the 2nd SP", &VERSION, LIT("GET /a HTTP/1a HTTP/1.1\r\n"), 0, -1},
    {"version: two digits", &VERSION, LIT("GET / HTTP/1.10\r\n"), 0, -1},
    {"version: lower case", &VERSION, LIT("GET / http/1.1\r\n"), 0, -1},
    {"version: no SP before", &VERSION, LIT("GET /HTTP/1.1\r\n"), 0, -1},

    /* the rest of a request line that may still become a version of another number */
    {"prefix: HTTP/3.", &PREFIX, LIT("GET / HTTP/3."), 0, 1},
    {"prefix: HTTP/3.1", &PREFIX, LIT("GET / HTTP/3.1"), 0, 1},
    {"prefix: HTTP/3.1 CR", &PREFIX, LIT("GET / HTTP/3.1\r"), 0, 1},
    {"prefix: nothing after the SP", &PREFIX, LIT("GET / "), 0, 1},
    {"prefix: after an empty line", &PREFIX, LIT("\r\nGET / HTTP/3"), 0, 1},
    {"prefix: letter for a digit", &PREFIX, LIT("GET / HTTP/x"), 0, 0},
    {"prefix: too long", &PREFIX, LIT("GET / HTTP/3.10"), 0, 0},
    {"prefix: line ended", &PREFIX, LIT("GET / HTTP/3.1\r\n"), 0, 0},
    {"prefix: one SP only", &PREFIX, LIT("GET /"), 0, 0},
    {"prefix: three SP", &PREFIX, LIT("GET / a HTTP/3"), 0, 0},

    /* what one byte says on its own (RFC 9112 §2.2, RFC 9110 §5.5) */
    {"byte: CRLF's CR", &BYTE, LIT("a\r\nb"), 1, R(NONE)},
    {"byte: CRLF's LF", &BYTE, LIT("a\r\nb"), 2, R(NONE)},
    {"byte: bare LF", &BYTE, LIT("a\nb"), 1, R(BARE_LF)},
    {"byte: LF first", &BYTE, LIT("\nb"), 0, R(BARE_LF)},
    {"byte: bare CR", &BYTE, LIT("a\rb"), 1, R(BARE_CR)},
    {"byte: CR last: wait", &BYTE, LIT("a\r"), 1, WAIT},
    {"byte: NUL", &BYTE, LIT("a\0"), 1, R(CTL_IN_FIELD)},
    {"byte: DEL", &BYTE, LIT("a\x7f"), 1, R(CTL_IN_FIELD)},
    {"byte: HTAB", &BYTE, LIT("a\tb"), 1, R(NONE)},
    {"byte: obs-text", &BYTE, LIT("a\x80"), 1, R(NONE)},

    /* the first thing the bytes before pos say */
    {"bytes: clean", &BYTES, LIT("GET / HTTP/1.1\r\n"), 16, R(NONE)},
    {"bytes: first of two", &BYTES, LIT("a\rb\nc"), 5, R(BARE_CR)},
    {"bytes: stop before pos", &BYTES, LIT("ab\n"), 2, R(NONE)},
    {"bytes: CR at the end: wait", &BYTES, LIT("ab\r"), 3, WAIT},

    /* llhttp stopped on the method (RFC 9110 §9.1, RFC 9112 §2.2) */
    {"method error: unknown token and SP", &METHOD_ERR, LIT("FOO / HTTP/1.1\r\n"), 0, R(METHOD_NOT_IMPLEMENTED)},
    {"method error: token so far: wait", &METHOD_ERR, LIT("FOO"), 0, R(NONE)},
    {"method error: after an empty line", &METHOD_ERR, LIT("\r\nFOO /"), 0, R(METHOD_NOT_IMPLEMENTED)},
    {"method error: binary", &METHOD_ERR, LIT("\x16\x03\x01"), 0, R(BAD_SYNTAX)},
    {"method error: SP first", &METHOD_ERR, LIT(" GET /"), 0, R(BAD_REQUEST_LINE)},
    {"method error: CTL after the token", &METHOD_ERR, LIT("GET\x01/"), 0, R(BAD_REQUEST_LINE)},
    {"method error: bare LF before", &METHOD_ERR, LIT("\nGET /"), 1, R(BARE_LF)},

    /* whitespace between a field name and the colon (RFC 9112 §5.1) */
    {"colon: SP then colon", &COLON, LIT("GET / HTTP/1.1\r\nHost : x"), 20, R(SPACE_BEFORE_COLON)},
    {"colon: HTAB then colon", &COLON, LIT("GET / HTTP/1.1\r\nHost\t: x"), 20, R(SPACE_BEFORE_COLON)},
    {"colon: error inside the whitespace", &COLON, LIT("GET / HTTP/1.1\r\nHost  : x"), 21, R(SPACE_BEFORE_COLON)},
    {"colon: only SP so far: wait", &COLON, LIT("GET / HTTP/1.1\r\nHost "), 20, WAIT},
    {"colon: SP then a letter", &COLON, LIT("GET / HTTP/1.1\r\nHost x: y"), 20, R(NONE)},
    {"colon: no whitespace", &COLON, LIT("GET / HTTP/1.1\r\nHo@st: y"), 18, R(NONE)},
    {"colon: on the request line", &COLON, LIT("GET  / HTTP/1.1"), 4, R(NONE)},
    {"colon: not a token before", &COLON, LIT("GET / HTTP/1.1\r\nH@st : x"), 20, R(NONE)},

    /* one field line, name and value as llhttp passed them (RFC 9110 §5.1, §5.5; RFC 9112 §5.2) */
    {"field: plain", &FIELD, LIT("Hostexample.com"), 4, R(NONE)},
    {"field: empty value", &FIELD, LIT("X"), 1, R(NONE)},
    {"field: HTAB in the value", &FIELD, LIT("Xa\tb"), 1, R(NONE)},
    {"field: empty name", &FIELD, LIT("v"), 0, R(BAD_FIELD)},
    {"field: SP ends the name", &FIELD, LIT("Host v"), 5, R(SPACE_BEFORE_COLON)},
    {"field: HTAB ends the name", &FIELD, LIT("Host\tv"), 5, R(SPACE_BEFORE_COLON)},
    {"field: SP inside the name", &FIELD, LIT("g pv"), 3, R(BAD_FIELD)},
    {"field: non-token name", &FIELD, LIT("H@stv"), 4, R(BAD_FIELD)},
    {"field: NUL in the value", &FIELD, LIT("Xa\0b"), 1, R(CTL_IN_FIELD)},
    {"field: CR LF SP in the value", &FIELD, LIT("Xa\r\n b"), 1, R(OBS_FOLD)},
    {"field: CR LF HTAB in the value", &FIELD, LIT("Xa\r\n\tb"), 1, R(OBS_FOLD)},
    {"field: CR LF letter in the value", &FIELD, LIT("Xa\r\nb"), 1, R(CTL_IN_FIELD)},
    {"field: CR LF at the end of the value", &FIELD, LIT("Xa\r\n"), 1, R(CTL_IN_FIELD)},
};

static void check_row(void **state)
{
  const struct row *r = *state;
  char esc[256];
  int got = r->check->fn(r->in, r->len, r->pos);
  if (got == r->exp)
    return;
  if (r->check->reason)
    print_error("%s(\"%s\", pos %zu) = %s, expected %s\n", r->check->what,
                tu_escape(r->in, r->len, esc, sizeof esc), r->pos,
                got == WAIT ? "wait" : sy_reason_name((enum sy_reason)got),
                r->exp == WAIT ? "wait" : sy_reason_name((enum sy_reason)r->exp));
  else
    print_error("%s(\"%s\", pos %zu) = %d, expected %d\n", r->check->what,
                tu_escape(r->in, r->len, esc, sizeof esc), r->pos, got, r->exp);
  fail();
}

/* The path a route is looked up by (RFC 9112 §3.2, RFC 3986 §3.2, §3.3). */
static const struct path_row {
  const char *name;
  const char *target;
  const char *path;
} path_rows[] = {
    {"path: origin-form", "/live", "/live"},
    {"path: query dropped", "/live?x=1", "/live"},
    {"path: fragment dropped", "/live#f", "/live"},
    {"path: asterisk-form", "*", "*"},
    {"path: absolute-form", "http://h/live?x", "/live"},
    {"path: absolute-form without a path", "http://h", "/"},
    {"path: authority ends at ?", "http://h?x/live", "/"},
    {"path: authority ends at #", "http://h#x/live", "/"},
    {"path: authority-form", "h:443", ""},
};

static void check_path(void **state)
{
  const struct path_row *r = *state;
  struct sy_span p = sy__path_of((struct sy_span){r->target, strlen(r->target)});
  CHECK_BYTES(p.ptr, p.len, r->path, strlen(r->path));
}

int main(void)
{
  struct tu_tests l = {0};
  TU_ADD_ROWS(&l, rows, check_row);
  TU_ADD_ROWS(&l, path_rows, check_path);
  return tu_run("syntax", &l);
}
