/* SPDX-License-Identifier: MIT */
/* main.c: refserver's command line (README's refserver-help is its --help), the policy and TLS
 * certificate it loads, and --stdin: one connection over stdin and stdout. The sockets are
 * loop.c's. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server.h"

/* README's refserver-help is this text (scripts/docs.py). The timeouts are described in full
 * above struct sy_conn_opts (switchyard.h); here in brief. */
static void usage(FILE *f)
{
  fprintf(f,
          "usage: refserver [options]\n"
          "Switchyard reference server: strict, RFC-cited 101/426 decisions (RFC 9110 §7.8,\n"
          "RFC 6455) and a minimal WebSocket echo after 101.\n\n"
          "  --listen HOST:PORT     address to listen on (default 127.0.0.1:8080; port 0 picks a\n"
          "                         free port; IPv6 as [::1]:PORT). Once ready, the first stdout\n"
          "                         line is exactly 'listening on HOST:PORT'.\n"
          "  --stdin                serve one connection read from stdin, answer on stdout, exit\n"
          "  --policy FILE          routes and options (format: docs/policy.md)\n"
          "  --route PATH=KIND      add or change a route; KIND is plain, websocket, h2c,\n"
          "                         h2c-required, tls, tls-required or secure-redirect\n"
          "  --tls-cert FILE        PEM certificate for TLS upgrades (RFC 2817); with --tls-key.\n"
          "                         Without them a policy with a tls route gets a fresh\n"
          "                         self-signed one at start (make builds build/tls/cert.pem)\n"
          "  --tls-key FILE         PEM private key of --tls-cert\n"
          "  --header-timeout MS    a request must be complete within MS (default %d; 0 disables):\n"
          "                         a connection's first request counts from the accept, later ones\n"
          "                         from their first byte; then 408 and close (no 408 to a\n"
          "                         connection that sent nothing: it is just closed)\n"
          "  --idle-timeout MS      close a connection after MS with no byte received or sent\n"
          "                         (default %d; 0 disables; a WebSocket gets Close 1001 first)\n"
          "  --max-conns N          concurrent connections (default: the open-file limit, whose soft\n"
          "                         limit is raised toward the hard one at start, minus %d; at\n"
          "                         most %d). A new connection over the limit, or one that finds\n"
          "                         no descriptor left, sheds the connection that sent nothing, else\n"
          "                         the one idle between requests, else the one with a request\n"
          "                         unfinished, that has waited longest (%d ms at least); with none,\n"
          "                         it is closed at once (out of descriptors: accepting pauses for\n"
          "                         %d ms or until a connection closes). Each such event logs a\n"
          "                         line to stderr (without --verbose at most one a second per\n"
          "                         kind, counting the ones not shown)\n"
          "  --verbose              log one line per decision to stderr\n"
          "  --version              print the version\n"
          "  --help                 this text\n"
          "SIGTERM or SIGINT stop the server cleanly.\n",
          SY_DEFAULT_HEADER_TIMEOUT_MS, SY_DEFAULT_IDLE_TIMEOUT_MS, SY_FD_RESERVE,
          SY_MAX_CONNS_CEILING, SY_SHED_GRACE_MS, SY_ACCEPT_BACKOFF_MS);
}

static int parse_uint(const char *s, const char *flag, long max, long *out)
{
  char *end;
  long v;
  errno = 0;
  v = strtol(s, &end, 10);
  if (errno || *s == '\0' || *end != '\0' || v < 0 || v > max) {
    fprintf(stderr, "refserver: %s wants an integer 0..%ld, got '%s'\n", flag, max, s);
    return -1;
  }
  *out = v;
  return 0;
}

/* Reads a small text file whole; -1 after saying why. */
static long read_small(const char *what, const char *path, char *text, size_t cap)
{
  size_t n;
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    fprintf(stderr, "refserver: cannot open %s %s: %s\n", what, path, strerror(errno));
    return -1;
  }
  n = fread(text, 1, cap, f);
  if (ferror(f) || n == cap) {
    fprintf(stderr, "refserver: cannot read %s %s (error, or larger than %zu bytes)\n", what, path,
            cap - 1);
    fclose(f);
    return -1;
  }
  fclose(f);
  return (long)n;
}

