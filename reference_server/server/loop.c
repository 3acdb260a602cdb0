/* SPDX-License-Identifier: MIT */
/* loop.c: refserver's listening socket, its connection budget (the open-file limit) and the
 * epoll loop: readiness to clients.c, deadlines by a timer scan, SIGTERM/SIGINT to a clean stop. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "server.h"

#define MAX_EVENTS 64
#define NOFILE_CAP (1L << 30) /* an open-file limit above this (or none) counts as this */

static volatile sig_atomic_t stop_signal;
static void on_signal(int sig)
{
  stop_signal = sig;
}

static uint64_t now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
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
  srv_format_addr(&addr.ss, 1, shown, shown_cap);
  return fd;
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

/* SIGTERM and SIGINT stop the loop; they are blocked except inside epoll_pwait (orig: the mask
 * it waits with), so none is lost between the check and the wait. */
static void block_signals(sigset_t *orig)
{
  sigset_t block;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  sigaddset(&block, SIGINT);
  sigprocmask(SIG_BLOCK, &block, orig);
}

/* The listening socket, the client table and epoll; then the "listening on" line. Returns 0, or
 * the exit status. */
static int start(struct server *s, const char *listen_spec)
{
  char shown[128];
  struct epoll_event ev;
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
  return 0;
}

/* The timers: every connection whose deadline has come is ticked (or, lingering, dropped), and
 * next_scan is armed with the earliest deadline left. */
static void scan_deadlines(struct server *s, uint64_t now)
{
  int top = 0;
  s->next_scan = UINT64_MAX;
  for (int fd = 0; fd <= s->maxfd && fd < s->cap; fd++) {
    struct client *cl = s->clients[fd];
    if (cl == NULL)
      continue;
    if (srv_client_deadline(cl) <= now) {
      if (cl->lingering) {
        srv_drop(s, cl);
        continue;
      }
      sy_conn_tick(&cl->conn, now);
      srv_flush(s, cl, now);
      if (s->clients[fd] != cl)
        continue;
    }
    srv_arm_client(s, cl);
    top = fd;
  }
  s->maxfd = top;
}

/* epoll_pwait's timeout: until the next deadline, accept's resumption or an overload line due
 * (-1: none; at most a minute). */
static int wait_ms(const struct server *s, uint64_t now)
{
  uint64_t wake = s->next_scan;
  if (s->accept_paused_until && s->accept_paused_until < wake)
    wake = s->accept_paused_until;
  if (srv_overload_flush_due(s) < wake)
    wake = srv_overload_flush_due(s);
  return wake == UINT64_MAX ? -1 : wake <= now ? 0
                                               : (int)(wake - now < 60000 ? wake - now : 60000);
}

static void dispatch(struct server *s, const struct epoll_event *events, int n, uint64_t now)
{
  for (int i = 0; i < n; i++) {
    int fd = events[i].data.fd;
    struct client *cl;
    if (fd == s->lfd) {
      srv_accept_all(s, now);
      continue;
    }
    cl = fd < s->cap ? s->clients[fd] : NULL;
    if (cl == NULL)
      continue;
    if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
      srv_on_readable(s, cl, now);
      if (s->clients[fd] != cl)
        continue;
    }
    if (!cl->lingering && (events[i].events & EPOLLOUT))
      srv_flush(s, cl, now);
    if (s->clients[fd] == cl)
      srv_arm_client(s, cl); /* a first byte starts the header timer: maybe sooner than planned */
  }
}

int srv_run(struct server *s, const char *listen_spec)
{
  struct epoll_event events[MAX_EVENTS];
  sigset_t orig;
  int rc;

  block_signals(&orig);
  rc = start(s, listen_spec);
  if (rc != 0)
    return rc;
  while (!stop_signal) {
    uint64_t now = now_ms();
    int n;
    if (s->accept_paused_until && now >= s->accept_paused_until)
      srv_resume_accept(s);
    srv_overload_flush(s, now, 0);
    if (now >= s->next_scan)
      scan_deadlines(s, now);
    n = epoll_pwait(s->epfd, events, MAX_EVENTS, wait_ms(s, now), &orig);
    dispatch(s, events, n, now_ms());
  }
  srv_overload_flush(s, now_ms(), 1);
  for (int fd = 0; fd < s->cap; fd++)
    if (s->clients[fd])
      srv_drop(s, s->clients[fd]);
  while (s->nspare)
    free(s->spare[--s->nspare]);
  close(s->epfd);
  close(s->lfd);
  free(s->clients);
  return 0;
}
