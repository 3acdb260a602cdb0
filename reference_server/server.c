/* SPDX-License-Identifier: MIT */
/* server.c: refserver, the sockets around the connection state machine (conn.c). It only moves
 * bytes, time and EOF between epoll and sy_conn; it owns no policy and makes no decision.
 *
 * Overload: at --max-conns, or when accept4 runs out of descriptors (EMFILE, ENFILE) or memory,
 * a new connection displaces one that has waited SY_SHED_GRACE_MS or more without progress: the
 * oldest that sent nothing, else the oldest idle between requests, else the oldest with a request
 * unfinished (WebSockets and closing connections are never shed). With none of those, a
 * connection over --max-conns is closed at once, and out of descriptors the listening socket is
 * not polled for SY_ACCEPT_BACKOFF_MS or until a connection closes (level-triggered epoll would
 * otherwise report it readable for ever: a busy loop). Each event is logged to stderr. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "switchyard.h"

#define LINGER_MS 1000 /* after our last byte, drain the peer's input this long before close */
#define MAX_EVENTS 64
#define SPARE_CLIENTS 64 /* freed client structs kept for reuse: no heap churn per connection */
#define NOFILE_CAP (1L << 30) /* an open-file limit above this (or none) counts as this */
#define ACCEPT_BATCH 512 /* accept4 calls per readiness of the listening socket (its backlog) */

/* Connections that may be shed for a new one, by what they have sent. Each queue is in the order
 * of wait_since (a client is appended when its wait starts, and time only goes forward), so its
 * head is its oldest. */
enum { Q_SILENT, Q_IDLE, Q_BUSY, N_QUEUES, Q_NONE = -1 };
enum { LOG_SHED, LOG_REFUSE, LOG_NOFD, N_LOGS }; /* overload events, each rate-limited */

struct client {
  int fd;
  int lingering;
  int peer_eof;         /* the peer's FIN was read: nothing left to drain at close */
  uint32_t ep_events;   /* what epoll is watching now (0: not registered) */
  uint64_t linger_until;
  int queue;                      /* Q_*: which shedding queue it is on */
  struct client *q_prev, *q_next; /* neighbours on that queue */
  uint64_t wait_since;            /* its wait began: accept, its last request, a request's start */
  uint64_t seen_requests;         /* conn.n_requests when it was queued */
  char peer[64];
  struct sy_conn conn;
};

struct ratelog {
  uint64_t last;         /* when the last line of this kind was written */
  unsigned long skipped; /* lines not written since */
  int written;
};

struct server {
  struct sy_policy pol;
  struct sy_conn_opts opts;
  struct sy_tls_ctx *tls; /* TLS switches' certificate (load_tls), or NULL */
  int max_conns, verbose;
  int lfd, epfd;
  struct client **clients; /* indexed by fd */
  int nclients, cap;
  struct client *spare[SPARE_CLIENTS];
  int nspare;
  int maxfd;          /* highest client fd in use, for the timer scan */
  uint64_t next_scan; /* no connection has a deadline before this: skip the scan until then */
  struct {
    struct client *head, *tail;
  } queues[N_QUEUES];
  uint64_t accept_paused_until; /* 0, or the listening socket is not polled until then */
  struct ratelog logs[N_LOGS];
};

/* Deadlines only matter when one is due: the loop scans the connections at next_scan, and every
 * event that can bring a deadline closer pulls next_scan in (no per-event O(connections)). */
static void arm(struct server *s, uint64_t t)
{
  if (t < s->next_scan)
    s->next_scan = t;
}

static uint64_t client_deadline(const struct client *cl)
{
  return cl->lingering ? cl->linger_until : sy_conn_deadline(&cl->conn);
}

static void arm_client(struct server *s, const struct client *cl) { arm(s, client_deadline(cl)); }

static volatile sig_atomic_t stop_signal;
static void on_signal(int sig) { stop_signal = sig; }

static uint64_t now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* One line to stderr for an overload event: every event with --verbose, else at most one line
 * of each kind per SY_OVERLOAD_LOG_MS; the events not shown are counted on the next line, or on
 * a line of their own once that interval has passed (overload_flush). */
