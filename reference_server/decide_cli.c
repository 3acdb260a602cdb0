/* SPDX-License-Identifier: MIT */
/* decide_cli.c: sy-decide, the core as a command. One JSON object per request file (what the
 * reference decides and the exact response bytes), or the reasons table as JSON. The Python
 * driver and the docs read the table from here instead of copying it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "switchyard.h"

#define MAX_FILE (SY_CONN_IN_CAP)

static void json_str(FILE *f, const char *s, size_t n)
{
  int utf8 = sy_utf8_valid((const uint8_t *)s, n);
  fputc('"', f);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\')
      fprintf(f, "\\%c", c);
    else if (c == '\n')
      fputs("\\n", f);
    else if (c == '\r')
      fputs("\\r", f);
    else if (c < 0x20 || c == 0x7f || (c >= 0x80 && !utf8))
      fprintf(f, "\\u%04x", c); /* not UTF-8: each byte as a latin-1 code point */
    else
      fputc(c, f);
  }
  fputc('"', f);
}

static void json_cstr(FILE *f, const char *s)
{
  json_str(f, s, strlen(s));
}

static int print_reasons(void)
{
  printf("[");
  for (int r = SY_R_NONE + 1; r < SY_R__COUNT; r++) {
    printf("%s\n {\"name\": ", r > 1 ? "," : "");
    json_cstr(stdout, sy_reason_name(r));
    printf(", \"status\": %d, \"rfc\": ", sy_reason_status(r));
    json_cstr(stdout, sy_reason_rfc(r));
    printf(", \"level\": \"%s\", \"text\": ", sy_level_name(sy_reason_level(r)));
    json_cstr(stdout, sy_reason_text(r));
    printf("}");
  }
  printf("\n]\n");
  return 0;
}

static const char *fate_name(enum sy_fate f)
{
  return f == SY_FATE_SWITCH ? "switch" : f == SY_FATE_CLOSE ? "close"
                                                             : "keep-alive";
}

/* As harness/core.py's PROTOS names enum sy_proto. */
static const char *proto_name(enum sy_proto p)
{
  return p == SY_PROTO_WEBSOCKET ? "websocket" : p == SY_PROTO_H2C ? "h2c"
                                             : p == SY_PROTO_TLS   ? "tls"
                                                                   : "";
}

static int decide_file(const struct sy_policy *pol, const char *path)
{
  static char buf[MAX_FILE + 1];
  static char out[SY_MAX_RESPONSE_BYTES];
  struct sy_request req;
  struct sy_decision d;
  size_t n;
  int rc, olen;
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    fprintf(stderr, "sy-decide: %s: %s\n", path, strerror(errno));
    return 1;
  }
  n = fread(buf, 1, sizeof buf, f);
  fclose(f);
  if (n > MAX_FILE) {
    fprintf(stderr, "sy-decide: %s: larger than %d bytes\n", path, MAX_FILE);
    return 1;
  }
  rc = sy_handle(pol, buf, n, &req, &d);
  printf("{\"file\": ");
  json_cstr(stdout, path);
  if (rc <= 0) {
    printf(", \"complete\": false, \"head_len\": %zu}\n", req.head_len);
    return 0;
  }
  olen = sy_render(&d, out, sizeof out);
  printf(", \"complete\": true, \"status\": %d, \"reason\": \"%s\", \"rfc\": ", d.status,
         sy_reason_name(d.reason));
  json_cstr(stdout, sy_reason_rfc(d.reason));
  printf(", \"level\": \"%s\", \"fate\": \"%s\", \"proto\": \"%s\"", sy_level_name(sy_reason_level(d.reason)),
         fate_name(d.fate), proto_name(d.proto));
  printf(", \"consumed\": %zu, \"head_len\": %zu, \"switch_offset\": %zu, \"parser_upgrade\": %d",
         d.consumed, req.head_len, d.switch_offset, req.parser_upgrade);
  printf(", \"response\": ");
  json_str(stdout, out, olen > 0 ? (size_t)olen : 0);
  printf("}\n");
  return 0;
}

int main(int argc, char **argv)
{
  struct sy_policy pol;
  int i = 1, rc = 0;
  sy_policy_default(&pol);
  if (argc < 2 || strcmp(argv[1], "--help") == 0) {
    fprintf(argc < 2 ? stderr : stdout,
            "usage: sy-decide [--policy FILE] REQUEST_FILE...   one JSON line per file\n"
            "       sy-decide --reasons                         the reasons table as JSON\n");
    return argc < 2 ? 2 : 0;
  }
  if (strcmp(argv[1], "--reasons") == 0)
    return print_reasons();
  if (strcmp(argv[1], "--policy") == 0) {
    char text[16384], err[128];
    size_t n;
    FILE *f = argc > 2 ? fopen(argv[2], "rb") : NULL;
    if (f == NULL) {
      fprintf(stderr, "sy-decide: cannot open policy %s\n", argc > 2 ? argv[2] : "(missing)");
      return 2;
    }
    n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    if (sy_policy_parse(&pol, text, n, err, sizeof err) < 0) {
      fprintf(stderr, "sy-decide: %s: %s\n", argv[2], err);
      return 2;
    }
    i = 3;
  }
  for (; i < argc; i++)
    rc |= decide_file(&pol, argv[i]);
  return rc;
}