static int load_policy(struct sy_policy *pol, const char *path)
{
  char text[16384], err[128];
  long n = read_small("policy", path, text, sizeof text);
  if (n < 0)
    return -1;
  if (sy_policy_parse(pol, text, (size_t)n, err, sizeof err) < 0) {
    fprintf(stderr, "refserver: %s: %s\n", path, err);
    return -1;
  }
  return 0;
}

/* The certificate for TLS switches: the files given, or (a tls route and none given) a fresh
 * self-signed one. Returns -1 after saying why. */
static int load_tls(struct server *s, const char *cert, const char *key)
{
  static char cert_pem[65536], key_pem[65536];
  char err[256];
  int wanted = 0;
  long nc, nk;
  for (size_t i = 0; i < s->pol.n_routes; i++)
    wanted |= s->pol.routes[i].kind == SY_ROUTE_TLS || s->pol.routes[i].kind == SY_ROUTE_TLS_REQUIRED;
  if (!cert != !key) {
    fprintf(stderr, "refserver: --tls-cert and --tls-key go together\n");
    return -1;
  }
  if (!cert) {
    if (wanted && !(s->tls = sy_tls_ctx_new_ephemeral("localhost", err, sizeof err)))
      fprintf(stderr, "refserver: cannot make a TLS certificate: %s\n", err);
    return wanted && !s->tls ? -1 : 0;
  }
  if ((nc = read_small("--tls-cert", cert, cert_pem, sizeof cert_pem)) < 0 ||
      (nk = read_small("--tls-key", key, key_pem, sizeof key_pem)) < 0)
    return -1;
  s->tls = sy_tls_ctx_new(cert_pem, (size_t)nc, key_pem, (size_t)nk, err, sizeof err);
  if (s->tls == NULL) {
    fprintf(stderr, "refserver: --tls-cert %s / --tls-key %s: %s\n", cert, key, err);
    return -1;
  }
  return 0;
}

/* One connection over stdin/stdout (AFL++ and reproducing a case from a file). */
static int run_stdin(struct server *s)
{
  static struct sy_conn conn;
  uint8_t buf[4096];
  sy_conn_init(&conn, &s->pol, &s->opts, 0);
  if (s->verbose)
    conn.on_decision = srv_log_decision;
  for (;;) {
    ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
    size_t off = 0;
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      sy_conn_eof(&conn, 0);
      n = 0;
    }
    while (off < (size_t)n && !sy_conn_should_close(&conn)) {
      size_t len;
      const uint8_t *out;
      off += sy_conn_feed(&conn, buf + off, (size_t)n - off, 0);
      out = sy_conn_output(&conn, &len);
      if (len && fwrite(out, 1, len, stdout) != len)
        return 1;
      sy_conn_sent(&conn, len, 0);
    }
    {
      size_t len;
      const uint8_t *out = sy_conn_output(&conn, &len);
      if (len && fwrite(out, 1, len, stdout) != len)
        return 1;
      sy_conn_sent(&conn, len, 0);
    }
    if (n == 0 || sy_conn_should_close(&conn))
      break;
  }
  sy_conn_free(&conn);
  fflush(stdout);
  return 0;
}

enum { O_LISTEN = 256,
       O_STDIN,
       O_POLICY,
       O_ROUTE,
       O_HT,
       O_IT,
       O_MAXC,
       O_VERB,
       O_VER,
       O_HELP,
       O_CERT,
       O_KEY };
static const struct option opts[] = {{"listen", required_argument, 0, O_LISTEN},
                                     {"stdin", no_argument, 0, O_STDIN},
                                     {"policy", required_argument, 0, O_POLICY},
                                     {"route", required_argument, 0, O_ROUTE},
                                     {"tls-cert", required_argument, 0, O_CERT},
                                     {"tls-key", required_argument, 0, O_KEY},
                                     {"header-timeout", required_argument, 0, O_HT},
                                     {"idle-timeout", required_argument, 0, O_IT},
                                     {"max-conns", required_argument, 0, O_MAXC},
                                     {"verbose", no_argument, 0, O_VERB},
                                     {"version", no_argument, 0, O_VER},
                                     {"help", no_argument, 0, O_HELP},
                                     {0, 0, 0, 0}};