static const char *const log_kind[N_LOGS] = {"connections shed", "connections refused",
                                             "accept failures"};
__attribute__((format(printf, 4, 5))) static void overload_log(struct server *s, int kind,
                                                                uint64_t now, const char *fmt, ...)
{
  struct ratelog *r = &s->logs[kind];
  char line[512];
  int n;
  va_list ap;
  if (!s->verbose && r->written && now - r->last < SY_OVERLOAD_LOG_MS) {
    r->skipped++;
    return;
  }
  n = snprintf(line, sizeof line, "refserver: ");
  va_start(ap, fmt);
  n += vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
  va_end(ap);
  if (r->skipped && (size_t)n < sizeof line)
    snprintf(line + n, sizeof line - (size_t)n, " (and %lu more since the last such line)",
             r->skipped);
  fprintf(stderr, "%s\n", line);
  r->written = 1;
  r->last = now;
  r->skipped = 0;
}

static void overload_flush(struct server *s, uint64_t now, int at_exit)
{
  for (int k = 0; k < N_LOGS; k++) {
    struct ratelog *r = &s->logs[k];
    if (r->skipped && (at_exit || now - r->last >= SY_OVERLOAD_LOG_MS)) {
      fprintf(stderr, "refserver: %lu more %s in the %llu ms after the last such line\n",
              r->skipped, log_kind[k], (unsigned long long)(now - r->last));
      r->last = now;
      r->skipped = 0;
    }
  }
}

/* When overload_flush has a line due, or UINT64_MAX. */
static uint64_t overload_flush_due(const struct server *s)
{
  uint64_t t = UINT64_MAX;
  for (int k = 0; k < N_LOGS; k++)
    if (s->logs[k].skipped && s->logs[k].last + SY_OVERLOAD_LOG_MS < t)
      t = s->logs[k].last + SY_OVERLOAD_LOG_MS;
  return t;
}

static int queue_of(const struct client *cl)
{
  size_t out_len;
  if (cl->lingering || cl->conn.state != SY_CONN_HTTP)
    return Q_NONE; /* closing, or a WebSocket: never shed */
  (void)sy_conn_output(&cl->conn, &out_len);
  if (cl->conn.in_len || out_len)
    return Q_BUSY; /* a request unfinished, or a response not yet taken by the peer */
  return cl->conn.n_requests ? Q_IDLE : Q_SILENT;
}

static void q_unlink(struct server *s, struct client *cl)
{
  if (cl->queue == Q_NONE)
    return;
  if (cl->q_prev)
    cl->q_prev->q_next = cl->q_next;
  else
    s->queues[cl->queue].head = cl->q_next;
  if (cl->q_next)
    cl->q_next->q_prev = cl->q_prev;
  else
    s->queues[cl->queue].tail = cl->q_prev;
  cl->queue = Q_NONE;
}

/* Puts a client on the queue its state calls for; it goes to the tail (its wait starts now) when
 * it changes queue or completed a request, so a client making progress is never the oldest. */
static void track(struct server *s, struct client *cl, uint64_t now)
{
  int q = queue_of(cl);
  if (q == cl->queue && cl->conn.n_requests == cl->seen_requests)
    return;
  q_unlink(s, cl);
  cl->seen_requests = cl->conn.n_requests;
  if (q == Q_NONE)
    return;
  cl->queue = q;
  cl->wait_since = now;
  cl->q_next = NULL;
  cl->q_prev = s->queues[q].tail;
  if (cl->q_prev)
    cl->q_prev->q_next = cl;
  else
    s->queues[q].head = cl;
  s->queues[q].tail = cl;
}

/* The connection to shed for a new one, or NULL: the head of the first queue whose head has
 * waited SY_SHED_GRACE_MS (a younger one may be a client whose request is on its way). */
static struct client *pick_victim(struct server *s, uint64_t now)
{
  for (int q = 0; q < N_QUEUES; q++) {
    struct client *cl = s->queues[q].head;
    if (cl && now - cl->wait_since >= SY_SHED_GRACE_MS)
      return cl;
  }
  return NULL;
}

