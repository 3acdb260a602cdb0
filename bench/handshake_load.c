/* SPDX-License-Identifier: MIT */
/* handshake_load.c: a small load generator for `make bench` (bench/refserver_vs_nginx.py compiles it).
 *
 * wrk keeps its connections open and has no notion of a protocol switch: after a 101 the
 * connection belongs to WebSocket, so a second request on it is not HTTP. This tool measures
 * "one request on a fresh connection": connect, send the request, read one whole response
 * (head, plus Content-Length bytes of body when there is one), check its status, close, repeat.
 * CONCURRENCY such connections are kept in flight by one thread with epoll, for SECONDS.
 *
 * usage: handshake_load HOST PORT SECONDS CONCURRENCY EXPECT_STATUS REQUEST_FILE
 * prints one JSON line: {"ok": N, "errors": N, "wrong_status": N, "seconds": S, "rate": R}
 *
 * Bounded: the run stops at SECONDS; a connection that gets no whole response within 2 s is
 * counted as an error and closed; responses larger than 16 KiB are errors. IPv4 only. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONC        1024
#define RESP_CAP        16384
#define CONN_TIMEOUT_NS 2000000000LL

struct slot {
  int fd;
  int sent;
  long long started;
  size_t got;
  char buf[RESP_CAP];
};

static struct sockaddr_in addr;
static const char *req;
static size_t req_len;
static int expect_status;
static long long ok, errors, wrong_status;

static long long now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int open_conn(int ep, struct slot *s, int idx)
{
  struct epoll_event ev;
  int one = 1;
  s->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s->fd < 0)
    return -1;
  setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(s->fd, (struct sockaddr *)&addr, sizeof addr) < 0 && errno != EINPROGRESS) {
    close(s->fd);
    s->fd = -1;
    return -1;
  }
  s->sent = 0;
  s->got = 0;
  s->started = now_ns();
  memset(&ev, 0, sizeof ev);
  ev.events = EPOLLOUT | EPOLLIN;
  ev.data.u32 = (uint32_t)idx;
  epoll_ctl(ep, EPOLL_CTL_ADD, s->fd, &ev);
  return 0;
}

static void close_conn(int ep, struct slot *s)
{
  epoll_ctl(ep, EPOLL_CTL_DEL, s->fd, NULL);
  close(s->fd);
  s->fd = -1;
}

/* 1: a whole response is in the buffer; 0: not yet; -1: malformed. */
static int response_complete(const struct slot *s, int *status)
{
  const char *end = memmem(s->buf, s->got, "\r\n\r\n", 4);
  const char *p;
  size_t head, body = 0;
  if (end == NULL)
    return s->got >= RESP_CAP ? -1 : 0;
  head = (size_t)(end - s->buf) + 4;
  if (s->got < 12 || memcmp(s->buf, "HTTP/1.1 ", 9) != 0)
    return -1;
  *status = atoi(s->buf + 9);
  /* Content-Length, if any (case-insensitive name at a line start) */
  for (p = s->buf; p && p < end; p = memchr(p, '\n', (size_t)(end - p))) {
    if (*p == '\n')
      p++;
    if (strncasecmp(p, "content-length:", 15) == 0) {
      body = (size_t)strtoul(p + 15, NULL, 10);
      break;
    }
  }
  if (*status == 101 || *status == 204 || *status == 304)
    body = 0;
  if (head + body > RESP_CAP)
    return -1;
  return s->got >= head + body;
}

/* The command line into addr, expect_status, req/req_len; 0, or 2 (usage) with the reason printed. */
static int parse_args(int argc, char **argv, double *seconds, int *conc, char *reqbuf, size_t cap)
{
  FILE *f;
  if (argc != 7) {
    fprintf(stderr, "usage: %s HOST PORT SECONDS CONCURRENCY EXPECT_STATUS REQUEST_FILE\n", argv[0]);
    return 2;
  }
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)atoi(argv[2]));
  if (inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1) {
    fprintf(stderr, "handshake_load: HOST must be a numeric IPv4 address\n");
    return 2;
  }
  *seconds = atof(argv[3]);
  *conc = atoi(argv[4]);
  expect_status = atoi(argv[5]);
  if (*seconds <= 0 || *seconds > 600 || *conc < 1 || *conc > MAX_CONC) {
    fprintf(stderr, "handshake_load: SECONDS in (0, 600], CONCURRENCY in 1..%d\n", MAX_CONC);
    return 2;
  }
  f = fopen(argv[6], "rb");
  if (f == NULL) {
    perror(argv[6]);
    return 2;
  }
  req_len = fread(reqbuf, 1, cap, f);
  fclose(f);
  req = reqbuf;
  return 0;
}