/* What the options say besides the server's own fields. */
struct args {
  const char *listen_spec;
  const char *tls_cert, *tls_key;
  int use_stdin;
};

/* --route PATH=KIND into the policy; -1 after saying why. */
static int route_option(struct sy_policy *pol, const char *arg)
{
  char path[SY_MAX_ROUTE_PATH];
  const char *eq = strrchr(arg, '=');
  int kind;
  if (eq == NULL || (size_t)(eq - arg) >= sizeof path) {
    fprintf(stderr, "refserver: --route wants PATH=KIND, got '%s'\n", arg);
    return -1;
  }
  kind = sy_route_kind_parse(eq + 1, strlen(eq + 1));
  if (kind < 0) {
    fprintf(stderr,
            "refserver: --route kind must be plain, websocket, h2c, h2c-required, tls, "
            "tls-required or secure-redirect, got '%s'\n",
            eq + 1);
    return -1;
  }
  memcpy(path, arg, (size_t)(eq - arg));
  path[eq - arg] = '\0';
  if (sy_policy_add_route(pol, path, (enum sy_route_kind)kind) < 0) {
    fprintf(stderr, "refserver: bad --route '%s' (path must start with '/'; at most %d)\n", arg,
            SY_MAX_ROUTES);
    return -1;
  }
  return 0;
}

/* One option (getopt_long's o, optarg) into s or a. Returns -1 to go on, else the exit status:
 * 0 after --version or --help, 2 for a usage error (said on stderr). */
static int option(struct server *s, struct args *a, int o)
{
  long v;
  switch (o) {
  case O_LISTEN:
    a->listen_spec = optarg;
    break;
  case O_STDIN:
    a->use_stdin = 1;
    break;
  case O_POLICY:
    if (load_policy(&s->pol, optarg) < 0)
      return 2;
    break;
  case O_ROUTE:
    if (route_option(&s->pol, optarg) < 0)
      return 2;
    break;
  case O_CERT:
    a->tls_cert = optarg;
    break;
  case O_KEY:
    a->tls_key = optarg;
    break;
  case O_HT:
    if (parse_uint(optarg, "--header-timeout", 86400000L, &v) < 0)
      return 2;
    s->opts.header_timeout_ms = (uint32_t)v;
    break;
  case O_IT:
    if (parse_uint(optarg, "--idle-timeout", 86400000L, &v) < 0)
      return 2;
    s->opts.idle_timeout_ms = (uint32_t)v;
    break;
  case O_MAXC:
    if (parse_uint(optarg, "--max-conns", 100000L, &v) < 0)
      return 2;
    if (v == 0) {
      fprintf(stderr, "refserver: --max-conns must be at least 1\n");
      return 2;
    }
    s->max_conns = (int)v;
    break;
  case O_VERB:
    s->verbose = 1;
    break;
  case O_VER:
    printf("refserver %s\n", SY_VERSION);
    return 0;
  case O_HELP:
    usage(stdout);
    return 0;
  default:
    usage(stderr);
    return 2;
  }
  return -1;
}

int main(int argc, char **argv)
{
  static struct server s;
  struct args a = {"127.0.0.1:8080", NULL, NULL, 0};
  int rc;
  sy_policy_default(&s.pol);
  sy_conn_opts_default(&s.opts);
  s.max_conns = 0; /* from the open-file limit (loop.c) unless given */
  for (;;) {
    int o = getopt_long(argc, argv, "", opts, NULL);
    if (o == -1)
      break;
    rc = option(&s, &a, o);
    if (rc >= 0)
      return rc;
  }
  if (optind < argc) {
    fprintf(stderr, "refserver: unexpected argument '%s'\n", argv[optind]);
    usage(stderr);
    return 2;
  }
  if (load_tls(&s, a.tls_cert, a.tls_key) < 0)
    return 2;
  s.opts.tls = s.tls;
  rc = a.use_stdin ? run_stdin(&s) : srv_run(&s, a.listen_spec);
  sy_tls_ctx_free(s.tls);
  return rc;
}