static void log_decision(void *arg, const struct sy_request *req, const struct sy_decision *d)
{
  const struct client *cl = arg;
  fprintf(stderr, "%s \"%.*s %.*s\" %d %s (%s)\n", cl ? cl->peer : "stdin",
          (int)(req->method.len > 32 ? 32 : req->method.len), req->method.ptr ? req->method.ptr : "",
          (int)(req->target.len > 128 ? 128 : req->target.len), req->target.ptr ? req->target.ptr : "",
          d->status, sy_reason_name(d->reason), sy_reason_rfc(d->reason));
}

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

/* Returns the listening fd, -2 for a malformed spec (a usage error: exit 2), or -1 when the
 * socket cannot be set up (address in use, no permission: exit 1). */
static int listen_on(const char *spec, char *shown, size_t shown_cap)
{
  char host[256];
  const char *colon = strrchr(spec, ':');
  struct addrinfo hints, *ai = NULL;
  union {
    struct sockaddr sa;
    struct sockaddr_storage ss;
  } addr;
  socklen_t alen = sizeof addr;
  int fd, one = 1, rc;
  size_t hl;

  if (colon == NULL || colon == spec || colon[1] == '\0') {
    fprintf(stderr, "refserver: --listen wants HOST:PORT, got '%s'\n", spec);
    return -2;
  }
  /* getaddrinfo takes "99999" and listens on 99999 & 0xffff: check the range ourselves. */
  if (strspn(colon + 1, "0123456789") != strlen(colon + 1) || strlen(colon + 1) > 5 ||
      atol(colon + 1) > 65535) {
    fprintf(stderr, "refserver: --listen port must be a number 0..65535, got '%s'\n", colon + 1);
    return -2;
  }
  hl = (size_t)(colon - spec);
  if (spec[0] == '[' && hl >= 2 && spec[hl - 1] == ']') {
    spec++;
    hl -= 2;
  }
  if (hl >= sizeof host) {
    fprintf(stderr, "refserver: host too long in '%s'\n", spec);
    return -2;
  }
  memcpy(host, spec, hl);
  host[hl] = '\0';
  memset(&hints, 0, sizeof hints);
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
  rc = getaddrinfo(host, colon + 1, &hints, &ai);
  if (rc != 0) {
    fprintf(stderr, "refserver: bad --listen address '%s': %s (numeric host and port only)\n",
            spec, gai_strerror(rc));
    return -2;
  }
  fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
      bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 512) < 0 ||
      getsockname(fd, &addr.sa, &alen) < 0) {
    fprintf(stderr, "refserver: cannot listen on %s: %s\n", spec, strerror(errno));
    if (fd >= 0)
      close(fd);
    freeaddrinfo(ai);
    return -1;
  }
  freeaddrinfo(ai);
  {
    char h[INET6_ADDRSTRLEN];
    unsigned port;
    if (addr.sa.sa_family == AF_INET6) {
      struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&addr.ss;
      inet_ntop(AF_INET6, &s6->sin6_addr, h, sizeof h);
      port = ntohs(s6->sin6_port);
      snprintf(shown, shown_cap, "[%s]:%u", h, port);
    } else {
      struct sockaddr_in *s4 = (struct sockaddr_in *)&addr.ss;
      inet_ntop(AF_INET, &s4->sin_addr, h, sizeof h);
      port = ntohs(s4->sin_port);
      snprintf(shown, shown_cap, "%s:%u", h, port);
    }
  }
  return fd;
}

static void ep_set(struct server *s, struct client *cl)
{
  struct epoll_event ev;
  size_t out_len;
  memset(&ev, 0, sizeof ev);
  ev.data.fd = cl->fd;
  (void)sy_conn_output(&cl->conn, &out_len);
  /* Read while there is room for input (or while lingering, to drain); write while output waits. */
  if (cl->lingering || cl->conn.in_len < SY_CONN_IN_CAP)
    ev.events |= EPOLLIN;
  if (!cl->lingering && out_len)
    ev.events |= EPOLLOUT;
  if (ev.events == cl->ep_events)
    return; /* unchanged: no system call */
  epoll_ctl(s->epfd, cl->ep_events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, cl->fd, &ev);
  cl->ep_events = ev.events;
}