/* One epoll event on slot i: send the request once writable, then read until the response is
 * whole. 1 when the connection is finished (counted and closed), 0 while it goes on. */
static int on_event(int ep, struct slot *s, int i, uint32_t events)
{
  int status = 0, rc;
  if ((events & EPOLLOUT) && !s->sent) {
    ssize_t w = send(s->fd, req, req_len, MSG_NOSIGNAL);
    if (w == (ssize_t)req_len) {
      struct epoll_event ev;
      s->sent = 1;
      memset(&ev, 0, sizeof ev);
      ev.events = EPOLLIN;
      ev.data.u32 = (uint32_t)i;
      epoll_ctl(ep, EPOLL_CTL_MOD, s->fd, &ev);
    } else if (w < 0 && errno == EAGAIN) {
      return 0;
    } else {
      errors++;
      close_conn(ep, s);
      return 1;
    }
  }
  if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
    return 0;
  ssize_t r = recv(s->fd, s->buf + s->got, RESP_CAP - s->got, 0);
  if (r < 0 && errno == EAGAIN)
    return 0;
  if (r <= 0) {
    errors++;
    close_conn(ep, s);
    return 1;
  }
  s->got += (size_t)r;
  rc = response_complete(s, &status);
  if (rc == 0)
    return 0;
  if (rc < 0)
    errors++;
  else if (status != expect_status)
    wrong_status++;
  else
    ok++;
  close_conn(ep, s);
  return 1;
}

/* Connections that got nothing in time; slots whose connect failed (e.g. no free port). */
static void sweep(int ep, struct slot *slots, int conc, long long now, long long deadline)
{
  for (int i = 0; i < conc; i++) {
    if (slots[i].fd >= 0 && now - slots[i].started > CONN_TIMEOUT_NS) {
      errors++;
      close_conn(ep, &slots[i]);
    }
    if (slots[i].fd < 0 && now < deadline && open_conn(ep, &slots[i], i) < 0)
      errors++;
  }
}

int main(int argc, char **argv)
{
  static struct slot slots[MAX_CONC];
  static char reqbuf[8192];
  struct epoll_event evs[256];
  double seconds, el;
  int conc, ep;
  long long t0, deadline;

  if (parse_args(argc, argv, &seconds, &conc, reqbuf, sizeof reqbuf))
    return 2;
  ep = epoll_create1(EPOLL_CLOEXEC);
  t0 = now_ns();
  deadline = t0 + (long long)(seconds * 1e9);
  for (int i = 0; i < conc; i++)
    if (open_conn(ep, &slots[i], i) < 0)
      errors++;
  while (now_ns() < deadline) {
    int n = epoll_wait(ep, evs, 256, 100);
    long long now = now_ns();
    for (int k = 0; k < n; k++) {
      int i = (int)evs[k].data.u32;
      if (slots[i].fd < 0 || !on_event(ep, &slots[i], i, evs[k].events))
        continue;
      if (now < deadline && open_conn(ep, &slots[i], i) < 0)
        errors++;
    }
    sweep(ep, slots, conc, now, deadline);
  }
  el = (double)(now_ns() - t0) / 1e9;
  for (int i = 0; i < conc; i++)
    if (slots[i].fd >= 0)
      close(slots[i].fd);
  printf("{\"ok\": %lld, \"errors\": %lld, \"wrong_status\": %lld, \"seconds\": %.3f, "
         "\"rate\": %.1f}\n",
         ok, errors, wrong_status, el, (double)ok / el);
  close(ep);
  return 0;
}