/* close() also removes the fd from epoll (it is not shared), so no EPOLL_CTL_DEL. */
static void drop(struct server *s, struct client *cl)
{
  q_unlink(s, cl);
  if (s->accept_paused_until)
    s->accept_paused_until = 1; /* a descriptor is free: accept again at once */
  close(cl->fd);
  sy_conn_free(&cl->conn); /* an h2c or TLS session's library state */
  s->clients[cl->fd] = NULL;
  s->nclients--;
  if (s->nspare < SPARE_CLIENTS)
    s->spare[s->nspare++] = cl;
  else
    free(cl);
}

/* Send what is queued; start the lingering close when the machine says so. */
static void flush(struct server *s, struct client *cl, uint64_t now)
{
  for (;;) {
    size_t len;
    const uint8_t *out = sy_conn_output(&cl->conn, &len);
    if (len == 0)
      break;
    ssize_t n = send(cl->fd, out, len, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR)
        break;
      cl->conn.state = SY_CONN_CLOSED; /* peer gone */
      break;
    }
    sy_conn_sent(&cl->conn, (size_t)n, now);
  }
  if (sy_conn_should_close(&cl->conn) && !cl->lingering) {
    if (cl->conn.state == SY_CONN_CLOSED || cl->peer_eof) {
      drop(s, cl); /* nothing to drain: the peer already sent its FIN, or is gone */
      return;
    }
    shutdown(cl->fd, SHUT_WR);
    cl->lingering = 1;
    cl->linger_until = now + LINGER_MS;
    arm(s, cl->linger_until);
  }
  track(s, cl, now);
  ep_set(s, cl);
}

static void shed(struct server *s, struct client *v, uint64_t now, const char *newcomer,
                 const char *why)
{
  const char *what = v->queue == Q_SILENT ? "sent nothing"
                     : v->queue == Q_IDLE   ? "idle after a request"
                     : v->conn.in_len       ? "a request unfinished"
                                            : "a response unread";
  overload_log(s, LOG_SHED, now, "shed %s (%s, waiting %llu ms) for %s: %s", v->peer, what,
               (unsigned long long)(now - v->wait_since), newcomer, why);
  drop(s, v);
}

static void pause_accept(struct server *s, uint64_t now, int err)
{
  struct epoll_event ev;
  memset(&ev, 0, sizeof ev);
  ev.data.fd = s->lfd;
  if (!s->accept_paused_until)
    epoll_ctl(s->epfd, EPOLL_CTL_MOD, s->lfd, &ev); /* no events: not polled */
  s->accept_paused_until = now + SY_ACCEPT_BACKOFF_MS;
  overload_log(s, LOG_NOFD, now,
               "accept: %s with %d connections and none to shed: not accepting for %d ms or "
               "until a connection closes",
               strerror(err), s->nclients, SY_ACCEPT_BACKOFF_MS);
}

static void resume_accept(struct server *s)
{
  struct epoll_event ev;
  memset(&ev, 0, sizeof ev);
  ev.events = EPOLLIN;
  ev.data.fd = s->lfd;
  epoll_ctl(s->epfd, EPOLL_CTL_MOD, s->lfd, &ev);
  s->accept_paused_until = 0;
}

static void format_peer(const struct sockaddr_storage *ss, char *out, size_t cap)
{
  char h[INET6_ADDRSTRLEN] = "?";
  unsigned port = 0;
  if (ss->ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, h, sizeof h);
    port = ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
  } else {
    inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, h, sizeof h);
    port = ntohs(((const struct sockaddr_in *)ss)->sin_port);
  }
  snprintf(out, cap, "%s:%u", h, port);
}

static void accept_all(struct server *s, uint64_t now)
{
  for (int round = 0; round < ACCEPT_BATCH && !s->accept_paused_until; round++) {
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    int fd = accept4(s->lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
    struct client *cl;
    char peer[sizeof cl->peer], why[64];
    if (fd < 0) {
      int err = errno;
      struct client *v;
      if (err == EAGAIN || err == EWOULDBLOCK)
        return;
      if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
        /* Out of descriptors (or memory): free one by shedding, then take the connection. */
        if ((v = pick_victim(s, now)) != NULL) {
          snprintf(why, sizeof why, "out of descriptors (%s)", strerror(err));
          shed(s, v, now, "a new connection", why);
          continue;
        }
        pause_accept(s, now, err);
        return;
      }
      if (err == EINTR || err == ECONNABORTED || err == EPROTO || err == ENETDOWN ||
          err == ENOPROTOOPT || err == EHOSTDOWN || err == ENONET || err == EHOSTUNREACH ||
          err == EOPNOTSUPP || err == ENETUNREACH || err == EPERM)
        continue; /* that pending connection failed (accept(2)): the next one */
      pause_accept(s, now, err); /* unexpected: do not spin on it */
      return;
    }
    format_peer(&ss, peer, sizeof peer);
    if (fd >= s->cap) {
      close(fd);
      overload_log(s, LOG_REFUSE, now, "refused %s: descriptor %d beyond the table (%d)", peer,
                   fd, s->cap);
      continue;
    }
    if (s->nclients >= s->max_conns) {
      struct client *v = pick_victim(s, now);
      snprintf(why, sizeof why, "at --max-conns %d", s->max_conns);
      if (v == NULL) {
        close(fd); /* nothing to shed: refuse at once rather than queue */
        overload_log(s, LOG_REFUSE, now,
                     "refused %s: %s, and no connection has waited %d ms without progress", peer,
                     why, SY_SHED_GRACE_MS);
        continue;
      }
      shed(s, v, now, peer, why);
    }
    cl = s->nspare ? s->spare[--s->nspare] : malloc(sizeof *cl);
    if (cl == NULL) {
      close(fd);
      continue;
    }
    cl->fd = fd;
    cl->lingering = 0;
    cl->peer_eof = 0;
    cl->ep_events = 0;
    cl->queue = Q_NONE;
    cl->seen_requests = 0;
    memcpy(cl->peer, peer, sizeof peer);
    sy_conn_init(&cl->conn, &s->pol, &s->opts, now);
    if (s->verbose) {
      cl->conn.on_decision = log_decision;
      cl->conn.cb_arg = cl;
    }
    s->clients[fd] = cl;
    s->nclients++;
    if (fd > s->maxfd)
      s->maxfd = fd;
    track(s, cl, now);
    ep_set(s, cl);
    arm_client(s, cl);
  }
}

static void on_readable(struct server *s, struct client *cl, uint64_t now)
{
  uint8_t buf[16384];
  for (int rounds = 0; rounds < 8; rounds++) {
    size_t want = cl->lingering ? sizeof buf : SY_CONN_IN_CAP - cl->conn.in_len;
    ssize_t n;
    if (want > sizeof buf)
      want = sizeof buf;
    if (want == 0)
      break;
    n = recv(cl->fd, buf, want, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
      if (cl->lingering) {
        drop(s, cl);
        return;
      }
      cl->peer_eof = 1;
      sy_conn_eof(&cl->conn, now);
      break;
    }
    if (n < 0)
      break;
    if (!cl->lingering)
      (void)sy_conn_feed(&cl->conn, buf, (size_t)n, now); /* want fits: all taken */
    if ((size_t)n < want)
      break;
  }
  if (!cl->lingering)
    flush(s, cl, now);
}

/* Raises the soft open-file limit toward the hard one, as far as `want` descriptors; returns the
 * soft limit in force (what accept4 can reach before EMFILE). */
static long raise_nofile(long want)
{
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
    return 1024;
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)want) {
    rlim_t to = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < (rlim_t)want ? rl.rlim_max
                                                                          : (rlim_t)want;
    struct rlimit raised = {to, rl.rlim_max};
    if (to > rl.rlim_cur && setrlimit(RLIMIT_NOFILE, &raised) == 0)
      rl.rlim_cur = to;
  }
  return rl.rlim_cur > (rlim_t)NOFILE_CAP ? NOFILE_CAP : (long)rl.rlim_cur; /* or RLIM_INFINITY */
}

/* --max-conns: given (s->max_conns > 0), or the open-file limit minus SY_FD_RESERVE, at most
 * SY_MAX_CONNS_CEILING. */
static void size_max_conns(struct server *s)
{
  int given = s->max_conns > 0;
  long nofile = raise_nofile((given ? s->max_conns : SY_MAX_CONNS_CEILING) + SY_FD_RESERVE);
  long budget = nofile - SY_FD_RESERVE;
  if (!given)
    s->max_conns = budget < 1 ? 1 : budget > SY_MAX_CONNS_CEILING ? SY_MAX_CONNS_CEILING
                                                                    : (int)budget;
  else if (s->max_conns > budget)
    fprintf(stderr,
            "refserver: --max-conns %d is more than the open-file limit (%ld) leaves room for "
            "(%ld); past that, connections are shed or accepting pauses\n",
            s->max_conns, nofile, budget < 0 ? 0 : budget);
  if (s->verbose)
    fprintf(stderr, "refserver: --max-conns %d (open-file limit %ld)\n", s->max_conns, nofile);
}

static int run_server(struct server *s, const char *listen_spec)
{
  char shown[128];
  struct epoll_event ev, events[MAX_EVENTS];
  sigset_t block, orig;
  struct sigaction sa;

  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  sigaddset(&block, SIGINT);
  sigprocmask(SIG_BLOCK, &block, &orig); /* delivered only inside epoll_pwait: no lost wakeup */

  s->lfd = listen_on(listen_spec, shown, sizeof shown);
  if (s->lfd < 0)
    return s->lfd == -2 ? 2 : 1;
  size_max_conns(s);
  s->cap = s->max_conns + 64;
  s->clients = calloc((size_t)s->cap + 1024, sizeof *s->clients);
  s->cap += 1024;
  s->epfd = epoll_create1(EPOLL_CLOEXEC);
  if (s->clients == NULL || s->epfd < 0) {
    fprintf(stderr, "refserver: out of resources: %s\n", strerror(errno));
    return 1;
  }
  memset(&ev, 0, sizeof ev);
  ev.events = EPOLLIN;
  ev.data.fd = s->lfd;
  epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->lfd, &ev);
  printf("listening on %s\n", shown);
  fflush(stdout);

  s->next_scan = UINT64_MAX;
  while (!stop_signal) {
    uint64_t now = now_ms(), wake;
    int timeout, n;
    if (s->accept_paused_until && now >= s->accept_paused_until)
      resume_accept(s);
    overload_flush(s, now, 0);
    if (now >= s->next_scan) {
      int top = 0;
      s->next_scan = UINT64_MAX;
      for (int fd = 0; fd <= s->maxfd && fd < s->cap; fd++) {
        struct client *cl = s->clients[fd];
        if (cl == NULL)
          continue;
        if (client_deadline(cl) <= now) {
          if (cl->lingering) {
            drop(s, cl);
            continue;
          }
          sy_conn_tick(&cl->conn, now);
          flush(s, cl, now);
          if (s->clients[fd] != cl)
            continue;
        }
        arm_client(s, cl);
        top = fd;
      }
      s->maxfd = top;
    }
    wake = s->next_scan;
    if (s->accept_paused_until && s->accept_paused_until < wake)
      wake = s->accept_paused_until;
    if (overload_flush_due(s) < wake)
      wake = overload_flush_due(s);
    timeout = wake == UINT64_MAX ? -1 : wake <= now ? 0 : (int)(wake - now < 60000 ? wake - now : 60000);
    n = epoll_pwait(s->epfd, events, MAX_EVENTS, timeout, &orig);
    now = now_ms();
    for (int i = 0; i < n; i++) {
      int fd = events[i].data.fd;
      struct client *cl;
      if (fd == s->lfd) {
        accept_all(s, now);
        continue;
      }
      cl = fd < s->cap ? s->clients[fd] : NULL;
      if (cl == NULL)
        continue;
      if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        on_readable(s, cl, now);
        if (s->clients[fd] != cl)
          continue;
      }
      if (!cl->lingering && (events[i].events & EPOLLOUT))
        flush(s, cl, now);
      if (s->clients[fd] == cl)
        arm_client(s, cl); /* a first byte starts the header timer: maybe sooner than planned */
    }
  }
  overload_flush(s, now_ms(), 1);
  for (int fd = 0; fd < s->cap; fd++)
    if (s->clients[fd])
      drop(s, s->clients[fd]);
  while (s->nspare)
    free(s->spare[--s->nspare]);
  close(s->epfd);
  close(s->lfd);
  free(s->clients);
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
    conn.on_decision = log_decision;
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

int main(int argc, char **argv)
{
  static struct server s;
  const char *listen_spec = "127.0.0.1:8080";
  const char *tls_cert = NULL, *tls_key = NULL;
  int use_stdin = 0, rc;
  long v;
  enum { O_LISTEN = 256, O_STDIN, O_POLICY, O_ROUTE, O_HT, O_IT, O_MAXC, O_VERB, O_VER, O_HELP,
         O_CERT, O_KEY };
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
  sy_policy_default(&s.pol);
  sy_conn_opts_default(&s.opts);
  s.max_conns = 0; /* from the open-file limit (size_max_conns) unless given */
  for (;;) {
    int o = getopt_long(argc, argv, "", opts, NULL);
    if (o == -1)
      break;
    switch (o) {
    case O_LISTEN:
      listen_spec = optarg;
      break;
    case O_STDIN:
      use_stdin = 1;
      break;
    case O_POLICY:
      if (load_policy(&s.pol, optarg) < 0)
        return 2;
      break;
    case O_ROUTE: {
      char path[SY_MAX_ROUTE_PATH];
      const char *eq = strrchr(optarg, '=');
      int kind;
      if (eq == NULL || (size_t)(eq - optarg) >= sizeof path) {
        fprintf(stderr, "refserver: --route wants PATH=KIND, got '%s'\n", optarg);
        return 2;
      }
      kind = sy_route_kind_parse(eq + 1, strlen(eq + 1));
      if (kind < 0) {
        fprintf(stderr,
                "refserver: --route kind must be plain, websocket, h2c, h2c-required, tls, "
                "tls-required or secure-redirect, got '%s'\n",
                eq + 1);
        return 2;
      }
      memcpy(path, optarg, (size_t)(eq - optarg));
      path[eq - optarg] = '\0';
      if (sy_policy_add_route(&s.pol, path, (enum sy_route_kind)kind) < 0) {
        fprintf(stderr, "refserver: bad --route '%s' (path must start with '/'; at most %d)\n",
                optarg, SY_MAX_ROUTES);
        return 2;
      }
      break;
    }
    case O_CERT:
      tls_cert = optarg;
      break;
    case O_KEY:
      tls_key = optarg;
      break;
    case O_HT:
      if (parse_uint(optarg, "--header-timeout", 86400000L, &v) < 0)
        return 2;
      s.opts.header_timeout_ms = (uint32_t)v;
      break;
    case O_IT:
      if (parse_uint(optarg, "--idle-timeout", 86400000L, &v) < 0)
        return 2;
      s.opts.idle_timeout_ms = (uint32_t)v;
      break;
    case O_MAXC:
      if (parse_uint(optarg, "--max-conns", 100000L, &v) < 0)
        return 2;
      if (v == 0) {
        fprintf(stderr, "refserver: --max-conns must be at least 1\n");
        return 2;
      }
      s.max_conns = (int)v;
      break;
    case O_VERB:
      s.verbose = 1;
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
  }
  if (optind < argc) {
    fprintf(stderr, "refserver: unexpected argument '%s'\n", argv[optind]);
    usage(stderr);
    return 2;
  }
  if (load_tls(&s, tls_cert, tls_key) < 0)
    return 2;
  s.opts.tls = s.tls;
  rc = use_stdin ? run_stdin(&s) : run_server(&s, listen_spec);
  sy_tls_ctx_free(s.tls);
  return rc;
}
